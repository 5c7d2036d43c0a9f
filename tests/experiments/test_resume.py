"""Kill a real sweep process with SIGKILL half-way; resuming completes it without recomputing.

The toy run function appends a line to a counter file each time a run starts, so the test can
count how often each run was computed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from infosim.experiments import load_results, run_experiment

from .helpers import assert_same_results, toy_sweep
from .toy import toy_run

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"

DRIVER = Path(__file__).with_name("sweep_driver.py")
N_RUNS = 24
LIFE = "parameters.phones.life_months"


def start_driver(toy_dir: Path, out: Path, counter: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "INFOSIM_TOY_COUNTER": str(counter), "INFOSIM_TOY_SLEEP": "0.15"}
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(toy_dir), str(out), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def done_markers(out: Path) -> dict[str, bytes]:
    runs = out / "runs"
    if not runs.is_dir():
        return {}
    return {p.stem: p.read_bytes() for p in runs.glob("*.json")}


def run_key(marker: dict) -> str:
    life = marker["params"]["parameters.phones.life_months"]
    share = marker["params"]["levers.vouchers.claim_share"]
    return f"{marker['scenario']}|{marker['seed']}|{life:g}|{share:g}"


def test_sigkill_then_resume(toy_dir: Path, tmp_path: Path) -> None:
    out, counter = tmp_path / "killed", tmp_path / "starts.txt"
    proc = start_driver(toy_dir, out, counter)
    deadline = time.monotonic() + 120
    while len(done_markers(out)) < N_RUNS // 3 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    before = done_markers(out)
    assert N_RUNS // 3 <= len(before) < N_RUNS, "the kill should land half-way"
    partial = load_results(out)
    assert set(partial.done_ids) == set(before)
    assert (partial.manifest["status"] == "pending").sum() == N_RUNS - len(before)

    resumed = start_driver(toy_dir, out, counter, "--resume")
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert f"{len(before)} already done" in stdout

    # finished runs were not recomputed: one start each, markers untouched
    starts = Counter(line.rsplit("|", 2)[0] for line in counter.read_text().splitlines())
    for run_id, raw in before.items():
        assert starts[run_key(json.loads(raw))] == 1, run_id
        assert (out / "runs" / f"{run_id}.json").read_bytes() == raw
    assert len(starts) == N_RUNS

    # the same dataset as an uninterrupted run
    exp = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24, 30, 36]}})
    reference = run_experiment(exp, tmp_path / "reference", executor="serial", run_function=toy_run)
    assert reference.ok
    final = load_results(out)
    assert len(final.done_ids) == N_RUNS
    assert_same_results(load_results(tmp_path / "reference"), final)
    assert not list(out.rglob("*.tmp"))
    assert len(final.experiment["sessions"]) == 2
