"""Optimisation specs: what loads, and bad input as one line naming the key (checked before anything runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infosim.errors import SpecError
from infosim.optimise.run import OptimisationPlan
from infosim.optimise.spec import load_optimise_spec, spec_from_dict

BASE = {
    "name": "t", "base": "jiangsu_2020", "households": 1000, "months": 24,
    "budget": {"total_yuan": "base"},
    "variables": {"levers.vouchers.budget_yuan": {"share": [0, 1]},
                  "levers.cloud_incentive.budget_yuan": {"share": [0, 1]}},
    "objectives": [{"metric": "extra_consumption", "direction": "max"}],
}


def spec(**changes) -> dict:
    raw = {**BASE, **changes}
    return {k: v for k, v in raw.items() if v is not None}


def test_a_valid_spec_loads_with_its_defaults() -> None:
    s = spec_from_dict(spec())
    assert s.share_keys() == ["levers.vouchers.budget_yuan", "levers.cloud_incentive.budget_yuan"]
    assert (s.algorithm_name, s.algorithm.population, s.draws, s.ensemble) == ("nsga2", 36, 8, "prior")


@pytest.mark.parametrize(("objectives", "algorithm"), [
    pytest.param(["extra_consumption"], "nsga2", id="one"),
    pytest.param(["extra_consumption", "extra_5g_network_users", "public_money"], "nsga2", id="three"),
    pytest.param(["extra_consumption", "extra_5g_network_users", "public_money", "extra_core_cloud_firms"], "nsga3",
                 id="four"),
])
def test_the_algorithm_follows_the_number_of_objectives(objectives: list[str], algorithm: str) -> None:
    s = spec_from_dict(spec(objectives=[{"metric": m, "direction": "max"} for m in objectives]))
    assert s.algorithm_name == algorithm


BAD = [
    pytest.param({"populaton": 3}, "key populaton: unknown key; allowed here:", id="unknown-key"),
    pytest.param({"objectives": [{"metric": "happiness", "direction": "max"}]}, "unknown metric 'happiness'",
                 id="unknown-metric"),
    pytest.param({"objectives": [{"metric": "extra_consumption", "direction": "up"}]}, "key objectives.0.direction",
                 id="bad-direction"),
    pytest.param({"variables": {"levers.vouchers.claim_share": {"share": [0, 1]}}},
                 "share = [...] applies to levers.<lever>.budget_yuan keys only", id="share-not-budget"),
    pytest.param({"variables": {"parameters.phones.life_months": {"range": [30, 40]}}, "budget": None},
                 "decision variables are lever settings", id="parameter-as-decision"),
    pytest.param({"variables": {"levers.vouchers.claim_sharee": {"range": [0, 1]}}, "budget": None},
                 "not a scenario key", id="not-a-key"),
    pytest.param({"variables": {"levers.vouchers.end": {"shift_months": [0, 3]}}, "budget": None},
                 "shift_months = [...] applies to levers.<lever>.start keys only", id="shift-not-start"),
    pytest.param({"variables": {"levers.vouchers.budget_yuan": {"range": [0, 1e9]}}, "budget": None},
                 "use share = [low, high]", id="budget-as-range"),
    pytest.param({"variables": {"levers.vouchers.budget_yuan": {"share": [0.6, 1]},
                                "levers.cloud_incentive.budget_yuan": {"share": [0.5, 1]}}},
                 "share lower bounds sum to 1.1 > 1", id="lows-over-budget"),
    pytest.param({"variables": {"levers.vouchers.budget_yuan": {"share": [0, 0.4]},
                                "levers.cloud_incentive.budget_yuan": {"share": [0, 0.5]}}},
                 "spend = 'all' but the share upper bounds sum to 0.9", id="highs-under-all"),
    pytest.param({"budget": None}, "need a [budget] table", id="no-budget"),
    pytest.param({"variables": {"levers.vouchers.claim_share": {"range": [0.2, 0.1]}}, "budget": None},
                 "low < high", id="empty-range"),
    pytest.param({"variables": {"levers.vouchers.claim_share": {"range": [0.1, 0.2], "values": [1]}},
                  "budget": None}, "give exactly one of", id="two-kinds"),
    pytest.param({"objectives": [{"metric": "extra_consumption", "direction": "max"}] * 2}, "more than once",
                 id="duplicate-objective"),
    pytest.param({"ensemble": "posterior"}, "expected 'prior' or 'posterior:<calibration folder>'", id="ensemble"),
    pytest.param({"ensemble_parameters": ["parameters.nothing.*"]}, "matches no parameter", id="no-parameter"),
    pytest.param({"constants": {"levers.vouchers.budget_yuan": 1.0}}, "is also a decision variable",
                 id="constant-and-variable"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_specs_name_the_key(changes: dict, message: str) -> None:
    with pytest.raises(SpecError) as err:
        spec_from_dict(spec(**changes), "my.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("my.toml: ")


PLAN_BAD = [
    pytest.param({"base": "vouchers_only"}, "levers.cloud_incentive is off in the base scenario", id="lever-off"),
    pytest.param({"base": "baseline", "budget": None,
                  "variables": {"levers.vouchers.claim_share": {"range": [0.1, 0.9]}}},
                 "the base 'baseline' is the baseline itself", id="base-is-baseline"),
    pytest.param({"base": "no_such_scenario"}, "key base (no_such_scenario): unknown scenario", id="unknown-base"),
    pytest.param({"months": 6}, "before the horizon 2021-12; raise months", id="horizon"),
    pytest.param({"variables": {**BASE["variables"],
                                "levers.vouchers.waves[*].face_value_yuan": {"range": [100, 900]}}},
                 "900.0 does not give a valid scenario", id="bound-invalid"),
]


@pytest.mark.parametrize(("changes", "message"), PLAN_BAD)
def test_specs_the_scenarios_reject_fail_before_anything_runs(changes: dict, message: str) -> None:
    with pytest.raises(SpecError) as err:
        OptimisationPlan(spec_from_dict(spec(**changes)), None)
    assert message in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_load_applies_command_line_changes(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('base = "jiangsu_2020"\n[variables."levers.vouchers.claim_share"]\nrange = [0.2, 0.8]\n'
                    '[[objectives]]\nmetric = "extra_consumption"\ndirection = "max"\n')
    s = load_optimise_spec(path, population=8, generations=2, draws=3, seed=None)
    assert (s.name, s.algorithm.population, s.algorithm.generations, s.draws, s.seed) == ("s", 8, 2, 3, 0)
