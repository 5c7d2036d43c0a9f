"""Household information spending: services (mobile plans, broadband), other information goods and
services, devices bought this month, and the extra spending of money offers freed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infosim.world.context import HouseholdDraw, MonthContext
from infosim.world.policy import Decision, Policy, Purchase

if TYPE_CHECKING:
    from infosim.agents.households.households import Households

GOODS = "goods"


def routine_goods(hh: Households, ctx: MonthContext) -> np.ndarray:
    """Value of routine information goods (accessories, small electronics) each household buys in a
    month anyway: a share of its other information spending (float64)."""
    sp = hh.params.spending
    return sp.routine_goods_share * hh.other_spend_base * (1 + sp.growth_per_year) ** ctx.years


def shop(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """The month's routine shopping, with the offers usable on it (vouchers).

    A holder whose eligible spending this month reaches the voucher's minimum uses it on what it
    buys anyway (a voucher without a minimum always does). A holder short of the minimum by a
    gap may spend up to it: it does if the face value is worth more to it than the extra goods
    cost beyond what they are worth to it, which — the worth of goods it did not plan to buy
    being spread over [0, price] — happens with probability (face / gap) ** topup_exponent
    (1 for a uniform spread). The top-up is extra spending the voucher induced.
    """
    goods = routine_goods(hh, ctx)
    purchase = Purchase("household", GOODS, goods)
    offer = policy.offer(ctx, purchase)
    holders = offer.holders
    if holders.size == 0:
        return
    face, minimum = offer.holder_amount().astype(np.float64), offer.holder_min_spend().astype(np.float64)
    gap = np.maximum(minimum - goods[holders], 0.0)
    n = hh.state.n
    without = np.zeros(n, dtype=bool)
    without[holders] = gap <= 0
    chance = np.ones(holders.size)
    short = gap > 0
    chance[short] = np.minimum(1.0, face[short] / gap[short]) ** hh.params.spending.topup_exponent
    with_offer = without.copy()
    with_offer[holders] = ctx.hh_draws[HouseholdDraw.TOPUP][holders] < chance
    settlement = policy.settle(ctx, purchase, offer, Decision(without, with_offer))
    topped = holders[settlement.final[holders] & ~without[holders]]
    extra = np.zeros(n)
    extra[holders] = gap
    hh.device_spend[topped] += extra[topped].astype(np.float32)
    induced = np.zeros(n)
    induced[topped] = extra[topped]
    hh.accept(settlement, ctx.month, induced=induced)


def spend(hh: Households, ctx: MonthContext) -> np.ndarray:
    """This month's information spending of one real household per agent, yuan (float32).

    Mobile services (every active subscription pays the 4G ARPU, those on a 5G plan the premium
    too) + broadband + other information goods and services + devices and goods bought this
    month + the extra spending of money offers freed. Other spending is exogenous (a level rising
    with income and a trend); the rest responds to what households decide.
    """
    s, pp, sp = hh.state, hh.params.plans, hh.params.spending
    services = hh.active_users * np.float32(pp.arpu_4g_yuan_per_user) + hh.count_plan * np.float32(ctx.plan_premium)
    growth = (1 + sp.growth_per_year) ** ctx.years
    total = services + _broadband_fee(hh, slice(None), _broadband_fee_in_float32(hh))
    total += hh.other_spend_base * growth
    total += hh.device_spend
    total += hh.freed_spend
    hh.device_spend[:] = 0.0
    hh.freed_spend[:] = 0.0
    hh.month_spend[:] = total
    s.spend_total += hh.month_spend
    return hh.month_spend


def _broadband_fee_in_float32(hh: Households) -> tuple[np.float32, np.float32] | None:
    """(basic fee, gigabit step) as float32 when both fees are exact in float32, else None."""
    hp = hh.params.home
    basic, gigabit = hp.broadband_basic_yuan, hp.broadband_gigabit_yuan
    basic32, step32 = np.float32(basic), np.float32(gigabit - basic)
    exact = float(basic32) == basic and float(step32) == gigabit - basic and float(basic32 + step32) == gigabit
    return (basic32, step32) if exact else None


def _broadband_fee(hh: Households, rows: slice, fee: tuple[np.float32, np.float32] | None) -> np.ndarray:
    """Monthly broadband fee of households `rows` (0 without broadband), float32 when exact."""
    s, hp = hh.state, hh.params.home
    broadband, gigabit = s.broadband[rows], s.gigabit[rows]
    if fee is None:
        return broadband * np.where(gigabit, hp.broadband_gigabit_yuan, hp.broadband_basic_yuan)
    out = np.multiply(broadband, fee[0], dtype=np.float32)
    out += np.multiply(broadband & gigabit, fee[1], dtype=np.float32)
    return out
