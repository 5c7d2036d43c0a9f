"""The ensemble: prior draws from the parameter ranges, posterior draws from a calibration's particles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.data import parameter_ranges
from infosim.errors import SpecError
from infosim.optimise.ensemble import POSTERIOR_FILE, posterior_ensemble, prior_ensemble

KEYS = ["parameters.phones.life_months", "parameters.spending.freed_money_spend_share"]


def test_prior_draws_are_reproducible_within_the_ranges_and_typed() -> None:
    a, b = prior_ensemble(KEYS, 10, seed=3), prior_ensemble(KEYS, 10, seed=3)
    assert a.points == b.points
    assert a.points != prior_ensemble(KEYS, 10, seed=4).points
    ranges = parameter_ranges()
    for key in KEYS:
        values = [p[key] for p in a.points]
        assert min(values) >= ranges[key].low and max(values) <= ranges[key].high
    assert a.kinds == {KEYS[0]: "int" if ranges[KEYS[0]].integer else "float", KEYS[1]: "float"}
    # Latin hypercube: one draw in each tenth of the (linear) range of the share
    lo, hi = ranges[KEYS[1]].low, ranges[KEYS[1]].high
    bins = np.floor((np.array([p[KEYS[1]] for p in a.points]) - lo) / (hi - lo) * 10).astype(int)
    assert sorted(bins) == list(range(10))


def write_posterior(folder: Path, weights: list[float], **extra: list) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame({KEYS[0]: [31, 40, 50], KEYS[1]: [0.1, 0.5, 0.9], "weight": weights, **extra})
    df.to_parquet(folder / POSTERIOR_FILE)


def test_posterior_draws_resample_particles_by_weight(tmp_path: Path) -> None:
    write_posterior(tmp_path / "cal", [0.0, 1.0, 0.0])
    e = posterior_ensemble(str(tmp_path / "cal"), 5, seed=1)
    assert e.points == [{KEYS[0]: 40, KEYS[1]: 0.5}] * 5
    assert e.kinds == {KEYS[0]: "int", KEYS[1]: "float"} and e.info["particles"] == 3
    write_posterior(tmp_path / "cal2", [1.0, 3.0, 0.0])
    e = posterior_ensemble(str(tmp_path / "cal2"), 4000, seed=2)
    share = np.mean([p[KEYS[0]] == 40 for p in e.points])
    assert share == pytest.approx(0.75, abs=0.03)
    assert e.points == posterior_ensemble(str(tmp_path / "cal2"), 4000, seed=2).points


def test_a_relative_posterior_folder_is_found_from_the_spec_file(tmp_path: Path) -> None:
    write_posterior(tmp_path / "calibration" / "x", [1.0, 1.0, 1.0])
    spec_file = tmp_path / "experiments" / "spec.toml"
    spec_file.parent.mkdir()
    e = posterior_ensemble("calibration/x", 2, seed=0, spec_file=spec_file)
    assert e.info["file"] == str(tmp_path / "calibration" / "x" / POSTERIOR_FILE)


@pytest.mark.parametrize(("setup", "message"), [
    pytest.param(lambda p: None, "no such calibration folder", id="no-folder"),
    pytest.param(lambda p: (p / "cal").mkdir(), "no posterior yet", id="not-run-yet"),
    pytest.param(lambda p: write_posterior(p / "cal", [0.0, 0.0, 0.0]), "positive sum", id="zero-weights"),
    pytest.param(lambda p: write_posterior(p / "cal", [1, 1, 1], **{"parameters.phones.nope": [1, 2, 3]}),
                 "not a parameter's scenario key", id="bad-column"),
])
def test_a_missing_or_bad_posterior_is_one_clear_line(tmp_path: Path, setup, message: str) -> None:
    setup(tmp_path)
    with pytest.raises(SpecError) as err:
        posterior_ensemble(str(tmp_path / "cal"), 3, seed=0)
    assert message in str(err.value) and len(str(err.value).splitlines()) == 1
