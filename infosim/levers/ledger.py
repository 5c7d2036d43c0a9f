"""The government ledger: every yuan paid, by lever, month, city and recipient kind, and by agent.

A lever pays through :meth:`Ledger.pay`, which never pays beyond the lever's budget: payments are
made whole, in the order given (first come, first served), until the next one does not fit; from
then on the lever is exhausted and the ledger records the month it ran out. The ledger is the one
place money moves: it also keeps what each household and firm agent has received from each lever
(``received``), which the group breakdowns and agent records read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

RECIPIENTS = ("household", "enterprise", "operator", "programme")


@dataclass
class PaymentLog:
    """Agent-level payments (kept only when asked for): parallel lists of array chunks."""

    chunks: list[tuple[str, np.ndarray, int, str, str, np.ndarray]] = field(default_factory=list)

    def add(self, kind: str, agent_ids: np.ndarray, month: int, lever: str, product: str, yuan: np.ndarray) -> None:
        """Record payments to `agent_ids` (yuan are province totals the agents stand for)."""
        if agent_ids.size:
            self.chunks.append((kind, agent_ids.astype(np.int32), month, lever, product, yuan.astype(np.float64)))

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame: kind, agent_id, month, lever, product, yuan."""
        import pandas as pd  # only when a run's tables are built: scenario checks stay light

        cols = ["kind", "agent_id", "month", "lever", "product", "yuan"]
        if not self.chunks:
            return pd.DataFrame({c: pd.Series(dtype="float64" if c == "yuan" else "object") for c in cols})
        parts = []
        for kind, ids, month, lever, product, yuan in self.chunks:
            parts.append(
                pd.DataFrame(
                    {
                        "kind": kind,
                        "agent_id": ids,
                        "month": np.int16(month),
                        "lever": lever,
                        "product": product,
                        "yuan": yuan,
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        for c in ("kind", "lever", "product"):
            out[c] = out[c].astype("category")
        return out


class Ledger:
    """Budget-guarded payments of all levers.

    Args:
        levers: lever names.
        budgets: lever -> total budget in yuan (None = uncapped).
        months: number of months simulated.
        n_cities: number of cities.
        agents: number of agents of each recipient kind paid per agent (household, enterprise).
        keep_agents: also keep the agent-level payment log.
    """

    def __init__(
        self,
        levers: tuple[str, ...],
        budgets: dict[str, float | None],
        months: int,
        n_cities: int,
        agents: dict[str, int] | None = None,
        keep_agents: bool = False,
    ) -> None:
        self.levers = levers
        self.agents = dict(agents or {})
        self._received: dict[tuple[str, str], np.ndarray] = {}
        self.budgets = dict(budgets)
        self.spent_total = dict.fromkeys(levers, 0.0)
        self.exhausted_month: dict[str, int | None] = dict.fromkeys(levers, None)
        self.table = np.zeros((len(levers), months, n_cities, len(RECIPIENTS)))
        self.operator_cofund = np.zeros(months)
        self.log = PaymentLog() if keep_agents else None

    def remaining(self, lever: str) -> float:
        """Money left in the budget (inf when uncapped)."""
        budget = self.budgets[lever]
        return float("inf") if budget is None else budget - self.spent_total[lever]

    def active(self, lever: str) -> bool:
        """Whether the lever may still make new offers (not exhausted, money left)."""
        return self.exhausted_month[lever] is None and self.remaining(lever) > 0

    def mark_exhausted(self, lever: str, month: int) -> None:
        """Record that the lever ran out of budget in `month` (first time only); it stops offering."""
        if self.exhausted_month[lever] is None:
            self.exhausted_month[lever] = month

    def pay(
        self,
        lever: str,
        month: int,
        yuan: np.ndarray,
        city: np.ndarray,
        recipient: str,
        *,
        agent_ids: np.ndarray | None = None,
        product: str | np.ndarray = "",
        per_agent: np.ndarray | None = None,
        honour_commitment: bool = False,
    ) -> np.ndarray:
        """Pay `yuan[i]` to recipient i, in order, while the budget lasts.

        Args:
            lever: lever name.
            month: month index.
            yuan: amounts (province totals the agents stand for), in first-come order.
            city: city index of each recipient.
            recipient: 'household', 'enterprise' or 'operator'.
            agent_ids: agent indices, for the agent-level log.
            product: what each payment is for (e.g. 'phone5g'; one string or one per payment), for the log.
            per_agent: what one real agent of each recipient receives (float32), credited to
                :meth:`received` for the payments made (needs `agent_ids`).
            honour_commitment: pay even after the lever closed (vouchers issued earlier), while money lasts.

        Returns:
            Boolean mask of the payments made.
        """
        yuan = np.asarray(yuan, dtype=np.float64)
        closed = self.exhausted_month[lever] is not None and not honour_commitment
        remaining = 0.0 if closed else self.remaining(lever)
        paid = np.cumsum(yuan) <= remaining * (1 + 1e-12)
        if not paid.all():
            first_refused = int(np.argmin(paid))
            paid[first_refused:] = False
            self.mark_exhausted(lever, month)
        amount = yuan[paid]
        self.spent_total[lever] += float(amount.sum())
        li, ri = self.levers.index(lever), RECIPIENTS.index(recipient)
        np.add.at(self.table[li, month, :, ri], np.asarray(city)[paid], amount)
        if per_agent is not None and agent_ids is not None:
            self.received(recipient, lever)[np.asarray(agent_ids)[paid]] += per_agent[paid]
        if self.log is not None and agent_ids is not None:
            ids = np.asarray(agent_ids)[paid]
            if isinstance(product, str):
                self.log.add(recipient, ids, month, lever, product, amount)
            else:
                kinds = np.asarray(product)[paid]
                for name in np.unique(kinds):
                    sel = kinds == name
                    self.log.add(recipient, ids[sel], month, lever, str(name), amount[sel])
        return paid

    def received(self, kind: str, lever: str) -> np.ndarray:
        """Yuan each agent of `kind` has received from `lever` so far (one real agent, float32)."""
        key = (kind, lever)
        if key not in self._received:
            self._received[key] = np.zeros(self.agents.get(kind, 0), dtype=np.float32)
        return self._received[key]

    def received_levers(self, kind: str) -> list[str]:
        """The levers that can pay agents of `kind` (every lever, in ledger order)."""
        return list(self.levers) if kind in self.agents else []

    def spent_in_month(self, month: int) -> dict[str, float]:
        """Yuan paid in `month`, by lever."""
        return {lv: float(self.table[i, month].sum()) for i, lv in enumerate(self.levers)}

    def frame(self, month_labels: list[str], city_names: tuple[str, ...]) -> pd.DataFrame:
        """Non-zero ledger cells: lever, month, city, recipient, yuan."""
        import pandas as pd

        li, mi, ci, ri = np.nonzero(self.table)
        return pd.DataFrame(
            {
                "lever": np.asarray(self.levers)[li],
                "month": np.asarray(month_labels)[mi],
                "city": np.asarray(city_names)[ci],
                "recipient": np.asarray(RECIPIENTS)[ri],
                "yuan": self.table[li, mi, ci, ri],
            }
        )
