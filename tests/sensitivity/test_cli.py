"""`infosim sensitivity` end to end at tiny scale (the real model), kill-and-resume, bad input."""

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
seed = 5
households = 1000
months = 24
replicates = 2
constants = { "run.enterprises" = 300 }
parameters = ["parameters.spending.freed_money_spend_share", "parameters.spending.income_elasticity",
              "parameters.phones.life_months"]
metrics = ["voucher_multiplier", "buildout_5g_network_users"]

[morris]
replicates = 1
trajectories = 3
max_params = 2

[sobol]
samples = 4
bootstrap = 100

[replicate_check]
pool = 8
n = [2]
"""


def infosim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*INFOSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=900)


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.mark.slow
def test_run_report_and_replicates(spec: Path, tmp_path: Path) -> None:
    out, docs = tmp_path / "res", tmp_path / "docs" / "sensitivity.md"
    proc = infosim("sensitivity", str(spec), "--executor", "serial", "--out", str(out), "--docs", str(docs))
    assert proc.returncode == 0, proc.stderr
    assert "stage 1 Morris: 3 trajectories x 4 points x 3 scenarios x 1 paired replicate(s) = 36 runs" in proc.stderr
    assert "estimate, stage 1 (Morris): 36 runs" in proc.stderr
    assert "What each effect depends on most" in proc.stdout
    meta = json.loads((out / "sensitivity.json").read_text())
    assert [b["name"] for b in meta["blocks"]] == ["vouchers_only", "buildout_only"]
    for b in meta["blocks"]:
        assert len(b["parameters"]) <= 2
        manifest = pd.read_parquet(out / b["folder"] / "manifest.parquet")
        assert (manifest["status"] == "done").all() and manifest["replicate"].nunique() == 2
    text = docs.read_text()
    assert "## Stage 2: Sobol' indices" in text and "NOT converged" in text  # N = 4 cannot converge
    # regenerate from the stored results only
    again = infosim("sensitivity", "report", str(out), "--out", str(tmp_path / "again.md"))
    assert again.returncode == 0, again.stderr
    # the coverage check, tiny
    rep = infosim("sensitivity", "replicates", str(spec), "--executor", "serial", "--out", str(tmp_path / "rep"))
    assert rep.returncode == 0, rep.stderr
    cov = pd.read_parquet(tmp_path / "rep" / "coverage.parquet")
    assert set(cov["metric"]) == {"voucher_multiplier", "buildout_5g_network_users"} and set(cov["n"]) == {2}
    assert "recommended replicates" in rep.stdout or "no n checked" in rep.stdout


@pytest.mark.slow
def test_estimate_prints_the_cost_and_runs_nothing(spec: Path, tmp_path: Path) -> None:
    proc = infosim("sensitivity", str(spec), "--estimate", "--workers", "2", "--out", str(tmp_path / "x"))
    assert proc.returncode == 0, proc.stderr
    assert "stage 1 (Morris): 36 runs x" in proc.stdout and "at most, in all" in proc.stdout
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("name = 'x'\n[sobol]\nsamples = 100\n", "key sobol.samples: must be a power of 2"),
     ("name = 'x'\nmetric = ['voucher_multiplier']\n", "key metric: unknown key"),
     ("name = 'x'\nmonths = 6\n", "before the horizon 2021-12"),
     ("name = 'x'\nranges = 'posterior'\n", "key ranges: expected 'prior' or 'posterior:<calibration folder>'"),
     ("name = 'x'\nranges = 'posterior:nowhere'\n", "key ranges: 'nowhere': nowhere: no posterior here")],
    ids=["power-of-2", "typo", "short-run", "ranges-value", "ranges-no-posterior"],
)
def test_bad_spec_is_one_line_and_exit_code_2(infosim_cli, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    proc = infosim_cli("sensitivity", str(path), "--estimate")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}") and message in lines[0]


@pytest.mark.slow
def test_kill_then_resume_recomputes_no_finished_run(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    args = [*INFOSIM, "sensitivity", str(spec), "--workers", "2", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    runs = out / "morris" / "runs"
    deadline = time.monotonic() + 600
    while len(list(runs.glob("*.json"))) < 8 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    before = {p.name: p.read_bytes() for p in runs.glob("*.json")}
    assert 8 <= len(before) < 36, "the kill should land during stage 1"

    refused = infosim("sensitivity", str(spec), "--workers", "2", "--out", str(out))
    assert refused.returncode == 2 and "pass --resume" in refused.stderr
    resumed = infosim("sensitivity", str(spec), "--workers", "2", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} already done" in resumed.stderr
    after = {p.name: p.read_bytes() for p in runs.glob("*.json")}
    assert all(after[name] == raw for name, raw in before.items())  # finished runs untouched
    assert len(after) == 36
    manifest = pd.read_parquet(out / "morris" / "manifest.parquet")
    assert (manifest["status"] == "done").all()
    assert (out / "tables" / "sobol.parquet").is_file()
