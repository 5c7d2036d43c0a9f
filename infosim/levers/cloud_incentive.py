"""Cloud incentives (苏政办发〔2020〕31号, clauses 21, 23, 27, 28): a capped share of the extra cloud
spend when a firm moves its core business to the cloud, a reward for star-rated cloud firms, and
the R&D super-deduction of informatisation spending for manufacturers (a tax expenditure).

The R&D super-deduction (苏政办发〔2020〕31号, clause 27: "制造业企业发生符合条件的信息化建设费用可享受
研发费用加计扣除政策"). What qualifies, as modelled:

* who: manufacturers (firms in the province's 13 manufacturing clusters), nobody else;
* what: *informatisation building* (信息化建设) — the cloud spending a manufacturer adds by moving up
  cloud stages, i.e. its cloud spend this month minus the cloud spend of the stage it held when
  the run began (January 2020, the first tax year of the policy), both at this month's IT budget.
  The cloud services a firm was already buying are running costs of an existing system, not
  building, and do not qualify;
* how much: ``deduction_rate x tax_rate x qualifying spend`` a month (the extra deduction from
  taxable income times the corporate income tax rate), booked as a tax expenditure while the lever
  is on and within its budget.

A manufacturer still at its start stage therefore gets nothing; one that has climbed gets
``deduction_rate x tax_rate x (cloud share now - cloud share at start) x IT budget / 12`` a month.
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
    deduction_rate: Share = Field(
        0.75,
        description="extra deduction from taxable income per yuan of qualifying spend (75% in 2020 under "
        "财税〔2018〕99号; 100% for manufacturers from 2021 under 财政部 税务总局公告2021年第13号)",
    )
    tax_rate: Share = Field(0.25, description="corporate income tax rate (standard 25%)")
    peer_programme_boost: NonNeg = Field(0.3, le=10, description="demonstration/peer boost")


class CloudIncentive(Lever):
    """Clause 23 (核心业务上云, 星级上云), clause 27 (信息化建设费用加计扣除), clause 28 (专项资金)."""

    name: ClassVar[str] = "cloud_incentive"
    Settings: ClassVar[type[LeverSettings]] = CloudIncentiveSettings
    position: ClassVar[int] = 50
    PAYS: ClassVar[tuple[str, ...]] = ("enterprise",)
    cfg: CloudIncentiveSettings

    def deduction_rate(self) -> float:
        """Tax saved per yuan of qualifying informatisation spend (deduction rate x tax rate)."""
        return self.cfg.deduction_rate * self.cfg.tax_rate if self.cfg.rd_super_deduction else 0.0

    @staticmethod
    def qualifying_spend(spending: Spending) -> np.ndarray:
        """Clause 27's qualifying spend per firm this month: a manufacturer's cloud spend above that of
        the stage it held at the start (0 for non-manufacturers and for firms that have not climbed)."""
        increment = np.maximum(spending.yuan - spending.attrs["yuan_at_start"], 0.0)
        return np.where(spending.attrs["manufacturer"], increment, 0.0)

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
        # The first year's super-deduction on the climb's increment (every climb adds qualifying spend).
        deduction = self.deduction_rate() * extra_spend * purchase.attrs["manufacturer"]
        annual = self.one_off(ctx.month, extra_spend, next_stage) + deduction
        return LeverOffer(self.name, per_agent=annual, pull=self.cfg.peer_programme_boost * self.taper(ctx.month))

    def settle(self, ctx: MonthContext, purchase: Purchase, offer: LeverOffer, decision: Decision) -> LeverSettlement:
        """Pay the one-off amounts to firms that climb with the offer, first come first served.

        Climbers offered only the super-deduction claim nothing now (it is paid month by month on
        their spending, :meth:`pay_on_spending`).
        """
        claim = np.flatnonzero(decision.with_offer & (offer.per_agent > 0))
        amounts = self.one_off(ctx.month, purchase.attrs["extra_spend"][claim], purchase.attrs["next_stage"][claim])
        claim, amounts = claim[amounts > 0], amounts[amounts > 0]
        next_stage = purchase.attrs["next_stage"][claim]
        if not self.is_on(ctx.month) or claim.size == 0:
            return LeverSettlement(refused=claim)
        world = self.world
        paid = pay_first_come(
            self,
            ctx.month,
            claim,
            amounts,
            ctx.ent_draws[EnterpriseDraw.ORDER][claim],
            world.enterprises.city[claim],
            "enterprise",
            world.enterprise_weight,
            product=np.where(next_stage == 3, "cloud_star", "cloud_core"),
        )
        return LeverSettlement(refused=claim[~paid], paid_rows=claim[paid], paid_yuan=amounts[paid].astype(np.float32))

    def pay_on_spending(self, ctx: MonthContext, spending: Spending) -> None:
        """The month's super-deduction on manufacturers' qualifying (incremental) cloud spend (clause 27)."""
        rate = self.deduction_rate()
        if spending.product != "cloud" or not self.is_on(ctx.month) or rate <= 0:
            return
        qualifying = self.qualifying_spend(spending)
        eligible = np.flatnonzero(qualifying > 0)
        if eligible.size == 0:
            return
        deduction = qualifying[eligible] * rate
        self.ledger.pay(
            self.name,
            ctx.month,
            deduction * self.world.enterprise_weight,
            self.world.enterprises.city[eligible],
            "enterprise",
            agent_ids=eligible,
            product="super_deduction",
            per_agent=deduction.astype(np.float32),
        )
