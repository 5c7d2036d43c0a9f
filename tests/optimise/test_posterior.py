"""A search on posterior draws of a real (tiny) calibration made by `infosim calibrate`: every
candidate runs on the calibration's own resampled particles, recorded in the ensemble table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from infosim.calibration import load_posterior
from infosim.optimise import load_optimisation, optimise
from infosim.optimise.spec import spec_from_dict

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).resolve().parents[1] / "calibration" / "fixtures" / "tiny.toml"


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calib") / "tiny"
    proc = subprocess.run([sys.executable, "-m", "infosim.interfaces.cli", "calibrate", str(FIXTURE), "--out", str(out),
                           "--executor", "serial", "--no-progress"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return out


def test_a_search_on_posterior_draws(calibration: Path, tmp_path: Path) -> None:
    raw = {"name": "post", "base": "jiangsu_2020", "seed": 3, "households": 300, "months": 12, "horizon": "2020-12",
           "draws": 3, "ensemble": f"posterior:{calibration}", "constants": {"run.enterprises": 1000},
           "variables": {"levers.vouchers.eligibility": {"values": ["all", "low_income"]},
                         "levers.vouchers.waves[*].face_value_yuan": {"range": [50, 200], "integer": True}},
           "objectives": [{"metric": "extra_consumption", "direction": "max"}],
           "algorithm": {"population": 4, "generations": 2}, "write_back": {"policies": "none"}}
    folder = optimise(spec_from_dict(raw), tmp_path / "out", executor="serial", progress=False, log=lambda _: None,
                      estimate_cost=False)
    res = load_optimisation(folder)
    post = load_posterior(calibration)
    draws = post.sample(3, seed=3)
    expected = pd.DataFrame([post.overrides(r) for _, r in draws.iterrows()])
    got = res.ensemble[post.parameters].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)  # the calibration's own draws, in order
    assert res.meta["definition"]["ensemble"]["source"] == f"posterior:{calibration}"
    assert set(res.values["draw"]) == {0, 1, 2} and res.values["value"].notna().all()
    assert res.finished and len(res.pareto) >= 1
