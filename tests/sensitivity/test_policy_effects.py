"""Paired policy-effect metrics against the analysis functions they must agree with, and by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infosim.analysis import AnalysisError, compare
from infosim.analysis.data import comparison_data
from infosim.analysis.policy_effects import (
    BREAKDOWN_QUANTITIES,
    METRIC_BY_NAME,
    METRICS,
    get_metrics,
    metric_table,
    metric_values,
    point_estimates,
    policy_effects,
    quantity_outcome,
    registry_table,
)

SCENARIOS = ("baseline", "vouchers_only", "terminal_subsidy_only", "cloud_incentive_only", "buildout_only",
             "jiangsu_2020")
SEEDS = (21, 22, 23)
HOUSEHOLDS, MONTHS = 3000, 26

pytestmark = pytest.mark.slow  # its fixture runs 15 models (6 scenarios x 3 seeds): ~6 s before the first test


@pytest.fixture(scope="module")
def runs(run_cached) -> list:
    return [run_cached(s, seed, HOUSEHOLDS, MONTHS) for s in SCENARIOS for seed in SEEDS]


@pytest.fixture(scope="module")
def values(runs) -> pd.DataFrame:
    return metric_values(runs)


def by_seed(runs: list, scenario: str, column: str, month: str, flow: bool = False) -> np.ndarray:
    out = []
    for seed in SEEDS:
        r = next(r for r in runs if r.scenario == scenario and r.seed == seed)
        ts = r.timeseries
        out.append(ts.loc[ts["month"] <= month, column].sum() if flow else ts.loc[ts["month"] == month, column].iloc[0])
    return np.asarray(out, dtype=float)


def test_registry_is_complete() -> None:
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        for q in m.quantities:
            assert q in BREAKDOWN_QUANTITIES or quantity_outcome(q) is not None
        assert m.how and m.label and m.unit
        assert (m.denominator is None) == (m.kind == "difference")
    table = registry_table()
    assert list(table["name"]) == names
    assert {"name", "label", "unit", "kind", "scenario", "baseline", "how"} <= set(table.columns)
    with pytest.raises(KeyError, match="unknown policy metric 'nope'"):
        get_metrics(["nope"])


def test_every_metric_is_computed_once_per_replicate(values: pd.DataFrame) -> None:
    counts = values.groupby("metric")["replicate"].nunique()
    assert counts.to_dict() == {m.name: len(SEEDS) for m in METRICS}
    assert np.isfinite(values["value"]).all()


@pytest.mark.parametrize("horizon", ["2020-12", "2021-12", "end"], ids=["end-2020", "end-2021", "end-of-run"])
def test_voucher_multiplier_is_the_comparison_multiplier(runs, horizon: str) -> None:
    # In vouchers_only all public money is voucher money: the same estimator must give the same number.
    mine = policy_effects(runs, ["voucher_multiplier"], horizon=horizon).iloc[0]
    cmp = compare(runs, "baseline", horizons=[horizon])
    ce = cmp.cost_effectiveness
    theirs = ce[(ce["scenario"] == "vouchers_only") & (ce["measure"] == "multiplier")].iloc[0]
    assert mine["estimate"] == pytest.approx(theirs["ratio"], rel=1e-12)
    assert mine["ci_low"] == pytest.approx(theirs["ci_low"], rel=1e-12)
    package = policy_effects(runs, ["package_multiplier"], horizon=horizon).iloc[0]
    theirs = ce[(ce["scenario"] == "jiangsu_2020") & (ce["measure"] == "multiplier")].iloc[0]
    assert package["estimate"] == pytest.approx(theirs["ratio"], rel=1e-12)


def test_cost_per_user_and_build_out_effect_by_hand(runs) -> None:
    m = "2021-12"
    tab = policy_effects(runs, ["subsidy_cost_per_5g_network_user", "cloud_cost_per_core_firm",
                                "buildout_5g_network_users"], horizon=m).set_index("metric")
    spend = by_seed(runs, "terminal_subsidy_only", "fiscal_spend_terminal_subsidy_yuan", m, flow=True) - by_seed(
        runs, "baseline", "fiscal_spend_terminal_subsidy_yuan", m, flow=True)
    users = by_seed(runs, "terminal_subsidy_only", "users_5g_network", m) - by_seed(runs, "baseline",
                                                                                      "users_5g_network", m)
    assert tab.loc["subsidy_cost_per_5g_network_user", "estimate"] == pytest.approx(spend.mean() / users.mean())
    firms = by_seed(runs, "cloud_incentive_only", "firms_core_cloud", m) - by_seed(runs, "baseline",
                                                                                    "firms_core_cloud", m)
    cloud = by_seed(runs, "cloud_incentive_only", "fiscal_spend_cloud_incentive_yuan", m, flow=True)
    assert tab.loc["cloud_cost_per_core_firm", "estimate"] == pytest.approx(cloud.mean() / firms.mean())
    built = by_seed(runs, "buildout_only", "users_5g_network", m) - by_seed(runs, "baseline", "users_5g_network", m)
    row = tab.loc["buildout_5g_network_users"]
    assert row["estimate"] == pytest.approx(built.mean())
    assert row["sd_replicate"] == pytest.approx(built.std(ddof=1))
    eff = compare(runs, "baseline", horizons=[m]).effects
    theirs = eff[(eff["scenario"] == "buildout_only") & (eff["outcome"] == "users_5g_network")].iloc[0]
    assert row["ci_low"] == pytest.approx(theirs["ci_low"]) and row["ci_high"] == pytest.approx(theirs["ci_high"])


def test_voucher_share_of_the_bottom_two_quintiles_by_hand(runs) -> None:
    got = policy_effects(runs, ["voucher_share_bottom_40"]).iloc[0]
    low, total = [], []
    for seed in SEEDS:
        bd = next(r for r in runs if r.scenario == "vouchers_only" and r.seed == seed).breakdowns
        sel = (bd["dimension"] == "income_quintile") & (bd["metric"] == "fiscal_spend_vouchers_yuan")
        q = bd[sel].set_index("group")
        low.append(q.loc[["Q1", "Q2"], "value"].sum())
        total.append(q["value"].sum())
    assert got["estimate"] == pytest.approx(np.mean(low) / np.mean(total))
    assert 0 < got["estimate"] < 1


def test_a_metric_for_another_scenario(runs) -> None:
    targeted = [run for run in runs if run.scenario == "baseline"]
    from infosim.run import run_scenario

    targeted += [run_scenario("vouchers_targeted", s, households=HOUSEHOLDS, months=MONTHS) for s in SEEDS]
    m = METRIC_BY_NAME["voucher_multiplier"].for_scenario("vouchers_targeted")
    tab = policy_effects(targeted, [m])
    assert list(tab["scenario"]) == ["vouchers_targeted"] and tab["n"].iloc[0] == len(SEEDS)


def test_missing_scenario_is_a_clear_error(runs) -> None:
    only = [r for r in runs if r.scenario in ("baseline", "vouchers_only")]
    with pytest.raises(AnalysisError, match="metric 'package_multiplier' needs scenarios 'jiangsu_2020'"):
        metric_values(only, ["package_multiplier"])
    got = metric_values(only, ["voucher_multiplier", "package_multiplier"], skip_missing=True)
    assert set(got["metric"]) == {"voucher_multiplier"}
    assert set(metric_values(only)["metric"]) == {"voucher_multiplier", "voucher_share_bottom_40"}


def test_point_estimates_are_ratios_of_replicate_means(values: pd.DataFrame) -> None:
    pe = point_estimates(values)
    table = metric_table(values).set_index("metric")
    for name in pe.columns:
        assert pe.loc[0, name] == pytest.approx(table.loc[name, "estimate"])


def test_enterprise_parameters_are_inert_for_the_voucher_multiplier(run_cached) -> None:
    """Why the sensitivity tests may use them as a known zero: firms do not respond to vouchers,
    and their draws come from their own random stream, so the paired voucher effect is the same
    whatever the firms' parameters."""
    sets = [("parameters.enterprises.base_hazard=0.004", "parameters.enterprises.peer_weight=0.5"),
            ("parameters.enterprises.base_hazard=0.02", "parameters.enterprises.peer_weight=3.0")]
    got = []
    for s in sets:
        rs = [run_cached(sc, seed, 2000, 24, s) for sc in ("baseline", "vouchers_only") for seed in SEEDS[:2]]
        got.append(metric_values(comparison_data(rs), ["voucher_multiplier"]).sort_values("replicate"))
        assert rs[0].timeseries["firms_core_cloud"].iloc[-1] != 0
    assert not np.allclose(*(run_cached("baseline", SEEDS[0], 2000, 24, s).timeseries["firms_core_cloud"]
                             for s in sets))  # the parameters do change the firms...
    np.testing.assert_allclose(got[0]["value"], got[1]["value"], rtol=1e-9)  # ...not the voucher effect


@pytest.mark.parametrize(
    ("metric", "outcome"),
    [("extra_consumption", "info_consumption_yuan"), ("extra_5g_network_users", "users_5g_network"),
     ("extra_core_cloud_firms", "firms_core_cloud"), ("public_money", "fiscal_spend_yuan")],
    ids=["consumption", "5g-users", "cloud-firms", "money"],
)
def test_whole_policy_effects_are_the_comparison_effects(runs, metric: str, outcome: str) -> None:
    mine = policy_effects(runs, [metric]).iloc[0]
    eff = compare(runs, "baseline", horizons=["2021-12"]).effects
    theirs = eff[(eff["scenario"] == "jiangsu_2020") & (eff["outcome"] == outcome)].iloc[0]
    assert mine["estimate"] == pytest.approx(theirs["effect"], rel=1e-12)
    assert mine["ci_high"] == pytest.approx(theirs["ci_high"], rel=1e-12)


def test_household_money_share_counts_vouchers_and_subsidies(runs) -> None:
    got = policy_effects(runs, ["household_money_share_bottom_40"]).iloc[0]
    low = total = 0.0
    for seed in SEEDS:
        bd = next(r for r in runs if r.scenario == "jiangsu_2020" and r.seed == seed).breakdowns
        q = bd[(bd["dimension"] == "income_quintile")
               & bd["metric"].isin(["fiscal_spend_vouchers_yuan", "fiscal_spend_terminal_subsidy_yuan"])]
        low += q.loc[q["group"].isin(["Q1", "Q2"]), "value"].sum()
        total += q["value"].sum()
    assert got["estimate"] == pytest.approx(low / total)
