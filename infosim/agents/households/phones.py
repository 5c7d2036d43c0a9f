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
    """Replace worn-out phones and buy phones for new subscriptions; offers pull purchases forward.

    Works on the rows of the users who buy (a few percent a month): the month's natural
    replacements, and, with an offer, the users it pulls forward.
    """
    u, m = hh.users, ctx.month
    natural = np.flatnonzero(u.replace_at == m)  # worn out this month, or a subscription starting
    purchase = Purchase("household", "phone5g", ctx.price_5g)
    offer = policy.offer(ctx, purchase)
    five_b = _chooses_5g(hh, ctx, natural, 0.0)
    if not offer.any:
        _take_phones(hh, ctx, natural, five_b)
        return
    discount = _discount_per_phone(hh, offer)
    pulled = _pulled_forward(hh, ctx, natural, discount)
    candidates = np.concatenate([natural, pulled])
    five_a = _chooses_5g(hh, ctx, candidates, discount)
    buys_a = np.concatenate([np.ones(natural.size, dtype=bool), five_a[natural.size :]])  # pulled: only for 5G
    refused = _settle(hh, ctx, policy, offer, natural, five_b, candidates[buys_a], five_a[buys_a])
    if refused.size:  # refused households keep their decision without the offer
        back = np.isin(u.household[candidates], refused)
        keep_b = back[: natural.size]
        buys_a &= ~back
        buys_a[: natural.size] |= keep_b
        five_a[: natural.size] = np.where(keep_b, five_b, five_a[: natural.size])
    _take_phones(hh, ctx, candidates[buys_a], five_a[buys_a])


def _pulled_forward(hh: Households, ctx: MonthContext, natural: np.ndarray, discount: np.ndarray | float) -> np.ndarray:
    """Rows of active users not replacing this month whose clock crosses its threshold with the
    offer's hazard h1 = min(1, h0 (1 + k x discount / price)) instead of h0: pulled forward.

    A phone's clock with the offer depends only on the month it was bought and the discount, so
    it is computed once per purchase month for the most common discount (a table) and read by
    every user with that discount; users with another discount (e.g. voucher holders) are
    computed one by one, with the same arithmetic.
    """
    u, m, p = hh.users, ctx.month, hh.params.phones
    if not p.replacement:
        return NO_ROWS
    clocks, bought = hh.clocks, u.phone_from
    discount = np.asarray(discount)
    common = discount if discount.ndim == 0 else np.full(1, discount.min(), dtype=discount.dtype)
    purchase_months = clocks.purchase_months.astype(bought.dtype, copy=False)
    table = _clock_with_offer(hh, ctx, purchase_months, common)  # by the month a phone was bought
    crossed = np.take(table, clocks.row(bought)) >= u.life_threshold
    if discount.ndim:
        other = np.flatnonzero(discount != common[0])
        crossed[other] = _clock_with_offer(hh, ctx, bought[other], discount[other]) >= u.life_threshold[other]
    crossed &= u.active_from <= m
    crossed[natural] = False
    return np.flatnonzero(crossed)


def _clock_with_offer(hh: Households, ctx: MonthContext, bought: np.ndarray, discount: np.ndarray) -> np.ndarray:
    """Replacement clocks of phones bought in `bought` after this month's wear at the offer's
    hazard h1 = min(1, h0 (1 + k x discount / price)) (float64; `discount` broadcasts)."""
    m, p = ctx.month, hh.params.phones
    age = np.minimum(m - bought, MAX_PHONE_AGE)
    h0 = np.take(replacement_hazard_table(p.life_months, p.life_shape), age)
    h1 = np.minimum(h0 * np.float32(1.0 + p.pull_forward_per_share * discount / ctx.price_5g), 1.0 - 1e-7)
    step = -np.log1p(-h1) * np.float32(ctx.demand_index)
    return hh.clocks.now(bought, m) + step


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


def _chooses_5g(hh: Households, ctx: MonthContext, rows: np.ndarray, discount: np.ndarray | float) -> np.ndarray:
    """Whether each buying user `rows` picks a 5G phone at its net price."""
    u, s = hh.users, hh.state
    if rows.size == 0:
        return np.zeros(0, dtype=bool)
    home = u.household[rows]
    net = ctx.price_5g - (discount[rows] if isinstance(discount, np.ndarray) else discount)
    price_gap = np.log(np.maximum(net, 1.0) / ctx.price_5g) + hh.log_income_gap[home]
    peer_gap = hh.peer_share("phone5g", home) - hh.national_peer_share(ctx)
    coverage_gap = hh.covered[home] - ctx.national_coverage
    aware_lit = s.awareness[home] * s.literacy[home]
    prob = choose_5g_probability(
        hh.params.phones, ctx.national_5g_share, price_gap, peer_gap, coverage_gap, aware_lit, u.phone5g[rows]
    )
    return keyed_uniforms(ctx.seed, STREAM_PHONE_CHOICE, rows, u.purchases[rows]) < prob


def _settle(
    hh: Households,
    ctx: MonthContext,
    policy: Policy,
    offer: Offer,
    natural: np.ndarray,
    five_b: np.ndarray,
    bought_a: np.ndarray,
    five_a: np.ndarray,
) -> np.ndarray:
    """Settle the households' 5G phone purchases with the levers; returns the refused households.

    Args:
        natural, five_b: the rows buying without the offer, and whether each buys 5G.
        bought_a, five_a: the rows buying with the offer, and whether each buys 5G.
    """
    u, n = hh.users, hh.state.n
    units_b = np.bincount(u.household[natural[five_b]], minlength=n).astype(np.float32)
    units_a = np.bincount(u.household[bought_a[five_a]], minlength=n).astype(np.float32)
    purchase = Purchase("household", "phone5g", ctx.price_5g, units=units_a, attrs={"units_without": units_b})
    settlement = policy.settle(ctx, purchase, offer, Decision(units_b > 0, units_a > 0))
    induced = _phone_value(hh, ctx, bought_a, five_a) - _phone_value(hh, ctx, natural, five_b)
    hh.accept(settlement, ctx.month, induced=induced)
    for rows, months in settlement.bundled:  # a subsidised 5G phone comes with a 5G plan contract (clause 6)
        fives = bought_a[five_a]
        plans.bundle(hh, ctx, fives[np.isin(u.household[fives], rows)], months)
    return np.concatenate(settlement.refused) if settlement.refused else NO_ROWS


def _phone_value(hh: Households, ctx: MonthContext, rows: np.ndarray, five: np.ndarray) -> np.ndarray:
    """Value of the phones each household buys (float64): users `rows`, 5G where `five`."""
    price = np.where(five, ctx.price_5g, ctx.price_4g)
    return np.bincount(hh.users.household[rows], weights=price, minlength=hh.state.n)


def _take_phones(hh: Households, ctx: MonthContext, rows: np.ndarray, five: np.ndarray) -> None:
    """Users `rows` take new phones (5G where `five`): a fresh threshold and the month the new phone
    will wear out; those whose phone changed between 4G and 5G are in a new plan situation."""
    u, m = hh.users, ctx.month
    changed = u.phone5g[rows] != five
    switched = rows[changed]
    hh.set_phones(switched, five[changed], m)  # the others keep their phone type: counts and flags stay
    u.phone_from[rows] = m + 1
    u.purchases[rows] += 1
    threshold = -np.log1p(-keyed_uniforms(ctx.seed, STREAM_PHONE_LIFE, rows, u.purchases[rows]))
    u.life_threshold[rows] = threshold
    u.replace_at[rows] = hh.clocks.replacement_month_of_new(m, threshold)
    plans.resituate(hh, switched, m)
    price = np.where(five, np.float32(ctx.price_5g), np.float32(ctx.price_4g))
    np.add.at(hh.device_spend, u.household[rows], price)
    hh.phones_sold = (float(rows.size), float(np.count_nonzero(five)))
