"""Home products: gigabit broadband where it can be ordered, smart-home devices and 4K TVs.

Devices diffuse Bass-style (innovation p plus imitation q times the share of contacts owning
one), scaled by affordability; an offer lowers the net price (hazard elasticity to net price).
Gigabit take-up is a hazard among broadband households where gigabit is available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infosim.agents.households.rules import product_hazard
from infosim.world.context import HouseholdDraw as D
from infosim.world.context import MonthContext
from infosim.world.numerics import blocks
from infosim.world.policy import Decision, Policy, Purchase

if TYPE_CHECKING:
    from infosim.agents.households.households import Households


def adopt_devices(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """Smart-home devices and 4K TVs."""
    hp = hh.params.home
    for product, p0, q, price, row in (
        ("smart_home", hp.smart_home_p, hp.smart_home_q, hp.smart_home_price_yuan, D.SMART_HOME),
        ("tv4k", hp.tv4k_p, hp.tv4k_q, hp.tv4k_price_yuan, D.TV4K),
    ):
        adopt_device(hh, ctx, policy, product, p0, q, price, row)


def adopt_device(
    hh: Households, ctx: MonthContext, policy: Policy, product: str, p0: float, q: float, price: float, row: int
) -> None:
    """Bass-type adoption of a home device; offers lower its net price."""
    s, el = hh.state, hh.params.home.price_elasticity
    owned, count = getattr(s, product), hh.peer_count[product]
    u = ctx.hh_draws[row]
    shares = hh.peer_share_table[product]
    purchase = Purchase("household", product, price)
    offer = policy.offer(ctx, purchase)
    subsidy, holders = offer.per_unit, offer.holders
    offered = offer.any
    # Hazards by peer count: at list price (B) and at the price net of the per-unit offers (A).
    hazard_b = product_hazard(p0, q, shares, price, price, el)
    net = np.maximum(price - subsidy - np.zeros(shares.size, dtype=np.float32), 1.0)
    hazard_a = product_hazard(p0, q, shares, price, net, el) if offered else hazard_b
    buy_b = np.empty(s.n, dtype=bool)
    buy_a = np.empty(s.n, dtype=bool) if offered else buy_b
    for b in blocks(s.n):
        can, u_b, income, c = ~owned[b], u[b], hh.sqrt_income_rel[b], count[b]
        np.logical_and(can, u_b < np.take(hazard_b, c) * income, out=buy_b[b])
        if offered:
            np.logical_and(can, u_b < np.take(hazard_a, c) * income, out=buy_a[b])
    if holders.size:  # individual offers (e.g. vouchers): each holder's own net price
        face = offer.holder_amount()
        net = np.maximum(price - subsidy - face, 1.0)
        hz = product_hazard(p0, q, hh.peer_share(product, holders), price, net, el)
        buy_a[holders] = ~owned[holders] & (u[holders] < hz * hh.sqrt_income_rel[holders])
    final = buy_a
    if offered:
        settlement = policy.settle(ctx, purchase, offer, Decision(buy_b, buy_a))
        hh.accept(settlement, ctx.month, induced=(buy_a & ~buy_b) * float(price))
        final = settlement.final
    owned |= final
    bought = np.flatnonzero(final)
    getattr(s, f"m_{product}")[bought] = ctx.month
    hh.device_spend[bought] += np.float32(price)


def adopt_gigabit(hh: Households, ctx: MonthContext, policy: Policy) -> None:
    """Broadband households where gigabit is available move to a gigabit plan."""
    s, hp = hh.state, hh.params.home
    annual = np.float32(12 * hp.broadband_gigabit_yuan)
    u = ctx.hh_draws[D.GIGABIT]
    buy_b = np.empty(s.n, dtype=bool)
    for b in blocks(s.n):
        candidates = s.broadband[b] & ~s.gigabit[b] & hh.gigabit_available[b]
        np.logical_and(candidates, u[b] < hh.gigabit_hazard[b], out=buy_b[b])
    purchase = Purchase("household", "gigabit", annual)
    offer = policy.offer(ctx, purchase)
    buy_a = buy_b
    if offer.any:  # an offer on the first year's fee lowers its net price (hazard elasticity to it)
        buy_a = buy_b.copy()
        holders = offer.holders
        off = np.full(s.n, offer.per_unit, dtype=np.float64)
        if holders.size:
            off[holders] += offer.holder_amount()
        ratio = np.maximum(annual - off, 1.0) / annual
        hazard = 1.0 - (1.0 - hh.gigabit_hazard) ** (ratio ** hp.price_elasticity)
        candidates = s.broadband & ~s.gigabit & hh.gigabit_available
        buy_a = candidates & (u < hazard)
        settlement = policy.settle(ctx, purchase, offer, Decision(buy_b, buy_a))
        first_year = 12.0 * (hp.broadband_gigabit_yuan - hp.broadband_basic_yuan)
        hh.accept(settlement, ctx.month, induced=(buy_a & ~buy_b) * first_year)
        buy_a = settlement.final
    s.gigabit |= buy_a
    s.m_gigabit[buy_a] = ctx.month


__all__ = ["adopt_device", "adopt_devices", "adopt_gigabit"]
