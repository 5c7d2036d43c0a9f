"""Awareness and inclusion (clauses 8, 10, 11): information-consumption experience centres raise
awareness in their cities; age-friendly and smart elderly-care programmes raise the digital
literacy of elderly households.
"""

from __future__ import annotations

import itertools

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

    def _groups(self, hh: HouseholdState, n_cities: int) -> tuple[list[slice | np.ndarray], np.ndarray, np.ndarray]:
        """Rows of each city, rows of elderly households, elderly households per city (fixed for a run)."""
        if getattr(self, "_groups_of", None) is not hh:
            city = hh.city
            if city.size and np.all(np.diff(city) >= 0):  # sorted by city: slices, no index arrays
                bounds = np.searchsorted(city, np.arange(n_cities + 1))
                rows_of_city = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
            else:
                rows_of_city = [np.flatnonzero(city == c) for c in range(n_cities)]
            reached = np.flatnonzero(hh.elderly)
            self._group_cache = (rows_of_city, reached, np.bincount(city[reached], minlength=n_cities))
            self._groups_of = hh
        return self._group_cache

    def apply(self, month: int, hh: HouseholdState, households_by_city: np.ndarray, weight: float) -> None:
        """Pay the month's programme costs, then raise awareness near funded centres and the
        literacy of elderly households in cities whose programme was funded."""
        if not self.is_on(month):
            return
        cfg, t = self.cfg, self.taper(month)
        centres = self.centres_by_city(households_by_city)
        rows_of_city, reached, elderly_by_city = self._groups(hh, households_by_city.size)
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
        for city in np.flatnonzero(gain):  # households elsewhere gain nothing
            rows = rows_of_city[city]
            hh.awareness[rows] += gain[city] * (1.0 - hh.awareness[rows])
        lit_gain = np.float32(cfg.elderly_literacy_gain_per_month * t)
        cost = elderly_by_city * weight * cfg.cost_per_elderly_household_yuan * t
        cities = np.flatnonzero(cost)
        paid = self.ledger.pay(self.name, month, cost[cities], cities, "programme", product="elderly_literacy")
        funded_city = np.zeros(households_by_city.size, dtype=bool)
        funded_city[cities[paid]] = True
        rows = reached[funded_city[hh.city[reached]]]
        hh.literacy[rows] += lit_gain * (1.0 - hh.literacy[rows])
