"""Terminal subsidies (苏政办发〔2020〕31号, clauses 6, 7): a share of the sale price of 5G phones,
smart-home and 4K devices, capped per device, bundled with a 5G plan for phones, plus a trade-in
bonus; operators co-fund a share. Claims are paid first come, first served while the budget lasts.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from infosim.levers.base import Lever, LeverSettings, claims_per_unit, freed_by_anyway_purchases, pay_first_come
from infosim.parameters.types import Product, Share, Yuan
from infosim.world.context import HouseholdDraw, MonthContext
from infosim.world.policy import Decision, LeverOffer, LeverSettlement, Purchase


class TerminalSubsidySettings(LeverSettings):
    """Subsidy of a share of the sale price of 5G phones and smart devices (clauses 6, 7)."""

    CLAUSE: ClassVar[str] = "6, 7"

    share_of_price: Share = 0.15
    cap_yuan: Yuan = 500.0
    max_price_yuan: Yuan = 6000.0
    products: list[Product] = Field(default_factory=lambda: ["phone5g", "smart_home", "tv4k"])
    trade_in_bonus_yuan: Yuan = Field(0.0, description="extra per 5G phone when an old phone is traded in")
    operator_cofund_share: Share = Field(0.3, description="share of the subsidy operators pay")
    bundle_months: int = Field(
        12, ge=1, le=60, description="months of the 5G plan contract a subsidised 5G phone comes with (clause 6)"
    )


class TerminalSubsidy(Lever):
    """Clause 6 (套餐补贴 for 5G terminals, 以旧换新 trade-in) and clause 7 (4K devices)."""

    name: ClassVar[str] = "terminal_subsidy"
    Settings: ClassVar[type[LeverSettings]] = TerminalSubsidySettings
    position: ClassVar[int] = 30
    PAYS: ClassVar[tuple[str, ...]] = ("household",)
    cfg: TerminalSubsidySettings

    def per_device(self, month: int, product: str, price: float) -> float:
        """Subsidy per device (yuan, government + operator share) offered this month.

        share x price, capped at `cap_yuan`, only for devices up to `max_price_yuan`, tapered;
        phones also get the trade-in bonus. Zero when the lever is off or the budget is spent.
        """
        cfg = self.cfg
        if not self.is_on(month) or product not in cfg.products or price > cfg.max_price_yuan:
            return 0.0
        amount = min(cfg.share_of_price * price, cfg.cap_yuan) * self.taper(month)
        if product == "phone5g":
            amount += cfg.trade_in_bonus_yuan * self.taper(month)
        return amount

    def offer(self, ctx: MonthContext, purchase: Purchase) -> LeverOffer | None:
        """A subsidy per device on the products the lever covers, for every household."""
        if purchase.buyer != "household" or purchase.product not in self.cfg.products:
            return None
        amount = self.per_device(ctx.month, purchase.product, float(purchase.unit_price))
        return LeverOffer(self.name, per_unit=amount) if amount > 0 else None

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Pay the claims of households who buy (one subsidy per device), first come first served;
        a paid 5G phone comes with a 5G plan contract (clause 6 subsidises plans: 套餐补贴)."""
        idx, amount = claims_per_unit(purchase, decision, offer.per_unit)
        if idx.size == 0:
            return LeverSettlement()
        world, month = self.world, ctx.month
        order = ctx.hh_draws[HouseholdDraw.ORDER][idx]
        gov_share = 1.0 - self.cfg.operator_cofund_share
        paid = pay_first_come(
            self, month, idx, amount, order, world.households.city[idx], "household", world.household_weight,
            product=purchase.product, share_paid=gov_share,
        )
        first = np.argsort(order, kind="stable")
        cofunded = float(amount[first].astype(np.float64)[paid[first]].sum())
        self.ledger.operator_cofund[month] += cofunded * world.household_weight * (1 - gov_share)
        rows = idx[paid]
        freed_rows, freed_yuan = freed_by_anyway_purchases(purchase, decision, rows, offer.per_unit)
        return LeverSettlement(
            refused=idx[~paid],
            paid_rows=rows,
            paid_yuan=amount[paid],
            bundled=rows if purchase.product == "phone5g" else rows[:0],
            bundle_months=self.cfg.bundle_months,
            freed_rows=freed_rows,
            freed_yuan=freed_yuan,
        )
