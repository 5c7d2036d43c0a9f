"""Cloud incentives (苏政办发〔2020〕31号, clauses 21, 23, 27, 28): a capped share of the extra cloud
spend when a firm moves its core business to the cloud, a reward for star-rated cloud firms, and
the R&D super-deduction of informatisation spending for manufacturers (a tax expenditure).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from infosim.levers.base import Lever, LeverSettings, pay_first_come
from infosim.parameters.types import NonNeg, Share, Yuan
from infosim.world.context import EnterpriseDraw, MonthContext
from infosim.world.policy import Decision, LeverOffer, LeverSettlement, Purchase, Spending


class CloudIncentiveSettings(LeverSettings):
    """Cloud incentives (clauses 21, 23, 27, 28)."""

    CLAUSE: ClassVar[str] = "21, 23, 27, 28"

    subsidy_share: Share = 0.3
    subsidy_cap_yuan: Yuan = 100_000.0
    star_reward_yuan: Yuan = 50_000.0
    rd_super_deduction: bool = True
    deduction_rate: Share = Field(0.75, description="extra deduction of informatisation spend")
    tax_rate: Share = 0.25
    peer_programme_boost: NonNeg = Field(0.3, le=10, description="demonstration/peer boost")


class CloudIncentive(Lever):
    """Clause 23 (核心业务上云, 星级上云), clause 27 (信息化建设费用加计扣除), clause 28 (专项资金)."""

    name: ClassVar[str] = "cloud_incentive"
    Settings: ClassVar[type[LeverSettings]] = CloudIncentiveSettings
    position: ClassVar[int] = 50
    PAYS: ClassVar[tuple[str, ...]] = ("enterprise",)
    cfg: CloudIncentiveSettings

    def deduction_rate(self) -> float:
        """Tax saved per yuan of informatisation spend (deduction rate x tax rate)."""
        return self.cfg.deduction_rate * self.cfg.tax_rate if self.cfg.rd_super_deduction else 0.0

    def one_off(self, month: int, extra_spend: np.ndarray, next_stage: np.ndarray) -> np.ndarray:
        """One-off payment per firm for climbing to `next_stage`: a capped share of the extra
        cloud spend for moving core business to the cloud (stage 2) or above, plus the star reward.
        """
        if not self.is_on(month):
            return np.zeros_like(extra_spend)
        cfg, t = self.cfg, self.taper(month)
        amount = np.where(next_stage >= 2, np.minimum(cfg.subsidy_share * extra_spend, cfg.subsidy_cap_yuan) * t, 0.0)
        return amount + np.where(next_stage == 3, cfg.star_reward_yuan * t, 0.0)

    def offer(self, ctx: MonthContext, purchase: Purchase) -> LeverOffer | None:
        """Yuan of support a firm expects in the first year after climbing one stage, and the
        demonstration programmes' pull."""
        if purchase.product != "cloud_stage" or not self.is_on(ctx.month):
            return None
        extra_spend, next_stage = purchase.attrs["extra_spend"], purchase.attrs["next_stage"]
        manufacturer = purchase.attrs["manufacturer"]
        deduction = self.deduction_rate() * extra_spend * manufacturer * (next_stage >= 2)
        annual = self.one_off(ctx.month, extra_spend, next_stage) + deduction
        return LeverOffer(self.name, per_agent=annual, pull=self.cfg.peer_programme_boost * self.taper(ctx.month))

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Pay the one-off amounts to firms that climb with the offer, first come first served."""
        claim = np.flatnonzero(decision.with_offer & (offer.per_agent > 0))
        next_stage = purchase.attrs["next_stage"][claim]
        amounts = self.one_off(ctx.month, purchase.attrs["extra_spend"][claim], next_stage)
        if not self.is_on(ctx.month) or claim.size == 0:
            return LeverSettlement(refused=claim)
        world = self.world
        paid = pay_first_come(
            self, ctx.month, claim, amounts, ctx.ent_draws[EnterpriseDraw.ORDER][claim],
            world.enterprises.city[claim], "enterprise", world.enterprise_weight,
            product=np.where(next_stage == 3, "cloud_star", "cloud_core"),
        )
        return LeverSettlement(refused=claim[~paid], paid_rows=claim[paid], paid_yuan=amounts[paid].astype(np.float32))

    def pay_on_spending(self, ctx: MonthContext, spending: Spending) -> None:
        """The month's super-deduction for manufacturers with core business on cloud (clause 27)."""
        rate = self.deduction_rate()
        if spending.product != "cloud" or not self.is_on(ctx.month) or rate <= 0:
            return
        eligible = np.flatnonzero(spending.attrs["manufacturer"] & (spending.attrs["stage"] >= 2))
        if eligible.size == 0:
            return
        monthly_cloud = spending.yuan[eligible]
        self.ledger.pay(
            self.name,
            ctx.month,
            monthly_cloud * rate * self.world.enterprise_weight,
            self.world.enterprises.city[eligible],
            "enterprise",
            agent_ids=eligible,
            product="super_deduction",
            per_agent=(monthly_cloud * rate).astype(np.float32),
        )
