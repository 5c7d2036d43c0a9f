"""Households: columnar state, the month's staged behaviours, and the Mesa agent view.

Each behaviour acts on the whole population at once. Where a policy offer (terminal subsidy,
voucher) could change a decision, the decision is evaluated twice on the same random draws:
without any offer (B) and with every offer (A). Claims for a subsidy are settled in the ledger
in first-come order; households whose claim is refused (budget spent) fall back to B. Because
the draws are shared, the policy only ever adds purchases (B is a subset of A).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from infosim.agents.context import HouseholdDraw as D
from infosim.agents.context import MonthContext
from infosim.agents.household_rules import (
    bass_upgrade_probability,
    choose_5g_probability,
    price_term,
    product_hazard,
    weibull_replacement_hazard,
)
from infosim.agents.state import HouseholdState
from infosim.levers import Government
from infosim.population.network import peer_shares_of_bits
from infosim.scenario.schema import Parameters

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel


@dataclass
class Offer:
    """A purchase decision evaluated without (B) and with (A) the month's policy offers."""

    buy_without: np.ndarray
    buy_with: np.ndarray


class Households:
    """The household population: state arrays plus vectorised behaviours.

    Args:
        state: the households' state arrays.
        contacts: ``(n, degree)`` contact indices (ignored with full mixing).
        params: the scenario's uncertain parameters.
        weight: real households each agent stands for.
        area: area index (city * 2 + urban) of each household.
    """

    def __init__(self, state: HouseholdState, contacts: np.ndarray, params: Parameters, weight: float) -> None:
        self.state = state
        self.contacts = contacts
        self.params = params
        self.weight = weight
        self.area = (state.city.astype(np.int16) * 2 + state.urban).astype(np.int16)
        users = params.phones.mobile_users_per_household * state.size / 2.6
        self.users = users.astype(np.float32)
        self.income_per_user = (state.income_pc * state.size / 12.0 / users).astype(np.float32)
        self.ref_income_per_user = float(np.mean(self.income_per_user))
        self.income_rel = (state.income_pc / np.mean(state.income_pc)).astype(np.float32)
        self.covered = np.zeros(state.n, dtype=bool)
        self.gigabit_available = np.zeros(state.n, dtype=bool)
        self.peer_5g = np.zeros(state.n, dtype=np.float32)
        self.peer_smart = np.zeros(state.n, dtype=np.float32)
        self.peer_4k = np.zeros(state.n, dtype=np.float32)
        self.month_spend = np.zeros(state.n, dtype=np.float32)
        self.device_spend = np.zeros(state.n, dtype=np.float32)
        self.voucher_extra = np.zeros(state.n, dtype=np.float32)

    # ------------------------------------------------------------------ what households see
    def observe(self, coverage_by_area: np.ndarray, gigabit_by_area: np.ndarray) -> None:
        """Update who lives under 5G coverage and where gigabit can be ordered."""
        s = self.state
        self.covered = s.loc_u < coverage_by_area[self.area]
        self.gigabit_available = s.gig_u < gigabit_by_area[self.area]

    def look_at_peers(self) -> None:
        """Shares of each household's contacts with a 5G phone, smart home, 4K TV."""
        s = self.state
        if self.params.network.mode == "full_mixing":
            for attr, flag in (("peer_5g", s.phone5g), ("peer_smart", s.smart_home), ("peer_4k", s.tv4k)):
                getattr(self, attr).fill(np.float32(flag.mean()))
            return
        bits = s.phone5g.view(np.uint8) | (s.smart_home.view(np.uint8) << 1) | (s.tv4k.view(np.uint8) << 2)
        self.peer_5g, self.peer_smart, self.peer_4k = peer_shares_of_bits(self.contacts, bits, 3)

    def learn(self) -> None:
        """Awareness grows by itself (media, shops) and through contacts who have 5G."""
        s, hp = self.state, self.params.households
        growth = np.float32(hp.awareness_growth_per_month) + np.float32(hp.awareness_peer_weight) * self.peer_5g
        s.awareness += growth * (1.0 - s.awareness)

    # ------------------------------------------------------------------ phones
    def replace_phones(self, ctx: MonthContext, gov: Government) -> None:
        """Replace ageing phones, choose 4G or 5G, upgrade early to 5G; claim subsidies and vouchers."""
        s, p, d = self.state, self.params.phones, self.params.diffusion
        u = ctx.hh_draws
        owner = s.phone5g.copy()
        h0 = (
            weibull_replacement_hazard(s.phone_age, p.life_months, p.life_shape)
            if p.replacement
            else np.zeros(s.n, dtype=np.float32)
        )
        subsidy = gov.terminal_subsidy.per_device(ctx.month, "phone5g", ctx.price_5g)
        voucher = self._voucher_value(gov, "phone5g", self.users * ctx.price_5g)
        aware_lit = s.awareness * s.literacy
        covered = self.covered.astype(np.float32)

        def buys_5g(net_price: np.ndarray | float, pulled_to: np.ndarray) -> np.ndarray:
            x = price_term(net_price, ctx.price_5g, self.income_per_user, self.ref_income_per_user)
            natural = u[D.REPLACE] < h0
            choose = u[D.CHOOSE] < choose_5g_probability(p, ctx.national_5g_share, x, self.peer_5g, covered, aware_lit)
            bass = u[D.BASS] < bass_upgrade_probability(d, p, self.peer_5g, x, self.covered, aware_lit)
            pulled = ~owner & (u[D.REPLACE] >= h0) & (u[D.REPLACE] < pulled_to)
            early = ~owner & (u[D.REPLACE] >= pulled_to) & bass
            return (natural & (owner | choose)) | pulled | early

        offer_per_phone = subsidy + voucher / self.users
        buy_b = buys_5g(ctx.price_5g, h0)
        if subsidy > 0 or voucher.any():
            boost = 1.0 + p.pull_forward_per_share * offer_per_phone / ctx.price_5g
            # A voucher on a phone set is a price cut like the subsidy: it pulls purchases forward
            # in proportion to its share of the price (no separate "use it or lose it" boost).
            h1 = np.minimum(1.0, h0 * boost)
            buy_a = buys_5g(np.maximum(ctx.price_5g - offer_per_phone, 1.0), h1)
        else:
            buy_a = buy_b
        offer = Offer(buy_b, buy_a)
        final = self._settle_subsidy(ctx, gov, "phone5g", offer, subsidy * self.users)
        natural = u[D.REPLACE] < h0
        buy_4g = natural & ~final
        self._redeem(ctx, gov, "phone5g", final, offer, self.users * ctx.price_5g)
        new = final & ~owner
        s.phone5g |= final
        s.m_phone5g[new] = ctx.month
        bought = final | buy_4g
        s.phone_age = np.where(bought, 0, np.minimum(s.phone_age + 1, 600)).astype(np.int16)
        self.device_spend += self.users * (final * np.float32(ctx.price_5g) + buy_4g * np.float32(p.price_4g_yuan))

    def take_up_plans(self, ctx: MonthContext) -> None:
        """5G handset owners move to a 5G plan (faster where they are covered, as premiums fall)."""
        s, pp = self.state, self.params.plans
        candidates = s.phone5g & ~s.plan5g
        hazard = np.where(self.covered, pp.monthly_hazard_covered, pp.monthly_hazard_uncovered)
        hazard = hazard * np.sqrt(pp.premium_yuan_per_user / max(ctx.plan_premium, 1e-6))
        new = candidates & (ctx.hh_draws[D.PLAN] < hazard)
        s.plan5g |= new
        s.m_plan5g[new] = ctx.month

    # ------------------------------------------------------------------ home products
    def adopt_home_products(self, ctx: MonthContext, gov: Government) -> None:
        """Gigabit broadband where available, smart-home devices and 4K TVs."""
        self._adopt_gigabit(ctx, gov)
        hp, el = self.params.home, self.params.home.price_elasticity
        for product, flag, first, peer, p0, q, price, row in (
            (
                "smart_home",
                "smart_home",
                "m_smart_home",
                self.peer_smart,
                hp.smart_home_p,
                hp.smart_home_q,
                hp.smart_home_price_yuan,
                D.SMART_HOME,
            ),
            ("tv4k", "tv4k", "m_tv4k", self.peer_4k, hp.tv4k_p, hp.tv4k_q, hp.tv4k_price_yuan, D.TV4K),
        ):
            owned = getattr(self.state, flag)
            income = np.sqrt(self.income_rel)
            u = ctx.hh_draws[row]
            buy_b = ~owned & (u < product_hazard(p0, q, peer, price, price, el) * income)
            subsidy = gov.terminal_subsidy.per_device(ctx.month, product, price)
            voucher = self._voucher_value(gov, product, np.float32(price))
            if subsidy > 0 or voucher.any():
                net = np.maximum(price - subsidy - voucher, 1.0)
                hz = product_hazard(p0, q, peer, price, net, el) * income
                buy_a = ~owned & (u < hz * self._voucher_boost(gov, product, np.float32(price)))
            else:
                buy_a = buy_b
            offer = Offer(buy_b, buy_a)
            final = self._settle_subsidy(ctx, gov, product, offer, np.full(self.state.n, subsidy, dtype=np.float32))
            self._redeem(ctx, gov, product, final, offer, np.float32(price))
            owned |= final
            getattr(self.state, first)[final] = ctx.month
            self.device_spend += final * np.float32(price)

    def _adopt_gigabit(self, ctx: MonthContext, gov: Government) -> None:
        s, hp = self.state, self.params.home
        annual = np.float32(12 * hp.broadband_gigabit_yuan)
        candidates = s.broadband & ~s.gigabit & self.gigabit_available
        hazard = hp.gigabit_hazard * np.sqrt(self.income_rel)
        u = ctx.hh_draws[D.GIGABIT]
        buy_b = candidates & (u < hazard)
        buy_a = candidates & (u < hazard * self._voucher_boost(gov, "gigabit", annual))
        offer = Offer(buy_b, buy_a)
        self._redeem(ctx, gov, "gigabit", buy_a, offer, annual)
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
        """This month's information spending of one real household per agent, yuan."""
        s, pp, hp, sp = self.state, self.params.plans, self.params.home, self.params.spending
        services = self.users * (np.float32(pp.arpu_4g_yuan_per_user) + s.plan5g * np.float32(ctx.plan_premium))
        broadband = s.broadband * np.where(s.gigabit, hp.broadband_gigabit_yuan, hp.broadband_basic_yuan)
        other = (
            sp.other_yuan_per_household * self.income_rel**sp.income_elasticity * (1 + sp.growth_per_year) ** ctx.years
        )
        total = (services + broadband + other + self.device_spend + self.voucher_extra).astype(np.float32)
        s.spend_total += total
        self.month_spend = total
        self.device_spend = np.zeros(s.n, dtype=np.float32)
        self.voucher_extra = np.zeros(s.n, dtype=np.float32)
        return total

    # ------------------------------------------------------------------ helpers
    def _voucher_value(self, gov: Government, product: str, price: np.ndarray | np.float32) -> np.ndarray:
        """Face value each household can use on `product` at `price` this month (0 if none)."""
        s = self.state
        if not gov.vouchers.cfg.enabled or product not in gov.vouchers.cfg.products:
            return np.zeros(s.n, dtype=np.float32)
        usable = (s.voucher_face > 0) & (s.voucher_min > 0) & (s.voucher_min <= price)
        return np.where(usable, s.voucher_face, 0.0).astype(np.float32)

    def _voucher_boost(self, gov: Government, product: str, price: np.ndarray | np.float32) -> np.ndarray:
        if not gov.vouchers.cfg.enabled or product not in gov.vouchers.cfg.products:
            return np.float32(1.0)
        return gov.vouchers.purchase_boost(self.state, price)

    def _settle_subsidy(
        self, ctx: MonthContext, gov: Government, product: str, offer: Offer, per_agent: np.ndarray
    ) -> np.ndarray:
        """Pay subsidy claims first-come; refused claimants fall back to their no-offer decision."""
        per_agent = np.broadcast_to(per_agent, offer.buy_with.shape)
        claim = offer.buy_with & (per_agent > 0)
        if not claim.any():
            return offer.buy_with
        idx = np.flatnonzero(claim)
        idx = idx[np.argsort(ctx.hh_draws[D.ORDER][idx], kind="stable")]
        paid = gov.terminal_subsidy.pay(
            ctx.month, product, idx, per_agent[idx].astype(np.float64), self.state.city[idx], self.weight
        )
        refused = idx[~paid]
        final = offer.buy_with.copy()
        final[refused] = offer.buy_without[refused]
        gov_share = np.float32(1.0 - gov.terminal_subsidy.cfg.operator_cofund_share)
        self.state.received_terminal_subsidy[idx[paid]] += per_agent[idx[paid]] * gov_share
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
        price: np.ndarray | np.float32,
    ) -> None:
        """Holders who bought a qualifying product redeem their voucher on it."""
        value = self._voucher_value(gov, product, price)
        redeemers = np.flatnonzero(final & (value > 0))
        if redeemers.size == 0:
            return
        face = value[redeemers]
        done_before = self.state.voucher_face[redeemers] > 0
        done = gov.vouchers.redeem(ctx.month, self.state, redeemers, product, ctx.hh_draws[D.ORDER], self.weight)
        paid = np.isin(redeemers, done) & done_before
        anyway = offer.buy_without[redeemers] & paid
        # A voucher that pays for a purchase made anyway frees money, part of it spent on more information goods.
        self.voucher_extra[redeemers[anyway]] += (
            np.float32(self.params.spending.voucher_extra_spend_share) * face[anyway]
        )


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
