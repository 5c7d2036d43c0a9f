"""The ABC machinery on toy simulators: known posteriors, determinism, exact resume, budget."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.calibration.api import posterior_from_history
from infosim.calibration.diagnostics import correlated_pairs, identification_lines
from infosim.calibration.engine import run_abc
from infosim.calibration.posterior import Posterior
from infosim.calibration.priors import Prior
from infosim.calibration.spec import AbcSettings
from infosim.calibration.wstats import weighted_mean_sd
from infosim.experiments.executors import make_executor

from . import toy

PAIR_PRIORS = [Prior("a", "uniform", {"low": -2.0, "high": 2.0}, "toy"),
               Prior("b", "uniform", {"low": -2.0, "high": 2.0}, "toy")]
PAIR_OBS, PAIR_SD = {"y1": 0.3, "y2": 0.5}, {"y1": 0.05, "y2": 0.05}


def abc(out: Path, simulator, priors, observed, sd, settings, *, executor="serial", workers=None, resume=False,
        seed=3):
    out.mkdir(parents=True, exist_ok=True)
    with make_executor(executor, workers) as ex:
        return run_abc(simulator, priors, observed, sd, settings, out, seed=seed, executor=ex, resume=resume,
                       progress=False)


def last_generation(out: Path) -> tuple[int, pd.DataFrame, np.ndarray, pd.DataFrame]:
    import pyabc

    h = pyabc.History("sqlite:///" + str(out / "history.db"), create=False)
    frame, w = h.get_distribution(m=0, t=h.max_t)
    return h.max_t, frame, np.asarray(w), h.get_all_populations()


@pytest.mark.slow
def test_known_answer_normal_mean(tmp_path: Path) -> None:
    """y = mu + N(0, 0.5^2), observed y = 1 with sd 0.5, prior mu ~ N(0, 1): the posterior is
    N(2/3, 1/3) (conjugate normal, likelihood variance 0.5^2 + 0.5^2).

    One ABC-SMC run of 300 particles estimates the mean with a Monte-Carlo sd of about 0.06 and
    the sd to about 10%; three runs (root seeds 0, 1, 2) are pooled and compared within about two
    of their standard errors. Wrong answers this rejects: a flat prior (mean 1.0), ignoring the
    model's noise (sd 0.447), a posterior tempered at T = 2 (sd 0.707).
    """
    settings = AbcSettings(population_size=300, generations=6)
    prior = [Prior("mu", "normal", {"mean": 0.0, "sd": 1.0}, "toy")]
    means, sds = [], []
    for seed in (0, 1, 2):
        outcome = abc(tmp_path / str(seed), toy.normal_mean, prior, {"y": 1.0}, {"y": 0.5}, settings, seed=seed)
        assert outcome.final_epsilon == 1.0
        assert "temperature 1 reached" in outcome.stop_reason
        _, frame, w, _ = last_generation(tmp_path / str(seed))
        mean, sd = weighted_mean_sd(frame["mu"].to_numpy(), w)
        means.append(mean)
        sds.append(sd)
    var = 1.0 / (1.0 / 1.0 + 1.0 / 0.5)
    assert np.mean(means) == pytest.approx(var * 1.0 / 0.5, abs=0.08)
    assert np.mean(sds) == pytest.approx(math.sqrt(var), rel=0.12)


@pytest.mark.slow
def test_known_answer_correlated_pair_and_identification(tmp_path: Path) -> None:
    """y1 = a, y2 = a + b (noise 0.05 in the model and the observations): a ~ N(0.3, 0.0707),
    b ~ N(0.2, 0.1), corr(a, b) = -1/sqrt(2)."""
    settings = AbcSettings(population_size=150, generations=6)
    outcome = abc(tmp_path, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    assert outcome.final_epsilon == 1.0 and outcome.generations >= 3
    table = posterior_from_history(tmp_path, PAIR_PRIORS)
    post = Posterior(tmp_path, table[["a", "b"]], table["weight"].to_numpy(), PAIR_PRIORS)
    assert post.quantile("a", 0.5) == pytest.approx(0.3, abs=0.03)
    assert post.quantile("b", 0.5) == pytest.approx(0.2, abs=0.04)
    corr = post.correlations().loc["a", "b"]
    assert corr == pytest.approx(-1 / math.sqrt(2), abs=0.15)
    pairs = correlated_pairs(post)
    assert list(pairs[["parameter_a", "parameter_b"]].iloc[0]) == ["a", "b"]
    assert any("trade off" in line for line in identification_lines(post))
    ratios = post.width_ratios()
    assert ratios["a"] < 0.15 and ratios["b"] < 0.15  # both well identified against a width-4 prior


@pytest.mark.slow
@pytest.mark.parametrize("distance", ["stochastic", "adaptive_pnorm"])
def test_resume_gives_the_uninterrupted_result(tmp_path: Path, distance: str) -> None:
    settings = AbcSettings(population_size=60, generations=4, distance=distance)
    ref = abc(tmp_path / "ref", toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    # interrupt mid-generation 1, then mid-generation 3 (sizes taken from the reference run)
    samples = last_generation(tmp_path / "ref")[3].set_index("t")["samples"]
    cuts = [int(samples.loc[[-1, 0]].sum() + samples.loc[1] // 2),
            int(samples.loc[[1, 2]].sum() + samples.loc[3] // 2), None]
    out = tmp_path / "interrupted"
    interrupts = 0
    for after in cuts:
        toy.CALLS["n"] = 0
        try:
            resumed = abc(out, toy.Interrupting(after), PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings, resume=True)
        except KeyboardInterrupt:
            interrupts += 1
            assert last_generation(out)[0] == (0 if interrupts == 1 else 2)
    assert interrupts == 2
    assert resumed.resumed_from == 2
    t_ref, f_ref, w_ref, pops_ref = last_generation(tmp_path / "ref")
    t_res, f_res, w_res, pops_res = last_generation(out)
    assert t_ref == t_res == ref.generations - 1
    pd.testing.assert_frame_equal(f_ref, f_res)
    np.testing.assert_array_equal(w_ref, w_res)
    cols = ["t", "epsilon", "samples", "particles"]
    pd.testing.assert_frame_equal(pops_ref[cols], pops_res[cols])
    assert resumed.stop_reason == ref.stop_reason


@pytest.mark.slow
def test_resume_of_a_finished_run_runs_nothing(tmp_path: Path) -> None:
    settings = AbcSettings(population_size=30, generations=2)
    first = abc(tmp_path, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    toy.CALLS["n"] = 0
    again = abc(tmp_path, toy.Interrupting(0), PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings, resume=True)
    assert again.simulations == first.simulations and again.simulations_run == 0 and toy.CALLS["n"] == 0


@pytest.mark.slow
def test_simulation_budget_stops_with_the_last_complete_generation(tmp_path: Path) -> None:
    settings = AbcSettings(population_size=50, generations=10, max_simulations=400)
    outcome = abc(tmp_path, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    assert "budget" in outcome.stop_reason
    assert outcome.simulations <= 400
    t, _, _, pops = last_generation(tmp_path)
    assert t == outcome.generations - 1
    assert int(pops["samples"].sum()) == outcome.simulations


@pytest.mark.slow
def test_same_seed_same_result_other_seed_other_result(tmp_path: Path) -> None:
    settings = AbcSettings(population_size=40, generations=2)
    prior = [Prior("mu", "normal", {"mean": 0.0, "sd": 1.0}, "toy")]
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        abc(tmp_path / name, toy.normal_mean, prior, {"y": 1.0}, {"y": 0.5}, settings, seed=seed)
    fa, fb, fc = (last_generation(tmp_path / x)[1] for x in "abc")
    pd.testing.assert_frame_equal(fa, fb)
    assert not fa.equals(fc)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("executor", "workers"),
    [
        pytest.param("processes", 1, id="processes-1"),
        pytest.param("processes", 2, id="processes-2"),
        pytest.param("dask", 2, id="dask-2"),
    ],
)
def test_identical_whatever_the_executor_and_workers(tmp_path: Path, executor: str, workers: int) -> None:
    settings = AbcSettings(population_size=30, generations=3)
    ref = abc(tmp_path / "serial", toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    par = abc(tmp_path / executor, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings, executor=executor,
              workers=workers)
    assert par.simulations == ref.simulations
    t1, f1, w1, p1 = last_generation(tmp_path / "serial")
    t2, f2, w2, p2 = last_generation(tmp_path / executor)
    assert t1 == t2
    pd.testing.assert_frame_equal(f1, f2)
    np.testing.assert_array_equal(w1, w2)
    pd.testing.assert_frame_equal(p1[["t", "epsilon", "samples"]], p2[["t", "epsilon", "samples"]])
