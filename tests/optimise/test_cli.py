"""`infosim optimise` end to end at tiny scale (the real model): estimate, run, report, recheck,
kill-and-resume, and bad input as one line with exit code 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

INFOSIM = [sys.executable, "-m", "infosim.interfaces.cli"]

TINY = """
name = "tiny"
base = "jiangsu_2020"
seed = 4
households = 300
months = 12
horizon = "2020-12"
draws = 2
ensemble_parameters = ["parameters.phones.life_months", "parameters.spending.freed_money_spend_share"]
constants = { "run.enterprises" = 1000 }

[budget]
total_yuan = "base"
spend = "all"

[variables."levers.vouchers.budget_yuan"]
share = [0, 1]
[variables."levers.terminal_subsidy.budget_yuan"]
share = [0, 1]
[variables."levers.vouchers.eligibility"]
values = ["all", "low_income"]

[[objectives]]
metric = "extra_consumption"
direction = "max"
[[objectives]]
metric = "household_money_share_bottom_40"
direction = "max"

[algorithm]
population = 6
generations = 3
"""


def infosim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*INFOSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=900)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.mark.slow
def test_estimate_prints_the_plan_and_cost_and_runs_nothing(spec: Path, tmp_path: Path) -> None:
    proc = infosim("optimise", str(spec), "--estimate", "--workers", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "NSGA2: 6 candidates x 3 generation(s)" in proc.stdout
    assert "at most 40 runs (baseline and reference 4" in proc.stdout
    assert "estimate: at most 40 runs x" in proc.stdout and "/ 2 worker(s)" in proc.stdout
    assert not (tmp_path / "results").exists()


BAD = [
    pytest.param("[[objectives]]\nmetric = 'x'", "unknown metric 'x'", id="metric"),
    pytest.param("[variables.\"levers.vouchers.claim_share\"]\nshare = [0, 1]",
                 "share = [...] applies to levers.<lever>.budget_yuan keys only", id="share-key"),
    pytest.param("[algorithm]\npopulation = 2", "key algorithm.population", id="population"),
]


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_spec_is_one_line_and_exit_code_2(infosim_cli, tmp_path: Path, extra: str, message: str) -> None:
    text = TINY.split("[algorithm]")[0] + extra + "\n"
    path = tmp_path / "bad.toml"
    path.write_text(text)
    proc = infosim_cli("optimise", str(path), "--estimate", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and message in lines[0]


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["optimise", "missing.toml"], "missing.toml: no such spec file", id="no-spec"),
    pytest.param(["optimise", "recheck", "."], "not an optimisation folder", id="recheck-not-a-folder"),
    pytest.param(["optimise", "report", "."], "not an optimisation folder", id="report-not-a-folder"),
])
def test_bad_arguments_are_one_line_and_exit_code_2(infosim_cli, tmp_path: Path, args: list[str],
                                                    message: str) -> None:
    proc = infosim_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_missing_posterior_is_one_line(infosim_cli, spec: Path, tmp_path: Path) -> None:
    spec.write_text(TINY.replace('draws = 2', 'draws = 2\nensemble = "posterior:calibration/jiangsu_2020_nope"'))
    proc = infosim_cli("optimise", str(spec), "--estimate", cwd=tmp_path)
    assert proc.returncode == 2 and "no such calibration folder" in proc.stderr
    assert "set ensemble = \"prior\"" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_run_recheck_and_report(spec: Path, tmp_path: Path) -> None:
    out, docs, scen = tmp_path / "res", tmp_path / "docs" / "optimisation.md", tmp_path / "scen"
    proc = infosim("optimise", str(spec), "--executor", "serial", "--out", str(out), "--docs", str(docs),
                   "--scenarios-out", str(scen), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "generation 3/3:" in proc.stderr and "Chosen policies and the reference" in proc.stdout
    assert {p.name for p in scen.glob("*.toml")} <= {f"tiny_{k}.toml" for k in range(4)} and any(scen.glob("*.toml"))
    text = docs.read_text()
    assert "## The 2020 split against the Pareto front" in text and "figures/optimisation/tradeoffs.png" in text
    rc = infosim("optimise", "recheck", str(out), "--executor", "serial", cwd=tmp_path)
    assert rc.returncode == 0, rc.stderr
    assert "pairs significantly reversed:" in rc.stdout
    report = infosim("optimise", "report", str(out), "--out", str(docs), cwd=tmp_path)
    assert report.returncode == 0 and "## Re-evaluation with fresh seeds" in docs.read_text()
    assert "Not run yet" not in docs.read_text()


@pytest.mark.slow
def test_kill_then_resume_recomputes_no_finished_run(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    args = [*INFOSIM, "optimise", str(spec), "--workers", "2", "--out", str(out), "--no-progress",
            "--scenarios-out", str(tmp_path / "scen")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=tmp_path)
    runs = out / "runs" / "gen-001" / "runs"
    deadline = time.monotonic() + 600
    while len(list(runs.glob("*.json"))) < 3 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    before = {p.name: p.read_bytes() for p in (out / "runs").rglob("runs/*.json")}
    assert 4 + 3 <= len(before) < 4 + 36, "the kill should land during the second generation"

    refused = infosim("optimise", str(spec), "--workers", "2", "--out", str(out), cwd=tmp_path)
    assert refused.returncode == 2 and "pass --resume" in refused.stderr
    resumed = infosim("optimise", str(spec), "--workers", "2", "--out", str(out), "--resume", "--scenarios-out",
                      str(tmp_path / "scen"), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    after = {p.name: p.read_bytes() for p in (out / "runs").rglob("runs/*.json")}
    assert all(after[name] == raw for name, raw in before.items())  # finished runs untouched
    whole = tmp_path / "whole"
    assert infosim("optimise", str(spec), "--executor", "serial", "--out", str(whole), "--scenarios-out",
                   str(tmp_path / "scen2"), cwd=tmp_path).returncode == 0
    for table in ("candidates", "values", "pareto"):
        a, b = (pd.read_parquet(p / f"{table}.parquet") for p in (out, whole))
        if table == "pareto":  # written to scen/ and scen2/: the same file names
            a["scenario_file"], b["scenario_file"] = (x["scenario_file"].map(lambda f: Path(f).name if f else f)
                                                      for x in (a, b))
        pd.testing.assert_frame_equal(a, b, check_like=False)
    assert json.loads((out / "optimisation.json").read_text())["status"] == "done"
