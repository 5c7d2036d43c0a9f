"""First come, first served while the budget lasts; refused claimants fall back to their decision
without the offer; the combined offer of several levers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from infosim.levers import Government
from infosim.levers.base import claims_per_unit, pay_first_come
from infosim.levers.ledger import Ledger
from infosim.model import InfoConsumptionModel
from infosim.scenario import load_scenario
from infosim.world.numerics import NO_ROWS
from infosim.world.policy import Decision, LeverOffer, Offer, Purchase


@dataclass
class FakeLever:
    name: str
    ledger: Ledger


def test_pay_first_come_pays_the_lowest_draws_first_and_returns_the_mask_in_row_order() -> None:
    lever = FakeLever("a", Ledger(("a",), {"a": 25.0}, 1, 2, agents={"household": 10}))
    rows = np.array([2, 5, 7, 9])
    order = np.array([0.9, 0.1, 0.5, 0.1])  # 5 and 9 tie: row order decides
    paid = pay_first_come(lever, 0, rows, np.full(4, 10.0, dtype=np.float32), order, np.zeros(4, dtype=int),
                          "household", weight=1.0, product="x")
    assert paid.tolist() == [False, True, False, True]  # 5 (0.1), 9 (0.1) paid; 7 (0.5) would be 30 > 25
    assert lever.ledger.received("household", "a")[rows].tolist() == [0.0, 10.0, 0.0, 10.0]


def test_pay_first_come_pays_the_public_share_and_credits_it() -> None:
    lever = FakeLever("a", Ledger(("a",), {"a": None}, 1, 1, agents={"household": 3}))
    pay_first_come(lever, 0, np.array([0, 2]), np.array([100.0, 50.0], dtype=np.float32), np.array([0.2, 0.1]),
                   np.zeros(2, dtype=int), "household", weight=10.0, product="x", share_paid=0.5)
    assert lever.ledger.spent_total["a"] == pytest.approx((100 + 50) * 10 * 0.5)
    assert lever.ledger.received("household", "a").tolist() == [50.0, 0.0, 25.0]


def test_claims_per_unit_multiply_by_units_and_drop_zero_claims() -> None:
    decision = Decision(np.zeros(4, dtype=bool), np.array([True, False, True, True]))
    rows, amount = claims_per_unit(Purchase("household", "p", 1.0, units=np.array([1, 1, 2, 0], dtype=np.float32)),
                                   decision, 100.0)
    assert rows.tolist() == [0, 2] and amount.tolist() == [100.0, 200.0]


def test_combined_offer_adds_per_unit_offers_and_merges_holders() -> None:
    offer = Offer([
        LeverOffer("a", per_unit=100.0),
        LeverOffer("b", per_unit=50.0, holders=np.array([1, 4]), holder_amount=np.array([10.0, 20.0], np.float32)),
        LeverOffer("c", holders=np.array([4, 6]), holder_amount=np.array([1.0, 2.0], np.float32)),
    ])
    assert offer.per_unit == 150.0
    assert offer.holders.tolist() == [1, 4, 6]
    assert offer.holder_amount().tolist() == [10.0, 21.0, 2.0]
    assert Offer().holders is NO_ROWS and not Offer().any


def test_refused_subsidy_claimants_fall_back_to_their_decision_without_the_offer() -> None:
    """A real government: a terminal-subsidy budget for about three phones, ten claimants; those
    refused keep their no-offer decision (some buy anyway, some do not)."""
    scenario = load_scenario("terminal_subsidy_only", ["levers.terminal_subsidy.budget_yuan=1"])
    model = InfoConsumptionModel(scenario, seed=1, households=1000, months=6)
    model.ctx = model.begin_month()
    model.month = model.ctx.month = 5  # the lever is on from 2020-05
    gov: Government = model.government
    purchase = Purchase("household", "smart_home", 1000.0)
    offer = gov.offer(model.ctx, purchase)
    per_phone = offer.per_unit * model.household_weight * (1 - scenario.levers.terminal_subsidy.operator_cofund_share)
    gov.ledger.budgets["terminal_subsidy"] = 3.5 * per_phone
    with_offer = np.zeros(1000, dtype=bool)
    with_offer[:10] = True
    without = np.zeros(1000, dtype=bool)
    without[[0, 2, 4, 6, 8]] = True
    settled = gov.settle(model.ctx, purchase, offer, Decision(without, with_offer))
    paid = gov.ledger.received("household", "terminal_subsidy")[:10] > 0
    assert paid.sum() == 3
    assert settled.final[:10][paid].all()  # paid claimants buy
    assert (settled.final[:10][~paid] == without[:10][~paid]).all()  # refused ones fall back
    assert not settled.final[10:].any()
