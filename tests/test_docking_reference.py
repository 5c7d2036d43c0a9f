"""Docking: the vectorised engine and the idiomatic-Mesa reference (``infosim/reference.py``)
give the same 5G handset adoption curves within Monte Carlo error.

Both start from the engine's population, contacts and market path for each seed and apply the
same rule with the same parameters; only the random numbers differ (the engine's common random
numbers vs. the reference's per-agent ``random.random()``). For every month, a paired t-test
over seeds of engine share minus reference share must not reject at a family-wise 1% level
(Bonferroni over months). A second assertion checks the test has power: it would detect a gap of
2.5 percentage points at any month.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from infosim import reference
from infosim.run import run_scenario
from infosim.scenario import load_scenario

HOUSEHOLDS = 3_000
SEEDS = 20
FAMILY_ALPHA = 0.01
DETECTABLE_GAP = 0.025


def adoption_curves(sets: list[str], months: int) -> tuple[np.ndarray, np.ndarray]:
    """(engine, reference) 5G handset shares, shape (seeds, months), on paired populations."""
    scenario = load_scenario("baseline", sets)
    engine, ref = [], []
    for seed in range(SEEDS):
        run = run_scenario(scenario, seed, households=HOUSEHOLDS, months=months)
        engine.append(run.timeseries["share_5g_handset_households"].to_numpy())
        model = reference.reference_from_engine(scenario, seed, HOUSEHOLDS, months, reference_seed=10_000 + seed)
        for _ in range(months):
            model.step()
        ref.append(model.shares)
    return np.asarray(engine), np.asarray(ref)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sets", "months"),
    [
        ([], 36),
        (["parameters.diffusion.bass_q=0.15", "parameters.phones.choice_peer_coef=3.0",
          "parameters.phones.national_trend=false"], 24),
        (["parameters.phones.replacement=false", "parameters.diffusion.bass_p=0.01",
          "parameters.diffusion.bass_q=0.1"], 24),
    ],
    ids=["baseline-defaults", "peer-driven-choice", "bass-channel-only"],
)
def test_engine_and_mesa_reference_adoption_curves_agree(sets: list[str], months: int) -> None:
    engine, ref = adoption_curves(sets, months)
    gap = engine - ref
    se = gap.std(axis=0, ddof=1) / np.sqrt(SEEDS)
    critical = stats.t.ppf(1 - FAMILY_ALPHA / (2 * months), SEEDS - 1)
    t = gap.mean(axis=0) / np.maximum(se, 1e-12)
    assert engine[:, -1].mean() > engine[:, 0].mean() + 0.05  # adoption really moved: the test has a signal
    worst = int(np.argmax(np.abs(t)))
    assert np.all(np.abs(t) < critical), (
        f"month {worst}: engine {engine[:, worst].mean():.4f} vs reference {ref[:, worst].mean():.4f} "
        f"(t = {t[worst]:.2f}, critical {critical:.2f})"
    )
    assert np.all(critical * se < DETECTABLE_GAP)


@pytest.mark.parametrize(
    ("price_effect", "coverage_effect", "awareness_effect", "bass_p", "bass_q"),
    [
        (True, True, True, 0.001, 0.02),
        (False, True, True, 0.01, 0.5),
        (True, False, False, 0.0, 0.3),
        (False, False, False, 0.2, 5.0),
    ],
    ids=["defaults", "no-price", "price-only-no-innovation", "all-off-fast"],
)
def test_upgrade_bound_never_excludes_an_upgrader(
    price_effect: bool, coverage_effect: bool, awareness_effect: bool, bass_p: float, bass_q: float
) -> None:
    """The engine evaluates the Bass channel only below ``bass_upgrade_bound``: it must bound the probability."""
    from infosim.agents.households.rules import bass_upgrade_bound, bass_upgrade_probability
    from infosim.parameters import DiffusionParams, PhoneParams

    d = DiffusionParams(price_effect=price_effect, coverage_effect=coverage_effect,
                        awareness_effect=awareness_effect, bass_p=bass_p, bass_q=bass_q)
    rng = np.random.default_rng(3)
    n = 200_000
    peer = (rng.integers(0, 9, n) / 8).astype(np.float32)
    price_x = rng.uniform(-6, 6, n)
    covered = rng.random(n) < 0.5
    aware_lit = rng.random(n).astype(np.float32)
    prob = bass_upgrade_probability(d, PhoneParams(), peer, price_x, covered, aware_lit)
    assert np.all(prob <= bass_upgrade_bound(d, peer))
    assert np.any(prob > 0.5 * bass_upgrade_bound(d, peer))  # and it is not uselessly loose
