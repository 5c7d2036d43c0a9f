"""'Dual-gigabit city' pilots (苏政办发〔2020〕31号, clauses 1, 13): gigabit broadband becomes available
to more households in pilot cities, on top of the national spread; the province funds each
household newly passed, and a pilot city's extension happens only where it is paid.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, field_validator

from infosim.levers.base import Lever, LeverSettings
from infosim.parameters.types import Share, Yuan
from infosim.world.context import MonthContext
from infosim.world.geography import CITIES


class GigabitSettings(LeverSettings):
    """'Dual-gigabit city' pilots (clauses 1, 13)."""

    CLAUSE: ClassVar[str] = "1, 13"

    pilot_cities: list[str] = Field(default_factory=list)
    availability_gain_per_month: Share = Field(0.02, description="extra gigabit availability per month")
    fund_per_household_passed_yuan: Yuan = 50.0

    @field_validator("pilot_cities")
    @classmethod
    def _known_cities(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in CITIES]
        if bad:
            raise ValueError(f"unknown cities {bad}; allowed: {', '.join(CITIES)}")
        return v


class GigabitPilots(Lever):
    """Clause 1 (开展"双千兆宽带城市"试点) and clause 13 (学校宽带1000M)."""

    name: ClassVar[str] = "gigabit"
    Settings: ClassVar[type[LeverSettings]] = GigabitSettings
    position: ClassVar[int] = 20
    cfg: GigabitSettings

    def availability_gain(self, month: int) -> np.ndarray:
        """Extra gigabit availability this month, per city (0 outside pilot cities)."""
        gain = np.zeros(len(CITIES))
        if self.is_on(month):
            for name in self.cfg.pilot_cities:
                gain[CITIES.index(name)] = self.cfg.availability_gain_per_month * self.taper(month)
        return gain

    def act(self, ctx: MonthContext) -> None:
        """Extend availability in pilot cities (after the month's national spread) where funded."""
        gigabit, households_by_area = self.world.gigabit, self.world.households_by_area
        national = gigabit.by_area
        gain_city = self.availability_gain(ctx.month)
        pilot = np.minimum(1.0, national + np.repeat(gain_city, 2) * (1.0 - national)) - national
        passed_by_city = (pilot * households_by_area).reshape(-1, 2).sum(axis=1)
        funded = self.pay_passed(ctx.month, passed_by_city)
        gigabit.by_area = national + pilot * np.repeat(funded, 2)

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
