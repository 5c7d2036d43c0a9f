"""Scenario files: extends, overrides, and clear errors naming the file, the key and what is allowed."""

from pathlib import Path

import pytest

from infosim.errors import ScenarioError
from infosim.scenario import apply_overrides, list_scenarios, load_scenario, parse_override

REQUIRED = {
    "baseline",
    "jiangsu_2020",
    "vouchers_only",
    "terminal_subsidy_only",
    "cloud_incentive_only",
    "buildout_only",
    "vouchers_targeted",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_required_scenarios_are_shipped_and_valid() -> None:
    found = list_scenarios()
    assert set(found) >= REQUIRED
    for name in REQUIRED:
        assert load_scenario(name).name == name


def test_extends_overrides_only_what_differs() -> None:
    base, targeted, universal = (load_scenario(n) for n in ("baseline", "vouchers_targeted", "vouchers_only"))
    assert targeted.levers.vouchers.eligibility == "rural_or_elderly"
    assert universal.levers.vouchers.eligibility == "all"
    assert targeted.levers.vouchers.budget_yuan == universal.levers.vouchers.budget_yuan == 5.0e8
    assert targeted.levers.vouchers.waves == universal.levers.vouchers.waves
    assert targeted.parameters == base.parameters
    assert not targeted.levers.terminal_subsidy.enabled


def test_set_overrides_parse_toml_values() -> None:
    assert parse_override("run.months=12") == ("run.months", 12)
    assert parse_override("levers.vouchers.eligibility=rural") == ("levers.vouchers.eligibility", "rural")
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])
    sc = load_scenario("jiangsu_2020", ["levers.vouchers.claim_share=0.25", "run.months=12"])
    assert sc.levers.vouchers.claim_share == 0.25
    assert sc.run.months == 12
    again = apply_overrides(sc, {"levers.vouchers.enabled": False})
    assert not again.levers.vouchers.enabled and sc.levers.vouchers.enabled


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            'name = "x"\n[levers.vouchers]\nclaim_shar = 0.5\n',
            ["levers.vouchers.claim_shar", "unknown key", "claim_share"],
        ),
        ('name = "x"\n[run]\nmonths = "many"\n', ["run.months", "integer"]),
        ('name = "x"\n[run]\nmonths = 1000\n', ["run.months", "less than or equal to 240"]),
        (
            'name = "x"\n[levers.vouchers]\neligibility = "students"\n',
            ["levers.vouchers.eligibility", "'all'", "'rural_or_elderly'"],
        ),
        (
            'name = "x"\n[levers.gigabit]\npilot_cities = ["Shanghai"]\n',
            ["levers.gigabit.pilot_cities", "Shanghai", "Nanjing"],
        ),
        (
            'name = "x"\n[levers.vouchers]\nwaves = [{month = "2020-13", face_value_yuan = 1, '
            "min_spend_yuan = 0, vouchers = 1}]\n",
            ["levers.vouchers.waves.0.month", "YYYY"],
        ),
        (
            'name = "x"\n[levers.terminal_subsidy]\nstart = "2021-01"\nend = "2020-01"\n',
            ["levers.terminal_subsidy", "before start"],
        ),
        ('name = "x"\nlevers = 3\n', ["levers"]),
        ('name = "x"\n[run\n', ["not valid TOML"]),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "out-of-range",
        "bad-choice",
        "bad-city",
        "bad-month",
        "end-before-start",
        "table-expected",
        "toml-syntax",
    ],
)
def test_bad_scenarios_are_rejected_with_file_key_and_allowed(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, "bad", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a", 'name = "a"\nextends = "b"\n')
    b = write(tmp_path, "b", 'name = "b"\nextends = "a"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(b)


def test_unknown_scenario_lists_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"known: .*baseline"):
        load_scenario("no_such_scenario")


def test_bad_override_names_key() -> None:
    with pytest.raises(ScenarioError, match=r"levers\.vouchers\.face"):
        load_scenario("vouchers_only", ["levers.vouchers.face=3"])
    with pytest.raises(ScenarioError, match=r"expected key\.path=value"):
        load_scenario("vouchers_only", ["novalue"])


@pytest.mark.parametrize(
    "key",
    [
        "parameters.home.tv4k_price_yuan",
        "parameters.home.smart_home_price_yuan",
        "parameters.home.broadband_gigabit_yuan",
        "parameters.phones.price_5g_2020_yuan",
        "parameters.phones.price_5g_floor_yuan",
    ],
)
def test_a_list_price_the_model_divides_by_must_be_positive(key: str) -> None:
    """A zero list price made the net/list price ratio infinite and the product silently unsellable
    (found by the property test); it is now refused, naming the key."""
    with pytest.raises(ScenarioError, match=rf"{key.replace('.', r'\.')}: Input should be greater than 0"):
        load_scenario("baseline", [f"{key}=0"])
    assert load_scenario("baseline", [f"{key}=1"]) is not None
