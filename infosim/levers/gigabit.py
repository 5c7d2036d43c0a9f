"""'Dual-gigabit city' pilots (clauses 1, 13): gigabit broadband becomes available to more
households in pilot cities; the province funds each household newly passed.
"""

from __future__ import annotations

import numpy as np

from infosim.levers.base import LeverRule
from infosim.scenario.schema import CITIES, GigabitLever


class GigabitPilots(LeverRule):
    """Clause 1 (开展"双千兆宽带城市"试点) and clause 13 (学校宽带1000M)."""

    cfg: GigabitLever

    def availability_gain(self, month: int) -> np.ndarray:
        """Extra gigabit availability this month, per city (0 outside pilot cities)."""
        gain = np.zeros(len(CITIES))
        if self.is_on(month):
            for name in self.cfg.pilot_cities:
                gain[CITIES.index(name)] = self.cfg.availability_gain_per_month * self.taper(month)
        return gain

    def pay_passed(self, month: int, newly_passed_by_city: np.ndarray) -> np.ndarray:
        """Fund the households newly passed in pilot cities (province totals per city).

        Returns:
            Per city, whether its extension is funded (the pilots extend only where paid; True
            where the lever costs nothing).
        """
        funded = np.ones(newly_passed_by_city.size, dtype=bool)
        if not self.is_on(month) or self.cfg.fund_per_household_passed_yuan <= 0:
            return funded
        cities = np.flatnonzero(newly_passed_by_city > 0)
        paid = self.ledger.pay(
            self.name,
            month,
            newly_passed_by_city[cities] * self.cfg.fund_per_household_passed_yuan,
            cities,
            "operator",
            product="gigabit_passed",
        )
        funded[cities[~paid]] = False
        return funded
