"""5G build-out (clauses 1, 2): the 2020 target of 52,000 new stations, lower power cost (direct
supply, peak-valley tariffs), free public sites (lower capex) and a provincial fund per station.
"""

from __future__ import annotations

import numpy as np

from infosim.levers.base import LeverRule
from infosim.scenario.schema import BuildoutLever


class Buildout(LeverRule):
    """Clause 1 (投资120亿元，新建5G基站5.2万个; 电力直供, 峰谷电价) and clause 2 (公共资源免费开放)."""

    cfg: BuildoutLever

    def cost_factors(self, month: int) -> tuple[float, float]:
        """(capex factor, power-cost factor) this month: 1 without the lever."""
        if not self.in_period(month):
            return 1.0, 1.0
        t = self.taper(month)
        return 1.0 - self.cfg.site_capex_reduction * t, 1.0 - self.cfg.power_cost_reduction * t

    def monthly_target(self, month: int, calendar_year: int, built_this_year: float, months_left: int) -> float:
        """Stations per month still needed to meet this year's target (0 without a target)."""
        if not self.in_period(month):
            return 0.0
        target = self.cfg.target_new_stations.get(str(calendar_year), 0.0)
        gap = max(0.0, target - built_this_year)
        return self.cfg.target_compliance * gap / max(months_left, 1)

    def pay_support(self, month: int, new_by_city: np.ndarray) -> None:
        """Pay the provincial fund per new station to operators, city by city."""
        if not self.is_on(month) or self.cfg.support_per_station_yuan <= 0:
            return
        cities = np.flatnonzero(new_by_city > 0)
        self.ledger.pay(
            self.name,
            month,
            new_by_city[cities] * self.cfg.support_per_station_yuan * self.taper(month),
            cities,
            "operator",
            product="stations",
        )
