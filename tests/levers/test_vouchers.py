"""Vouchers on their own: issue while the budget can cover them (rationing first come), a minimum
spend the purchase must clear, redemption pays the face value, lapses free the commitment."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.levers.vouchers import Vouchers, first_come
from infosim.model import InfoConsumptionModel
from infosim.scenario import load_scenario
from infosim.world.policy import Purchase

N = 2_000
WAVE = '[{month = "2020-05", face_value_yuan = 100, min_spend_yuan = 500, vouchers = 100000000, window_months = 2}]'


def vouchers(budget: float, claim_share: float = 1.0) -> tuple[InfoConsumptionModel, Vouchers]:
    scenario = load_scenario(
        "vouchers_only",
        [f"levers.vouchers.budget_yuan={budget}", f"levers.vouchers.claim_share={claim_share}",
         f"levers.vouchers.waves={WAVE}", 'levers.vouchers.products=["phone5g", "smart_home", "tv4k", "goods"]'],
    )
    model = InfoConsumptionModel(scenario, seed=3, households=N, months=8)
    return model, model.government.levers["vouchers"]


def test_a_wave_the_budget_cannot_cover_is_rationed_and_the_commitment_never_exceeds_it() -> None:
    weight = 29_910_849 / N
    budget = 300 * 100 * weight  # room for exactly 300 vouchers
    _, lever = vouchers(budget)
    given = lever.issue(4, np.zeros(N, dtype=np.float32), np.random.default_rng(0).random(N).astype(np.float32))
    assert given == 300
    assert lever.rationed_month == 4
    assert lever.committed == pytest.approx(budget)
    assert np.count_nonzero(lever.face) == 300 and set(np.unique(lever.face)) == {0.0, 100.0}
    assert lever.expiry[lever.face > 0].tolist() == [5] * 300  # window of two months: 2020-05 and 2020-06


def test_minimum_spend_decides_which_purchases_can_use_a_voucher() -> None:
    model, lever = vouchers(1e12)
    lever.issue(4, np.zeros(N, dtype=np.float32), np.zeros(N, dtype=np.float32))
    model.ctx = model.begin_month()
    model.ctx.month = 4
    cheap = lever.offer(model.ctx, Purchase("household", "smart_home", 400.0))
    dear = lever.offer(model.ctx, Purchase("household", "tv4k", 3500.0))
    assert cheap is None  # 400 < minimum spend of 500
    assert dear.holders.size == N and np.all(dear.holder_amount == 100.0)
    assert lever.offer(model.ctx, Purchase("household", "phone5g", 200.0)) is None  # one phone < 500
    assert lever.offer(model.ctx, Purchase("household", "phone5g", 600.0)).holders.size == N
    goods = lever.offer(model.ctx, Purchase("household", "goods", np.full(N, 80.0)))
    assert goods.holders.size == N and np.all(goods.holder_min_spend == 500.0)  # the shortfall is the households' call


def test_redemption_pays_the_face_value_and_lapses_release_the_commitment() -> None:
    model, lever = vouchers(1e12)
    lever.issue(4, np.zeros(N, dtype=np.float32), np.zeros(N, dtype=np.float32))
    committed = lever.committed
    redeemers = np.arange(10)
    done = lever.redeem(4, redeemers, "tv4k", np.random.default_rng(1).random(N).astype(np.float32))
    assert sorted(done.tolist()) == list(range(10))
    weight = model.household_weight
    assert lever.ledger.spent_total["vouchers"] == pytest.approx(10 * 100 * weight)
    assert lever.committed == pytest.approx(committed - 10 * 100 * weight)
    assert lever.ledger.received("household", "vouchers")[:11].tolist() == [100.0] * 10 + [0.0]
    model.ctx = model.begin_month()
    model.ctx.month = 5  # the last month of the window: everything unredeemed lapses
    lever.close_month(model.ctx)
    assert lever.committed == 0.0 and not lever.face.any()


def test_first_come_takes_the_lowest_draws_with_ties_in_row_order() -> None:
    rows = np.array([10, 11, 12, 13, 14])
    order = np.array([0.5, 0.1, 0.1, 0.9, 0.3], dtype=np.float32)
    assert sorted(first_come(rows, order, 3).tolist()) == [11, 12, 14]
    assert sorted(first_come(rows, order, 2).tolist()) == [11, 12]
    assert first_come(rows, order, 0).size == 0
