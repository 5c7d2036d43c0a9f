"""The shipped jiangsu_2020 (at the calibrated point, scenarios/parameters/calibrated.toml) against data.

The calibration targets (calibration/targets.toml, observations to 2021-12) were fitted, so matching
them is a regression check, not evidence of validity: it fails when a model change moves the fit away
from the data the parameters were estimated on (then recalibrate). The evidence is out of sample
(docs/validation.md). The tolerance is each target's own sd (how exactly it was observed) widened by
the seed noise of a run at the calibration's scale, measured here on the same seeds.
"""

from pathlib import Path

import numpy as np
import pytest

from infosim.calibration.targets import evaluate, load_targets
from infosim.data import load_table, values

ROOT = Path(__file__).resolve().parents[2]
TARGETS = load_targets(ROOT / "calibration" / "targets.toml")
MARKET = values(load_table("market"))
SEEDS = (1, 2, 3)
HOUSEHOLDS = 10_000  # the calibration spec's scale (calibration/jiangsu_2020.toml)
K_SD = 3.0


@pytest.fixture(scope="module")
def simulated(run_cached) -> dict[str, np.ndarray]:
    """Each target's statistic on three seeds of the shipped scenario."""
    runs = [evaluate(run_cached("jiangsu_2020", s, HOUSEHOLDS, 24).timeseries, TARGETS) for s in SEEDS]
    return {t.name: np.array([r[t.name] for r in runs]) for t in TARGETS}


def test_shipped_scenarios_include_the_calibrated_point() -> None:
    """baseline.toml (and so every shipped scenario) includes the calibration's point estimate."""
    from infosim.calibration.posterior import load_posterior
    from infosim.scenario import load_scenario

    point = load_posterior(ROOT / "calibration" / "jiangsu_2020").point_estimate
    scenario = load_scenario("jiangsu_2020").model_dump()
    for key, value in point.items():
        node = scenario
        for part in key.split("."):
            node = node[part]
        assert node == pytest.approx(value), key


#: Targets the calibrated point is known to miss, with why (docs/validation.md). Strict: if one starts
#: to fit, the test fails and this list must be updated.
KNOWN_MISSES = {
    "stations_2021_12": (
        "the operators' 2021 build is too slow at the assumed, uncalibrated profitability elasticity 0.5"
        " (posterior predictive 115k vs 130k; docs/validation.md, 'Identification problems')"
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "target",
    [
        pytest.param(t, marks=pytest.mark.xfail(reason=KNOWN_MISSES[t.name], strict=True))
        if t.name in KNOWN_MISSES
        else t
        for t in TARGETS
    ],
    ids=[t.name for t in TARGETS],
)
def test_calibrated_point_fits_each_target(simulated: dict[str, np.ndarray], target) -> None:
    sims = simulated[target.name]
    tolerance = K_SD * np.hypot(target.sd, sims.std(ddof=1))
    assert abs(sims.mean() - target.value) <= tolerance, (
        f"{target.name}: simulated {sims.mean():,.4g} (seeds {np.round(sims, 4).tolist()}) vs observed "
        f"{target.value:,.4g} ± {target.sd:,.3g}"
    )


@pytest.mark.parametrize("seed", (1, pytest.param(2, marks=pytest.mark.slow)))
def test_2020_information_consumption_consistent_with_2019(run_cached, seed: int) -> None:
    """2020 consumption is within -5%..+20% of 2019's 560 bn (a year of growth, not a new level); not fitted."""
    ts = run_cached("jiangsu_2020", seed, 100_000, 24).timeseries
    total_2020 = ts.loc[ts["month"].str.startswith("2020"), "info_consumption_yuan"].sum()
    ratio = total_2020 / MARKET["consumption"]["info_consumption_2019_yuan"]
    assert 0.95 <= ratio <= 1.20, f"2020 information consumption {total_2020 / 1e9:.0f} bn"


def test_cloud_targets_of_clause_23_are_met_in_2020() -> None:
    """Clause 23 (an instrument, not an observation): +35,000 core-on-cloud firms, ~3,000 star-rated in 2020."""
    from infosim.run import run_scenario

    result = run_scenario("jiangsu_2020", 1, households=100_000, months=12, keep_agents=True)
    firms = result.agents.query("kind == 'enterprise'")
    weight = firms["weight"].iloc[0]
    new_core = ((firms["m_core"] >= 0) & (firms["m_core"] <= 11)).sum() * weight
    new_star = ((firms["m_star"] >= 0) & (firms["m_star"] <= 11)).sum() * weight
    assert abs(new_core / 35_000 - 1) <= 0.15, new_core
    assert abs(new_star / 3_000 - 1) <= 0.30, new_star
