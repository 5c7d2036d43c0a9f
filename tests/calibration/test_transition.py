"""The proposal of each ABC-SMC generation (``infosim.calibration.transition``): the fitted normal
has the density it claims, and with many weakly identified parameters it keeps the importance
weights usable where pyabc's default kernel density proposal lets them degenerate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from infosim.calibration.api import posterior_from_history
from infosim.calibration.priors import Prior
from infosim.calibration.spec import AbcSettings
from infosim.calibration.transition import FittedNormalTransition

from . import toy
from .test_engine import abc


def test_fitted_normal_has_the_weighted_mean_and_inflated_covariance() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 3)) * [1.0, 2.0, 0.5] + [1.0, -1.0, 0.0], columns=["a", "b", "c"])
    w = rng.uniform(0.5, 1.5, size=400)
    w /= w.sum()
    tr = FittedNormalTransition(scaling=2.0)
    tr.fit(X, w)
    mean = w @ X.to_numpy()
    centred = X.to_numpy() - mean
    cov = (centred * w[:, None]).T @ centred / (1 - np.sum(w**2))  # unbiased weighted covariance
    assert np.allclose(tr.mean, mean)
    assert np.allclose(tr.cov, 2.0 * cov, rtol=1e-6)
    point = X.iloc[7]
    assert tr.pdf(point) == pytest.approx(stats.multivariate_normal(mean, 2.0 * cov).pdf(point.to_numpy()))
    assert np.allclose(tr.pdf(X.iloc[:5]), stats.multivariate_normal(mean, 2.0 * cov).pdf(X.iloc[:5].to_numpy()))
    np.random.seed(1)
    draws = tr.rvs(size=4000)
    assert list(draws.columns) == ["a", "b", "c"]
    assert np.allclose(draws.mean().to_numpy(), mean, atol=0.15)
    assert np.allclose(draws.std().to_numpy(), np.sqrt(np.diag(2.0 * cov)), rtol=0.06)


def test_scaling_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scaling must be > 0"):
        FittedNormalTransition(scaling=0)


def ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float) / np.sum(w)
    return float(1.0 / np.sum(w**2))


@pytest.mark.slow
def test_many_weakly_identified_parameters_keep_a_usable_sample(tmp_path: Path) -> None:
    """15 parameters of which the data inform 5, 150 particles, 3 generations on the same seeds:
    with the fitted normal the effective sample size of every generation stays above a quarter
    of the particles and the informed parameters are found; with pyabc's default KDE proposal
    (the rule the shipped calibration used) it falls below a fifth."""
    priors = [Prior(name, "uniform", {"low": 0.0, "high": 1.0}, "toy") for name in toy.MANY]
    observed = {f"y{i}": 0.3 + 0.1 * i for i in range(toy.MANY_INFORMED)}
    sd = dict.fromkeys(observed, 0.1)
    worst = {}
    for transition in ("normal", "kde"):
        settings = AbcSettings(population_size=150, generations=3, transition=transition)
        out = tmp_path / transition
        abc(out, toy.many_weakly_identified, priors, observed, sd, settings, seed=11)
        import pyabc

        history = pyabc.History("sqlite:///" + str(out / "history.db"), create=False)
        worst[transition] = min(ess(history.get_distribution(m=0, t=t)[1]) for t in range(1, history.max_t + 1))
        if transition == "normal":
            table = posterior_from_history(out, priors)
            for i in range(toy.MANY_INFORMED):
                mean = float(np.average(table[toy.MANY[i]], weights=table["weight"]))
                assert mean == pytest.approx(observed[f"y{i}"], abs=0.06), (i, mean)
    assert worst["normal"] > 150 / 4, worst
    assert worst["kde"] < 150 / 5, worst
