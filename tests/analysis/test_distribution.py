"""Who benefits: group tables add up to their totals and to the province figures, money by group
adds up to the ledger, and concentration indices have their known values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infosim.analysis import Comparison, compare
from infosim.analysis.distribution import TOTAL, concentration_index
from infosim.analysis.groups import QUINTILES, SIZE_CLASSES, group_labels
from infosim.run import RunResult

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"


@pytest.fixture(scope="module")
def cmp(small_runs: list[RunResult]) -> Comparison:
    return compare(small_runs, "baseline")


def test_group_effects_add_up_to_the_total_row(cmp: Comparison) -> None:
    dist = cmp.distribution
    groups = dist[dist["group"] != TOTAL].groupby(["scenario", "dimension", "metric"])["effect"].sum()
    total = dist[dist["group"] == TOTAL].set_index(["scenario", "dimension", "metric"])["effect"]
    assert len(total) > 50
    pd.testing.assert_series_equal(groups.sort_index(), total.sort_index(), check_names=False, rtol=1e-9)
    shares = dist[dist["group"] != TOTAL].groupby(["scenario", "dimension", "metric"])["share_of_effect"].sum()
    nonzero = total[total != 0].index
    np.testing.assert_allclose(shares.loc[nonzero].to_numpy(), 1.0, rtol=1e-9)


@pytest.mark.parametrize(
    ("dimension", "metric", "series"),
    [
        ("income_quintile", "users_5g_handset", "users_5g_handset"),
        ("city", "users_5g_network", "users_5g_network"),
        ("elderly", "households_gigabit", "share_gigabit_households"),
        ("urban_rural", "info_consumption_yuan", "info_consumption_households_yuan"),
        ("size_class", "firms_core_cloud", "firms_core_cloud"),
        ("sector", "info_consumption_yuan", "info_consumption_enterprises_yuan"),
    ],
    ids=["quintile-handsets", "city-network", "elderly-gigabit", "urban-consumption", "size-core-cloud",
         "sector-firm-consumption"],
)
def test_group_totals_equal_province_effects(
    cmp: Comparison, small_runs: list[RunResult], dimension: str, metric: str, series: str
) -> None:
    from infosim.outcomes import province_households

    total = cmp.distribution.query(f"scenario == 'jiangsu_2020' and dimension == '{dimension}' and "
                                   f"metric == '{metric}' and group == '{TOTAL}'")["effect"].iloc[0]

    def end_value(r: RunResult) -> float:
        ts = r.timeseries[series]
        if series.startswith("info_consumption"):
            return float(ts.sum())
        return float(ts.iloc[-1]) * (province_households() if series.startswith("share_") else 1.0)

    by = {(r.scenario, r.seed): end_value(r) for r in small_runs}
    expected = np.mean([by[("jiangsu_2020", s)] - by[("baseline", s)] for s in (11, 12, 13)])
    assert total == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    ("dimension", "lever", "recipient"),
    [("income_quintile", "vouchers", "household"), ("city", "terminal_subsidy", "household"),
     ("size_class", "cloud_incentive", "enterprise"), ("sector", "cloud_incentive", "enterprise")],
    ids=["quintile-vouchers", "city-subsidies", "size-cloud", "sector-cloud"],
)
def test_money_by_group_adds_up_to_the_ledger(
    cmp: Comparison, small_runs: list[RunResult], dimension: str, lever: str, recipient: str
) -> None:
    money = cmp.money_by_group.query(f"scenario == 'jiangsu_2020' and dimension == '{dimension}' and "
                                     f"lever == '{lever}'")
    groups = money[money["group"] != TOTAL]
    assert list(groups["group"]) == list(group_labels(dimension))
    total = money[money["group"] == TOTAL]["mean"].iloc[0]
    assert groups["mean"].sum() == pytest.approx(total, rel=1e-9)
    assert groups["share_of_money"].sum() == pytest.approx(1.0, rel=1e-9)
    ledgers = [r.ledger for r in small_runs if r.scenario == "jiangsu_2020"]
    paid = np.mean([led.query(f"lever == '{lever}' and recipient == '{recipient}'")["yuan"].sum() for led in ledgers])
    assert total == pytest.approx(paid, rel=1e-5)


def test_deadweight_by_group_adds_up(cmp: Comparison) -> None:
    by_q = cmp.deadweight_by_group("income_quintile").query("lever == 'all'")
    whole = cmp.deadweight.query("product == 'all'").set_index(["scenario", "lever"])["paid_yuan"]
    hh_levers = cmp.payments.query("kind == 'household'").groupby(["arm", "run_id"])["yuan"].sum()
    for sc, part in by_q.groupby("scenario"):
        assert list(part["income_quintile"]) == list(QUINTILES)
        assert part["paid_yuan"].sum() == pytest.approx(hh_levers.loc[sc].mean(), rel=1e-9)
    assert ("jiangsu_2020", "all") in whole.index


@pytest.mark.parametrize(
    ("values", "population", "expected"),
    [
        ([1, 1, 1, 1, 1], [1, 1, 1, 1, 1], 0.0),
        ([0, 0, 0, 0, 5], [1, 1, 1, 1, 1], 0.8),
        ([5, 0, 0, 0, 0], [1, 1, 1, 1, 1], -0.8),
        ([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], 2 * (0.1 * 1 + 0.3 * 2 + 0.5 * 3 + 0.7 * 4 + 0.9 * 5) / 15 - 1),
        ([2, 1], [2, 1], 0.0),  # proportional to population
        ([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], np.nan),
    ],
    ids=["equal", "all-to-richest", "all-to-poorest", "rising", "unequal-groups", "nothing"],
)
def test_concentration_index_known_values(values: list[float], population: list[float], expected: float) -> None:
    got = concentration_index(values, population)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected)


def test_concentration_table_has_money_and_change(cmp: Comparison) -> None:
    c = cmp.concentration.set_index(["scenario", "dimension", "quantity"])
    money = c.loc[("jiangsu_2020", "income_quintile", "money received")]
    assert money["n"] == 3 and -0.8 <= money["mean"] <= 0.8
    assert ("jiangsu_2020", "size_class", "change in firms_core_cloud") in c.index


def test_group_labels_match_the_model_outputs() -> None:
    from infosim import outputs

    assert outputs.QUINTILES == QUINTILES
    assert outputs.SIZE_CLASSES == SIZE_CLASSES
