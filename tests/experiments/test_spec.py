"""Bad specs give one clear error naming the file, the key and what is allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infosim.errors import SpecError
from infosim.experiments import Experiment, load_spec

REPO = Path(__file__).resolve().parents[2]
GOOD = """\
name = "good"
scenarios = ["baseline"]
design = "lhs"
samples = 4
replicates = 2
seed = 2020
[uncertainties."parameters.phones.life_months"]
range = [30, 42]
[levers."levers.vouchers.claim_share"]
values = [0.4, 0.8]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_good_spec_loads(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.name == "good" and spec.samples == 4
    assert list(spec.levers) == ["levers.vouchers.claim_share"]


@pytest.mark.parametrize(
    "text,key,allowed",
    [
        ("replicate = 3\n" + GOOD, "key replicate:", "unknown key; allowed here: combine"),
        (
            GOOD.replace("phones.life_months", "phones.lifemonths"),
            'uncertainties."parameters.phones.lifemonths"',
            "allowed: choice_awareness_coef",
        ),
        (
            GOOD.replace("range = [30, 42]", "range = [42, 30]"),
            'uncertainties."parameters.phones.life_months"',
            "low < high",
        ),
        (
            GOOD.replace("range = [30, 42]", "rnge = [30, 42]"),
            'uncertainties."parameters.phones.life_months".rnge',
            "allowed here: distribution",
        ),
        (
            GOOD.replace('design = "lhs"', 'design = "halton"'),
            "key design",
            "'grid', 'lhs', 'sobol' or 'morris'",
        ),
        (GOOD.replace("samples = 4\n", ""), "spec.toml:", "needs 'samples'"),
        (
            GOOD.replace('design = "lhs"', 'design = "sobol"').replace("samples = 4", "samples = 6"),
            "spec.toml:",
            "power of 2 for design 'sobol' (got 6; try 4 or 8)",
        ),
        (
            GOOD.replace('design = "lhs"', 'design = "grid"').replace("samples = 4\n", ""),
            "spec.toml:",
            "needs 'values' or 'levels' for parameters.phones.life_months",
        ),
        (
            GOOD.replace("values = [0.4, 0.8]", "range = [0.4, 0.8]"),
            "spec.toml:",
            "levers levers.vouchers.claim_share need 'values' or 'levels'",
        ),
        (
            GOOD.replace("replicates = 2", "replicates = 0"),
            "key replicates",
            "greater than or equal to 1",
        ),
        (
            GOOD.replace("values = [0.4, 0.8]", 'values = [0.4, "high"]'),
            '"levers.vouchers.claim_share"',
            "values mix kinds",
        ),
        (
            GOOD + '[constants]\n"levers.vouchers.claim_share" = 0.5\n',
            "spec.toml:",
            "both a constant and varied",
        ),
        (
            GOOD.replace('"levers.vouchers.claim_share"', '"parameters.phones.life_months"'),
            "spec.toml:",
            "unknown key" if False else "parameters.phones.life_months",
        ),
    ],
    ids=[
        "unknown-top-key",
        "unknown-scenario-key",
        "reversed-range",
        "unknown-param-key",
        "unknown-design",
        "missing-samples",
        "sobol-not-power-of-2",
        "grid-needs-levels",
        "cross-lever-needs-values",
        "zero-replicates",
        "mixed-values",
        "constant-and-varied",
        "declared-twice",
    ],
)
def test_bad_spec_names_file_and_key(tmp_path: Path, text: str, key: str, allowed: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as err:
        Experiment.from_toml(path).validate()
    msg = str(err.value)
    assert str(path) in msg and key in msg and allowed in msg
    assert "\n" not in msg


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"spec.toml: not valid TOML"):
        load_spec(write(tmp_path, "name = \n"))
    with pytest.raises(SpecError, match=r"nope.toml: no such spec file"):
        load_spec(tmp_path / "nope.toml")


def test_unknown_scenario_names_the_spec_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('["baseline"]', '["no_such_scenario"]'))
    with pytest.raises(SpecError) as err:
        Experiment.from_toml(path).validate()
    msg = str(err.value)
    assert msg.startswith(f"{path}: key scenarios (no_such_scenario): unknown scenario")


def test_design_point_outside_what_the_scenario_allows(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("values = [0.4, 0.8]", "values = [0.4, 1.5]"))
    with pytest.raises(SpecError) as err:
        Experiment.from_toml(path).validate()
    msg = str(err.value)
    assert str(path) in msg and "levers.vouchers.claim_share" in msg
    assert "less than or equal to 1" in msg and "(got 1.5)" in msg


def test_set_overrides_join_constants_and_conflicts_are_caught(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    exp = Experiment.from_toml(path, overrides=["parameters.plans.hazard_4g_handset=0.002"])
    assert exp.spec.constants == {"parameters.plans.hazard_4g_handset": 0.002}
    assert exp.base_scenarios["baseline"].parameters.plans.hazard_4g_handset == 0.002
    with pytest.raises(SpecError, match="both a constant and varied"):
        Experiment.from_toml(path, overrides=["levers.vouchers.claim_share=0.5"])
    with pytest.raises(SpecError, match=r"expected key\.path=value"):
        Experiment.from_toml(path, overrides=["oops"])


@pytest.mark.slow
def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("phones.life_months", "phones.lifemonths"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "infosim.interfaces.cli",
            "sweep",
            str(path),
            "--executor",
            "serial",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: key uncertainties.")
    assert "Traceback" not in proc.stderr
