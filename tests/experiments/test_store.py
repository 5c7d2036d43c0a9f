"""The store: atomic writes, failed runs recorded, damaged files never read, provenance."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from infosim.errors import SpecError
from infosim.experiments import load_results, run_experiment
from infosim.experiments.store import ExperimentStore, StoreError, atomic_write_bytes

from .helpers import assert_same_results, toy_sweep
from .toy import toy_run

LIFE = "parameters.phones.life_months"
LIFE_COL, CLAIM_COL = "phones_life_months", "vouchers_claim_share"  # their plain column names


def run_toy(toy_dir: Path, out: Path, **kwargs: object):
    exp = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24, 36]}}, replicates=1)
    return run_experiment(exp, out, executor="serial", run_function=toy_run, **kwargs)


# ---------------------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_whole_files_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


# ---------------------------------------------------------------------------------- runs
def test_failed_run_is_recorded_with_traceback_and_others_complete(toy_dir: Path, tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="8 failed"):
        report = run_experiment(toy_sweep(toy_dir), tmp_path / "x", executor="serial", run_function=toy_run)
    assert (report.done, report.failed, report.ok) == (16, 8, False)
    assert report.failures[0][1] == "RuntimeError: toy failure for life_months=13.0"
    res = load_results(tmp_path / "x")
    failed = res.failed
    assert len(failed) == 8 and (failed[LIFE_COL] == 13).all()
    assert failed["error"].str.startswith("Traceback (most recent call last)").all()
    assert (res.manifest.loc[res.manifest[LIFE_COL] != 13, "status"] == "done").all()
    assert set(res.summary["run_id"]) == set(res.manifest.loc[res.manifest[LIFE_COL] != 13, "run_id"])
    on_disk = pd.read_parquet(tmp_path / "x" / "manifest.parquet")
    assert on_disk["status"].value_counts().to_dict() == {"done": 16, "failed": 8}


def test_datasets_are_plain_parquet_folders(toy_dir: Path, tmp_path: Path) -> None:
    run_toy(toy_dir, tmp_path / "x")
    summary = pd.read_parquet(tmp_path / "x" / "summary")
    assert len(summary) == 8
    assert {"run_id", "scenario", "replicate", "seed", LIFE_COL, CLAIM_COL} <= set(summary.columns)
    ts = pd.read_parquet(tmp_path / "x" / "timeseries")
    assert len(ts) == 8 * 6


def test_damaged_and_half_written_files_are_never_read(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_toy(toy_dir, out)
    reference = load_results(out)
    ids = reference.done_ids
    # a half-written temp file, an orphan data file without a marker, a truncated data file,
    # a torn marker and a marker whose data file is gone
    (out / "summary" / ".toy_a-p000-r00.parquet.1234.tmp").write_bytes(b"PAR1garbage")
    (out / "summary" / "toy_a-p099-r00.parquet").write_bytes((out / "summary" / f"{ids[0]}.parquet").read_bytes())
    truncated = out / "timeseries" / f"{ids[1]}.parquet"
    truncated.write_bytes(truncated.read_bytes()[:50])
    (out / "runs" / f"{ids[2]}.json").write_text('{"run_id": "' + ids[2] + '", "status": "do')
    (out / "ledger" / f"{ids[3]}.parquet").unlink()

    with pytest.warns(RuntimeWarning, match="2 run"):
        res = load_results(out)
    damaged = {ids[1], ids[2], ids[3]}
    assert set(res.done_ids) == set(ids) - damaged
    assert set(res.manifest.loc[res.manifest["run_id"].isin(damaged), "status"]) == {"pending"}
    for name in ("timeseries", "summary", "breakdowns", "ledger"):
        assert set(res.read(name)["run_id"]) == set(ids) - damaged

    # resume recomputes exactly the damaged runs and removes the debris
    report = run_toy(toy_dir, out, resume=True)
    assert (report.skipped, report.done, report.failed) == (5, 3, 0)
    assert not (out / "summary" / "toy_a-p099-r00.parquet").exists()
    assert not list(out.rglob("*.tmp"))
    assert_same_results(reference, load_results(out, verify=True))


def test_deep_verify_catches_same_size_corruption(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_toy(toy_dir, out)
    rid = load_results(out).done_ids[0]
    path = out / "summary" / f"{rid}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match="1 run"):
        assert rid not in load_results(out, verify=True).done_ids
    report = run_toy(toy_dir, out, resume=True)
    assert report.done == 1


# ---------------------------------------------------------------------------------- folder rules
def test_existing_folder_needs_resume_or_overwrite(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_toy(toy_dir, out)
    with pytest.raises(StoreError, match="already holds an experiment; pass --resume"):
        run_toy(toy_dir, out)
    assert run_toy(toy_dir, out, resume=True).skipped == 8
    assert run_toy(toy_dir, out, overwrite=True).done == 8


def test_resume_refuses_a_different_experiment(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_toy(toy_dir, out)
    other = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24, 36]}}, replicates=2)
    with pytest.raises(StoreError, match=r"holds a different experiment \(changed: .*spec \(replicates\)"):
        run_experiment(other, out, executor="serial", run_function=toy_run, resume=True)


def test_a_locked_folder_is_refused(toy_dir: Path, tmp_path: Path) -> None:
    store = ExperimentStore(tmp_path / "x")
    with store.lock(), pytest.raises(StoreError, match="another process is writing"):
        run_toy(toy_dir, tmp_path / "x")


def test_outputs_filter_and_unknown_output_stops_the_experiment(toy_dir: Path, tmp_path: Path) -> None:
    exp = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24]}}, replicates=1, outputs=["adopters*"])
    run_experiment(exp, tmp_path / "a", executor="serial", run_function=toy_run)
    res = load_results(tmp_path / "a")
    assert [c for c in res.timeseries.columns if c not in res.varied][-2:] == ["month", "adopters"]
    assert "adopters_end" in res.summary.columns and "spend_total_yuan" not in res.summary.columns
    assert set(res.breakdowns["metric"]) == {"adopters_end"}
    assert res.ledger.empty
    only_ts = exp.with_options(outputs=["spend_yuan"])  # no summary key matches
    run_experiment(only_ts, tmp_path / "c", executor="serial", run_function=toy_run)
    summary = load_results(tmp_path / "c").summary
    assert len(summary) == 4 and list(summary.columns) == [
        "run_id",
        "scenario",
        "point",
        "replicate",
        "seed",
        LIFE_COL,
        CLAIM_COL,
    ]
    bad = exp.with_options(outputs=["users_6g"])
    with pytest.raises(SpecError, match=r"key outputs: 'users_6g' match no output of the model"):
        run_experiment(bad, tmp_path / "b", executor="serial", run_function=toy_run)


def test_keep_agents_stores_agent_datasets(toy_dir: Path, tmp_path: Path) -> None:
    exp = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24]}}, replicates=1, keep_agents=True)
    run_experiment(exp, tmp_path / "a", executor="serial", run_function=toy_run)
    res = load_results(tmp_path / "a")
    assert len(res.agents) == 4 * 5 and len(res.payments) == 4
    assert {"run_id", "seed", "agent_id"} <= set(res.agents.columns)


def test_provenance_and_per_run_records(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_toy(toy_dir, out)
    meta = json.loads((out / "experiment.json").read_text())
    prov = meta["provenance"]
    assert prov["versions"]["numpy"] and prov["versions"]["mesa"] and prov["python"]
    assert prov["platform"] and "commit" in prov["git"] and "dirty" in prov["git"]
    hashed = {Path(f["path"]).name for f in prov["scenario_files"]["toy_b"]}
    assert hashed == {"toy_a.toml", "toy_b.toml"}
    assert all(len(f["sha256"]) == 64 for f in prov["scenario_files"]["toy_b"])
    res = load_results(out)
    marker = res.marker(res.done_ids[0])
    assert marker["seed"] == res.manifest["seed"].iloc[0]
    assert res.scenario(res.done_ids[0]).parameters.phones.life_months == 24
    assert marker["duration_s"] >= 0 and marker["started_at"] <= marker["finished_at"]
