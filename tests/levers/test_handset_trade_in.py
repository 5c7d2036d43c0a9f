"""The 2025 national phone subsidy, a lever written in one file (proof of the lever architecture)."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.levers import LEVER_NAMES, Levers
from infosim.model import InfoConsumptionModel
from infosim.run import run_scenario
from infosim.scenario import load_scenario
from infosim.world.policy import Purchase


def test_the_lever_is_found_and_becomes_a_scenario_section() -> None:
    assert "handset_trade_in" in LEVER_NAMES
    assert not Levers().handset_trade_in.enabled
    assert load_scenario("jiangsu_2020_trade_in_2025").levers.handset_trade_in.enabled


@pytest.mark.parametrize(
    ("price", "expected"),
    [(1000.0, 150.0), (3000.0, 450.0), (4000.0, 500.0), (6000.0, 500.0), (6001.0, None)],
    ids=["15pc", "15pc-high", "capped", "at-limit", "too-dear"],
)
def test_offer_is_15_percent_capped_at_500_for_phones_up_to_6000(price: float, expected: float | None) -> None:
    model = InfoConsumptionModel("jiangsu_2020_trade_in_2025", seed=1, households=500, months=1)
    lever = model.government.levers["handset_trade_in"]
    model.ctx = model.begin_month()
    model.ctx.month = 60  # 2025-01
    offer = lever.offer(model.ctx, Purchase("household", "phone5g", price, units=np.ones(500, np.float32)))
    assert (offer.per_unit if offer else None) == expected
    model.ctx.month = 59  # 2024-12: not yet
    assert lever.offer(model.ctx, Purchase("household", "phone5g", price)) is None


@pytest.mark.slow
def test_pays_only_in_its_period_within_budget_and_the_ledger_matches_the_series() -> None:
    run = run_scenario("jiangsu_2020_trade_in_2025", 2, households=5_000)
    ts = run.timeseries.set_index("month")["fiscal_spend_handset_trade_in_yuan"]
    assert ts.loc[:"2024-12"].sum() == 0 and ts.loc["2025-01"] > 0
    assert ts.sum() <= 3.0e9 * (1 + 1e-9)
    ledger = run.ledger.query("lever == 'handset_trade_in'")["yuan"].sum()
    assert ledger == pytest.approx(ts.sum())
    base = run_scenario("jiangsu_2020", 2, households=5_000).timeseries.set_index("month")["users_5g_handset"]
    assert run.timeseries.set_index("month").loc["2025-06", "users_5g_handset"] > base.loc["2025-06"]
