"""Scenarios compose: a lever's 2020 sizing lives in one file included by name; each value knows its
source; the search path (package, folders given, $INFOSIM_SCENARIO_PATH, ./scenarios) is explicit."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from infosim.errors import ScenarioError
from infosim.scenario import (
    ENV_VAR,
    configure,
    explain_scenario,
    list_scenarios,
    load_scenario,
    scenario_files,
    scenario_sources,
    settings,
)
from infosim.scenario.loader import validate_raw

ROOT = Path(__file__).resolve().parents[2]
BEFORE = json.loads((Path(__file__).with_name("data") / "resolved_before_compose.json").read_text())


#: Scenarios added after the snapshot (each extends a snapshotted one).
ADDED_LATER = {"jiangsu_2020_trade_in_2025"}


def with_later_changes(node: object) -> object:
    """The snapshot with the deliberate changes made since, so everything else is compared:
    a lever's clause is no longer scenario data (a constant of its module); operators' target
    compliance became a parameter (parameters.operators); vouchers can also pay for routine goods."""
    if isinstance(node, dict):
        out = {k: with_later_changes(v) for k, v in node.items() if k not in ("clause", "target_compliance")}
        if out.get("products") == ["phone5g", "smart_home", "tv4k", "gigabit"] and "waves" in out:
            out["products"] = [*out["products"], "goods"]
        return out
    if isinstance(node, list):
        return [with_later_changes(v) for v in node]
    return node


def with_calibrated_parameters(raw: dict) -> dict:
    """The snapshot at the calibrated point: the baseline (so every shipped scenario) now includes
    scenarios/parameters/calibrated.toml, the calibration's point estimate."""
    calibrated = tomllib.loads((ROOT / "scenarios" / "parameters" / "calibrated.toml").read_text())
    out = json.loads(json.dumps(raw))
    for group, values in calibrated["parameters"].items():
        out.setdefault("parameters", {}).setdefault(group, {}).update(values)
    return out


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_shipped_scenarios_resolve_as_before_the_includes(name: str) -> None:
    """The merged documents saved before the lever sizings moved into scenarios/levers/, with the
    later deliberate changes, validated with today's schema, equal today's scenarios."""
    raw = with_calibrated_parameters(with_later_changes(BEFORE[name]))
    before = validate_raw(raw, f"before:{name}").model_dump(mode="json")
    assert load_scenario(name).model_dump(mode="json") == before


def test_every_shipped_scenario_was_snapshotted() -> None:
    assert set(list_scenarios()) - ADDED_LATER == set(BEFORE)


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    """A copy of the shipped scenarios folder (files resolve their includes beside themselves)."""
    return Path(shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios"))


def test_one_edit_of_a_lever_sizing_moves_every_scenario_that_uses_it(scenario_copy: Path) -> None:
    sizing = scenario_copy / "levers" / "vouchers_2020.toml"
    sizing.write_text(sizing.read_text().replace("claim_share = 0.6", "claim_share = 0.35"))
    for name in ("jiangsu_2020", "vouchers_only", "vouchers_targeted"):
        assert load_scenario(scenario_copy / f"{name}.toml").levers.vouchers.claim_share == 0.35, name
    assert load_scenario(scenario_copy / "terminal_subsidy_only.toml").levers.vouchers.claim_share == 0.6  # default
    shipped = load_scenario("jiangsu_2020")
    assert shipped.levers.vouchers.claim_share == 0.6


@pytest.mark.parametrize(
    ("lever", "scenarios"),
    [
        ("buildout", ["jiangsu_2020", "buildout_only"]),
        ("gigabit", ["jiangsu_2020"]),
        ("terminal_subsidy", ["jiangsu_2020", "terminal_subsidy_only"]),
        ("vouchers", ["jiangsu_2020", "vouchers_only", "vouchers_targeted"]),
        ("cloud_incentive", ["jiangsu_2020", "cloud_incentive_only"]),
        ("awareness", ["jiangsu_2020"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(v),
)
def test_each_lever_sizing_is_one_file(lever: str, scenarios: list[str]) -> None:
    sizing = ROOT / "scenarios" / "levers" / f"{lever}_2020.toml"
    for name in scenarios:
        assert sizing.resolve() in scenario_files(name), name
        _, sources = explain_scenario(name)
        assert sources[f"levers.{lever}.enabled"] == str(sizing.resolve())
    others = [n for n in list_scenarios() if n not in scenarios and n not in ADDED_LATER]
    for name in others:
        assert sizing.resolve() not in scenario_files(name), name


def test_show_says_where_each_value_came_from(tmp_path: Path) -> None:
    scenario, sources = explain_scenario("vouchers_targeted", ["levers.vouchers.claim_share=0.5"])
    shipped = ROOT / "scenarios"
    assert scenario.levers.vouchers.claim_share == 0.5
    assert sources["levers.vouchers.claim_share"] == "--set"
    assert sources["levers.vouchers.eligibility"] == str((shipped / "vouchers_targeted.toml").resolve())
    assert sources["levers.vouchers.waves"] == str((shipped / "levers" / "vouchers_2020.toml").resolve())
    assert sources["run.households"] == str((shipped / "baseline.toml").resolve())
    assert sources["parameters.phones.life_months"] == str((shipped / "parameters" / "calibrated.toml").resolve())
    assert sources["parameters.phones.life_shape"] == "default"
    (tmp_path / "noname.toml").write_text('extends = "baseline"\n')
    assert explain_scenario(tmp_path / "noname.toml")[1]["name"] == "file name"


def test_cli_show_prints_each_value_with_its_source(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", "scenarios", "show", "vouchers_targeted", "--set",
         "run.months=12"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = {line.split(" = ")[0]: line for line in proc.stdout.splitlines()}
    assert lines["run.months"].endswith("# --set")
    assert lines["levers.vouchers.eligibility"].endswith("# vouchers_targeted.toml (package)")
    assert lines["levers.vouchers.claim_share"].endswith("# levers/vouchers_2020.toml (package)")
    assert lines["parameters.phones.life_months"].endswith("# parameters/calibrated.toml (package)")
    assert lines["parameters.phones.life_shape"].endswith("# default")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_merge_order_parent_then_includes_then_own_keys(tmp_path: Path) -> None:
    write(tmp_path, "parts/a", "[levers.vouchers]\nclaim_share = 0.1\nbudget_yuan = 1.0\n")
    write(tmp_path, "parts/b", "[levers.vouchers]\nclaim_share = 0.2\n")
    write(tmp_path, "parent", 'name = "parent"\n[levers.vouchers]\nclaim_share = 0.05\nlow_income_quintiles = 3\n')
    child = write(
        tmp_path,
        "child",
        'name = "child"\nextends = "parent"\ninclude = ["parts/a", "parts/b"]\n[levers.vouchers]\nbudget_yuan = 2.0\n',
    )
    sc, sources = explain_scenario(child)
    v = sc.levers.vouchers
    assert (v.claim_share, v.budget_yuan, v.low_income_quintiles) == (0.2, 2.0, 3)
    assert sources["levers.vouchers.claim_share"].endswith("parts/b.toml")
    assert sources["levers.vouchers.budget_yuan"].endswith("child.toml")
    assert sources["levers.vouchers.low_income_quintiles"].endswith("parent.toml")


@pytest.mark.parametrize(
    ("include_text", "fragment"),
    [
        ('include = "parts/a"', "key include: must be a list"),
        ('include = ["parts/missing"]', "key include[0]: no scenario 'parts/missing'"),
        ('include = ["parts/named"]', "an included file holds sections only"),
        ('include = ["parts/loop"]', "form a cycle"),
        ('include = ["/etc/hosts.toml"]', "absolute path"),
        ('include = ["parts/../../x.toml"]', "leads outside"),
        ("include = [3]", "got a int"),
    ],
    ids=["not-a-list", "missing", "named-fragment", "cycle", "absolute", "dotdot", "not-a-string"],
)
def test_bad_includes_name_the_file_and_key(tmp_path: Path, include_text: str, fragment: str) -> None:
    folder = tmp_path / "s"
    write(folder, "parts/a", "[run]\nmonths = 12\n")
    write(folder, "parts/named", 'name = "oops"\n[run]\nmonths = 12\n')
    write(folder, "parts/loop", 'include = ["loop2"]\n')
    write(folder, "parts/loop2", 'include = ["loop"]\n')
    write(tmp_path, "x", "[run]\nmonths = 3\n")
    child = write(folder, "child", f'name = "child"\nextends = "baseline"\n{include_text}\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert fragment in str(info.value)


def test_relative_toml_paths_inside_the_folder_are_allowed(tmp_path: Path) -> None:
    write(tmp_path, "parts/a", "[run]\nmonths = 12\n")
    child = write(tmp_path, "child", 'name = "child"\nextends = "baseline"\ninclude = ["./parts/a.toml"]\n')
    assert load_scenario(child).run.months == 12


# ----------------------------------------------------------------------------------------- search path
def test_search_path_order_and_origins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opt, env, cwd = tmp_path / "opt", tmp_path / "env", tmp_path / "cwd"
    write(opt, "mine", 'name = "mine"\nextends = "baseline"\n[run]\nmonths = 1\n')
    write(env, "mine", 'name = "mine"\nextends = "baseline"\n[run]\nmonths = 2\n')
    write(env, "from_env", 'name = "from_env"\nextends = "baseline"\n')
    write(cwd / "scenarios", "local", 'name = "local"\nextends = "baseline"\n')
    monkeypatch.setenv(ENV_VAR, str(env))
    monkeypatch.chdir(cwd)
    with settings([opt]):
        found = scenario_sources()
        assert load_scenario("mine").run.months == 1
    assert (found["mine"].origin, found["mine"].shadows) == ("--scenarios", (ENV_VAR,))
    assert found["from_env"].origin == ENV_VAR
    assert found["local"].origin == "current folder"
    assert found["baseline"].origin == "package"
    assert load_scenario("mine").run.months == 2  # without the option, the env var's folder wins


def test_unknown_scenario_lists_the_folders_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match=r"unknown scenario 'nope'; known: .*baseline.*folders searched: .*package"):
        load_scenario("nope")


def test_missing_scenarios_folder_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="--scenarios /no/such/folder: no such folder"):
        configure(["/no/such/folder"])
