"""Sensitivity specs: defaults read at run time, one clear line per mistake, and the plan's cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from infosim.data import parameter_ranges
from infosim.errors import SpecError
from infosim.sensitivity.plan import Block, SensitivityPlan, needed_outputs, uncertainty
from infosim.sensitivity.spec import load_sensitivity_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"morris": {"trajectorie": 3}}, "key morris.trajectorie: unknown key; allowed here: levels, max_params"),
        ({"bogus": 1}, "key bogus: unknown key; allowed here: baseline, confidence"),
        ({"metrics": ["nope"]}, "key metrics: unknown metric 'nope'; known: voucher_multiplier"),
        ({"metrics": [{"name": "voucher_multiplier", "scen": "a"}]},
         "key metrics.0.scen: unknown key; allowed here: baseline, name, scenario"),
        ({"sobol": {"samples": 100}}, "key sobol.samples: must be a power of 2 (got 100; try 64 or 128)"),
        ({"horizon": "2021-13"}, "key horizon: expected 'end' or a month 'YYYY-MM'"),
        ({"parameters": ["parameters.nope.*"]}, "key parameters: 'parameters.nope.*' matches no parameter"),
        ({"levels": [{"outcome": "zzz"}]}, "key levels: unknown outcome 'zzz'"),
        ({"replicate_check": {"pool": 10, "n": [5]}}, "n must be between 2 and pool / 4 = 2"),
        ({"constants": {"parameters.phones.lifemonths": 3}}, "not a scenario key: 'lifemonths' is not a key"),
        ({"replicates": 0}, "key replicates: Input should be greater than or equal to 1"),
    ],
    ids=["nested-typo", "top-typo", "metric", "metric-table", "power-of-2", "horizon", "parameter-glob",
         "level-outcome", "coverage-n", "constant-key", "replicates"],
)
def test_bad_specs_name_the_file_and_key(raw: dict, message: str) -> None:
    with pytest.raises(SpecError) as exc:
        spec_from_dict({"name": "x", **raw}, "f.toml")
    text = str(exc.value)
    assert text.startswith("f.toml: key ") and message in text
    assert len(text.splitlines()) == 1


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such spec file"):
        load_sensitivity_spec(tmp_path / "nope.toml")


def test_parameters_default_to_every_documented_range(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_from_dict({"name": "x"})
    assert spec.parameter_keys() == list(parameter_ranges())
    # read at run time: a parameter added to the ranges joins without touching the spec
    from infosim.data import ParameterRange

    extra = {**parameter_ranges(), "parameters.phones.extra": ParameterRange("parameters.phones.extra", 0, 1)}
    monkeypatch.setattr("infosim.data.parameter_ranges", lambda: extra)
    assert spec.parameter_keys()[-1] == "parameters.phones.extra"


def test_parameter_globs_and_exclusions() -> None:
    spec = spec_from_dict({"name": "x", "parameters": ["parameters.enterprises.*", "parameters.phones.life_*"],
                           "exclude": ["*.star_hazard_factor"]})
    assert spec.parameter_keys() == [
        "parameters.phones.life_months", "parameters.phones.life_shape", "parameters.enterprises.base_hazard",
        "parameters.enterprises.peer_weight", "parameters.enterprises.net_cost_coef",
        "parameters.enterprises.net_cost_clip"]


def test_uncertainty_declarations_follow_the_ranges() -> None:
    assert uncertainty("parameters.spending.topup_exponent")["distribution"] == "loguniform"
    assert uncertainty("parameters.network.degree") == {"range": [4, 16], "integer": True}
    assert uncertainty("parameters.phones.life_months") == {"range": [30, 54]}


def test_the_shipped_spec_plans_both_stages() -> None:
    path = ROOT / "experiments" / "sensitivity_jiangsu_2020.toml"
    plan = SensitivityPlan(load_sensitivity_spec(path), path)
    d = len(parameter_ranges())
    assert plan.parameters == list(parameter_ranges())
    assert plan.scenarios[0] == "baseline" and len(plan.scenarios) == 6
    assert plan.morris_runs() == 6 * plan.spec.morris.trajectories * (d + 1) * 1
    # the calibrated parameters are sampled over the shipped calibration's posterior interval
    from infosim.calibration.posterior import load_posterior

    post = load_posterior(ROOT / "calibration" / "jiangsu_2020")
    assert set(plan.posterior_parameters) == set(post.parameters) & set(plan.parameters)
    for key in plan.posterior_parameters:
        r = plan.ranges[key]
        assert r.prior_low <= r.low < r.high <= r.prior_high
        assert r.low == pytest.approx(max(r.prior_low, post.quantile(key, 0.05)))
    assert [o.id for o in plan.outcomes][-1] == "users_5g_network@baseline"
    assert "fiscal_spend_vouchers_yuan" in needed_outputs(plan.outcomes)
    exp = plan.morris_experiment()
    assert exp.n_runs == plan.morris_runs()
    assert exp.spec.design == "morris" and exp.spec.replicates == 1
    plan.check_horizon()


def test_blocks_follow_the_selection() -> None:
    spec = spec_from_dict({"name": "x", "metrics": ["voucher_multiplier", "voucher_share_bottom_40",
                                                    "buildout_5g_network_users"],
                           "morris": {"max_params": 2}, "sobol": {"samples": 8, "second_order_max_params": 2}})
    plan = SensitivityPlan(spec)
    a, b, c = "parameters.a", "parameters.b", "parameters.c"
    blocks = plan.blocks(
        {"voucher_multiplier": [a, b], "voucher_share_bottom_40": [c], "buildout_5g_network_users": [a]},
        {"voucher_multiplier": {a: 1.0, b: 0.2}, "voucher_share_bottom_40": {c: 1.0},
         "buildout_5g_network_users": {a: 1.0}},
    )
    assert blocks[0] == Block("vouchers_only", ("baseline", "vouchers_only"),
                              ("voucher_multiplier", "voucher_share_bottom_40"), (a, c), (b,), True)
    assert blocks[1].parameters == (a,) and not blocks[1].second_order  # one parameter: no pairs
    assert plan.sobol_runs(blocks) == 2 * 8 * 6 * 2 + 2 * 8 * 3 * 2


def test_months_must_reach_the_horizon() -> None:
    plan = SensitivityPlan(spec_from_dict({"name": "x", "months": 12, "metrics": ["voucher_multiplier"]}))
    with pytest.raises(SpecError, match="end 2020-12, before the horizon 2021-12"):
        plan.check_horizon()
