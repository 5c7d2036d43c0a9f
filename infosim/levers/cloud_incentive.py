"""Cloud incentives (clauses 21, 23, 27, 28): a capped share of the extra cloud spend when a firm
moves its core business to the cloud, a reward for star-rated cloud firms, and the R&D
super-deduction of informatisation spending for manufacturers (a tax expenditure).
"""

from __future__ import annotations

import numpy as np

from infosim.levers.base import LeverRule
from infosim.scenario.schema import CloudIncentiveLever


class CloudIncentive(LeverRule):
    """Clause 23 (核心业务上云, 星级上云), clause 27 (信息化建设费用加计扣除), clause 28 (专项资金)."""

    cfg: CloudIncentiveLever

    def annual_offer(
        self, month: int, extra_spend: np.ndarray, next_stage: np.ndarray, manufacturer: np.ndarray
    ) -> np.ndarray:
        """Yuan of support a firm expects in the first year after climbing one stage (0 when off).

        Args:
            month: month index.
            extra_spend: extra annual cloud spend of the next stage, per firm.
            next_stage: the stage the firm would reach (1 basic, 2 core, 3 star).
            manufacturer: whether the firm may use the super-deduction.
        """
        if not self.is_on(month):
            return np.zeros_like(extra_spend)
        deduction = self.deduction_rate() * extra_spend * manufacturer * (next_stage >= 2)
        return self.one_off(month, extra_spend, next_stage) + deduction

    def deduction_rate(self) -> float:
        """Tax saved per yuan of informatisation spend (deduction rate x tax rate)."""
        return self.cfg.deduction_rate * self.cfg.tax_rate if self.cfg.rd_super_deduction else 0.0

    def peer_boost(self, month: int) -> float:
        """Extra peer effect from demonstration programmes (0 when off)."""
        return self.cfg.peer_programme_boost * self.taper(month) if self.is_on(month) else 0.0

    def one_off(self, month: int, extra_spend: np.ndarray, next_stage: np.ndarray) -> np.ndarray:
        """One-off payment per firm for climbing to `next_stage`: a capped share of the extra
        cloud spend for moving core business to the cloud (stage 2) or above, plus the star reward.
        """
        if not self.is_on(month):
            return np.zeros_like(extra_spend)
        cfg, t = self.cfg, self.taper(month)
        amount = np.where(next_stage >= 2, np.minimum(cfg.subsidy_share * extra_spend, cfg.subsidy_cap_yuan) * t, 0.0)
        return amount + np.where(next_stage == 3, cfg.star_reward_yuan * t, 0.0)

    def pay_climbers(
        self,
        month: int,
        firms: np.ndarray,
        amounts: np.ndarray,
        next_stage: np.ndarray,
        city: np.ndarray,
        weight: float,
        order: np.ndarray,
    ) -> np.ndarray:
        """Pay the one-off amounts to firms that climbed this month, first come first served.

        Returns:
            Boolean mask over `firms` of those paid.
        """
        if not self.is_on(month) or firms.size == 0:
            return np.zeros(firms.size, dtype=bool)
        o = np.argsort(order, kind="stable")
        # One first-come pass over all claimants; the log names the product (cloud_core / cloud_star).
        products = np.where(next_stage[o] == 3, "cloud_star", "cloud_core")
        paid_sorted = self.ledger.pay(
            self.name,
            month,
            amounts[o] * weight,
            city[o],
            "enterprise",
            agent_ids=firms[o],
            product=products,
        )
        paid = np.zeros(firms.size, dtype=bool)
        paid[o] = paid_sorted
        return paid

    def pay_deduction(
        self, month: int, firms: np.ndarray, monthly_cloud_spend: np.ndarray, city: np.ndarray, weight: float
    ) -> np.ndarray:
        """Book the month's super-deduction tax expenditure for eligible firms.

        Returns:
            Boolean mask over `firms` of those credited.
        """
        rate = self.deduction_rate()
        if not self.is_on(month) or rate <= 0 or firms.size == 0:
            return np.zeros(firms.size, dtype=bool)
        return self.ledger.pay(
            self.name,
            month,
            monthly_cloud_spend * rate * weight,
            city,
            "enterprise",
            agent_ids=firms,
            product="super_deduction",
        )
