"""The ABC machinery on toy simulators: known posteriors, determinism, exact resume, budget."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.calibration.api import posterior_from_history
from infosim.calibration.diagnostics import correlated_pairs, identification_lines
from infosim.calibration.engine import check_stopping_change, run_abc
from infosim.calibration.errors import CalibrationError
from infosim.calibration.posterior import Posterior
from infosim.calibration.priors import Prior
from infosim.calibration.spec import AbcSettings, stopping_rules
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


def all_generations(out: Path) -> tuple[pd.DataFrame, list[tuple[pd.DataFrame, np.ndarray]]]:
    """Every stored generation: the populations table and each generation's particles and weights."""
    import pyabc

    h = pyabc.History("sqlite:///" + str(out / "history.db"), create=False)
    pops = h.get_all_populations()[["t", "epsilon", "samples", "particles"]]
    return pops, [h.get_distribution(m=0, t=t) for t in range(h.max_t + 1)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("distance", "stop", "key"),
    [
        pytest.param("stochastic", "mid-generation", "max_simulations", id="stochastic-budget-mid-generation"),
        pytest.param("stochastic", "after-generation", "max_simulations", id="stochastic-budget-after-generation"),
        pytest.param("adaptive_pnorm", "mid-generation", "max_simulations", id="pnorm-budget"),
        pytest.param("adaptive_pnorm", "after-generation", "generations", id="pnorm-generations"),
    ],
)
def test_resume_with_a_larger_budget_gives_the_uninterrupted_result(tmp_path: Path, distance: str, stop: str,
                                                                    key: str) -> None:
    """Run with a small budget B1 to its end, resume with B2 > B1: every generation (particles,
    weights, epsilons, evaluation counts) equals one uninterrupted run with B2, and the resume
    simulated only what B2 adds (no finished generation recomputed)."""
    base = {"population_size": 40, "distance": distance}
    big = {"max_simulations": 1300, "generations": 6} if key == "max_simulations" else {"generations": 5}
    settings = AbcSettings(**base, **big)
    ref = abc(tmp_path / "ref", toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    pops_ref, dists_ref = all_generations(tmp_path / "ref")
    total = pops_ref.set_index("t")["samples"].cumsum()  # simulations stored after each generation
    if key == "max_simulations":  # B1 ends the run inside generation 2, or right after it
        b1 = int(total.loc[1] + (total.loc[2] - total.loc[1]) // 2) if stop == "mid-generation" else int(total.loc[2])
        small = AbcSettings(**{**base, **big, "max_simulations": b1})
    else:
        small = AbcSettings(**base, generations=2)
    out = tmp_path / "extended"
    first = abc(out, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, small)
    assert first.generations == (2 if key == "generations" or stop == "mid-generation" else 3) < ref.generations
    assert "budget" in first.stop_reason or key == "generations"
    # the finished run keeps the checkpoints of its last generation (what continuing needs)
    assert sorted(p.name for p in (out / "state").iterdir()) == sorted(
        ["done.json", f"gen_{first.generations - 1}.pkl", f"sample_{first.generations - 1}.pkl"])
    check_stopping_change(out, settings, stopping_rules(small))
    toy.CALLS["n"] = 0
    again = abc(out, toy.Interrupting(None), PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings, resume=True)
    assert again.resumed_from == first.generations - 1
    assert again.generations == ref.generations
    assert again.stop_reason == ref.stop_reason
    assert again.simulations == ref.simulations
    # serial: nothing discarded, so this session ran exactly the generations B2 adds (plus, when
    # B1 stopped inside a generation, that generation again from its start: it was never stored)
    assert toy.CALLS["n"] == again.simulations_run == ref.simulations_run - first.simulations
    pops_res, dists_res = all_generations(out)
    pd.testing.assert_frame_equal(pops_ref, pops_res)
    assert len(dists_res) == len(dists_ref) == ref.generations
    for (f_ref, w_ref), (f_res, w_res) in zip(dists_ref, dists_res, strict=True):
        pd.testing.assert_frame_equal(f_ref, f_res)
        np.testing.assert_array_equal(np.asarray(w_ref), np.asarray(w_res))
    # the same rules again: the finished run runs nothing
    toy.CALLS["n"] = 0
    same = abc(out, toy.Interrupting(0), PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings, resume=True)
    assert (same.simulations_run, toy.CALLS["n"], same.simulations) == (0, 0, ref.simulations)


@pytest.mark.slow
def test_stopping_rules_the_stored_generations_contradict_are_refused(tmp_path: Path) -> None:
    settings = AbcSettings(population_size=30, generations=3, distance="adaptive_pnorm", max_simulations=5000)
    outcome = abc(tmp_path, toy.sum_pair, PAIR_PRIORS, PAIR_OBS, PAIR_SD, settings)
    pops = all_generations(tmp_path)[0].set_index("t")
    old = stopping_rules(settings)
    fewer = settings.model_copy(update={"max_simulations": outcome.simulations - 1})
    with pytest.raises(CalibrationError, match=rf"abc\.max_simulations: 5000 -> {outcome.simulations - 1}: "
                       rf"{outcome.simulations:,} simulations are already stored"):
        check_stopping_change(tmp_path, fewer, old)
    with pytest.raises(CalibrationError, match=r"abc\.generations: 3 -> 2: 3 generations are already stored"):
        check_stopping_change(tmp_path, settings.model_copy(update={"generations": 2}), old)
    rate = float((pops["particles"] / pops["samples"]).loc[0:].min())
    with pytest.raises(CalibrationError, match=r"abc\.min_acceptance_rate: 0\.0 -> .*would have stopped there"):
        check_stopping_change(tmp_path, settings.model_copy(update={"min_acceptance_rate": rate + 0.01}), old)
    eps0 = float(pops.loc[0, "epsilon"])
    with pytest.raises(CalibrationError, match=r"abc\.min_epsilon: None -> .*generation \d already reached"):
        check_stopping_change(tmp_path, settings.model_copy(update={"min_epsilon": eps0}), old)
    # exactly what is stored: allowed, and the resume stops at once without simulating
    exact = settings.model_copy(update={"max_simulations": outcome.simulations, "generations": 4})
    check_stopping_change(tmp_path, exact, old)
    toy.CALLS["n"] = 0
    again = abc(tmp_path, toy.Interrupting(0), PAIR_PRIORS, PAIR_OBS, PAIR_SD, exact, resume=True)
    assert (again.generations, again.simulations, toy.CALLS["n"]) == (3, outcome.simulations, 0)
    assert again.stop_reason == f"simulation budget ({outcome.simulations:,}) used"
    # a run finished without the checkpoints of its last generation (older versions) cannot be extended
    for path in (tmp_path / "state").glob("*.pkl"):
        path.unlink()
    with pytest.raises(CalibrationError, match=r"finished without keeping the checkpoints of its last generation"):
        check_stopping_change(tmp_path, settings.model_copy(update={"max_simulations": 9000}), stopping_rules(exact))


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
