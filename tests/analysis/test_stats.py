"""Means with t intervals and ratios of means, on values with known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from infosim.analysis.stats import ratio_of_means, summarise, t_critical


def test_summarise_matches_the_t_interval() -> None:
    x = np.array([1.0, 2.0, 4.0, 7.0])
    out = summarise(pd.DataFrame({"g": "a", "value": x}), ["g"]).iloc[0]
    half = stats.t.ppf(0.975, 3) * x.std(ddof=1) / 2.0
    assert out["n"] == 4
    assert out["mean"] == pytest.approx(3.5)
    assert out["ci_low"] == pytest.approx(3.5 - half)
    assert out["ci_high"] == pytest.approx(3.5 + half)


@pytest.mark.parametrize(
    ("values", "mean", "width"),
    [([0.0, 0.0, 0.0], 0.0, 0.0), ([0.1, 0.1, 0.1, 0.1], 0.1, 0.0), ([2.5], 2.5, np.nan)],
    ids=["zeros-exact", "constant-exact", "one-replicate-no-interval"],
)
def test_summarise_degenerate_cases(values: list[float], mean: float, width: float) -> None:
    out = summarise(pd.DataFrame({"g": "a", "value": values}), ["g"]).iloc[0]
    assert out["mean"] == mean  # exact, not approximately
    got = out["ci_high"] - out["ci_low"]
    assert (np.isnan(got) and np.isnan(width)) or got == width


def test_interval_width_shrinks_with_replicates_for_fixed_spread() -> None:
    widths = [2 * t_critical(n) * 1.0 / np.sqrt(n) for n in (2, 4, 8, 16, 32)]
    assert all(a > b for a, b in itertools.pairwise(widths))


def test_ratio_of_means_known_answer() -> None:
    frame = pd.DataFrame({"g": "a", "x": [10.0, 12.0, 14.0], "y": [5.0, 6.0, 7.0]})
    out = ratio_of_means(frame, ["g"], "x", "y").iloc[0]
    assert out["ratio"] == pytest.approx(2.0)
    # x is exactly 2 y in every replicate: the delta-method interval has zero width.
    assert out["ci_low"] == pytest.approx(2.0)
    assert out["ci_high"] == pytest.approx(2.0)
    assert bool(out["bounded"])


def test_ratio_interval_left_out_when_denominator_may_be_zero() -> None:
    frame = pd.DataFrame({"g": "a", "x": [1.0, 1.0, 1.0], "y": [-1.0, 0.5, 1.0]})
    out = ratio_of_means(frame, ["g"], "x", "y").iloc[0]
    assert not bool(out["bounded"])
    assert np.isnan(out["ci_low"]) and np.isnan(out["ci_high"])
