"""Known answers for the sensitivity numerics: Sobol' indices of functions whose indices are known
analytically, Morris on an inert parameter, seed-noise shares, and the coverage check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infosim.experiments.designs import morris_unit, sobol_unit
from infosim.sensitivity.stats import (
    convergence_status,
    coverage_table,
    morris_convergence,
    morris_table,
    recommended_replicates,
    seed_noise,
    select_parameters,
    sobol_convergence,
    sobol_table,
    target_coverage,
)

NAMES = ["x1", "x2", "x3", "x4"]


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float], float]:
    """Analytic S1, ST (x4 inert) and S2(x1, x3) of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0, 0.0], [(v1 + v13) / v, v2 / v, v13 / v, 0.0], v13 / v


def linear(u: np.ndarray, a: tuple[float, ...] = (3.0, 2.0, 1.0, 0.0)) -> np.ndarray:
    return (u - 0.5) @ np.asarray(a)


def within(value: float, truth: float, conf: float, slack: float = 0.02) -> bool:
    """`truth` inside the 95% interval, allowing a little for SALib's normal-approximation bootstrap."""
    return abs(value - truth) <= conf + slack


def test_ishigami_indices_match_the_analytic_values() -> None:
    s1, st, s13 = ishigami_indices()
    y = ishigami(sobol_unit(4, 2048, seed=11, second_order=True))
    first, second = sobol_table(y, NAMES, second_order=True, num_resamples=300, seed=1)
    for i, row in first.iterrows():
        assert within(row["S1"], s1[i], row["S1_conf"]), (row["key"], row["S1"], s1[i])
        assert within(row["ST"], st[i], row["ST_conf"]), (row["key"], row["ST"], st[i])
    pair = second[(second["key_1"] == "x1") & (second["key_2"] == "x3")].iloc[0]
    assert within(pair["S2"], s13, pair["S2_conf"])
    assert first.set_index("key").loc["x4", ["S1", "ST"]].abs().max() < 1e-12  # inert: exactly 0


@pytest.mark.parametrize("second_order", [True, False], ids=["with-second-order", "first-and-total"])
def test_linear_model_converges_to_its_variance_shares(second_order: bool) -> None:
    a = np.array([3.0, 2.0, 1.0, 0.0])
    truth = a**2 / (a**2).sum()
    y = linear(sobol_unit(4, 2048, seed=5, second_order=second_order))
    conv, _ = sobol_convergence(y, NAMES, second_order=second_order, num_resamples=300, seed=2)
    assert sorted(conv["fraction"].unique()) == [0.25, 0.5, 1.0]
    assert list(conv.groupby("fraction")["n_base"].first()) == [512, 1024, 2048]
    full = conv[conv["fraction"] == 1.0].set_index("key")
    np.testing.assert_allclose(full["ST"], truth, atol=0.03)
    np.testing.assert_allclose(full["S1"], truth, atol=0.03)
    status = convergence_status(conv, tolerance=0.05)
    assert status["converged"].all(), status


def test_too_small_a_sample_is_flagged_not_converged() -> None:
    y = ishigami(sobol_unit(4, 32, seed=3, second_order=False))
    conv, _ = sobol_convergence(y, NAMES, second_order=False, num_resamples=200, seed=2)
    status = convergence_status(conv, tolerance=0.05).set_index(["key", "index"])
    assert not status.loc[("x1", "ST"), "converged"]
    assert status.loc[("x4", "ST"), "converged"]  # an inert parameter is exactly 0 at every N


def test_non_finite_outputs_drop_their_base_samples() -> None:
    u = sobol_unit(3, 64, seed=2, second_order=False)
    y = linear(u, (1.0, 1.0, 0.0))
    y[7] = np.nan  # inside base sample 1 (rows 5..9)
    first, _ = sobol_table(y, NAMES[:3], second_order=False, num_resamples=100)
    assert (first["n_base"] == 63).all()
    assert np.isfinite(first["ST"]).all()


def test_constant_output_has_no_indices() -> None:
    first, _ = sobol_table(np.ones(64 * 5), NAMES[:3], second_order=False)
    assert first["ST"].isna().all()


def test_morris_ranks_and_screens_out_the_inert_parameter() -> None:
    x = morris_unit(4, 20, seed=4)
    t = morris_table(x, linear(x), NAMES, num_resamples=200).set_index("key")
    np.testing.assert_allclose(t["mu_star"], [3.0, 2.0, 1.0, 0.0], atol=1e-9)  # linear: EE = coefficient
    np.testing.assert_allclose(t["sigma"], 0.0, atol=1e-9)
    assert t.loc["x4", "mu_star_norm"] == 0.0
    assert select_parameters(t.reset_index(), share=0.5) == ["x1", "x2"]
    assert select_parameters(t.reset_index(), share=0.1) == ["x1", "x2", "x3"]
    assert select_parameters(t.reset_index(), share=0.1, top=1) == ["x1"]


def test_morris_convergence_uses_trajectory_prefixes() -> None:
    x = morris_unit(4, 12, seed=4)
    conv = morris_convergence(x, ishigami(x), NAMES, num_resamples=100)
    assert conv.groupby("fraction")["trajectories"].first().to_dict() == {0.25: 3, 0.5: 6, 1.0: 12}


def two_way(points: int, reps: int, signal_sd: float, shift_sd: float, inter_sd: float,
            seed: int = 0) -> tuple[pd.DataFrame, float]:
    """Values f(point) + shift(replicate) + interaction, and the realised variance of the shifts
    (with few replicates it differs from shift_sd²)."""
    rng = np.random.default_rng(seed)
    f = rng.normal(0, signal_sd, points)[:, None]
    shift = rng.normal(0, shift_sd, reps)[None, :]
    inter = rng.normal(0, inter_sd, (points, reps))
    y = f + shift + inter
    frame = pd.DataFrame({"point": np.repeat(np.arange(points), reps), "replicate": np.tile(np.arange(reps), points),
                          "value": y.ravel()})
    return frame, float(np.var(shift, ddof=1)) if reps > 1 else 0.0


@pytest.mark.parametrize(
    ("shift_sd", "inter_sd"), [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)],
    ids=["interaction-only", "shared-shift-only", "both"],
)
def test_seed_noise_shares(shift_sd: float, inter_sd: float) -> None:
    reps, signal = 4, 2.0
    frame, shift_var = two_way(3000, reps, signal, shift_sd, inter_sd, seed=1)
    out = seed_noise(frame)
    noise = shift_var + inter_sd**2
    assert out["replicates"] == reps
    assert out["share"] == pytest.approx(noise / (signal**2 + noise), abs=0.03)
    assert out["share_of_mean"] == pytest.approx(noise / reps / (signal**2 + inter_sd**2 / reps), abs=0.03)
    # the replicate mean's noise: all of it (share_of_mean) vs the part that is not shared (share_crn)
    assert out["share_crn"] == pytest.approx(inter_sd**2 / reps / (signal**2 + inter_sd**2 / reps), abs=0.03)


def test_seed_noise_needs_two_replicates() -> None:
    out = seed_noise(two_way(50, 1, 1.0, 0.0, 1.0)[0])
    assert np.isnan(out["share"]) and np.isnan(out["share_crn"])


def normal_pool(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"metric": "normal", "kind": "difference", "numerator": rng.normal(3.0, 1.0, n),
                         "denominator": np.nan})


def test_coverage_of_normal_replicates_is_nominal() -> None:
    table = coverage_table(normal_pool(600, 7), [2, 3, 5, 10], permutations=30, seed=3)
    assert (table["pool"] == 600).all()
    for r in table.itertuples():
        assert r.target == pytest.approx(0.95, abs=0.01)
        assert abs(r.coverage - r.target) < 0.025, (r.n, r.coverage)
        assert r.coverage_low <= r.coverage <= r.coverage_high
    # half-widths shrink like t(n-1) / sqrt(n); their spread like the sample sd's (chi with n-1 df):
    # 1 interval in 20 from 5 replicates is under half the typical width, from 10 about 0.64 of it
    t = table.set_index("n")
    assert t.loc[2, "half_width"] > t.loc[3, "half_width"] > t.loc[5, "half_width"] > t.loc[10, "half_width"]
    assert t.loc[5, "narrow_ratio"] == pytest.approx(0.45, abs=0.06)
    assert t.loc[10, "narrow_ratio"] == pytest.approx(0.64, abs=0.06)
    assert recommended_replicates(table) == 10  # calibrated from n = 2, reliable from 10
    assert recommended_replicates(table, min_width_ratio=0.0) == 2


@pytest.mark.slow
def test_heavy_tailed_ratio_needs_more_replicates() -> None:
    rng = np.random.default_rng(5)
    num = rng.lognormal(0.0, 1.2, 600)  # skewed numerator: small-n t intervals under-cover
    pool = pd.DataFrame({"metric": "skewed", "kind": "ratio", "numerator": num, "denominator": 1.0})
    table = coverage_table(pool, [3, 5, 30], permutations=30, seed=1).set_index("n")
    assert table.loc[3, "coverage"] < 0.9
    assert table.loc[3, "coverage"] < table.loc[30, "coverage"]
    assert table.loc[3, "coverage_high"] < table.loc[3, "target"] - 0.02  # significantly under-covers
    assert recommended_replicates(table.reset_index(), min_width_ratio=0.0) == 30


def test_target_coverage_accounts_for_the_finite_reference() -> None:
    assert target_coverage(5, 10_000) == pytest.approx(0.95, abs=1e-3)
    assert target_coverage(50, 50) < 0.9


@pytest.mark.parametrize(
    ("share", "replicates", "expected"),
    [(0.05, 2, "2 (met)"), (0.5, 2, "18"), (0.411, 2, "13"), (1.0, 2, "no signal above the noise"),
     (float("nan"), 1, "–")],
    ids=["met", "half", "vouchers", "all-noise", "unmeasured"],
)
def test_replicates_for_a_noise_target(share: float, replicates: int, expected: str) -> None:
    from infosim.sensitivity.report import replicates_for

    assert replicates_for(share, replicates) == expected
