"""Awareness and inclusion (苏政办发〔2020〕31号, clauses 8, 10, 11): information-consumption
experience centres raise awareness in their cities; age-friendly and smart elderly-care programmes
raise the digital literacy of elderly households. Each is paid first and acts only where paid;
the households apply the effects (``ProgrammeEffects``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from infosim.levers.base import Lever, LeverSettings
from infosim.parameters.types import Share, Yuan
from infosim.world.context import MonthContext
from infosim.world.policy import ProgrammeEffects


class AwarenessSettings(LeverSettings):
    """Experience centres and age-friendly programmes (clauses 8, 10, 11)."""

    CLAUSE: ClassVar[str] = "8, 10, 11"

    experience_centres: int = Field(5, ge=0, le=1000)
    awareness_gain_per_centre: Share = 0.004
    cost_per_centre_yuan_month: Yuan = 500_000.0
    elderly_literacy_gain_per_month: Share = 0.01
    cost_per_elderly_household_yuan: Yuan = Field(2.0, description="yuan per elderly household per month")


class Awareness(Lever):
    """Clause 8 (5家以上信息消费体验中心), clauses 10-11 (智慧健康, 智慧养老, 适老化)."""

    name: ClassVar[str] = "awareness"
    Settings: ClassVar[type[LeverSettings]] = AwarenessSettings
    position: ClassVar[int] = 60
    cfg: AwarenessSettings

    def centres_by_city(self, households_by_city: np.ndarray) -> np.ndarray:
        """Experience centres per city: one each in the largest cities, round-robin beyond 13."""
        n_cities = households_by_city.size
        order = np.argsort(-households_by_city, kind="stable")
        centres = np.zeros(n_cities)
        for i in range(self.cfg.experience_centres):
            centres[order[i % n_cities]] += 1
        return centres

    def _elderly(self, n_cities: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of elderly households and elderly households per city (fixed for a run)."""
        if getattr(self, "_elderly_cache", None) is None:
            hh = self.world.households
            reached = np.flatnonzero(hh.elderly)
            self._elderly_cache = (reached, np.bincount(hh.city[reached], minlength=n_cities))
        return self._elderly_cache

    def act(self, ctx: MonthContext) -> ProgrammeEffects | None:
        """Pay the month's programme costs; awareness rises near funded centres and the literacy of
        elderly households in cities whose programme was funded."""
        month = ctx.month
        if not self.is_on(month):
            return None
        cfg, t = self.cfg, self.taper(month)
        households_by_city = self.world.households_by_city
        centres = self.centres_by_city(households_by_city)
        reached, elderly_by_city = self._elderly(households_by_city.size)
        cities = np.flatnonzero(centres)
        paid = self.ledger.pay(
            self.name,
            month,
            centres[cities] * cfg.cost_per_centre_yuan_month * t,
            cities,
            "programme",
            product="experience_centres",
        )
        centres[cities[~paid]] = 0.0
        gain = (cfg.awareness_gain_per_centre * t * centres).astype(np.float32)
        cost = elderly_by_city * self.world.household_weight * cfg.cost_per_elderly_household_yuan * t
        cities = np.flatnonzero(cost)
        paid = self.ledger.pay(self.name, month, cost[cities], cities, "programme", product="elderly_literacy")
        funded_city = np.zeros(households_by_city.size, dtype=bool)
        funded_city[cities[paid]] = True
        rows = reached[funded_city[self.world.households.city[reached]]]
        return ProgrammeEffects(
            awareness_gain_by_city=gain,
            literacy_rows=rows,
            literacy_gain=np.float32(cfg.elderly_literacy_gain_per_month * t),
        )
