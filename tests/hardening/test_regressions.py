"""The thirteen reproductions of issue 10, each as a test: bad input gives one `error:` line and
exit code 2, faults leave nothing behind. (Item 2, the killed sweep, is in test_fault_injection.py.)
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from infosim.errors import ScenarioError
from infosim.scenario import load_scenario

from .invariants import run_output_problems, strict_json
from .invoke import invoke

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--households", "300", "--months", "6"]
BASE = 'name = "x"\nextends = "baseline"\n'


def assert_clean_error(outcome, *fragments: str) -> str:
    """Exit 2, exactly one 'error:' line containing every fragment, no traceback; returns the line."""
    assert outcome.code == 2, (outcome.code, outcome.stderr[-2000:])
    assert "Traceback" not in outcome.stderr
    assert len(outcome.error_lines) == 1, outcome.stderr
    line = outcome.error_lines[0]
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


def run_file(tmp_path: Path, data: bytes | str, *extra: str):
    path = tmp_path / "x.toml"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return invoke(["run", str(path), *SMALL, "--out", str(tmp_path / "out"), *extra], cwd=tmp_path)


# 1 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "baseline", "--households", "abc"], "--households"),
        (["run"], "Missing argument"),
        (["run", "baseline", "--bogus"], "No such option: --bogus"),
        (["sweep", "experiments/sweep_voucher_size.toml", "--workers", "0"], "--workers"),
        (["batch", "baseline", "--executor", "bogus"], "'bogus' is not one of"),
        (["no-such-command"], "No such command"),
    ],
    ids=["not-an-integer", "missing-argument", "unknown-option", "zero-workers", "bad-executor", "bad-command"],
)
def test_1_usage_errors_are_one_line_and_exit_2(args: list[str], fragment: str, tmp_path: Path) -> None:
    """In a real process: typer's own (vendored) click exceptions must not escape as tracebacks."""
    args = [str(ROOT / a) if a.startswith("experiments/") else a for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], proc.stderr


# 3 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ('name = "caf\xe9"\nextends = "baseline"\n'.encode("latin-1"), "not UTF-8 text (byte 0xe9"),
        (BASE.encode("utf-16"), "not UTF-8 text"),
        (gzip.compress(BASE.encode()), "not UTF-8 text"),
        (bytes(range(256)) * 3, "not UTF-8 text"),
        (b'name = "x"\x00\n', "not valid TOML"),
    ],
    ids=["latin-1", "utf-16", "gzip", "random-bytes", "nul-byte"],
)
def test_3_files_that_are_not_utf8_toml(data: bytes, fragment: str, tmp_path: Path) -> None:
    line = assert_clean_error(run_file(tmp_path, data), fragment)
    assert str(tmp_path / "x.toml") in line


def test_3_utf8_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_scenario(path).name == "x"


# 4 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        BASE + "x = " + "[" * 500 + "]" * 500 + "\n",
        BASE + "[" + ".".join(["a"] * 990) + "]\n",
        BASE + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    ],
    ids=["array-500-deep", "table-header-990-deep", "inline-table-3000-deep"],
)
def test_4_deep_nesting_is_refused(text: str, tmp_path: Path) -> None:
    assert_clean_error(run_file(tmp_path, text), "nested more than 16 levels deep")


def test_4_deep_set_value_is_refused(tmp_path: Path) -> None:
    out = invoke(["run", "baseline", *SMALL, "--set", "run.months=" + "[" * 3000 + "]" * 3000], cwd=tmp_path)
    assert_clean_error(out, "--set", "nested more than 16 levels deep")


# 5 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ('run.start="0000-01"', "between 2000-01 and 2100-12"),
        ('run.start="9999-12"', "between 2000-01 and 2100-12"),
        ('run.start="2100-12"', "ends in 2101-05, after 2100-12"),
        ('levers.vouchers.start="1999-12"', "between 2000-01 and 2100-12"),
    ],
    ids=["year-0", "year-9999", "runs-past-2100", "lever-before-2000"],
)
def test_5_months_outside_the_calendar_are_refused(setting: str, fragment: str, tmp_path: Path) -> None:
    out = invoke(["run", "baseline", *SMALL, "--set", setting, "--out", str(tmp_path / "o")], cwd=tmp_path)
    assert_clean_error(out, fragment)
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_5_the_edges_of_the_calendar_run(tmp_path: Path) -> None:
    out = invoke(["run", "baseline", *SMALL, "--set", 'run.start="2100-07"', "--out", "o"], cwd=tmp_path)
    assert out.code == 0, out.stderr
    assert run_output_problems(tmp_path / "o") == []
    assert pd.read_parquet(tmp_path / "o" / "timeseries.parquet")["month"].iloc[-1] == "2100-12"


# 6 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("out", "fragment"),
    [
        ("afile", "is a file, not a folder"),
        ("afile/sub", "afile is a file, not a folder"),
        ("/dev/null", "is a file, not a folder"),
        ("/proc/infosim-test", "cannot write results to /proc/infosim-test"),
        ("", "--out: empty folder name"),
        (".", "the current folder (or one above it) cannot hold a run"),
        ("full", "folder is not empty and holds no infosim run (keep.txt)"),
    ],
    ids=["a-file", "below-a-file", "dev-null", "proc", "empty", "current-folder", "someone-elses-folder"],
)
def test_6_bad_output_folders(out: str, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    assert_clean_error(invoke(["run", "baseline", *SMALL, "--out", out], cwd=tmp_path), fragment)
    assert (tmp_path / "afile").read_text() == "mine" and (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "full"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_6_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert_clean_error(invoke(["run", "baseline", *SMALL, "--out", "ro/sub"], cwd=tmp_path), "not writable")
    finally:
        ro.chmod(0o755)


def test_6_very_long_scenario_name_is_one_short_line(tmp_path: Path) -> None:
    line = assert_clean_error(invoke(["run", "x" * 5000, *SMALL], cwd=tmp_path), "unknown scenario 'xxx")
    assert len(line) < 600
    text = 'name = "' + "n" * 5000 + '"\nextends = "baseline"\n'
    assert_clean_error(run_file(tmp_path, text), "key name: must be 1 to 100 letters")


def test_6_a_scenario_name_cannot_leave_the_results_folder(tmp_path: Path) -> None:
    text = 'name = "../../escape"\nextends = "baseline"\n'
    path = tmp_path / "x.toml"
    path.write_text(text)
    assert_clean_error(invoke(["run", str(path), *SMALL], cwd=tmp_path), "key name")


# 7 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["run", "baseline"], ["batch", "baseline", "--dry-run"]], ids=["run", "batch"])
def test_7_negative_seed(command: list[str], tmp_path: Path) -> None:
    assert_clean_error(invoke([*command, "--seed", "-1"], cwd=tmp_path), "--seed", "greater than or equal to 0")


# 8 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("parameters.phones.choice_price_coef=nan", "finite number"),
        ("levers.vouchers.budget_yuan=inf", "finite number"),
        ("levers.vouchers.budget_yuan=1e300", "at most 1e+12 yuan"),
        ("parameters.operators.stations_2019=1e300", "between -1e+12 and 1e+12"),
        ('parameters.phones.life_months="12"', "valid number"),
        ("parameters.phones.life_months=true", "valid number"),
        ("levers.awareness.experience_centres=5.0", "valid integer"),
        ("levers.vouchers.enabled=1", "valid boolean"),
    ],
    ids=["nan-coefficient", "inf-yuan", "1e300-yuan", "1e300-stations", "string", "bool", "float-for-int", "int-bool"],
)
def test_8_values_that_must_be_rejected(setting: str, fragment: str, tmp_path: Path) -> None:
    line = assert_clean_error(invoke(["run", "vouchers_only", *SMALL, "--set", setting], cwd=tmp_path), fragment)
    assert setting.split("=")[0] in line


def test_8_rejected_in_files_too(tmp_path: Path) -> None:
    text = BASE + "[parameters.phones]\nchoice_peer_coef = nan\n"
    assert_clean_error(run_file(tmp_path, text), "parameters.phones.choice_peer_coef", "finite number")


# 9 ---------------------------------------------------------------------------------------------
def test_9_missing_parent_names_the_extending_file(tmp_path: Path) -> None:
    line = assert_clean_error(run_file(tmp_path, 'name = "x"\nextends = "no_such_parent"\n'), "key extends")
    assert str(tmp_path / "x.toml") in line and "'no_such_parent'" in line


def test_9_empty_extends_says_what_is_allowed(tmp_path: Path) -> None:
    line = assert_clean_error(run_file(tmp_path, 'name = "x"\nextends = ""\n'), "key extends", "got an empty string")
    assert "scenario name" in line


def test_9_thousands_of_unknown_keys_are_one_line(tmp_path: Path) -> None:
    text = BASE + "".join(f"k{i} = {i}\n" for i in range(2000))
    line = assert_clean_error(run_file(tmp_path, text), "2000 unknown keys", "allowed here: ")
    assert len(line) < 600


# 10 --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extends", "fragment"),
    [
        ("/etc/passwd", "neither a scenario name"),
        ("/etc/hosts.toml", "absolute path '/etc/hosts.toml' refused"),
        ("../../../../../../etc/passwd", "neither a scenario name"),
        ("../secret.toml", "leads outside this file's folder"),
        ("secret", "leads outside this file's folder"),
    ],
    ids=["absolute", "absolute-toml", "dotdot", "dotdot-toml", "symlink-outside"],
)
def test_10_extends_cannot_read_files_outside(extends: str, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "secret.toml").write_text('name = "s3cr3t-name"\ndescription = "s3cr3t"\n[run]\nmonths = "s3cr3t"\n')
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "secret.toml").symlink_to(tmp_path / "secret.toml")
    (folder / "x.toml").write_text(f'name = "x"\nextends = "{extends}"\n')
    for command in (["run", str(folder / "x.toml"), *SMALL], ["scenarios", "show", str(folder / "x.toml")]):
        out = invoke(command, cwd=folder)
        assert_clean_error(out, fragment, "key extends")
        assert "s3cr3t" not in out.stderr + out.stdout


def test_10_values_of_a_parent_are_never_echoed(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_text('name = "p"\n[run]\nmonths = "s3cr3t"\n[tool]\nkey = "s3cr3t"\n')
    (tmp_path / "x.toml").write_text('name = "x"\nextends = "parent"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "x.toml")
    text = str(info.value)
    assert "s3cr3t" not in text
    assert f"key run.months: Input should be a valid integer (value set in {tmp_path / 'parent.toml'})" in text
    assert "key tool: unknown key" in text


def test_10_outside_paths_need_the_users_opt_in(tmp_path: Path) -> None:
    (tmp_path / "parent.toml").write_text('name = "p"\nextends = "baseline"\n[run]\nmonths = 6\n')
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "x.toml").write_text(f'name = "x"\nextends = "{tmp_path / "parent.toml"}"\n')
    refused = invoke(["scenarios", "show", str(folder / "x.toml")], cwd=folder)
    assert_clean_error(refused, "refused", "--allow-outside-paths")
    shown = invoke(["scenarios", "show", str(folder / "x.toml"), "--allow-outside-paths"], cwd=folder)
    assert shown.code == 0, shown.stderr
    assert any(line.startswith("run.months = 6") and "parent.toml" in line for line in shown.stdout.splitlines())


# 11 --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("baseline_only")
    out = invoke(["batch", "baseline", *SMALL, "--executor", "serial", "--out", "b"], cwd=folder)
    assert out.code == 0, out.stderr
    return folder


@pytest.mark.parametrize("command", [["compare", "b"], ["report", "b", "--out", "r.html"]], ids=["compare", "report"])
def test_11_compare_a_baseline_alone(command: list[str], baseline_only: Path) -> None:
    assert_clean_error(invoke(command, cwd=baseline_only), "holds only the baseline 'baseline'")


# 12 --------------------------------------------------------------------------------------------
def test_12_summary_json_is_strict_json(tmp_path: Path) -> None:
    out = invoke(["run", "vouchers_only", *SMALL, "--out", "o"], cwd=tmp_path)
    assert out.code == 0, out.stderr
    text = (tmp_path / "o" / "summary.json").read_text()
    meta = strict_json(text)  # raises on a bare NaN
    assert meta["summary"]["budget_exhausted_month_vouchers"] is None  # not exhausted: null, not NaN
    assert "NaN" not in text and "Infinity" not in text


# 13 --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_13_truncated_experiment_json_is_rebuilt_on_resume(tmp_path: Path) -> None:
    batch = ["batch", "baseline", "vouchers_only", *SMALL, "--executor", "serial", "--replicates", "2"]
    assert invoke([*batch, "--out", "a"], cwd=tmp_path).code == 0
    assert invoke([*batch, "--out", "b"], cwd=tmp_path).code == 0
    text = (tmp_path / "a" / "experiment.json").read_text()
    (tmp_path / "a" / "experiment.json").write_text(text[: len(text) // 3])
    markers = {p.name: p.read_bytes() for p in (tmp_path / "a" / "runs").glob("*.json")}
    read = invoke(["compare", "a"], cwd=tmp_path)
    assert_clean_error(read, "experiment.json: unreadable", "--resume")
    resumed = invoke([*batch, "--out", "a", "--resume"], cwd=tmp_path)
    assert resumed.code == 0, resumed.stderr
    assert "rebuilt it from the definition and 4 matching run record(s)" in resumed.stderr
    assert "4 already done" in resumed.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "a" / "runs").glob("*.json")} == markers  # none recomputed
    from infosim.experiments import load_results

    a, b = load_results(tmp_path / "a"), load_results(tmp_path / "b")
    for name in ("timeseries", "summary", "breakdowns", "ledger"):
        pd.testing.assert_frame_equal(a.read(name), b.read(name))
    assert a.experiment["definition"] == b.experiment["definition"]
    json.loads((tmp_path / "a" / "experiment.json").read_text())
