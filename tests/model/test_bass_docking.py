"""Docking against the analytic Bass model: with levers off, homogeneous households and fully
mixed influence, the share of households with a smart-home device follows
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""

import numpy as np
import pytest

from infosim.run import run_scenario
from infosim.scenario import load_scenario

DOCKING = [
    "parameters.households.homogeneous=true",
    "parameters.network.mode='full_mixing'",
]


def bass_share(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Analytic Bass cumulative adoption share at time t."""
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


@pytest.mark.parametrize(
    ("p", "q"),
    [(0.03 / 12, 0.38 / 12), (0.01, 0.1), (0.005 / 12 * 4, 0.51 / 12)],
    ids=["sultan-meta-annual-means", "fast-monthly", "mobile-phones-vdb-x4p"],
)
@pytest.mark.slow
def test_smart_home_share_follows_analytic_bass(p: float, q: float) -> None:
    sets = [*DOCKING, f"parameters.home.smart_home_p={p}", f"parameters.home.smart_home_q={q}"]
    result = run_scenario(load_scenario("baseline", sets), seed=11, households=100_000, months=72)
    simulated = result.timeseries["share_smart_home_households"].to_numpy()
    analytic = bass_share(np.arange(1, 73), p, q)
    assert simulated[0] > 0  # something happened
    assert np.max(np.abs(simulated - analytic)) < 0.02
    assert simulated[-1] > 0.2  # the curve really rose, so the comparison has power
