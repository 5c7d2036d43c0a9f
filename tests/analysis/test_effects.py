"""Paired effects: exact zeros for identical scenarios, agreement with the model's own summaries,
intervals that shrink with replicates, and clear errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from infosim.analysis import AnalysisError, Comparison, compare
from infosim.analysis.data import comparison_data
from infosim.analysis.effects import horizon_values
from infosim.experiments import replicate_seeds
from infosim.outcomes import BY_NAME, province_households
from infosim.run import RunResult, run_scenario
from infosim.scenario import load_scenario

from .conftest import HOUSEHOLDS, MONTHS, runs


def _assert_all_zero(cmp: Comparison) -> None:
    eff = cmp.effects
    assert len(eff) and (eff["effect"] == 0.0).all()
    assert (eff["ci_low"] == 0.0).all() and (eff["ci_high"] == 0.0).all()
    dist = cmp.distribution
    assert len(dist) and (dist["effect"] == 0.0).all()
    curves = cmp.curves(effect=True)
    assert (curves["mean"] == 0.0).all()


@pytest.mark.slow
def test_identical_scenario_gives_exactly_zero_effect_in_memory() -> None:
    base = load_scenario("baseline")
    twin = base.model_copy(update={"name": "twin"})
    results = [run_scenario(sc, seed, households=HOUSEHOLDS, months=MONTHS, keep_agents=True)
               for sc in (base, twin) for seed in (1, 2, 3)]
    cmp = compare(results, "baseline")
    assert cmp.scenarios == ["twin"]
    _assert_all_zero(cmp)
    assert cmp.deadweight.empty  # nobody was paid


@pytest.mark.slow
def test_identical_scenario_gives_exactly_zero_effect_from_store(store_dir: Path) -> None:
    cmp = compare(store_dir, "baseline")
    same = cmp.effects[cmp.effects["scenario"] == "same_as_baseline"]
    assert len(same) == len(cmp.outcomes) * len(cmp.horizons)
    assert (same["effect"] == 0.0).all() and (same["ci_low"] == 0.0).all() and (same["ci_high"] == 0.0).all()
    assert (same["n"] == 2).all()


@pytest.mark.slow
def test_store_and_memory_give_the_same_effects(store_dir: Path) -> None:
    seeds = replicate_seeds(5, 2)
    mem = [run_scenario(name, s, households=3000, months=MONTHS) for name in ("baseline", "vouchers_only")
           for s in seeds]
    a = compare(mem, "baseline").effects
    b = compare(store_dir, "baseline").effects
    b = b[b["scenario"] == "vouchers_only"].reset_index(drop=True)
    assert list(a["outcome"]) == list(b["outcome"])
    np.testing.assert_allclose(a["effect"].to_numpy(), b["effect"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(a["ci_high"].to_numpy(), b["ci_high"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("outcome", "horizon", "summary_key", "factor"),
    [
        ("users_5g_network", "2020-12", "users_5g_network_2020_12", 1.0),
        ("firms_core_cloud", "2021-12", "firms_core_cloud_2021_12", 1.0),
        ("households_gigabit", "end", "share_gigabit_households_end", None),
        ("info_consumption_yuan", "2020-12", "info_consumption_yuan_2020", 1.0),
        ("fiscal_spend_yuan", "2021-12", None, 1.0),
        ("info_consumption_yuan", "end", "info_consumption_yuan_total", 1.0),
    ],
    ids=["stock-2020", "firms-2021", "share-times-households", "flow-cumulative-2020", "flow-2-years",
         "flow-total"],
)
def test_horizon_values_agree_with_model_summary(
    small_runs: list[RunResult], outcome: str, horizon: str, summary_key: str | None, factor: float | None
) -> None:
    run = next(r for r in small_runs if r.scenario == "jiangsu_2020")
    data = comparison_data([run])
    value = horizon_values(data, [BY_NAME[outcome]], [horizon])["value"].iloc[0]
    if summary_key is None:  # two calendar years of a flow
        expected = run.summary["fiscal_spend_yuan_2020"] + run.summary["fiscal_spend_yuan_2021"]
    else:
        expected = run.summary[summary_key] * (factor if factor is not None else province_households())
    assert value == pytest.approx(expected, rel=1e-12)


def test_effect_is_mean_paired_difference_with_t_interval(small_runs: list[RunResult]) -> None:
    cmp = compare(small_runs, "baseline")
    row = cmp.effects.query("scenario == 'jiangsu_2020' and outcome == 'users_5g_network' and horizon == 'end'")
    row = row.iloc[0]
    by_seed = {(r.scenario, r.seed): r.summary["users_5g_network_end"] for r in small_runs}
    d = np.array([by_seed[("jiangsu_2020", s)] - by_seed[("baseline", s)] for s in (11, 12, 13)])
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert row["n"] == 3
    assert row["effect"] == pytest.approx(d.mean(), rel=1e-12)
    assert row["ci_low"] == pytest.approx(d.mean() - half, rel=1e-9)
    assert row["ci_high"] == pytest.approx(d.mean() + half, rel=1e-9)
    assert row["effect"] > 0  # the package adds 5G network users


@pytest.mark.slow
def test_confidence_intervals_shrink_as_replicates_grow() -> None:
    """Nested replicate sets of 4, 8 and 16 (with 2 replicates the interval rests on one degree of
    freedom: its width is itself too noisy to order reliably)."""
    seeds = tuple(range(101, 117))
    results = runs(("baseline", "terminal_subsidy_only"), seeds)
    widths = []
    for n in (4, 8, 16):  # nested: the first n replicates
        chosen = [r for r in results if r.seed in seeds[:n]]
        eff = compare(chosen, "baseline").effects.set_index(["outcome", "horizon"])
        widths.append(eff["ci_high"] - eff["ci_low"])
    varying = widths[-1] > 0
    for wider, narrower in itertools.pairwise(widths):  # outcome by outcome, the typical interval narrows
        assert float(np.median(narrower[varying] / wider[varying])) < 0.8


def test_default_horizons_skip_months_outside_short_runs() -> None:
    short = [run_scenario(n, 1, households=1000, months=6) for n in ("baseline", "vouchers_only")]
    cmp = compare(short, "baseline")
    assert set(cmp.effects["horizon"]) == {"end"}
    assert set(cmp.effects["month"]) == {"2020-06"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": "nope"}, "baseline 'nope' is not among the scenarios"),
        ({"horizons": ["2020-13"]}, "horizon '2020-13': expected 'end' or a month"),
        ({"horizons": ["2031-01"]}, "horizon 2031-01 is outside the runs"),
        ({"outcomes": ["happiness"]}, "unknown outcome(s) happiness"),
    ],
    ids=["unknown-baseline", "bad-month", "month-outside-runs", "unknown-outcome"],
)
def test_user_errors_are_one_line_analysis_errors(small_runs: list[RunResult], kwargs: dict, message: str) -> None:
    with pytest.raises(AnalysisError) as err:
        compare(small_runs, **{"baseline": "baseline", **kwargs})
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unpaired_seeds_are_an_error(small_runs: list[RunResult]) -> None:
    other = [run_scenario("vouchers_only", 999, households=1000, months=6)]
    base = [r for r in small_runs if r.scenario == "baseline"]
    with pytest.raises(AnalysisError, match="no run shares a seed with baseline"):
        compare(base + other, "baseline")
