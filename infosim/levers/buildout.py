"""5G build-out (苏政办发〔2020〕31号, clauses 1, 2): the yearly targets for new stations, lower power
cost (direct supply, peak-valley tariffs), free public sites (lower capex) and a provincial fund
per station. Operators see the cost factors and the year's target in the month's context.

The target is an instrument, not a forecast of what operators build: how much of the gap between
the target and their commercial build operators close is their behaviour, the uncertain
parameter ``parameters.operators.target_compliance`` (estimated by calibration), not a setting of
the lever (``agents/operators.py``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from infosim.levers.base import Lever, LeverSettings
from infosim.parameters.types import NonNeg, Share, Yuan
from infosim.world.context import MonthContext


class BuildoutSettings(LeverSettings):
    """5G build-out support (clauses 1, 2)."""

    CLAUSE: ClassVar[str] = "1, 2"

    target_new_stations: dict[str, NonNeg] = Field(
        default_factory=dict, description="year -> new stations the plan asks for, e.g. {'2020': 52000}"
    )
    power_cost_reduction: Share = Field(0.25, description="fall in power cost (direct supply, tariffs)")
    site_capex_reduction: Share = Field(0.10, description="fall in capex from free public sites")
    support_per_station_yuan: Yuan = Field(0.0, description="provincial fund per new station")


class Buildout(Lever):
    """Clause 1 (投资120亿元，新建5G基站5.2万个; 电力直供, 峰谷电价) and clause 2 (公共资源免费开放)."""

    name: ClassVar[str] = "buildout"
    Settings: ClassVar[type[LeverSettings]] = BuildoutSettings
    position: ClassVar[int] = 10
    cfg: BuildoutSettings

    def cost_factors(self, month: int) -> tuple[float, float]:
        """(capex factor, power-cost factor) this month: 1 without the lever."""
        if not self.in_period(month):
            return 1.0, 1.0
        t = self.taper(month)
        return 1.0 - self.cfg.site_capex_reduction * t, 1.0 - self.cfg.power_cost_reduction * t

    def station_target(self, month: int, calendar_year: int) -> float:
        """New stations the plan asks for in `calendar_year` (0 without a target or outside the period)."""
        if not self.in_period(month):
            return 0.0
        return float(self.cfg.target_new_stations.get(str(calendar_year), 0.0))

    def prepare_month(self, ctx: MonthContext) -> None:
        """Put the cost factors and the year's station target into the context."""
        ctx.capex_factor, ctx.power_factor = self.cost_factors(ctx.month)
        ctx.station_target = self.station_target(ctx.month, ctx.calendar_year)

    def close_month(self, ctx: MonthContext) -> None:
        """Pay the provincial fund per new station to operators, city by city."""
        if not self.is_on(ctx.month) or self.cfg.support_per_station_yuan <= 0:
            return
        new_by_city = ctx.new_stations_by_area.reshape(-1, 2).sum(axis=1)
        cities = np.flatnonzero(new_by_city > 0)
        self.ledger.pay(
            self.name,
            ctx.month,
            new_by_city[cities] * self.cfg.support_per_station_yuan * self.taper(ctx.month),
            cities,
            "operator",
            product="stations",
        )
