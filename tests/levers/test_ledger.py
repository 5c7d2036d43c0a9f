"""The ledger: pays whole payments in the order given while the budget lasts, records when a lever
runs out, and credits what each agent received."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.levers.ledger import Ledger


def ledger(budget: float | None = 100.0, keep_agents: bool = False) -> Ledger:
    return Ledger(("a", "b"), {"a": budget, "b": None}, months=3, n_cities=2, agents={"household": 5},
                  keep_agents=keep_agents)


def test_pays_in_order_until_the_next_payment_does_not_fit() -> None:
    lg = ledger(100.0)
    paid = lg.pay("a", 0, np.array([40.0, 50.0, 20.0, 5.0]), np.array([0, 1, 0, 1]), "household")
    # 40 + 50 = 90 fits; 20 does not; everything after the first refusal is refused (first come).
    assert paid.tolist() == [True, True, False, False]
    assert lg.spent_total["a"] == 90.0
    assert lg.exhausted_month["a"] == 0
    assert not lg.active("a")
    assert lg.table[0, 0, :, 0].tolist() == [40.0, 50.0]


def test_an_exhausted_lever_pays_nothing_more_unless_honouring_a_commitment() -> None:
    lg = ledger(100.0)
    lg.pay("a", 0, np.array([90.0, 20.0]), np.array([0, 0]), "household")
    assert not lg.pay("a", 1, np.array([5.0]), np.array([0]), "household").any()
    assert lg.pay("a", 1, np.array([5.0]), np.array([0]), "household", honour_commitment=True).all()
    assert lg.spent_total["a"] == 95.0
    assert lg.exhausted_month["a"] == 0  # the first month it ran out


def test_uncapped_lever_pays_everything() -> None:
    lg = ledger()
    paid = lg.pay("b", 2, np.full(1000, 1e9), np.zeros(1000, dtype=int), "operator")
    assert paid.all() and lg.remaining("b") == float("inf") and lg.exhausted_month["b"] is None


def test_per_agent_credit_and_log() -> None:
    lg = ledger(1e9, keep_agents=True)
    ids = np.array([4, 1, 3])
    lg.pay("a", 1, np.array([30.0, 10.0, 20.0]), np.array([0, 1, 1]), "household", agent_ids=ids,
           product="phone5g", per_agent=np.array([3.0, 1.0, 2.0], dtype=np.float32))
    assert lg.received("household", "a").tolist() == [0.0, 1.0, 0.0, 2.0, 3.0]
    assert lg.received("household", "b").tolist() == [0.0] * 5
    log = lg.log.frame()
    assert log["agent_id"].tolist() == [4, 1, 3]
    assert log["yuan"].sum() == pytest.approx(60.0)
    frame = lg.frame(["2020-01", "2020-02", "2020-03"], ("X", "Y"))
    assert frame.groupby("city")["yuan"].sum().to_dict() == {"X": 30.0, "Y": 30.0}
