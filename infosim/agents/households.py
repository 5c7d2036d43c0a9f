"""Households: columnar state, the month's staged behaviours, and the Mesa agent view.

Each behaviour acts on the whole population at once. Where a policy offer (terminal subsidy,
voucher) could change a decision, the decision is evaluated twice on the same random draws:
without any offer (B) and with every offer (A). Claims for a subsidy are settled in the ledger
in first-come order; households whose claim is refused (budget spent) fall back to B. Because
the draws are shared, the policy only ever adds purchases (B is a subset of A).

At the scale of the whole province (30 million households) the cost is in passes over memory, so
the behaviours evaluate a rule's formula only for the households it can reach (those replacing a
4G phone, those whose draw is below the largest probability they could have, voucher holders),
tabulate what depends only on a household's peer count, and reuse buffers. Each formula is still
the one in `household_rules.py`, applied element by element to the same inputs, so the results
are those of evaluating it for everyone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from infosim.agents.context import HouseholdDraw as D
from infosim.agents.context import MonthContext
from infosim.agents.household_rules import (
    bass_upgrade_bound,
    bass_upgrade_probability,
    choose_5g_probability,
    price_term,
    product_hazard,
    weibull_replacement_hazard,
)
from infosim.agents.state import HouseholdState
from infosim.levers import Government
from infosim.population.network import LatticeTies
from infosim.scenario.schema import Parameters

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel


PEER_FLAGS = ("phone5g", "smart_home", "tv4k")  # products whose ownership contacts notice
BLOCK = 1 << 16  # households per block where a computation runs block by block
MAX_PHONE_AGE = 600  # months; ages stop counting here (the hazard table is flat beyond)
_NO_ROWS = np.zeros(0, dtype=np.intp)
_NO_VALUES = np.zeros(0, dtype=np.float32)


@dataclass
class Offer:
    """A purchase decision evaluated without (B) and with (A) the month's policy offers."""

    buy_without: np.ndarray
    buy_with: np.ndarray


class Households:
    """The household population: state arrays plus vectorised behaviours.

    Args:
        state: the households' state arrays.
        contacts: ``(n, degree)`` contact indices (ignored with full mixing); kept as lattice ties.
        params: the scenario's uncertain parameters.
        weight: real households each agent stands for.

    Attributes:
        area: area index (city * 2 + urban) of each household.
        covered, gigabit_available: where 5G coverage and gigabit reach, this month.
        peer_count: per product flag, how many of each household's contacts own it (uint8);
            ``peer_share_table[flag][count]`` is the share the behaviours use (under full mixing
            every count is 0 and the table holds the population share).
    """

    def __init__(self, state: HouseholdState, contacts: np.ndarray, params: Parameters, weight: float) -> None:
        self.state = state
        self.ties = LatticeTies(contacts) if contacts.shape[1] and params.network.mode == "small_world" else None
        self.params = params
        self.weight = weight
        self.area = (state.city.astype(np.int16) * 2 + state.urban).astype(np.int16)
        users = params.phones.mobile_users_per_household * state.size / 2.6
        self.users = users.astype(np.float32)
        self.income_per_user = (state.income_pc * state.size / 12.0 / users).astype(np.float32)
        self.ref_income_per_user = float(np.mean(self.income_per_user))
        self.income_rel = (state.income_pc / np.mean(state.income_pc)).astype(np.float32)
        del users
        self.sqrt_income_rel = np.sqrt(self.income_rel)
        sp = params.spending
        self.other_spend_base = sp.other_yuan_per_household * self.income_rel**sp.income_elasticity
        self.gigabit_hazard = params.home.gigabit_hazard * self.sqrt_income_rel
        self.city_blocks = _city_blocks(state.city)
        self.covered = np.zeros(state.n, dtype=bool)
        self.gigabit_available = np.zeros(state.n, dtype=bool)
        no_peers = np.zeros(state.n, dtype=np.uint8)
        self.peer_count: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, no_peers)
        self.peer_share_table: dict[str, np.ndarray] = dict.fromkeys(PEER_FLAGS, np.zeros(1, dtype=np.float32))
        self._voucher_holders: tuple[int, np.ndarray] = (-1, _NO_ROWS)
        self.month_spend = np.zeros(state.n, dtype=np.float32)
        self.device_spend = np.zeros(state.n, dtype=np.float32)
        self.voucher_extra = np.zeros(state.n, dtype=np.float32)

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

    peer_5g = property(lambda self: self.peer_share("phone5g"), doc="share of contacts with a 5G phone")
    peer_smart = property(lambda self: self.peer_share("smart_home"), doc="share of contacts with a smart home")
    peer_4k = property(lambda self: self.peer_share("tv4k"), doc="share of contacts with a 4K TV")

    def learn(self) -> None:
        """Awareness grows by itself (media, shops) and through contacts who have 5G."""
        s, hp = self.state, self.params.households
        table = np.float32(hp.awareness_growth_per_month) + np.float32(hp.awareness_peer_weight) * (
            self.peer_share_table["phone5g"]
        )
        count = self.peer_count["phone5g"]
        for b in _blocks(s.n):
            awareness = s.awareness[b]
            gap = np.subtract(1.0, awareness, dtype=np.float32)
            np.multiply(np.take(table, count[b]), gap, out=gap)
            awareness += gap

    # ------------------------------------------------------------------ phones
    def replace_phones(self, ctx: MonthContext, gov: Government) -> None:
        """Replace ageing phones, choose 4G or 5G, upgrade early to 5G; claim subsidies and vouchers.

        A 5G owner whose phone is replaced (hazard h0) buys 5G again; a 4G owner whose phone is
        replaced chooses 5G by the logit; a 4G owner whose phone is not replaced upgrades early
        through the Bass channel, or (with an offer) is pulled forward when its draw falls
        between h0 and the boosted hazard h1. Only the households a rule can reach are
        evaluated: choosers (replacing a 4G phone) and would-be upgraders (4G owners whose Bass
        draw is below the largest probability their peer share allows).
        """
        s, p = self.state, self.params.phones
        u = ctx.hh_draws
        owner = s.phone5g
        natural, idle, choosers, upgraders = self._phone_candidates(u)
        subsidy = gov.terminal_subsidy.per_device(ctx.month, "phone5g", ctx.price_5g)
        holders, face = self._usable_vouchers(gov, ctx.month, "phone5g", ctx.price_5g, per_user=True)
        buy_b = natural & owner
        self._buy_5g(ctx, buy_b, choosers, upgraders, self._offer_per_phone(0.0, None, None))
        if subsidy > 0 or holders.size:
            offer_per_phone = self._offer_per_phone(subsidy, holders, face)
            boosted = self._boosted_hazard(ctx, offer_per_phone, subsidy, holders)
            buy_a = natural & owner
            for b in _blocks(s.n):  # pulled forward: draw between h0 and h1 (h1 of voucher holders below)
                buy_a[b] |= idle[b] & (u[D.REPLACE][b] < boosted(b))
            if holders.size:
                buy_a[holders] |= idle[holders] & (u[D.REPLACE][holders] < boosted(holders))
            self._buy_5g(ctx, buy_a, choosers, upgraders, offer_per_phone, boosted)
        else:
            buy_a = buy_b
        offer = Offer(buy_b, buy_a)
        per_phone = lambda rows: subsidy * self.users[rows]  # noqa: E731 - one subsidy per user's phone
        final = self._settle_subsidy(ctx, gov, "phone5g", offer, per_phone) if subsidy > 0 else buy_a
        self._redeem(ctx, gov, "phone5g", final, offer, holders, face)
        price_5g, price_4g = np.float32(ctx.price_5g), np.float32(p.price_4g_yuan)
        for b in _blocks(s.n):
            bought_5g, replaced, owned = final[b], natural[b], s.phone5g[b]
            s.m_phone5g[b][bought_5g & ~owned] = ctx.month
            owned |= bought_5g
            age = s.phone_age[b]
            age += 1
            np.minimum(age, MAX_PHONE_AGE, out=age)
            np.copyto(age, 0, where=bought_5g | replaced)
            users, device = self.users[b], self.device_spend[b]
            bought_4g = replaced & ~bought_5g
            for rows, price in ((np.flatnonzero(bought_5g), price_5g), (np.flatnonzero(bought_4g), price_4g)):
                device[rows] += users[rows] * price

    def _phone_candidates(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Who replaces a phone this month and whom the 5G rules can reach.

        Returns:
            natural: the phone is replaced (draw below the replacement hazard h0);
            idle: a 4G owner whose phone is not replaced;
            choosers: rows of 4G owners replacing their phone (they choose 4G or 5G);
            upgraders: rows of idle 4G owners whose Bass draw is below the largest upgrade
                probability their peer share allows (all others cannot upgrade early).
        """
        s, d = self.state, self.params.diffusion
        bound = _float32_at_least(bass_upgrade_bound(d, self.peer_share_table["phone5g"]))
        most = bound.max()
        count = self.peer_count["phone5g"]
        natural = np.empty(s.n, dtype=bool)
        idle = np.empty(s.n, dtype=bool)
        choosers, upgraders = [], []
        for b in _blocks(s.n):
            np.less(u[D.REPLACE][b], self._replacement_hazard(s.phone_age[b]), out=natural[b])
            owner = s.phone5g[b]
            np.logical_not(natural[b] | owner, out=idle[b])
            choosers.append(b.start + np.flatnonzero(natural[b] & ~owner))
            u_bass = u[D.BASS][b]
            rows = np.flatnonzero(idle[b] & (u_bass < most))
            upgraders.append(b.start + rows[u_bass[rows] < np.take(bound, count[b][rows])])
        return natural, idle, _joined(choosers), _joined(upgraders)

    def _replacement_hazard(self, age: np.ndarray) -> np.ndarray:
        """Hazard h0 that phones of `age` months are replaced this month (float32)."""
        p = self.params.phones
        if not p.replacement:
            return np.zeros(age.size, dtype=np.float32)
        return weibull_replacement_hazard(age, p.life_months, p.life_shape)

    def _offer_per_phone(
        self, subsidy: float, holders: np.ndarray | None, face: np.ndarray | None
    ) -> Callable[[np.ndarray], np.ndarray | float]:
        """Offer (subsidy + voucher per phone, float32) of the households in `rows`, as a function of rows.

        With no offer the price is the list price (a Python float, as in the no-offer branch).
        """
        if holders is None:
            return lambda rows: 0.0
        if holders.size == 0:
            return lambda rows: subsidy + np.zeros(rows.size, dtype=np.float32)
        voucher = np.zeros(self.state.n, dtype=np.float32)
        voucher[holders] = face
        return lambda rows: subsidy + voucher[rows] / self.users[rows]

    def _boosted_hazard(
        self,
        ctx: MonthContext,
        offer_per_phone: Callable[[np.ndarray], np.ndarray | float],
        subsidy: float,
        holders: np.ndarray,
    ) -> Callable[[np.ndarray | slice], np.ndarray]:
        """Replacement hazard h1 >= h0 with the month's offers (pull-forward), float32, as a function of rows.

        A voucher on a phone set is a price cut like the subsidy: it pulls purchases forward in
        proportion to its share of the price (no separate "use it or lose it" boost). A block
        (slice) gets the hazard with the subsidy alone; index rows get each voucher holder's own
        h1 (subsidy and voucher).
        """
        s, p = self.state, self.params.phones
        everyone = 1.0 + p.pull_forward_per_share * (subsidy + np.zeros(1, dtype=np.float32)) / ctx.price_5g

        def boosted(rows: np.ndarray | slice) -> np.ndarray:
            h0 = self._replacement_hazard(s.phone_age[rows])
            h1 = np.minimum(h0 * everyone, 1.0)
            if holders.size and not isinstance(rows, slice):
                at = np.minimum(np.searchsorted(holders, rows), holders.size - 1)
                hit = np.flatnonzero(holders[at] == rows)
                boost = 1.0 + p.pull_forward_per_share * offer_per_phone(rows[hit]) / ctx.price_5g
                h1[hit] = np.minimum(1.0, h0[hit] * boost)
            return h1

        return boosted

    def _buy_5g(
        self,
        ctx: MonthContext,
        buy: np.ndarray,
        choosers: np.ndarray,
        upgraders: np.ndarray,
        offer_per_phone: Callable[[np.ndarray], np.ndarray | float],
        pulled_to: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """Set `buy` for choosers (logit choice) and possible upgraders (Bass channel) at the offered price."""
        s, p, d, u = self.state, self.params.phones, self.params.diffusion, ctx.hh_draws
        for rows, rule in ((choosers, "choose"), (upgraders, "upgrade")):
            offer = offer_per_phone(rows)
            net = ctx.price_5g if isinstance(offer, float) else np.maximum(ctx.price_5g - offer, 1.0)
            x = price_term(net, ctx.price_5g, self.income_per_user[rows], self.ref_income_per_user)
            peer = self.peer_share("phone5g", rows)
            aware_lit = s.awareness[rows] * s.literacy[rows]
            if rule == "choose":
                covered = self.covered[rows].astype(np.float32)
                prob = choose_5g_probability(p, ctx.national_5g_share, x, peer, covered, aware_lit)
                buy[rows] = u[D.CHOOSE][rows] < prob
            else:
                early = u[D.BASS][rows] < bass_upgrade_probability(d, p, peer, x, self.covered[rows], aware_lit)
                if pulled_to is not None:
                    early &= u[D.REPLACE][rows] >= pulled_to(rows)
                buy[rows] |= early

    def take_up_plans(self, ctx: MonthContext) -> None:
        """5G handset owners move to a 5G plan (faster where they are covered, as premiums fall)."""
        s, pp = self.state, self.params.plans
        speed = np.sqrt(pp.premium_yuan_per_user / max(ctx.plan_premium, 1e-6))
        rate_covered = _float32_at_least(pp.monthly_hazard_covered * speed)
        rate_uncovered = _float32_at_least(pp.monthly_hazard_uncovered * speed)
        u = ctx.hh_draws[D.PLAN]
        for b in _blocks(s.n):
            plan, covered, u_b = s.plan5g[b], self.covered[b], u[b]
            takes = (covered & (u_b < rate_covered)) | (~covered & (u_b < rate_uncovered))
            new = s.phone5g[b] & ~plan & takes
            plan |= new
            s.m_plan5g[b][new] = ctx.month

    # ------------------------------------------------------------------ home products
    def adopt_home_products(self, ctx: MonthContext, gov: Government) -> None:
        """Gigabit broadband where available, smart-home devices and 4K TVs."""
        self._adopt_gigabit(ctx, gov)
        hp = self.params.home
        for product, p0, q, price, row in (
            ("smart_home", hp.smart_home_p, hp.smart_home_q, hp.smart_home_price_yuan, D.SMART_HOME),
            ("tv4k", hp.tv4k_p, hp.tv4k_q, hp.tv4k_price_yuan, D.TV4K),
        ):
            self._adopt_device(ctx, gov, product, p0, q, price, row)

    def _adopt_device(
        self, ctx: MonthContext, gov: Government, product: str, p0: float, q: float, price: float, row: int
    ) -> None:
        """Bass-type adoption of a home device, with subsidies and vouchers lowering its net price."""
        s, el = self.state, self.params.home.price_elasticity
        owned, count = getattr(s, product), self.peer_count[product]
        u = ctx.hh_draws[row]
        shares = self.peer_share_table[product]
        subsidy = gov.terminal_subsidy.per_device(ctx.month, product, price)
        holders, face = self._usable_vouchers(gov, ctx.month, product, np.float32(price))
        offered = subsidy > 0 or holders.size > 0
        # Hazards by peer count: at list price (B) and at the price net of the subsidy (A).
        hazard_b = product_hazard(p0, q, shares, price, price, el)
        net = np.maximum(price - subsidy - np.zeros(shares.size, dtype=np.float32), 1.0)
        hazard_a = product_hazard(p0, q, shares, price, net, el) if offered else hazard_b
        buy_b = np.empty(s.n, dtype=bool)
        buy_a = np.empty(s.n, dtype=bool) if offered else buy_b
        for b in _blocks(s.n):
            can, u_b, income, c = ~owned[b], u[b], self.sqrt_income_rel[b], count[b]
            np.logical_and(can, u_b < np.take(hazard_b, c) * income, out=buy_b[b])
            if offered:
                np.logical_and(can, u_b < np.take(hazard_a, c) * income, out=buy_a[b])
        if holders.size:
            net = np.maximum(price - subsidy - face, 1.0)
            hz = product_hazard(p0, q, self.peer_share(product, holders), price, net, el)
            hz = hz * self.sqrt_income_rel[holders] * gov.vouchers.boost_of(face, s.voucher_min[holders])
            buy_a[holders] = ~owned[holders] & (u[holders] < hz)
        offer = Offer(buy_b, buy_a)
        per_device = lambda rows: np.full(rows.size, subsidy, dtype=np.float32)  # noqa: E731
        final = self._settle_subsidy(ctx, gov, product, offer, per_device) if subsidy > 0 else buy_a
        self._redeem(ctx, gov, product, final, offer, holders, face)
        owned |= final
        bought = np.flatnonzero(final)
        getattr(s, f"m_{product}")[bought] = ctx.month
        self.device_spend[bought] += np.float32(price)

    def _adopt_gigabit(self, ctx: MonthContext, gov: Government) -> None:
        s, hp = self.state, self.params.home
        annual = np.float32(12 * hp.broadband_gigabit_yuan)
        u = ctx.hh_draws[D.GIGABIT]
        buy_b = np.empty(s.n, dtype=bool)
        for b in _blocks(s.n):
            candidates = s.broadband[b] & ~s.gigabit[b] & self.gigabit_available[b]
            np.logical_and(candidates, u[b] < self.gigabit_hazard[b], out=buy_b[b])
        holders, face = self._usable_vouchers(gov, ctx.month, "gigabit", annual)
        buy_a = buy_b
        if holders.size:
            buy_a = buy_b.copy()
            boost = gov.vouchers.boost_of(face, s.voucher_min[holders])
            candidates = s.broadband[holders] & ~s.gigabit[holders] & self.gigabit_available[holders]
            buy_a[holders] = candidates & (u[holders] < self.gigabit_hazard[holders] * boost)
        offer = Offer(buy_b, buy_a)
        self._redeem(ctx, gov, "gigabit", buy_a, offer, holders, face)
        s.gigabit |= buy_a
        s.m_gigabit[buy_a] = ctx.month

    # ------------------------------------------------------------------ money
    def redeem_service_vouchers(self, ctx: MonthContext, gov: Government) -> None:
        """Vouchers without a minimum spend are used at once on the month's services."""
        s = self.state
        holders = np.flatnonzero((s.voucher_face > 0) & (s.voucher_min == 0))
        if holders.size:
            face = s.voucher_face.copy()
            done = gov.vouchers.redeem(ctx.month, s, holders, "services", ctx.hh_draws[D.ORDER], self.weight)
            # Services are bought anyway: only the freed money's extra spending is additional.
            self.voucher_extra[done] += np.float32(self.params.spending.voucher_extra_spend_share) * face[done]

    def spend(self, ctx: MonthContext) -> np.ndarray:
        """This month's information spending of one real household per agent, yuan (float32).

        Services + broadband + other goods + devices + extra spending freed by vouchers, summed in
        float64 in that order and rounded to float32; devices and voucher extras are added only
        where non-zero (adding zero changes nothing). Evaluated in blocks of households, so the
        intermediate arrays stay in the processor's cache.
        """
        s, pp, sp = self.state, self.params.plans, self.params.spending
        premium, arpu = np.float32(ctx.plan_premium), np.float32(pp.arpu_4g_yuan_per_user)
        growth = (1 + sp.growth_per_year) ** ctx.years
        fee = self._broadband_fee_in_float32()
        for b in _blocks(s.n):
            services = np.multiply(s.plan5g[b], premium, dtype=np.float32)
            services += arpu
            services *= self.users[b]
            total = services.astype(np.float64)
            total += self._broadband_fee(b, fee)
            total += self.other_spend_base[b] * growth
            device, voucher_extra = self.device_spend[b], self.voucher_extra[b]
            extra = np.flatnonzero((device != 0) | (voucher_extra != 0))
            total[extra] = (total[extra] + device[extra]) + voucher_extra[extra]
            device[extra] = 0.0
            voucher_extra[extra] = 0.0
            month = self.month_spend[b]
            np.copyto(month, total, casting="same_kind")
            s.spend_total[b] += month
        return self.month_spend

    def _broadband_fee_in_float32(self) -> tuple[np.float32, np.float32] | None:
        """(basic fee, gigabit step) as float32 when both fees are exact in float32, else None."""
        hp = self.params.home
        basic, gigabit = hp.broadband_basic_yuan, hp.broadband_gigabit_yuan
        basic32, step32 = np.float32(basic), np.float32(gigabit - basic)
        exact = float(basic32) == basic and float(step32) == gigabit - basic and float(basic32 + step32) == gigabit
        return (basic32, step32) if exact else None

    def _broadband_fee(self, rows: slice, fee: tuple[np.float32, np.float32] | None) -> np.ndarray:
        """Monthly broadband fee of households `rows` (0 without broadband), float32 when exact."""
        s, hp = self.state, self.params.home
        broadband, gigabit = s.broadband[rows], s.gigabit[rows]
        if fee is None:
            return broadband * np.where(gigabit, hp.broadband_gigabit_yuan, hp.broadband_basic_yuan)
        out = np.multiply(broadband, fee[0], dtype=np.float32)
        out += np.multiply(broadband & gigabit, fee[1], dtype=np.float32)
        return out

    # ------------------------------------------------------------------ helpers
    def _below_area_threshold(self, quantile: np.ndarray, by_area: np.ndarray, out: np.ndarray) -> np.ndarray:
        """quantile < by_area[area], compared in float32 (exactly as in float64) city block by city block."""
        thresholds = _float32_at_least(by_area)
        if self.city_blocks is None:
            return np.less(quantile, thresholds[self.area], out=out)
        s = self.state
        for city, rows in self.city_blocks:
            urban, rural = thresholds[2 * city + 1], thresholds[2 * city]
            for lo in range(rows.start, rows.stop, BLOCK):
                b = slice(lo, min(lo + BLOCK, rows.stop))
                is_urban, q = s.urban[b], quantile[b]
                np.logical_or(is_urban & (q < urban), ~is_urban & (q < rural), out=out[b])
        return out

    def _usable_vouchers(
        self, gov: Government, month: int, product: str, price: float | np.float32, per_user: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Households holding a minimum-spend voucher usable on `product` at `price`, and its face value.

        The month's first call finds the holders; vouchers are issued before households act and
        only redeemed while they act, so later calls look among those only.

        Args:
            gov: the government (its voucher lever).
            month: the month (holders are remembered for the month).
            product: the product bought.
            price: its price (per mobile user if `per_user`, for phones bought for every user).
            per_user: multiply `price` by each household's mobile users.

        Returns:
            (sorted agent indices, float32 face values); empty when the lever does not apply.
        """
        s = self.state
        if not gov.vouchers.cfg.enabled or product not in gov.vouchers.cfg.products:
            return _NO_ROWS, _NO_VALUES
        if self._voucher_holders[0] == month:
            holders = self._voucher_holders[1]
            holders = holders[s.voucher_face[holders] > 0]
        else:
            holders = np.flatnonzero(s.voucher_face > 0)
        self._voucher_holders = (month, holders)
        if holders.size == 0:
            return _NO_ROWS, _NO_VALUES
        minimum = s.voucher_min[holders]
        at_price = self.users[holders] * price if per_user else price
        holders = holders[(minimum > 0) & (minimum <= at_price)]
        return holders, s.voucher_face[holders]

    def _settle_subsidy(
        self,
        ctx: MonthContext,
        gov: Government,
        product: str,
        offer: Offer,
        per_agent: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Pay subsidy claims first-come; refused claimants fall back to their no-offer decision.

        Args:
            per_agent: the subsidy (float32) each of the given rows would receive.
        """
        idx = np.flatnonzero(offer.buy_with)
        amount = per_agent(idx)
        claim = amount > 0
        idx, amount = idx[claim], amount[claim]
        if idx.size == 0:
            return offer.buy_with
        first_come = np.argsort(ctx.hh_draws[D.ORDER][idx], kind="stable")
        idx, amount = idx[first_come], amount[first_come]
        paid = gov.terminal_subsidy.pay(
            ctx.month, product, idx, amount.astype(np.float64), self.state.city[idx], self.weight
        )
        refused = idx[~paid]
        final = offer.buy_with.copy()
        final[refused] = offer.buy_without[refused]
        gov_share = np.float32(1.0 - gov.terminal_subsidy.cfg.operator_cofund_share)
        self.state.received_terminal_subsidy[idx[paid]] += amount[paid] * gov_share
        if product == "phone5g":  # the subsidy is a plan subsidy: bundled with a 5G plan (clause 6)
            new_plan = idx[paid][~self.state.plan5g[idx[paid]]]
            self.state.plan5g[new_plan] = True
            self.state.m_plan5g[new_plan] = ctx.month
        return final

    def _redeem(
        self,
        ctx: MonthContext,
        gov: Government,
        product: str,
        final: np.ndarray,
        offer: Offer,
        holders: np.ndarray,
        face: np.ndarray,
    ) -> None:
        """Holders of a usable voucher (`holders`, `face` from :meth:`_usable_vouchers`) who bought redeem it."""
        bought = final[holders]
        redeemers = holders[bought]
        if redeemers.size == 0:
            return
        face = face[bought]
        done_before = self.state.voucher_face[redeemers] > 0
        done = gov.vouchers.redeem(ctx.month, self.state, redeemers, product, ctx.hh_draws[D.ORDER], self.weight)
        paid = np.isin(redeemers, done) & done_before
        anyway = offer.buy_without[redeemers] & paid
        # A voucher that pays for a purchase made anyway frees money, part of it spent on more information goods.
        self.voucher_extra[redeemers[anyway]] += (
            np.float32(self.params.spending.voucher_extra_spend_share) * face[anyway]
        )


def _blocks(n: int) -> list[slice]:
    """Consecutive blocks of at most BLOCK rows covering 0..n."""
    return [slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenated row indices (intp)."""
    return np.concatenate(parts).astype(np.intp, copy=False) if parts else _NO_ROWS


def _float32_at_least(x: float | np.ndarray) -> np.float32 | np.ndarray:
    """The smallest float32 >= x: for a float32 u, ``u < x`` exactly when ``u < _float32_at_least(x)``."""
    x64 = np.asarray(x, dtype=np.float64)
    t = x64.astype(np.float32)
    t = np.where(t < x64, np.nextafter(t, np.float32(np.inf)), t).astype(np.float32)
    return t if t.ndim else np.float32(t)


def _city_blocks(city: np.ndarray) -> list[tuple[int, slice]] | None:
    """(city, slice) of each city's rows when households are sorted by city, else None."""
    if city.size == 0 or np.any(np.diff(city) < 0):
        return None
    starts = np.concatenate(([0], np.flatnonzero(np.diff(city)) + 1, [city.size]))
    return [(int(city[a]), slice(int(a), int(b))) for a, b in itertools.pairwise(starts)]


class Household(mesa.Agent):
    """A household agent: a view onto row `index` of the household arrays.

    Reading an attribute reads the array, so Mesa tools (AgentSet.select, agg, DataCollector
    agent reporters) see the current state without per-agent stepping.
    """

    def __init__(self, model: InfoConsumptionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _s(self) -> HouseholdState:
        return self.model.households.state

    city = property(lambda self: int(self._s.city[self.index]), doc="city index")
    urban = property(lambda self: bool(self._s.urban[self.index]), doc="urban household")
    elderly = property(lambda self: bool(self._s.elderly[self.index]), doc="head aged 60+")
    income_quintile = property(lambda self: int(self._s.quintile[self.index]), doc="0 = poorest")
    has_5g_phone = property(lambda self: bool(self._s.phone5g[self.index]), doc="owns a 5G phone")
    has_5g_plan = property(lambda self: bool(self._s.plan5g[self.index]), doc="on a 5G plan")
    has_gigabit = property(lambda self: bool(self._s.gigabit[self.index]), doc="gigabit broadband")
    has_smart_home = property(lambda self: bool(self._s.smart_home[self.index]), doc="smart-home device")
    awareness = property(lambda self: float(self._s.awareness[self.index]), doc="0-1")
    spend_total = property(lambda self: float(self._s.spend_total[self.index]), doc="yuan so far")
