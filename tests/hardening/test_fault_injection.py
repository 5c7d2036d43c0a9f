"""Fault injection: SIGKILL a real sweep (the real model, the processes executor) at several points.

After each kill, no process of the sweep (workers, forkserver, resource tracker) outlives its
parent by more than a few seconds, and nothing holds its output open; then ``--resume``
completes the sweep, and the store equals one written without interruption (same runs, same
data files byte for byte, no run that had finished recomputed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from experiments.helpers import assert_same_results, stored_digests

from infosim.experiments import load_results

from .invoke import invoke

KILLER = Path(__file__).with_name("sweep_killer.py")
SPEC = """\
name = "killed"
scenarios = ["baseline", "vouchers_only"]
design = "grid"
replicates = 3
seed = 11
households = 500
months = 6
[levers."levers.vouchers.claim_share"]
values = [0.4, 0.8]
"""
N_RUNS = 2 * 2 * 3
GRACE_S = 5.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the sweep's processes"),
]


def group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, command) of the live (not zombie) processes in process group `pgid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            out.append((int(entry.name), cmd[:120]))
    return out


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "killed.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def reference(spec: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "store"
    done = invoke(["sweep", str(spec), "--executor", "serial", "--out", str(out), "--no-progress"])
    assert done.code == 0, done.stderr
    return out


def start(spec: Path, out: Path, point: str, n: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(KILLER), point, str(n), "--", "sweep", str(spec), "--executor", "processes",
         "--workers", "2", "--out", str(out), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: every process of the sweep is findable
    )  # fmt: skip


def markers(out: Path) -> dict[str, bytes]:
    runs = out / "runs"
    return {p.stem: p.read_bytes() for p in runs.glob("*.json")} if runs.is_dir() else {}


def assert_nothing_survives(proc: subprocess.Popen) -> None:
    """The parent is dead; within GRACE_S its process group is empty and its pipes are at EOF."""
    proc.wait(timeout=120)
    died = time.monotonic()
    assert proc.returncode == -9, proc.communicate()
    proc.communicate(timeout=GRACE_S)  # returns only at EOF: nothing holds the sweep's output open
    while group_members(proc.pid) and time.monotonic() - died < GRACE_S:
        time.sleep(0.05)
    assert group_members(proc.pid) == [], f"still running {time.monotonic() - died:.1f} s after the kill"


@pytest.mark.parametrize(
    ("point", "n"),
    [
        ("mid-data", 9),
        ("after-data", 4),
        ("after-record", 6),
        ("mid-manifest", 2),
        ("outside", 5),
    ],
    ids=["mid-data-file", "between-data-and-record", "after-record", "mid-manifest", "kill-from-outside"],
)
def test_killed_sweep_leaves_nothing_running_and_resumes_to_the_same_store(
    point: str, n: int, spec: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "store"
    proc = start(spec, out, "none" if point == "outside" else point, n)
    if point == "outside":
        deadline = time.monotonic() + 300
        while len(markers(out)) < n and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, 9)  # the parent only, as `kill -9 PID` would
    assert_nothing_survives(proc)

    before = markers(out)
    assert len(before) < N_RUNS, "the kill should land before the end"
    resumed = invoke(["sweep", str(spec), "--executor", "processes", "--workers", "2", "--out", str(out), "--resume",
                      "--no-progress"])  # fmt: skip
    assert resumed.code == 0, resumed.stderr
    finished_before = {rid for rid, raw in before.items() if b'"status": "done"' in raw}
    assert f"{len(finished_before)} already done" in resumed.stderr or not finished_before
    after = markers(out)
    for rid in finished_before:
        assert after[rid] == before[rid], f"{rid} was recomputed"
    final, ref = load_results(out), load_results(reference)
    assert len(final.done_ids) == N_RUNS
    assert_same_results(ref, final)
    assert stored_digests(ref) == stored_digests(final)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
