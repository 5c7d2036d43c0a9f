"""Phones and plans: households replace ageing phones, choose 4G or 5G, upgrade early to 5G, and
move to 5G plans.

A 5G owner whose phone is replaced (hazard h0) buys 5G again; a 4G owner whose phone is replaced
chooses 5G by the logit; a 4G owner whose phone is not replaced upgrades early through the Bass
channel, or (with an offer) is pulled forward when its draw falls between h0 and the boosted
hazard h1. Only the households a rule can reach are evaluated: choosers (replacing a 4G phone)
and would-be upgraders (4G owners whose Bass draw is below the largest probability their peer
share allows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from infosim.agents.households.rules import (
    bass_upgrade_bound,
    bass_upgrade_probability,
    choose_5g_probability,
    price_term,
    weibull_replacement_hazard,
)
from infosim.world.context import HouseholdDraw as D
from infosim.world.context import MonthContext
from infosim.world.numerics import NO_VALUES, blocks, float32_at_least, joined
from infosim.world.policy import Decision, Policy, Purchase

if TYPE_CHECKING:
    from infosim.agents.households.households import Households

MAX_PHONE_AGE = 600  # months; ages stop counting here (the hazard table is flat beyond)
PerPhone = Callable[[np.ndarray], np.ndarray | float]


def replace_phones(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """Replace ageing phones, choose 4G or 5G, upgrade early to 5G; offers lower the price."""
    s, p = hh.state, hh.params.phones
    u = ctx.hh_draws
    owner = s.phone5g
    natural, idle, choosers, upgraders = phone_candidates(hh, u)
    purchase = Purchase("household", "phone5g", ctx.price_5g, units=hh.users)
    offer = policy.offer(ctx, purchase)
    subsidy, holders = offer.per_unit, offer.holders
    face = offer.holder_amount() if holders.size else NO_VALUES
    buy_b = natural & owner
    _buy_5g(hh, ctx, buy_b, choosers, upgraders, _offer_per_phone(hh, 0.0, None, None))
    if offer.any:
        offer_per_phone = _offer_per_phone(hh, subsidy, holders, face)
        boosted = _boosted_hazard(hh, ctx, offer_per_phone, subsidy, holders)
        buy_a = natural & owner
        for b in blocks(s.n):  # pulled forward: draw between h0 and h1 (h1 of offer holders below)
            buy_a[b] |= idle[b] & (u[D.REPLACE][b] < boosted(b))
        if holders.size:
            buy_a[holders] |= idle[holders] & (u[D.REPLACE][holders] < boosted(holders))
        _buy_5g(hh, ctx, buy_a, choosers, upgraders, offer_per_phone, boosted)
        settlement = policy.settle(ctx, purchase, offer, Decision(buy_b, buy_a))
        hh.accept(settlement, ctx.month)
        final = settlement.final
    else:
        final = buy_b
    price_5g, price_4g = np.float32(ctx.price_5g), np.float32(p.price_4g_yuan)
    for b in blocks(s.n):
        bought_5g, replaced, owned = final[b], natural[b], s.phone5g[b]
        s.m_phone5g[b][bought_5g & ~owned] = ctx.month
        owned |= bought_5g
        age = s.phone_age[b]
        age += 1
        np.minimum(age, MAX_PHONE_AGE, out=age)
        np.copyto(age, 0, where=bought_5g | replaced)
        users, device = hh.users[b], hh.device_spend[b]
        bought_4g = replaced & ~bought_5g
        for rows, price in ((np.flatnonzero(bought_5g), price_5g), (np.flatnonzero(bought_4g), price_4g)):
            device[rows] += users[rows] * price


def phone_candidates(hh: Households, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Who replaces a phone this month and whom the 5G rules can reach.

    Returns:
        natural: the phone is replaced (draw below the replacement hazard h0);
        idle: a 4G owner whose phone is not replaced;
        choosers: rows of 4G owners replacing their phone (they choose 4G or 5G);
        upgraders: rows of idle 4G owners whose Bass draw is below the largest upgrade
            probability their peer share allows (all others cannot upgrade early).
    """
    s, d = hh.state, hh.params.diffusion
    bound = float32_at_least(bass_upgrade_bound(d, hh.peer_share_table["phone5g"]))
    most = bound.max()
    count = hh.peer_count["phone5g"]
    natural = np.empty(s.n, dtype=bool)
    idle = np.empty(s.n, dtype=bool)
    choosers, upgraders = [], []
    for b in blocks(s.n):
        np.less(u[D.REPLACE][b], replacement_hazard(hh, s.phone_age[b]), out=natural[b])
        owner = s.phone5g[b]
        np.logical_not(natural[b] | owner, out=idle[b])
        choosers.append(b.start + np.flatnonzero(natural[b] & ~owner))
        u_bass = u[D.BASS][b]
        rows = np.flatnonzero(idle[b] & (u_bass < most))
        upgraders.append(b.start + rows[u_bass[rows] < np.take(bound, count[b][rows])])
    return natural, idle, joined(choosers), joined(upgraders)


def replacement_hazard(hh: Households, age: np.ndarray) -> np.ndarray:
    """Hazard h0 that phones of `age` months are replaced this month (float32)."""
    p = hh.params.phones
    if not p.replacement:
        return np.zeros(age.size, dtype=np.float32)
    return weibull_replacement_hazard(age, p.life_months, p.life_shape)


def _offer_per_phone(hh: Households, subsidy: float, holders: np.ndarray | None, face: np.ndarray | None) -> PerPhone:
    """Offer per phone (per-unit offers + individual offers per user, float32) of the households in
    `rows`, as a function of rows. With no offer the price is the list price (a Python float)."""
    if holders is None:
        return lambda rows: 0.0
    if holders.size == 0:
        return lambda rows: subsidy + np.zeros(rows.size, dtype=np.float32)
    individual = np.zeros(hh.state.n, dtype=np.float32)
    individual[holders] = face
    return lambda rows: subsidy + individual[rows] / hh.users[rows]


def _boosted_hazard(
    hh: Households, ctx: MonthContext, offer_per_phone: PerPhone, subsidy: float, holders: np.ndarray
) -> Callable[[np.ndarray | slice], np.ndarray]:
    """Replacement hazard h1 >= h0 with the month's offers (pull-forward), float32, as a function of rows.

    An offer on a phone set is a price cut: it pulls purchases forward in proportion to its share
    of the price. A block (slice) gets the hazard with the per-unit offers alone; index rows get
    each holder's own h1 (per-unit and individual offers).
    """
    s, p = hh.state, hh.params.phones
    everyone = 1.0 + p.pull_forward_per_share * (subsidy + np.zeros(1, dtype=np.float32)) / ctx.price_5g

    def boosted(rows: np.ndarray | slice) -> np.ndarray:
        h0 = replacement_hazard(hh, s.phone_age[rows])
        h1 = np.minimum(h0 * everyone, 1.0)
        if holders.size and not isinstance(rows, slice):
            at = np.minimum(np.searchsorted(holders, rows), holders.size - 1)
            hit = np.flatnonzero(holders[at] == rows)
            boost = 1.0 + p.pull_forward_per_share * offer_per_phone(rows[hit]) / ctx.price_5g
            h1[hit] = np.minimum(1.0, h0[hit] * boost)
        return h1

    return boosted


def _buy_5g(
    hh: Households,
    ctx: MonthContext,
    buy: np.ndarray,
    choosers: np.ndarray,
    upgraders: np.ndarray,
    offer_per_phone: PerPhone,
    pulled_to: Callable[[np.ndarray], np.ndarray] | None = None,
) -> None:
    """Set `buy` for choosers (logit choice) and possible upgraders (Bass channel) at the offered price."""
    s, p, d, u = hh.state, hh.params.phones, hh.params.diffusion, ctx.hh_draws
    for rows, rule in ((choosers, "choose"), (upgraders, "upgrade")):
        offer = offer_per_phone(rows)
        net = ctx.price_5g if isinstance(offer, float) else np.maximum(ctx.price_5g - offer, 1.0)
        x = price_term(net, ctx.price_5g, hh.income_per_user[rows], hh.ref_income_per_user)
        peer = hh.peer_share("phone5g", rows)
        aware_lit = s.awareness[rows] * s.literacy[rows]
        if rule == "choose":
            covered = hh.covered[rows].astype(np.float32)
            prob = choose_5g_probability(p, ctx.national_5g_share, x, peer, covered, aware_lit)
            buy[rows] = u[D.CHOOSE][rows] < prob
        else:
            early = u[D.BASS][rows] < bass_upgrade_probability(d, p, peer, x, hh.covered[rows], aware_lit)
            if pulled_to is not None:
                early &= u[D.REPLACE][rows] >= pulled_to(rows)
            buy[rows] |= early


def take_up_plans(hh: Households, ctx: MonthContext) -> None:
    """5G handset owners move to a 5G plan (faster where they are covered, as premiums fall)."""
    s, pp = hh.state, hh.params.plans
    speed = np.sqrt(pp.premium_yuan_per_user / max(ctx.plan_premium, 1e-6))
    rate_covered = float32_at_least(pp.monthly_hazard_covered * speed)
    rate_uncovered = float32_at_least(pp.monthly_hazard_uncovered * speed)
    u = ctx.hh_draws[D.PLAN]
    for b in blocks(s.n):
        plan, covered, u_b = s.plan5g[b], hh.covered[b], u[b]
        takes = (covered & (u_b < rate_covered)) | (~covered & (u_b < rate_uncovered))
        new = s.phone5g[b] & ~plan & takes
        plan |= new
        s.m_plan5g[b][new] = ctx.month
