"""The national handset trade-in subsidy of 2025 (发改环资〔2025〕13号, NDRC and MOF, January 2025:
手机等数码产品购新补贴): 15% of the sale price of a new phone, capped at 500 yuan per phone, for
phones priced up to 6,000 yuan, paid first come first served while the budget lasts.

Not part of the 2020 Jiangsu package: a later national lever a scenario can layer on top of it
(``scenarios/jiangsu_2020_trade_in_2025.toml``). Written in this one file, without changing the
agents, the model or the outputs, as the test of the lever architecture (docs/adding_a_lever.md).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from infosim.levers.base import Lever, LeverSettings, claims_per_unit, freed_by_anyway_purchases, pay_first_come
from infosim.parameters.types import Month, Share, Yuan
from infosim.world.context import HouseholdDraw, MonthContext
from infosim.world.policy import Decision, LeverOffer, LeverSettlement, Purchase


class HandsetTradeInSettings(LeverSettings):
    """Purchase subsidy for new phones (发改环资〔2025〕13号)."""

    POLICY: ClassVar[str] = "发改环资〔2025〕13号"
    CLAUSE: ClassVar[str] = "手机等数码产品购新补贴 (purchase subsidy for phones and other digital products)"

    start: Month = "2025-01"
    share_of_price: Share = Field(0.15, description="share of the sale price subsidised (15% in the 2025 notice)")
    cap_yuan: Yuan = Field(500.0, description="most paid per phone (500 yuan in the 2025 notice)")
    max_price_yuan: Yuan = Field(6000.0, description="phones priced above this get nothing (6,000 yuan in the notice)")


class HandsetTradeIn(Lever):
    """A share of the price of each new 5G phone, capped, for phones up to a price limit."""

    name: ClassVar[str] = "handset_trade_in"
    Settings: ClassVar[type[LeverSettings]] = HandsetTradeInSettings
    position: ClassVar[int] = 35
    PAYS: ClassVar[tuple[str, ...]] = ("household",)
    cfg: HandsetTradeInSettings

    def offer(self, ctx: MonthContext, purchase: Purchase) -> LeverOffer | None:
        """min(share x price, cap) per phone, for phones not dearer than the limit."""
        if purchase.product != "phone5g" or not self.is_on(ctx.month):
            return None
        price = float(purchase.unit_price)
        if price > self.cfg.max_price_yuan:
            return None
        amount = min(self.cfg.share_of_price * price, self.cfg.cap_yuan) * self.taper(ctx.month)
        return LeverOffer(self.name, per_unit=amount) if amount > 0 else None

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Pay one subsidy per phone bought, first come first served while the budget lasts."""
        rows, amount = claims_per_unit(purchase, decision, offer.per_unit)
        if rows.size == 0:
            return LeverSettlement()
        hh = self.world.households
        paid = pay_first_come(
            self, ctx.month, rows, amount, ctx.hh_draws[HouseholdDraw.ORDER][rows], hh.city[rows], "household",
            self.world.household_weight, product=purchase.product,
        )
        freed_rows, freed_yuan = freed_by_anyway_purchases(purchase, decision, rows[paid], offer.per_unit)
        return LeverSettlement(
            refused=rows[~paid], paid_rows=rows[paid], paid_yuan=amount[paid],
            freed_rows=freed_rows, freed_yuan=freed_yuan,
        )
