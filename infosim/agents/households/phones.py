"""Phones, held by mobile users: each user replaces its phone on its own schedule and chooses 4G
or 5G from what is on the shelf (plans: ``plans.py``).

Replacement: a phone's replacement clock adds the month's integrated Weibull hazard of its age,
scaled by national handset demand, and the phone is replaced when the clock crosses the user's
exponential threshold (exactly the discrete monthly hazard; the month it will cross is found
when the phone is bought, ``clocks.py``). New subscriptions buy a phone in the month they start.
An offer on 5G phones (a subsidy, a voucher) is a price cut: it raises the user's hazard this
month to h1 = min(1, h0 (1 + k x offer / price)) and so pulls purchases forward on the same
threshold — a user pulled forward buys only if it then chooses 5G.

Choice: a logit around the national 5G share of phones on sale (``rules.choose_5g_probability``),
on the user's own draw for its k-th phone. Decisions are taken without and with the month's
offers on the same draws; the household's purchase is what the government settles, and users of
households whose claim is refused keep their decision without the offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infosim.agents.households import plans
from infosim.agents.households.clocks import ReplacementClocks
from infosim.agents.households.rules import choose_5g_probability, clock_increments_table, replacement_hazard_table
from infosim.parameters import PhoneParams
from infosim.world.context import STREAM_PHONE_CHOICE, STREAM_PHONE_LIFE, MonthContext
from infosim.world.numerics import NO_ROWS, keyed_uniforms
from infosim.world.policy import Decision, Offer, Policy, Purchase

if TYPE_CHECKING:
    from infosim.agents.households.households import Households

MAX_PHONE_AGE = 600  # months; ages stop counting here (the hazard table is flat beyond)


def replacement_clocks(p: PhoneParams, demand: np.ndarray) -> ReplacementClocks:
    """The replacement clocks of a run: the phones' Weibull wear scaled by national demand."""
    increments = clock_increments_table(p.life_months, p.life_shape)
    if not p.replacement:
        increments = np.zeros_like(increments)
    return ReplacementClocks(increments, demand, MAX_PHONE_AGE)


def replace_phones(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """Replace worn-out phones and buy phones for new subscriptions; offers pull purchases forward."""
    u, m = hh.users, ctx.month
    natural = u.replace_at == m  # worn out this month, or a subscription starting this month
    purchase = Purchase("household", "phone5g", ctx.price_5g)
    offer = policy.offer(ctx, purchase)
    buy5_b = _chooses_5g(hh, ctx, natural, 0.0)
    if offer.any:
        discount = _discount_per_phone(hh, offer)
        pulled = _pulled_forward(hh, ctx, natural, discount)
        candidates = natural | pulled
        buy5_a = _chooses_5g(hh, ctx, candidates, discount)
        buy_a = natural | (pulled & buy5_a)
        refused = _settle(hh, ctx, policy, offer, natural, buy5_b, buy_a, buy5_a)
        if refused.size:
            back = np.isin(u.household, refused)
            buy_a = np.where(back, natural, buy_a)
            buy5_a = np.where(back, buy5_b, buy5_a)
        bought, bought_5g = buy_a, buy5_a & buy_a
    else:
        bought, bought_5g = natural, buy5_b
    _take_phones(hh, ctx, bought, bought_5g)


def _pulled_forward(hh: Households, ctx: MonthContext, natural: np.ndarray, discount: np.ndarray | float) -> np.ndarray:
    """Active users not replacing this month whose clock crosses its threshold with the offer's
    hazard h1 = min(1, h0 (1 + k x discount / price)) instead of h0: pulled forward."""
    u, m, p = hh.users, ctx.month, hh.params.phones
    idle = np.flatnonzero((u.active_from <= m) & ~natural)
    pulled = np.zeros(u.n, dtype=bool)
    if idle.size == 0 or not p.replacement:
        return pulled
    age = np.minimum(m - u.phone_from[idle], MAX_PHONE_AGE)
    h0 = np.take(replacement_hazard_table(p.life_months, p.life_shape), age).astype(np.float64)
    off = discount[idle] if isinstance(discount, np.ndarray) else discount
    h1 = np.minimum(h0 * (1.0 + p.pull_forward_per_share * off / ctx.price_5g), 1.0 - 1e-7)
    crossed = hh.clocks.now(u.phone_from[idle], m) - np.log1p(-h1) * ctx.demand_index >= u.life_threshold[idle]
    pulled[idle[crossed]] = True
    return pulled


def _discount_per_phone(hh: Households, offer: Offer) -> np.ndarray | float:
    """Money off a 5G phone each user's household is offered: per-phone offers plus individual ones
    (an individual offer — a voucher — is one per household; each of its users sees it)."""
    if not offer.any:
        return 0.0
    holders = offer.holders
    if holders.size == 0:
        return offer.per_unit
    individual = np.zeros(hh.state.n, dtype=np.float32)
    individual[holders] = offer.holder_amount()
    return offer.per_unit + individual[hh.users.household]


def _chooses_5g(hh: Households, ctx: MonthContext, buying: np.ndarray, discount: np.ndarray | float) -> np.ndarray:
    """Whether each buying user picks a 5G phone at its net price (False where not buying)."""
    u, s = hh.users, hh.state
    rows = np.flatnonzero(buying)
    out = np.zeros(u.n, dtype=bool)
    if rows.size == 0:
        return out
    home = u.household[rows]
    net = ctx.price_5g - (discount[rows] if isinstance(discount, np.ndarray) else discount)
    price_gap = np.log(np.maximum(net, 1.0) / ctx.price_5g) + hh.log_income_gap[home]
    peer_gap = hh.peer_share("phone5g", home) - hh.national_peer_share(ctx)
    coverage_gap = hh.covered[home] - ctx.national_coverage
    aware_lit = s.awareness[home] * s.literacy[home]
    prob = choose_5g_probability(
        hh.params.phones, ctx.national_5g_share, price_gap, peer_gap, coverage_gap, aware_lit, u.phone5g[rows]
    )
    draw = keyed_uniforms(ctx.seed, STREAM_PHONE_CHOICE, rows, u.purchases[rows])
    out[rows] = draw < prob
    return out


def _settle(
    hh: Households,
    ctx: MonthContext,
    policy: Policy,
    offer: Offer,
    natural: np.ndarray,
    buy5_b: np.ndarray,
    buy_a: np.ndarray,
    buy5_a: np.ndarray,
) -> np.ndarray:
    """Settle the households' 5G phone purchases with the levers; returns the refused households."""
    u, n = hh.users, hh.state.n
    units_b = np.bincount(u.household[buy5_b], minlength=n).astype(np.float32)
    units_a = np.bincount(u.household[buy5_a & buy_a], minlength=n).astype(np.float32)
    purchase = Purchase("household", "phone5g", ctx.price_5g, units=units_a, attrs={"units_without": units_b})
    settlement = policy.settle(ctx, purchase, offer, Decision(units_b > 0, units_a > 0))
    value = _phone_value(hh, ctx, natural, buy5_b), _phone_value(hh, ctx, buy_a, buy5_a & buy_a)
    hh.accept(settlement, ctx.month, induced=value[1] - value[0])
    for rows, months in settlement.bundled:  # a subsidised 5G phone comes with a 5G plan contract (clause 6)
        plans.bundle(hh, ctx, np.flatnonzero(np.isin(u.household, rows) & buy5_a & buy_a), months)
    return np.concatenate(settlement.refused) if settlement.refused else NO_ROWS


def _phone_value(hh: Households, ctx: MonthContext, bought: np.ndarray, bought_5g: np.ndarray) -> np.ndarray:
    """Value of the phones each household buys (float64)."""
    u, n = hh.users, hh.state.n
    rows = np.flatnonzero(bought)
    price = np.where(bought_5g[rows], ctx.price_5g, ctx.price_4g)
    return np.bincount(u.household[rows], weights=price, minlength=n)


def _take_phones(hh: Households, ctx: MonthContext, bought: np.ndarray, bought_5g: np.ndarray) -> None:
    """New phones: a fresh threshold and the month the new phone will wear out."""
    u, m = hh.users, ctx.month
    rows = np.flatnonzero(bought)
    hh.set_phones(rows, bought_5g[rows], m)
    u.phone_from[rows] = m + 1
    u.purchases[rows] += 1
    threshold = -np.log1p(-keyed_uniforms(ctx.seed, STREAM_PHONE_LIFE, rows, u.purchases[rows]))
    u.life_threshold[rows] = threshold
    u.replace_at[rows] = hh.clocks.replacement_month(u.phone_from[rows], threshold)
    plans.resituate(hh, rows, m)  # a new phone (5G or not) changes the user's plan situation
    hh.device_spend += _phone_value(hh, ctx, bought, bought_5g).astype(np.float32)
    hh.phones_sold = (float(rows.size), float(np.count_nonzero(bought_5g[rows])))
