"""The ensemble: prior draws from the parameter ranges, posterior draws from a calibration folder
(read with the public API of infosim.calibration, as `infosim batch --posterior` reads it)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.calibration import load_posterior
from infosim.calibration.posterior import CALIBRATION_FILE, POSTERIOR_FILE, priors_to_json
from infosim.calibration.priors import Prior
from infosim.data import parameter_ranges
from infosim.errors import SpecError
from infosim.optimise.ensemble import make_ensemble, posterior_ensemble, prior_ensemble
from infosim.optimise.spec import OptimiseSpec

KEYS = ["parameters.phones.life_months", "parameters.spending.freed_money_spend_share"]
OTHER = "parameters.spending.income_elasticity"


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


def write_calibration(folder: Path, weights: list[float], keys: list[str] = KEYS) -> Path:
    """A finished calibration's two files, as `infosim calibrate` writes them (3 particles)."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = {KEYS[0]: [31.0, 40.0, 50.0], KEYS[1]: [0.1, 0.5, 0.9]}
    df = pd.DataFrame({k: columns.get(k, [1.0, 2.0, 3.0]) for k in keys} | {"weight": weights})
    df.to_parquet(folder / POSTERIOR_FILE)
    priors = [Prior(k, "uniform", {"low": 0.0, "high": 100.0}, "test", integer=k == KEYS[0]) for k in keys]
    (folder / CALIBRATION_FILE).write_text(json.dumps({"name": folder.name, "priors": priors_to_json(priors)}))
    return folder


def test_posterior_draws_are_the_calibrations_own_resampling(tmp_path: Path) -> None:
    cal = write_calibration(tmp_path / "cal", [1.0, 3.0, 0.0])
    e = posterior_ensemble(str(cal), 4000, seed=2)
    post = load_posterior(cal)
    expected = [post.overrides(row) for _, row in post.sample(4000, seed=2).iterrows()]
    assert e.points == expected  # the same draws as `batch --posterior` with root seed 2
    assert e.kinds == {KEYS[0]: "int", KEYS[1]: "float"} and e.info["particles"] == 3
    assert {type(p[KEYS[0]]) for p in e.points} == {int}
    assert np.mean([p[KEYS[0]] == 40 for p in e.points]) == pytest.approx(0.75, abs=0.03)
    assert not any(p[KEYS[0]] == 50 for p in e.points)  # weight 0: never drawn
    assert e.points != posterior_ensemble(str(cal), 4000, seed=3).points


def test_posterior_ensemble_adds_uncalibrated_parameters_from_their_ranges(tmp_path: Path) -> None:
    cal = write_calibration(tmp_path / "cal", [1.0, 1.0, 1.0])
    e = posterior_ensemble(str(cal), 6, seed=0, prior_keys=[KEYS[0], OTHER])
    assert e.keys == [*KEYS, OTHER] and e.info["prior_parameters"] == [OTHER]
    r = parameter_ranges()[OTHER]
    assert all(r.low <= p[OTHER] <= r.high for p in e.points)
    assert {p[KEYS[0]] for p in e.points} <= {31, 40, 50}  # calibrated: from the posterior, not the range


def test_spec_posterior_ensemble_and_constant_clash(tmp_path: Path) -> None:
    cal = write_calibration(tmp_path / "calibration" / "x", [1.0, 1.0, 1.0])
    raw = {"name": "t", "base": "jiangsu_2020", "draws": 3, "ensemble": "posterior:calibration/x",
           "variables": {"levers.vouchers.claim_share": {"range": [0.1, 0.9]}},
           "objectives": [{"metric": "extra_consumption", "direction": "max"}]}
    spec_file = tmp_path / "experiments" / "spec.toml"
    spec_file.parent.mkdir()
    e = make_ensemble(OptimiseSpec.model_validate(raw), spec_file)  # found beside the spec file's folder
    assert e.info["folder"] == str(cal) and e.keys == KEYS and len(e) == 3
    with pytest.raises(SpecError, match=r'constants."parameters.phones.life_months": the parameter is drawn'):
        make_ensemble(OptimiseSpec.model_validate({**raw, "constants": {KEYS[0]: 40}}), spec_file)


@pytest.mark.parametrize(("setup", "message"), [
    pytest.param(lambda p: None, "no such calibration folder", id="no-folder"),
    pytest.param(lambda p: (p / "cal").mkdir(), "no posterior yet", id="not-run-yet"),
    pytest.param(lambda p: (write_calibration(p / "cal", [1, 1, 1]) / CALIBRATION_FILE).write_text("{"),
                 "unreadable calibration files", id="unreadable"),
    pytest.param(lambda p: write_calibration(p / "cal", [1, 1, 1], [*KEYS, "parameters.phones.nope"]),
                 "is not a scenario key", id="bad-key"),
])
def test_a_missing_or_bad_posterior_is_one_clear_line(tmp_path: Path, setup, message: str) -> None:
    setup(tmp_path)
    with pytest.raises(SpecError) as err:
        posterior_ensemble(str(tmp_path / "cal"), 3, seed=0)
    assert message in str(err.value) and len(str(err.value).splitlines()) == 1
