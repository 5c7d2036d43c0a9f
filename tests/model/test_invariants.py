"""Invariants: shares in [0, 1]; payments never exceed budgets; agents conserved; determinism."""

import numpy as np
import pandas as pd
import pytest

from infosim.model import InfoConsumptionModel
from infosim.run import run_scenario
from infosim.scenario import LEVER_NAMES, load_scenario

SHARE_COLUMNS = [
    "share_5g_handset_households",
    "share_gigabit_households",
    "share_smart_home_households",
    "share_tv4k_households",
    "coverage_5g_households",
    "awareness_mean",
]


def test_shares_within_unit_interval(run_cached) -> None:
    ts = run_cached("jiangsu_2020", 3, 20_000, 72).timeseries
    for col in SHARE_COLUMNS:
        assert ts[col].between(0, 1).all(), col
    assert (ts["users_5g_network"] <= ts["users_5g_handset"] + 1e-6).all()
    assert (ts["firms_star_cloud"] <= ts["firms_core_cloud"]).all()
    assert (ts["firms_core_cloud"] <= ts["firms_cloud_basic"]).all()
    assert ts["base_stations_5g"].is_monotonic_increasing


@pytest.mark.slow
@pytest.mark.parametrize("lever", ["terminal_subsidy", "cloud_incentive", "buildout", "awareness", "gigabit"])
def test_tight_budget_is_never_exceeded_and_exhaustion_is_recorded(lever: str) -> None:
    """Shrink one lever's budget to a sliver: spending stops at or below it, and the month shows."""
    full = run_scenario("jiangsu_2020", 5, households=10_000, months=24)
    spent_full = full.summary[f"fiscal_spend_{lever}_yuan_total"]
    assert spent_full > 0
    budget = spent_full * 0.1
    tight = run_scenario(
        load_scenario("jiangsu_2020", [f"levers.{lever}.budget_yuan={budget}"]), 5, households=10_000, months=24
    )
    ts = tight.timeseries
    assert ts[f"fiscal_spend_{lever}_yuan"].sum() <= budget * (1 + 1e-9)
    assert tight.ledger.query("lever == @lever")["yuan"].sum() <= budget * (1 + 1e-9)
    month = tight.summary[f"budget_exhausted_month_{lever}"]
    assert not np.isnan(month)
    assert ts[f"fiscal_spend_{lever}_yuan"].iloc[int(month) + 1 :].sum() == 0


def test_voucher_budget_rations_waves_and_is_never_exceeded() -> None:
    """Vouchers commit their face value when issued: a tight budget rations the waves (first come),
    issued vouchers are always honoured, and money paid never exceeds the budget."""
    full = run_scenario("vouchers_only", 5, households=10_000, months=24)
    budget = full.summary["fiscal_spend_vouchers_yuan_total"] * 0.1
    tight = run_scenario(
        load_scenario("vouchers_only", [f"levers.vouchers.budget_yuan={budget}"]), 5, households=10_000, months=24
    )
    ts = tight.timeseries
    assert 0 < ts["fiscal_spend_vouchers_yuan"].sum() <= budget * (1 + 1e-9)
    assert tight.summary["budget_rationed_month_vouchers"] == 4  # the first wave, 2020-05
    assert ts["vouchers_issued_cumulative"].iloc[4] * 100 <= budget * (1 + 1e-9)  # face value 100
    assert ts["vouchers_issued_cumulative"].iloc[-1] < full.timeseries["vouchers_issued_cumulative"].iloc[-1]


def test_voucher_lever_is_exhausted_when_not_one_voucher_can_be_funded() -> None:
    tiny = run_scenario(
        load_scenario("vouchers_only", ["levers.vouchers.budget_yuan=1000"]), 5, households=10_000, months=12
    )
    assert tiny.summary["budget_exhausted_month_vouchers"] == 4
    assert tiny.timeseries["fiscal_spend_vouchers_yuan"].sum() == 0
    assert tiny.timeseries["vouchers_issued_cumulative"].iloc[-1] == 0


def test_voucher_waves_respect_the_lever_period() -> None:
    """Waves outside the lever's period are rejected; a lever ending in June 2020 issues only in May."""
    from infosim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="outside the lever's period"):
        load_scenario("vouchers_only", ['levers.vouchers.end="2020-06"'])
    sets = [
        'levers.vouchers.end="2020-06"',
        'levers.vouchers.waves=[{month="2020-05", face_value_yuan=100, min_spend_yuan=500, vouchers=2000000, '
        "window_months=3}]",
    ]
    run = run_scenario(load_scenario("vouchers_only", sets), 5, households=10_000, months=24)
    issued = run.timeseries["vouchers_issued_cumulative"]
    assert issued.iloc[4] > 0
    assert issued.iloc[-1] == issued.iloc[4]


def test_fiscal_columns_add_up_and_match_ledger(run_cached) -> None:
    r = run_cached("jiangsu_2020", 3, 20_000, 72)
    ts = r.timeseries
    levers = ts[[f"fiscal_spend_{lv}_yuan" for lv in LEVER_NAMES]].sum(axis=1)
    np.testing.assert_allclose(levers, ts["fiscal_spend_yuan"], rtol=1e-12)
    by_lever = r.ledger.groupby("lever")["yuan"].sum()
    for lv in LEVER_NAMES:
        np.testing.assert_allclose(by_lever.get(lv, 0.0), ts[f"fiscal_spend_{lv}_yuan"].sum(), rtol=1e-9)


def test_households_and_enterprises_are_conserved() -> None:
    model = InfoConsumptionModel("jiangsu_2020", seed=2, households=5_000, months=12)
    n_h, n_e = model.households.state.n, model.enterprises.state.n
    model.run()
    assert model.households.state.n == n_h == 5_000
    assert model.enterprises.state.n == n_e
    groups = model.results().breakdowns.query("metric == 'households'")
    for dim, frame in groups.groupby("dimension"):
        assert frame["value"].sum() == pytest.approx(29_910_849), dim


def test_same_seed_gives_identical_results() -> None:
    a = run_scenario("jiangsu_2020", 7, households=10_000, months=24)
    b = run_scenario("jiangsu_2020", 7, households=10_000, months=24)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.breakdowns, b.breakdowns)
    pd.testing.assert_frame_equal(a.ledger, b.ledger)


def test_other_seed_gives_different_results() -> None:
    a = run_scenario("jiangsu_2020", 7, households=10_000, months=24)
    b = run_scenario("jiangsu_2020", 8, households=10_000, months=24)
    assert not np.allclose(a.timeseries["users_5g_handset"], b.timeseries["users_5g_handset"])


def test_gigabit_pilots_extend_only_where_their_fund_pays() -> None:
    """A pilot whose budget cannot pay for the households it would pass extends nothing."""
    pilots = [
        "levers.gigabit.enabled=true",
        'levers.gigabit.pilot_cities=["Nanjing", "Suzhou"]',
        "levers.gigabit.budget_yuan=1",
    ]
    base = run_scenario("baseline", 4, households=10_000, months=24)
    unfunded = run_scenario(load_scenario("baseline", pilots), 4, households=10_000, months=24)
    pd.testing.assert_series_equal(
        base.timeseries["share_gigabit_households"], unfunded.timeseries["share_gigabit_households"]
    )
    assert unfunded.timeseries["fiscal_spend_gigabit_yuan"].sum() == 0
    funded = run_scenario(load_scenario("baseline", pilots[:2]), 4, households=10_000, months=24)
    assert funded.timeseries["share_gigabit_households"].iloc[-1] > base.timeseries["share_gigabit_households"].iloc[-1]
