"""Sampled ranges: the prior ranges, or a calibration's posterior 5-95% interval for the calibrated
parameters (``ranges = "posterior:<folder>"``), in the designs, the stored definition and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.calibration.posterior import load_posterior, priors_to_json
from infosim.calibration.priors import Prior
from infosim.data import parameter_ranges
from infosim.errors import SpecError
from infosim.sensitivity.plan import SensitivityPlan
from infosim.sensitivity.ranges import sampling_ranges
from infosim.sensitivity.report import ranges_sentence
from infosim.sensitivity.spec import load_sensitivity_spec, spec_from_dict

LIFE = "parameters.phones.life_months"      # calibrated, linear, prior 30-54
DEGREE = "parameters.network.degree"        # calibrated, integer, prior 4-16
TOPUP = "parameters.spending.topup_exponent"  # calibrated, log scale, prior 0.3-3
PRICE = "parameters.phones.price_4g_yuan"   # not calibrated: keeps its prior range
KEYS = [LIFE, DEGREE, TOPUP, PRICE]


def write_posterior(folder: Path, n: int = 400, seed: int = 3) -> Path:
    """A calibration folder as `infosim calibrate` leaves it (posterior.parquet, calibration.json),
    with weighted particles concentrated inside each prior."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    priors = [Prior(LIFE, "uniform", {"low": 30.0, "high": 54.0}),
              Prior(DEGREE, "uniform", {"low": 4.0, "high": 16.0}, integer=True),
              Prior(TOPUP, "loguniform", {"low": 0.3, "high": 3.0})]
    frame = pd.DataFrame({LIFE: rng.normal(42.0, 2.0, n), DEGREE: rng.integers(7, 11, n).astype(float),
                          TOPUP: np.exp(rng.normal(0.0, 0.2, n)), "weight": rng.uniform(0.5, 1.5, n)})
    frame.to_parquet(folder / "posterior.parquet")
    (folder / "calibration.json").write_text(json.dumps({"name": "tiny", "priors": priors_to_json(priors)}))
    return folder


@pytest.fixture
def calibration(tmp_path: Path) -> Path:
    return write_posterior(tmp_path / "calibration" / "tiny")


def spec(ranges: str, **changes) -> dict:
    return {"name": "r", "metrics": ["buildout_5g_network_users"], "parameters": KEYS, "ranges": ranges,
            "morris": {"trajectories": 20}, **changes}


@pytest.mark.parametrize(
    ("value", "folder"),
    [("prior", None), ("posterior:../calibration/jiangsu_2020", "../calibration/jiangsu_2020"),
     ("posterior: calib ", "calib")],
    ids=["prior", "posterior-relative", "posterior-stripped"],
)
def test_ranges_key_parses(value: str, folder: str | None) -> None:
    from infosim.sensitivity.ranges import posterior_folder

    assert spec_from_dict({"name": "x", "ranges": value}).ranges == value
    assert posterior_folder(value) == folder


def test_default_is_the_prior() -> None:
    plan = SensitivityPlan(spec_from_dict({"name": "x", "metrics": ["buildout_5g_network_users"]}))
    assert plan.posterior_parameters == []
    r = parameter_ranges()
    assert all((plan.ranges[k].low, plan.ranges[k].high) == (r[k].low, r[k].high) for k in plan.parameters)


@pytest.mark.parametrize(
    ("value", "message"),
    [("posterior", "key ranges: expected 'prior' or 'posterior:<calibration folder>'"),
     ("posterior:", "key ranges: expected 'prior' or 'posterior:<calibration folder>'"),
     ("uniform", "(got 'uniform')")],
    ids=["no-folder", "empty-folder", "unknown"],
)
def test_bad_ranges_value_is_one_line(value: str, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        spec_from_dict({"name": "x", "ranges": value}, "f.toml")
    text = str(exc.value)
    assert text.startswith("f.toml: key ranges: ") and message in text and len(text.splitlines()) == 1


def test_folder_without_posterior_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    path = tmp_path / "s.toml"
    path.write_text('name = "x"\nmetrics = ["buildout_5g_network_users"]\nranges = "posterior:empty"\n')
    with pytest.raises(SpecError) as exc:
        SensitivityPlan(load_sensitivity_spec(path), path)
    text = str(exc.value)
    assert text.startswith(f"{path}: key ranges: 'empty': ") and "no posterior here" in text
    assert "allowed: 'prior' or 'posterior:<calibration folder>'" in text and len(text.splitlines()) == 1


def test_calibrated_parameters_take_the_posterior_interval(calibration: Path) -> None:
    post = load_posterior(calibration)
    ranges = sampling_ranges(KEYS, f"posterior:{calibration}")
    q = {k: (post.quantile(k, 0.05), post.quantile(k, 0.95)) for k in post.parameters}
    assert (ranges[LIFE].low, ranges[LIFE].high) == pytest.approx(q[LIFE])
    assert 38 < ranges[LIFE].low < 40 and 44 < ranges[LIFE].high < 46  # N(42, 2): +/- 1.645 sd
    assert (ranges[DEGREE].low, ranges[DEGREE].high) == (7, 10) and ranges[DEGREE].integer
    assert ranges[TOPUP].scale == "log" and ranges[TOPUP].declaration()["distribution"] == "loguniform"
    assert (ranges[TOPUP].low, ranges[TOPUP].high) == pytest.approx(q[TOPUP])
    assert {k: r.origin for k, r in ranges.items()} == {LIFE: "posterior", DEGREE: "posterior",
                                                        TOPUP: "posterior", PRICE: "prior"}
    assert (ranges[PRICE].low, ranges[PRICE].high) == (parameter_ranges()[PRICE].low, parameter_ranges()[PRICE].high)
    assert "calibration 'tiny'" in ranges[LIFE].basis and ranges[LIFE].prior_low == 30


def test_designs_sample_the_posterior_interval_and_the_prior_range(calibration: Path) -> None:
    """The Morris and Sobol' designs: calibrated parameters inside their posterior interval (and
    spanning it), the uncalibrated one across its whole prior range."""
    path = calibration.parent.parent / "s.toml"
    path.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in spec("posterior:calibration/tiny").items()
                              if not isinstance(v, dict)) + "\n[morris]\ntrajectories = 20\n")
    plan = SensitivityPlan(load_sensitivity_spec(path), path)  # the folder is read from the spec's folder
    assert set(plan.posterior_parameters) == {LIFE, TOPUP, DEGREE}
    post = load_posterior(calibration)
    morris = plan.morris_experiment().design_table()
    block = plan.blocks({"buildout_5g_network_users": KEYS}, {})[0]
    sobol = plan.sobol_experiment(block).design_table()
    column = {LIFE: "phones_life_months", DEGREE: "network_degree", TOPUP: "spending_topup_exponent",
              PRICE: "phones_price_4g_yuan"}
    for design in (morris, sobol):
        for key in (LIFE, TOPUP):
            lo, hi = post.quantile(key, 0.05), post.quantile(key, 0.95)
            x = design[column[key]]
            assert x.min() >= lo - 1e-9 and x.max() <= hi + 1e-9, key
            assert x.min() < lo + 0.1 * (hi - lo) and x.max() > hi - 0.1 * (hi - lo), key
        assert set(design[column[DEGREE]]) <= set(range(7, 11))
        prior = parameter_ranges()[PRICE]
        x = design[column[PRICE]]
        assert x.min() < prior.low + 0.1 * (prior.high - prior.low)
        assert x.max() > prior.high - 0.1 * (prior.high - prior.low)


def test_definition_and_report_name_the_posterior_parameters(calibration: Path, tmp_path: Path) -> None:
    from infosim.sensitivity.run import SensitivityRun

    plan = SensitivityPlan(spec_from_dict(spec(f"posterior:{calibration}")))
    definition = SensitivityRun(plan, tmp_path / "out").definition()
    assert definition["parameters"][LIFE]["origin"] == "posterior"
    assert definition["parameters"][PRICE]["origin"] == "prior"
    text = ranges_sentence(definition)
    assert text.startswith("3 calibrated parameters over their weighted posterior 5-95% interval")
    assert "`phones.life_months`" in text and "`phones.price_4g_yuan`" not in text
    assert "the other 1 over their prior range" in text
    assert "3 of 4 parameters over their posterior 5-95% interval" in plan.describe()
