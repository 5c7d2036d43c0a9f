"""Override keys that address list elements: `levers.vouchers.waves[0].face_value_yuan=50`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infosim.errors import ScenarioError, SpecError
from infosim.experiments import Experiment
from infosim.scenario import apply_overrides, load_scenario, parse_override
from infosim.scenario.loader import EVERY, key_parts, key_text, set_path

REPO = Path(__file__).resolve().parents[2]
FACE0 = "levers.vouchers.waves[0].face_value_yuan"


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("run.months", ["run", "months"]),
        (FACE0, ["levers", "vouchers", "waves", 0, "face_value_yuan"]),
        ("a.b[2][10].c", ["a", "b", 2, 10, "c"]),
        ("levers.buildout.target_new_stations.2021", ["levers", "buildout", "target_new_stations", "2021"]),
    ],
    ids=["plain", "wave-field", "nested-lists", "numeric-table-key"],
)
def test_key_parts_round_trip(key: str, parts: list) -> None:
    assert key_parts(key) == parts
    assert key_text(parts) == key


@pytest.mark.parametrize(
    "key", ["a..b", "waves[x].face", "waves[-1].face", "waves[0", "waves]0[", ".a", "a."],
    ids=["empty-part", "letter-index", "negative-index", "unclosed", "reversed", "leading-dot", "trailing-dot"],
)
def test_malformed_keys_are_one_clear_line(key: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_override(f"{key}=1")
    text = str(err.value)
    assert "\n" not in text and key in text and "waves[0]" in text


def test_set_override_changes_only_the_addressed_wave() -> None:
    assert parse_override(f"{FACE0}=50") == (FACE0, 50)
    base = load_scenario("jiangsu_2020")
    sc = load_scenario("jiangsu_2020", [f"{FACE0}=50", "levers.vouchers.waves[2].min_spend_yuan=0"])
    waves, before = sc.levers.vouchers.waves, base.levers.vouchers.waves
    assert (waves[0].face_value_yuan, waves[0].min_spend_yuan) == (50.0, before[0].min_spend_yuan)
    assert waves[1] == before[1]
    assert (waves[2].face_value_yuan, waves[2].min_spend_yuan) == (before[2].face_value_yuan, 0.0)
    assert before[0].face_value_yuan == 100.0  # the loaded original is untouched


def test_dict_override_and_whole_element() -> None:
    base = load_scenario("jiangsu_2020")
    sc = apply_overrides(base, {"levers.vouchers.waves[1].vouchers": 123, FACE0: 60})
    assert sc.levers.vouchers.waves[1].vouchers == 123
    assert sc.levers.vouchers.waves[0].face_value_yuan == 60
    wave = {"month": "2020-06", "face_value_yuan": 30, "min_spend_yuan": 0, "vouchers": 10}
    sc = apply_overrides(base, {"levers.vouchers.waves[2]": wave})
    assert sc.levers.vouchers.waves[2].month == "2020-06" and sc.levers.vouchers.waves[2].window_months == 2
    assert base.levers.vouchers.waves[2].month == "2021-05"


@pytest.mark.parametrize(
    ("key", "fragments"),
    [
        ("levers.vouchers.waves[3].face_value_yuan", ["index 3 is out of range", "has 3 element(s)", "0-2"]),
        ("levers.vouchers.claim_share[0]", ["levers.vouchers.claim_share is a value, not a list"]),
        ("levers.vouchers[0].claim_share", ["levers.vouchers is a table, not a list"]),
        ("levers.vouchers.waves.face_value_yuan", ["is a list of 3 element(s)", "levers.vouchers.waves[0]"]),
    ],
    ids=["out-of-range", "index-a-value", "index-a-table", "list-without-index"],
)
def test_bad_index_is_one_line_naming_key_and_length(key: str, fragments: list[str]) -> None:
    base = load_scenario("jiangsu_2020")
    with pytest.raises(ScenarioError) as err:
        apply_overrides(base, {key: 1})
    text = str(err.value)
    assert "\n" not in text and key in text
    for fragment in fragments:
        assert fragment in text


def test_indexing_a_list_the_scenario_does_not_set() -> None:
    with pytest.raises(ScenarioError, match=r"waves is not set in this scenario, so it has no element \[0\]"):
        load_scenario("baseline", [f"{FACE0}=50"])
    # after the model has been validated the list exists (empty): the length is named
    with pytest.raises(ScenarioError, match=r"index 0 is out of range: levers.vouchers.waves has 0 element"):
        apply_overrides(load_scenario("baseline"), {FACE0: 50})


def test_value_still_validated_after_indexing() -> None:
    with pytest.raises(ScenarioError, match=r"levers.vouchers.waves.0.face_value_yuan"):
        load_scenario("jiangsu_2020", [f"{FACE0}=-5"])


def test_set_path_on_nested_lists() -> None:
    raw = {"a": {"b": [[1, 2], [3]]}}
    set_path(raw, "a.b[0][1]", 9)
    assert raw == {"a": {"b": [[1, 9], [3]]}}
    with pytest.raises(ScenarioError, match=r"a.b\[1\] has 1 element\(s\) \(indexes 0-0\)"):
        set_path(raw, "a.b[1][1]", 0)


def test_sweep_spec_varies_one_wave() -> None:
    exp = Experiment.sweep(
        "wave0",
        ["jiangsu_2020"],
        levers={FACE0: {"values": [50, 200]}, "levers.vouchers.waves[1].min_spend_yuan": {"values": [0]}},
        households=1000,
        months=3,
    )
    tasks = list(exp.tasks())
    faces = sorted(t.scenario_data["levers"]["vouchers"]["waves"][0]["face_value_yuan"] for t in tasks)
    assert faces == [50.0, 200.0]
    assert {t.scenario_data["levers"]["vouchers"]["waves"][1]["min_spend_yuan"] for t in tasks} == {0.0}
    assert {t.scenario_data["levers"]["vouchers"]["waves"][1]["face_value_yuan"] for t in tasks} == {100.0}


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("levers.vouchers.waves[7].face_value_yuan", "index 7 is out of range"),
        ("levers.vouchers.claim_share[0]", "not a list"),
        ("levers.vouchers.waves[0].face", "'face' is not a key of levers.vouchers.waves[0]"),
    ],
    ids=["out-of-range", "not-a-list", "unknown-field"],
)
def test_sweep_spec_bad_index_is_a_spec_error(key: str, fragment: str) -> None:
    with pytest.raises(SpecError) as err:
        exp = Experiment.sweep("bad", ["jiangsu_2020"], levers={key: {"values": [50]}}, households=1000, months=3)
        exp.validate()
    assert fragment in str(err.value)


def test_cli_set_with_index_and_error_exit_code() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", "scenarios", "show", "jiangsu_2020", "--set", f"{FACE0}=50"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert '"face_value_yuan": 50.0' in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", "scenarios", "show", "jiangsu_2020", "--set",
         "levers.vouchers.waves[9].face_value_yuan=50"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "index 9 is out of range" in lines[0] and "has 3 element(s)" in lines[0]


def test_every_element_wildcard() -> None:
    base = load_scenario("jiangsu_2020")
    assert key_parts("levers.vouchers.waves[*].face_value_yuan")[3] is EVERY
    assert key_text(key_parts("levers.vouchers.waves[*].face_value_yuan")) == "levers.vouchers.waves[*].face_value_yuan"
    sc = load_scenario("jiangsu_2020", ["levers.vouchers.waves[*].face_value_yuan=40"])
    assert [w.face_value_yuan for w in sc.levers.vouchers.waves] == [40.0, 40.0, 40.0]
    assert [w.vouchers for w in sc.levers.vouchers.waves] == [w.vouchers for w in base.levers.vouchers.waves]
    with pytest.raises(ScenarioError, match=r"levers.vouchers.waves has 0 elements, so \[\*\] sets nothing"):
        apply_overrides(load_scenario("baseline"), {"levers.vouchers.waves[*].face_value_yuan": 40})
    # the wildcard validates every element: one bad wave is reported by its index
    with pytest.raises(ScenarioError, match=r"levers.vouchers.waves.0"):
        apply_overrides(base, {"levers.vouchers.waves[*].min_spend_yuan": 50})
