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

from concurrent.futures import Future

import numpy as np

from infosim.agents.households import home_products, phones, plans, spending
from infosim.parameters import Parameters
from infosim.world.background import in_background
from infosim.world.context import MonthContext
from infosim.world.geography import N_AREAS, area_index
from infosim.world.market import MarketPath
from infosim.world.numerics import AreaRanks, blocks, float32_at_least, rows_of_cities
from infosim.world.policy import Policy, ProgrammeEffects, Settlement
from infosim.world.state import NEVER, HouseholdState, UserState
from infosim.world.ties import LatticeTies

PEER_FLAGS = ("phone5g", "smart_home", "tv4k")  # products whose ownership contacts notice


class Households:
    """The household population: state arrays plus vectorised behaviours.

    Args:
        state: the households' state arrays.
        users: their mobile users (sorted by household).
        ties: the households' contacts (None: full mixing).
        params: the scenario's uncertain parameters.
        weight: real households each agent stands for.
        market: the run's national market path (demand, premium, national income).

    Attributes:
        area: area index (city * 2 + urban) of each household.
        users: the mobile users (subscriptions): their phones and plans (``UserState``).
        active_users: subscriptions active this month in each household (float32).
        covered, gigabit_available: where 5G coverage and gigabit reach, this month.
        peer_count: per product flag, how many of each household's contacts own it (uint8);
            ``peer_share_table[flag][count]`` is the share the behaviours use (under full mixing
            every count is 0 and the table holds the population share). Valid during the
            household stage: once it ends, the same arrays receive next month's counts on the
            background thread (:meth:`count_peers_ahead`), so copy them to keep this month's.
        month_spend: this month's information spending of one real household per agent.
        device_spend, freed_spend: this month's device purchases and the extra spending of
            money that offers freed (paid for purchases made anyway), added by :meth:`spend`.
        induced: spending each lever induced this month (province total, yuan): purchases made
            with its payment that would not have been made without the offers, top-ups to a
            voucher's minimum, and freed money spent.
    """

    def __init__(
        self,
        state: HouseholdState,
        users: UserState,
        ties: LatticeTies | None,
        params: Parameters,
        weight: float,
        market: MarketPath,
    ) -> None:
        self.state = state
        self.users = users
        self.clocks = phones.replacement_clocks(params.phones, market.demand_index)
        self.plan_clocks = plans.PlanClocks(params.plans, market.plan_premium)
        started = users.active_from < 0
        users.replace_at[started] = self.clocks.replacement_month(
            users.phone_from[started], users.life_threshold[started]
        )
        self.ties = ties if params.network.mode == "small_world" else None
        self.params = params
        self.weight = weight
        self.area = area_index(state.city, state.urban)
        # households ranked by location quantile within their area (coverage, gigabit availability),
        # sorted on the background thread while the rest is set up
        ranks = in_background(lambda: [AreaRanks(q, self.area, N_AREAS) for q in (state.loc_u, state.gig_u)])
        home = users.household
        self.active_users = np.bincount(home[users.active_from < 0], minlength=state.n).astype(np.float32)
        self.mean_active_users = float(self.active_users.mean()) if state.n else 1.0
        self.count_5g = np.bincount(home[users.phone5g], minlength=state.n).astype(np.int16)
        self.count_plan = np.bincount(home[users.plan5g], minlength=state.n).astype(np.int16)
        self.count_both = np.bincount(home[users.phone5g & users.plan5g], minlength=state.n).astype(np.int16)
        self.income_rel = (state.income_pc / np.mean(state.income_pc)).astype(np.float32)
        # log(national income / household income): the price term's gap to the national household
        self.log_income_gap = np.log(market.income_ratio / self.income_rel).astype(np.float32)
        self.sqrt_income_rel = np.sqrt(self.income_rel)
        sp = params.spending
        self.other_spend_base = sp.other_yuan_per_household * self.income_rel**sp.income_elasticity
        self.gigabit_hazard = params.home.gigabit_hazard * self.sqrt_income_rel
        self.covered = np.zeros(state.n, dtype=bool)
        self.gigabit_available = np.zeros(state.n, dtype=bool)
        no_peers = np.zeros(state.n, dtype=np.uint8)
        self.peer_count: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, no_peers)
        self.peer_share_table: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, np.zeros(1, dtype=np.float32))
        self.month_spend = np.zeros(state.n, dtype=np.float32)
        self.device_spend = np.zeros(state.n, dtype=np.float32)
        self.freed_spend = np.zeros(state.n, dtype=np.float32)
        self.induced: dict[str, float] = {}  # this month's spending each lever induced (province, yuan)
        self.phones_sold = (0.0, 0.0)  # this month's phones bought by the agents: all, 5G
        self._rows_of_city: list[slice | np.ndarray] | None = None
        self._peers_ahead: tuple[np.ndarray, Future] | None = None  # (flag bits, their counts being made)
        self._counts: list[np.ndarray] | None = None
        self.first_user = np.searchsorted(users.household, np.arange(state.n + 1))  # users sorted by household
        # Subscriptions that start in month m: _by_start[_joining_bounds[m]:_joining_bounds[m + 1]] (ascending).
        self._by_start = np.argsort(users.active_from, kind="stable").astype(np.int32)
        months = int(users.active_from.max()) + 1 if users.n else 0
        self._joining_bounds = np.searchsorted(users.active_from[self._by_start], np.arange(max(months, 0) + 1))
        plans.start(self)
        self._coverage_ranks, self._gigabit_ranks = ranks.result()

    # ------------------------------------------------------------------ what households see
    def observe(self, coverage_by_area: np.ndarray, gigabit_by_area: np.ndarray, month: int = 0) -> None:
        """Update who lives under 5G coverage and where gigabit can be ordered (newly covered
        households' users see their plan situation change)."""
        changed = self._coverage_ranks.update(float32_at_least(coverage_by_area), self.covered)
        users = self.users_of(changed)
        u = self.users
        plans.resituate(self, users[u.phone5g[users] & ~u.plan5g[users]], month)  # coverage matters only there
        self._gigabit_ranks.update(float32_at_least(gigabit_by_area), self.gigabit_available)

    def look_at_peers(self) -> None:
        """Count each household's contacts with a 5G phone, smart home, 4K TV."""
        s = self.state
        flags = {flag: getattr(s, flag) for flag in PEER_FLAGS}
        if self.ties is None:  # full mixing: every count stays 0; the table holds the population share
            self.peer_share_table = {k: np.array([flag.mean()], dtype=np.float32) for k, flag in flags.items()}
            return
        bits = self._peer_bits()
        ahead, self._peers_ahead = self._peers_ahead, None
        counts = ahead[1].result() if ahead is not None else None  # always wait: it writes the count buffers
        if counts is None or not np.array_equal(ahead[0], bits):  # nothing counted ahead, or flags moved since
            counts = self.ties.counts_of_bits(bits, len(PEER_FLAGS), self._count_buffers())
        degree = self.ties.degree
        table = np.arange(degree + 1).astype(np.float32) / np.float32(degree)
        self.peer_count = dict(zip(flags, counts, strict=True))
        self.peer_share_table = dict.fromkeys(flags, table)

    def count_peers_ahead(self) -> None:
        """Start counting the contacts' products for next month on the background thread, from the
        flags as they are now (:meth:`look_at_peers` uses the counts if the flags have not moved)."""
        if self.ties is not None:  # into the buffers of this month's counts: no behaviour reads them again
            bits = self._peer_bits()
            counting = in_background(self.ties.counts_of_bits, bits, len(PEER_FLAGS), self._count_buffers())
            self._peers_ahead = (bits, counting)

    def _count_buffers(self) -> list[np.ndarray]:
        """The arrays the contacts' counts are written into, month after month (one per peer flag)."""
        if self._counts is None:
            self._counts = [np.zeros(self.state.n, dtype=np.uint8) for _ in PEER_FLAGS]
        return self._counts

    def _peer_bits(self) -> np.ndarray:
        """The peer flags packed as bits of one uint8 array (bit b = ``PEER_FLAGS[b]``)."""
        s = self.state
        # multiplied, not shifted: numpy shifts uint8 several times slower
        return s.phone5g.view(np.uint8) | s.smart_home.view(np.uint8) * 2 | s.tv4k.view(np.uint8) * 4

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
        table = (
            np.float32(hp.awareness_growth_per_month)
            + np.float32(hp.awareness_peer_weight) * self.peer_share_table["phone5g"]
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
        """Users replace worn-out phones and choose 4G or 5G; offers pull purchases forward (``phones.py``)."""
        phones.replace_phones(self, ctx, policy)

    def take_up_plans(self, ctx: MonthContext) -> None:
        """Users move to 5G plans or leave them (``plans.py``)."""
        plans.take_up_plans(self, ctx)

    def adopt_home_products(self, ctx: MonthContext, policy: Policy) -> None:
        """Gigabit broadband, smart-home devices and 4K TVs (``home_products.py``)."""
        home_products.adopt_gigabit(self, ctx, policy)
        home_products.adopt_devices(self, ctx, policy)

    def shop(self, ctx: MonthContext, policy: Policy) -> None:
        """Routine information goods and services, with the offers usable on them (``spending.py``)."""
        spending.shop(self, ctx, policy)

    def spend(self, ctx: MonthContext) -> np.ndarray:
        """This month's information spending (``spending.py``)."""
        return spending.spend(self, ctx)

    # ------------------------------------------------------------------ helpers
    def start_month(self, month: int) -> None:
        """Count the month's new subscriptions and clear last month's per-lever tallies."""
        lo, hi = self._joining_bounds[month : month + 2] if 0 <= month < self._joining_bounds.size - 1 else (0, 0)
        joining = self._by_start[lo:hi]
        if joining.size:
            np.add.at(self.active_users, self.users.household[joining], 1.0)
            self.mean_active_users = float(self.active_users.mean())
        self.induced = {}
        self.phones_sold = (0.0, 0.0)

    def users_of(self, households: np.ndarray) -> np.ndarray:
        """The user slots of `households` (users are sorted by household)."""
        first, last = self.first_user[households], self.first_user[households + 1]
        counts = last - first
        if counts.sum() == 0:
            return np.zeros(0, dtype=np.intp)
        offsets = np.repeat(first - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        return np.arange(counts.sum()) + offsets

    def set_phones(self, rows: np.ndarray, is_5g: np.ndarray, month: int) -> None:
        """Users `rows` now hold a 5G phone where `is_5g` (a 4G one elsewhere); households follow."""
        u, s = self.users, self.state
        home = u.household[rows]
        old, plan = u.phone5g[rows], u.plan5g[rows]
        np.add.at(self.count_5g, home, is_5g.astype(np.int16) - old)
        np.add.at(self.count_both, home, (is_5g & plan).astype(np.int16) - (old & plan).astype(np.int16))
        u.phone5g[rows] = is_5g
        self._follow(s.phone5g, s.m_phone5g, self.count_5g, home, month)

    def set_plans(self, rows: np.ndarray, on_plan: np.ndarray | bool, month: int) -> None:
        """Users `rows` are now on a 5G plan where `on_plan`; households follow."""
        u, s = self.users, self.state
        on_plan = np.broadcast_to(on_plan, rows.shape)
        home = u.household[rows]
        old, phone = u.plan5g[rows], u.phone5g[rows]
        np.add.at(self.count_plan, home, on_plan.astype(np.int16) - old)
        np.add.at(self.count_both, home, (on_plan & phone).astype(np.int16) - (old & phone).astype(np.int16))
        u.plan5g[rows] = on_plan
        self._follow(s.plan5g, s.m_plan5g, self.count_plan, home, month)

    @staticmethod
    def _follow(flag: np.ndarray, first: np.ndarray, count: np.ndarray, home: np.ndarray, month: int) -> None:
        """A household has the product when one of its users has; the month it first had it."""
        has = count[home] > 0
        flag[home] = has
        new = home[has & (first[home] == NEVER)]
        first[new] = month

    def national_peer_share(self, ctx: MonthContext) -> float:
        """Share of a national household's contacts with a 5G phone (households with any of their
        users on 5G, users taken as independent at the national handset share)."""
        return 1.0 - (1.0 - ctx.national_handset_share) ** self.mean_active_users

    def accept(self, settlement: Settlement, month: int, induced: np.ndarray | None = None) -> None:
        """Spend part of the money offers freed; credit to each paying lever the spending it induced.

        Args:
            settlement: the settled purchase.
            month: the month.
            induced: per household, the value of the purchase with the offers minus without them
                (households whose claim was refused fall back and induce nothing).
        """
        share = np.float32(self.params.spending.freed_money_spend_share)
        for lever, rows, yuan in settlement.freed:
            extra = share * yuan
            self.freed_spend[rows] += extra
            self._credit(lever, float(extra.sum(dtype=np.float64)))
        if induced is None or not settlement.paid:
            return
        induced = induced.copy()
        for rows in settlement.refused:
            induced[rows] = 0.0
        total_paid = np.zeros(self.state.n)
        for _, rows, yuan in settlement.paid:
            total_paid[rows] += yuan
        for lever, rows, yuan in settlement.paid:  # shared by the levers paying a purchase, by money
            self._credit(lever, float(np.sum(induced[rows] * yuan / total_paid[rows])))

    def _credit(self, lever: str, yuan_per_agent_sum: float) -> None:
        self.induced[lever] = self.induced.get(lever, 0.0) + yuan_per_agent_sum * self.weight
