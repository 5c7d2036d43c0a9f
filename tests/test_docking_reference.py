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
    """(engine, reference) shares of users with a 5G phone, shape (seeds, months), on paired populations."""
    scenario = load_scenario("baseline", sets)
    engine, ref = [], []
    for seed in range(SEEDS):
        run = run_scenario(scenario, seed, households=HOUSEHOLDS, months=months)
        ts = run.timeseries
        engine.append((ts["users_5g_handset"] / ts["users_mobile"]).to_numpy())
        model = reference.reference_from_engine(scenario, seed, HOUSEHOLDS, months, reference_seed=10_000 + seed)
        for _ in range(months):
            model.step()
        ref.append(model.shares)
    return np.asarray(engine), np.asarray(ref)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sets", "months"),
    [
        pytest.param([], 36, marks=pytest.mark.xfail(strict=True, reason=(
            "known discrepancy, not yet explained: at the calibrated point the engine's 5G handset share runs "
            "0.55-0.7 points above the reference's from about month 24 (t up to 5.5 against a critical 4.45; "
            "max |t| was 4.2 at the previous calibrated point, the same gap just under the line) - "
            "docs/ODD.md section 8"))),
        (["parameters.phones.choice_peer_coef=3.0", "parameters.phones.national_trend=false"], 24),
        (["parameters.phones.choice_repeat_coef=3.0", "parameters.phones.life_months=24",
          "parameters.phones.choice_price_coef=-2.5"], 24),
    ],
    ids=["baseline-defaults", "peer-driven-choice", "fast-replacement-strong-habit"],
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
