"""Helpers shared by the experiments tests: toy scenario files, a toy sweep, result comparison."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from infosim.experiments import Experiment, Results

TOY_A = """\
name = "toy_a"
[run]
months = 6
households = 1000
"""
TOY_B = """\
name = "toy_b"
extends = "toy_a"
[levers.vouchers]
enabled = true
"""
TIMING_COLUMNS = ["started_at", "finished_at", "duration_s", "worker", "session", "error"]


def write_toy_scenarios(folder: Path) -> Path:
    """Write toy_a.toml and toy_b.toml (toy_b enables vouchers) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "toy_a.toml").write_text(TOY_A)
    (folder / "toy_b.toml").write_text(TOY_B)
    return folder


def toy_sweep(toy_dir: Path, **changes: object) -> Experiment:
    """2 scenarios x 3 life_months values (13 fails) x 2 claim shares x 2 replicates = 24 runs."""
    options: dict[str, object] = {
        "design": "grid",
        "replicates": 2,
        "seed": 7,
        "uncertainties": {"parameters.phones.life_months": {"values": [24, 13, 36]}},
        "levers": {"levers.vouchers.claim_share": {"values": [0.4, 0.8]}},
    }
    options.update(changes)
    return Experiment.sweep("toy", [str(toy_dir / "toy_a.toml"), str(toy_dir / "toy_b.toml")], **options)


def stored_digests(res: Results) -> dict[str, dict[str, str]]:
    """run_id -> {dataset: sha256} of every done run, from the markers."""
    return {rid: {name: f["sha256"] for name, f in res.marker(rid)["files"].items()} for rid in res.done_ids}


def assert_same_results(a: Results, b: Results) -> None:
    """Same runs, statuses and identical data in every dataset."""
    pd.testing.assert_frame_equal(a.manifest.drop(columns=TIMING_COLUMNS), b.manifest.drop(columns=TIMING_COLUMNS))
    for name in ("timeseries", "summary", "breakdowns", "ledger"):
        pd.testing.assert_frame_equal(a.read(name), b.read(name))
    assert stored_digests(a) == stored_digests(b)
