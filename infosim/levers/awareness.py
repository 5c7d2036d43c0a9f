"""Awareness and inclusion (clauses 8, 10, 11): information-consumption experience centres raise
awareness in their cities; age-friendly and smart elderly-care programmes raise the digital
literacy of elderly households.
"""

from __future__ import annotations

import numpy as np

from infosim.agents.state import HouseholdState
from infosim.levers.base import LeverRule
from infosim.scenario.schema import AwarenessLever


class Awareness(LeverRule):
    """Clause 8 (5家以上信息消费体验中心), clauses 10-11 (智慧健康, 智慧养老, 适老化)."""

    cfg: AwarenessLever

    def centres_by_city(self, households_by_city: np.ndarray) -> np.ndarray:
        """Experience centres per city: one each in the largest cities, round-robin beyond 13."""
        n_cities = households_by_city.size
        order = np.argsort(-households_by_city, kind="stable")
        centres = np.zeros(n_cities)
        for i in range(self.cfg.experience_centres):
            centres[order[i % n_cities]] += 1
        return centres

    def apply(self, month: int, hh: HouseholdState, households_by_city: np.ndarray, weight: float) -> None:
        """Raise awareness near centres and elderly literacy; pay the month's programme costs."""
        if not self.is_on(month):
            return
        cfg, t = self.cfg, self.taper(month)
        centres = self.centres_by_city(households_by_city)
        gain = (cfg.awareness_gain_per_centre * t * centres)[hh.city].astype(np.float32)
        hh.awareness += gain * (1.0 - hh.awareness)
        lit_gain = np.float32(cfg.elderly_literacy_gain_per_month * t)
        reached = hh.elderly
        hh.literacy[reached] += lit_gain * (1.0 - hh.literacy[reached])
        cities = np.flatnonzero(centres)
        self.ledger.pay(
            self.name,
            month,
            centres[cities] * cfg.cost_per_centre_yuan_month * t,
            cities,
            "programme",
            product="experience_centres",
        )
        per_city = np.bincount(hh.city[reached], minlength=households_by_city.size) * weight
        cost = (
            per_city
            * float(lit_gain)
            * cfg.cost_per_elderly_household_yuan
            / max(cfg.elderly_literacy_gain_per_month, 1e-9)
        )
        cities = np.flatnonzero(cost)
        self.ledger.pay(self.name, month, cost[cities], cities, "programme", product="elderly_literacy")
