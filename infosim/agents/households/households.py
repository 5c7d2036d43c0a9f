"""Households: the population's columnar state, what households see each month, and their staged
behaviours (phones and plans, home products, spending), each in a module of its own.

Each behaviour acts on the whole population at once. Where a policy offer could change a
decision, the decision is evaluated twice on the same random draws: without any offer and with
every offer the government makes (``infosim.world.policy``); the government settles the claims
and households whose claim is refused fall back to their no-offer decision. Because the draws
are shared, an offer only ever adds purchases. Households know prices, not voucher or subsidy
rules.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from infosim.agents.households import home_products, phones, spending
from infosim.data import load_table, values
from infosim.parameters import Parameters
from infosim.world.context import MonthContext
from infosim.world.geography import area_index
from infosim.world.numerics import blocks, city_blocks, float32_at_least, rows_of_cities
from infosim.world.policy import Policy, ProgrammeEffects, Settlement
from infosim.world.state import HouseholdState
from infosim.world.ties import LatticeTies

PEER_FLAGS = ("phone5g", "smart_home", "tv4k")  # products whose ownership contacts notice


@cache
def persons_per_household() -> float:
    """Mean persons per household in the province (census), the scale of mobile users per person."""
    return float(values(load_table("population"))["province"]["persons_per_household"])


class Households:
    """The household population: state arrays plus vectorised behaviours.

    Args:
        state: the households' state arrays.
        contacts: ``(n, degree)`` contact indices (ignored with full mixing); kept as lattice ties.
        params: the scenario's uncertain parameters.
        weight: real households each agent stands for.

    Attributes:
        area: area index (city * 2 + urban) of each household.
        users: mobile users in each household (float32).
        covered, gigabit_available: where 5G coverage and gigabit reach, this month.
        peer_count: per product flag, how many of each household's contacts own it (uint8);
            ``peer_share_table[flag][count]`` is the share the behaviours use (under full mixing
            every count is 0 and the table holds the population share).
        month_spend: this month's information spending of one real household per agent.
        device_spend, voucher_extra: this month's device purchases and the extra spending of
            money that offers freed (paid for purchases made anyway), added by :meth:`spend`.
    """

    def __init__(self, state: HouseholdState, contacts: np.ndarray, params: Parameters, weight: float) -> None:
        self.state = state
        self.ties = LatticeTies(contacts) if contacts.shape[1] and params.network.mode == "small_world" else None
        self.params = params
        self.weight = weight
        self.area = area_index(state.city, state.urban)
        self.persons_per_household = persons_per_household()
        users = params.phones.mobile_users_per_household * state.size / self.persons_per_household
        self.users = users.astype(np.float32)
        self.income_per_user = (state.income_pc * state.size / 12.0 / users).astype(np.float32)
        self.ref_income_per_user = float(np.mean(self.income_per_user))
        self.income_rel = (state.income_pc / np.mean(state.income_pc)).astype(np.float32)
        del users
        self.sqrt_income_rel = np.sqrt(self.income_rel)
        sp = params.spending
        self.other_spend_base = sp.other_yuan_per_household * self.income_rel**sp.income_elasticity
        self.gigabit_hazard = params.home.gigabit_hazard * self.sqrt_income_rel
        self.city_blocks = city_blocks(state.city)
        self.covered = np.zeros(state.n, dtype=bool)
        self.gigabit_available = np.zeros(state.n, dtype=bool)
        no_peers = np.zeros(state.n, dtype=np.uint8)
        self.peer_count: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, no_peers)
        self.peer_share_table: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, np.zeros(1, dtype=np.float32))
        self.month_spend = np.zeros(state.n, dtype=np.float32)
        self.device_spend = np.zeros(state.n, dtype=np.float32)
        self.voucher_extra = np.zeros(state.n, dtype=np.float32)
        self._rows_of_city: list[slice | np.ndarray] | None = None

    # ------------------------------------------------------------------ what households see
    def observe(self, coverage_by_area: np.ndarray, gigabit_by_area: np.ndarray) -> None:
        """Update who lives under 5G coverage and where gigabit can be ordered."""
        s = self.state
        self.covered = self._below_area_threshold(s.loc_u, coverage_by_area, self.covered)
        self.gigabit_available = self._below_area_threshold(s.gig_u, gigabit_by_area, self.gigabit_available)

    def look_at_peers(self) -> None:
        """Count each household's contacts with a 5G phone, smart home, 4K TV."""
        s = self.state
        flags = {flag: getattr(s, flag) for flag in PEER_FLAGS}
        if self.ties is None:  # full mixing: every count stays 0; the table holds the population share
            self.peer_share_table = {k: np.array([flag.mean()], dtype=np.float32) for k, flag in flags.items()}
            return
        bits = s.phone5g.view(np.uint8) | (s.smart_home.view(np.uint8) << 1) | (s.tv4k.view(np.uint8) << 2)
        degree = self.ties.degree
        table = np.arange(degree + 1).astype(np.float32) / np.float32(degree)
        counts = self.ties.counts_of_bits(bits, len(flags))
        self.peer_count = dict(zip(flags, counts, strict=True))
        self.peer_share_table = dict.fromkeys(flags, table)

    @property
    def contacts(self) -> np.ndarray:
        """``(n, degree)`` contact indices (built from the lattice ties on each access; (n, 0) with full mixing)."""
        return self.ties.dense() if self.ties is not None else np.zeros((self.state.n, 0), dtype=np.int32)

    def peer_share(self, flag: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Share of contacts owning `flag` ('phone5g', 'smart_home', 'tv4k'), for `rows` or everyone (float32)."""
        count = self.peer_count[flag]
        return np.take(self.peer_share_table[flag], count if rows is None else count[rows])

    def learn(self) -> None:
        """Awareness grows by itself (media, shops) and through contacts who have 5G."""
        s, hp = self.state, self.params.households
        table = np.float32(hp.awareness_growth_per_month) + np.float32(hp.awareness_peer_weight) * (
            self.peer_share_table["phone5g"]
        )
        count = self.peer_count["phone5g"]
        for b in blocks(s.n):
            awareness = s.awareness[b]
            gap = np.subtract(1.0, awareness, dtype=np.float32)
            np.multiply(np.take(table, count[b]), gap, out=gap)
            awareness += gap

    def take_part_in_programmes(self, effects: list[ProgrammeEffects]) -> None:
        """Awareness rises where experience centres run; literacy rises for households programmes reach."""
        s = self.state
        for effect in effects:
            gain = effect.awareness_gain_by_city
            if gain is not None:
                if self._rows_of_city is None:
                    self._rows_of_city = rows_of_cities(s.city, gain.size)
                for city in np.flatnonzero(gain):  # households elsewhere gain nothing
                    rows = self._rows_of_city[city]
                    s.awareness[rows] += gain[city] * (1.0 - s.awareness[rows])
            rows = effect.literacy_rows
            if rows.size:
                s.literacy[rows] += np.float32(effect.literacy_gain) * (1.0 - s.literacy[rows])

    # ------------------------------------------------------------------ the staged behaviours
    def replace_phones(self, ctx: MonthContext, policy: Policy) -> None:
        """Replace ageing phones, choose 4G or 5G, upgrade early to 5G (``phones.py``)."""
        phones.replace_phones(self, ctx, policy)

    def take_up_plans(self, ctx: MonthContext) -> None:
        """5G handset owners move to a 5G plan (``phones.py``)."""
        phones.take_up_plans(self, ctx)

    def adopt_home_products(self, ctx: MonthContext, policy: Policy) -> None:
        """Gigabit broadband, smart-home devices and 4K TVs (``home_products.py``)."""
        home_products.adopt_gigabit(self, ctx, policy)
        home_products.adopt_devices(self, ctx, policy)

    def use_service_offers(self, ctx: MonthContext, policy: Policy) -> None:
        """Offers usable on the month's services (e.g. vouchers without a minimum spend) (``spending.py``)."""
        spending.use_service_offers(self, ctx, policy)

    def spend(self, ctx: MonthContext) -> np.ndarray:
        """This month's information spending (``spending.py``)."""
        return spending.spend(self, ctx)

    # ------------------------------------------------------------------ helpers
    def accept(self, settlement: Settlement, month: int) -> None:
        """Take on what settled offers come with: bundled 5G plans; spend part of freed money."""
        s = self.state
        for rows in settlement.bundled:  # a subsidised 5G phone comes with a 5G plan (clause 6)
            new_plan = rows[~s.plan5g[rows]]
            s.plan5g[new_plan] = True
            s.m_plan5g[new_plan] = month
        share = np.float32(self.params.spending.voucher_extra_spend_share)
        for rows, yuan in settlement.freed:
            self.voucher_extra[rows] += share * yuan

    def _below_area_threshold(self, quantile: np.ndarray, by_area: np.ndarray, out: np.ndarray) -> np.ndarray:
        """quantile < by_area[area], compared in float32 (exactly as in float64) city block by city block."""
        thresholds = float32_at_least(by_area)
        if self.city_blocks is None:
            return np.less(quantile, thresholds[self.area], out=out)
        s = self.state
        for city, rows in self.city_blocks:
            urban, rural = thresholds[2 * city + 1], thresholds[2 * city]
            for lo in range(rows.start, rows.stop, 1 << 16):
                b = slice(lo, min(lo + (1 << 16), rows.stop))
                is_urban, q = s.urban[b], quantile[b]
                np.logical_or(is_urban & (q < urban), ~is_urban & (q < rural), out=out[b])
        return out
