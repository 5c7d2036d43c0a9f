"""Household information spending: services (mobile plans, broadband), other information goods and
services, devices bought this month, and the extra spending of money offers freed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infosim.world.context import MonthContext
from infosim.world.numerics import blocks
from infosim.world.policy import Decision, Policy, Purchase

if TYPE_CHECKING:
    from infosim.agents.households.households import Households

SERVICES = "services"


def use_service_offers(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """Offers usable on the month's services (e.g. vouchers without a minimum spend) are used at once.

    Services are bought anyway, so the offer changes no decision: the money it frees is partly
    spent on more information goods (:meth:`Households.accept`).
    """
    purchase = Purchase("household", SERVICES, 0.0)
    offer = policy.offer(ctx, purchase)
    if not offer.any:
        return
    everyone = np.ones(hh.state.n, dtype=bool)
    hh.accept(policy.settle(ctx, purchase, offer, Decision(everyone, everyone)), ctx.month)


def spend(hh: Households, ctx: MonthContext) -> np.ndarray:
    """This month's information spending of one real household per agent, yuan (float32).

    Services + broadband + other goods + devices + extra spending freed by offers, summed in
    float64 in that order and rounded to float32; devices and freed money are added only where
    non-zero (adding zero changes nothing). Evaluated in blocks of households, so the
    intermediate arrays stay in the processor's cache.
    """
    s, pp, sp = hh.state, hh.params.plans, hh.params.spending
    premium, arpu = np.float32(ctx.plan_premium), np.float32(pp.arpu_4g_yuan_per_user)
    growth = (1 + sp.growth_per_year) ** ctx.years
    fee = _broadband_fee_in_float32(hh)
    for b in blocks(s.n):
        services = np.multiply(s.plan5g[b], premium, dtype=np.float32)
        services += arpu
        services *= hh.users[b]
        total = services.astype(np.float64)
        total += _broadband_fee(hh, b, fee)
        total += hh.other_spend_base[b] * growth
        device, voucher_extra = hh.device_spend[b], hh.voucher_extra[b]
        extra = np.flatnonzero((device != 0) | (voucher_extra != 0))
        total[extra] = (total[extra] + device[extra]) + voucher_extra[extra]
        device[extra] = 0.0
        voucher_extra[extra] = 0.0
        month = hh.month_spend[b]
        np.copyto(month, total, casting="same_kind")
        s.spend_total[b] += month
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
