"""Terminal subsidies (clauses 6, 7): a share of the sale price of 5G phones, smart-home and 4K
devices, capped per device, bundled with a plan, plus a trade-in bonus; operators co-fund a share.
"""

from __future__ import annotations

import numpy as np

from infosim.levers.base import LeverRule
from infosim.scenario.schema import TerminalSubsidyLever


class TerminalSubsidy(LeverRule):
    """Clause 6 (套餐补贴 for 5G terminals, 以旧换新 trade-in) and clause 7 (4K devices)."""

    cfg: TerminalSubsidyLever

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

    def pay(
        self,
        month: int,
        product: str,
        claimants: np.ndarray,
        per_agent_yuan: np.ndarray,
        city: np.ndarray,
        weight: float,
    ) -> np.ndarray:
        """Pay the government share of the subsidy to `claimants` (first-come order).

        Returns:
            Boolean mask over `claimants` of those paid.
        """
        gov_share = 1.0 - self.cfg.operator_cofund_share
        paid = self.ledger.pay(
            self.name,
            month,
            per_agent_yuan * weight * gov_share,
            city,
            "household",
            agent_ids=claimants,
            product=product,
        )
        self.ledger.operator_cofund[month] += float(per_agent_yuan[paid].sum()) * weight * (1 - gov_share)
        return paid
