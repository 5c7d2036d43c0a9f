"""The Python API: define, run and load experiments; tidy results; the real model end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infosim.experiments import Experiment, load_results, run_experiment
from infosim.experiments.sensitivity import morris_indices, sobol_indices

from .helpers import stored_digests, toy_sweep
from .toy import toy_run

REPO = Path(__file__).resolve().parents[2]
LIFE = "parameters.phones.life_months"
CLAIM = "levers.vouchers.claim_share"
LIFE_COL, CLAIM_COL = "phones_life_months", "vouchers_claim_share"  # their plain column names
SPECS = sorted(p for p in (REPO / "experiments").glob("*.toml")
               if not p.name.startswith(("sensitivity_", "optimise_")))  # sweeps


def test_batch_and_sweep_definitions(toy_dir: Path) -> None:
    batch = Experiment.batch([toy_dir / "toy_a.toml", toy_dir / "toy_b.toml"], replicates=5, seed=42)
    assert batch.n_runs == 10 and batch.name == "batch-toy_a-toy_b"
    sweep = toy_sweep(toy_dir)
    assert sweep.n_runs == 24
    assert sweep.with_options(replicates=3, households=500).n_runs == 36
    text = sweep.describe()
    assert "24 runs" in text and f"uncertainty {LIFE}: 3 values" in text and f"lever       {CLAIM}" in text


def test_results_are_tidy_long_tables(toy_dir: Path, tmp_path: Path) -> None:
    exp = toy_sweep(toy_dir, uncertainties={LIFE: {"values": [24, 36]}})
    report = run_experiment(exp, tmp_path / "x", executor="serial", run_function=toy_run)
    res = load_results(report)
    ids = ["run_id", "scenario", "point", "replicate", "seed", LIFE_COL, CLAIM_COL]
    for table in (res.timeseries, res.summary, res.breakdowns, res.ledger):
        assert list(table.columns[: len(ids)]) == ids
    assert len(res.summary) == 16 and res.summary["run_id"].is_unique
    assert len(res.timeseries) == 16 * 6
    long = res.timeseries_long()
    assert set(long["metric"]) == {"adopters", "spend_yuan", "fiscal_spend_yuan"}
    assert len(res.summary_long) == 16 * 3
    assert res.varied == [LIFE_COL, CLAIM_COL]
    assert res.columns == {LIFE_COL: LIFE, CLAIM_COL: CLAIM}
    # paired seeds: the same replicate seed everywhere; the toy's spending depends on it only
    per_rep = res.summary.groupby("replicate")["spend_total_yuan"].nunique()
    assert (per_rep == 1).all()
    assert "16 done" in repr(res)


def test_labels_appear_in_result_columns(toy_dir: Path, tmp_path: Path) -> None:
    exp = Experiment.sweep(
        "labelled",
        [toy_dir / "toy_b.toml"],
        levers={
            "levers.gigabit.pilot_cities": {"values": [["Nanjing"], ["Nanjing", "Suzhou"]], "labels": ["one", "two"]}
        },
    )
    run_experiment(exp, tmp_path / "x", executor="serial", run_function=toy_run)
    res = load_results(tmp_path / "x")
    assert res.summary["gigabit_pilot_cities"].tolist() == ["one", "two"]
    assert res.scenario(res.done_ids[1]).levers.gigabit.pilot_cities == ["Nanjing", "Suzhou"]


@pytest.mark.parametrize(
    "design,samples,n_points", [("sobol", 4, 4 * 4), ("morris", 3, 3 * 3)], ids=["sobol", "morris"]
)
def test_sensitivity_indices_find_the_influential_key(
    toy_dir: Path, tmp_path: Path, design: str, samples: int, n_points: int
) -> None:
    exp = Experiment.sweep(
        "sa",
        [toy_dir / "toy_b.toml"],
        design=design,
        samples=samples,
        seed=3,
        combine="joint",
        sobol_second_order=False,
        uncertainties={LIFE: {"range": [20, 60]}},
        levers={"levers.vouchers.budget_yuan": {"range": [0, 1e6]}},  # the toy ignores it
    )
    assert exp.n_runs == n_points
    run_experiment(exp, tmp_path / "x", executor="serial", run_function=toy_run)
    res = load_results(tmp_path / "x")
    if design == "sobol":
        si = sobol_indices(res, "adopters_end")
        assert si.loc[LIFE, "ST"] > 0.5 and abs(si.loc["levers.vouchers.budget_yuan", "ST"]) < 0.05
    else:
        mi = morris_indices(res, "adopters_end")
        assert mi.loc[LIFE, "mu_star"] > 0 and mi.loc["levers.vouchers.budget_yuan", "mu_star"] == 0


@pytest.mark.parametrize("spec", SPECS, ids=[p.stem for p in SPECS])
def test_shipped_specs_are_valid_against_the_real_scenarios(spec: Path) -> None:
    exp = Experiment.from_toml(spec)
    exp.validate()
    assert 0 < exp.n_runs <= 200, "keep example specs quick"


# ---------------------------------------------------------------------------------- real model
@pytest.fixture(scope="module")
def real_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`infosim batch` with the real model, tiny scale, 2 worker processes."""
    out = tmp_path_factory.mktemp("real") / "batch"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "infosim.interfaces.cli",
            "batch",
            "baseline",
            "vouchers_only",
            "--replicates",
            "2",
            "--seed",
            "5",
            "--households",
            "300",
            "--months",
            "5",
            "--executor",
            "processes",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "4 runs: 4 done, 0 failed" in proc.stderr
    return out


@pytest.mark.slow
def test_real_model_batch_from_the_cli(real_batch: Path) -> None:
    res = load_results(real_batch)
    assert len(res.done_ids) == 4
    s = res.summary.set_index(["scenario", "replicate"])
    assert s.loc[("baseline", 0), "seed"] == s.loc[("vouchers_only", 0), "seed"]
    assert s.loc[("baseline", 0), "seed"] != s.loc[("baseline", 1), "seed"]
    assert (res.timeseries.groupby("run_id").size() == 5).all()
    assert res.ledger.loc[res.ledger["scenario"] == "baseline"].empty
    assert not res.ledger.loc[res.ledger["scenario"] == "vouchers_only"].empty


@pytest.mark.slow
def test_real_model_serial_matches_processes_and_reruns_exactly(real_batch: Path, tmp_path: Path) -> None:
    exp = Experiment.batch(["baseline", "vouchers_only"], replicates=2, seed=5, households=300, months=5)
    run_experiment(exp, tmp_path / "serial", executor="serial")
    serial, procs = load_results(tmp_path / "serial"), load_results(real_batch)
    assert stored_digests(serial) == stored_digests(procs)
    rid = procs.done_ids[-1]
    again = procs.rerun(rid)
    stored = procs.summary.set_index("run_id").loc[rid]
    keys = list(again.summary)
    np.testing.assert_array_equal(
        stored[keys].to_numpy(dtype=float), np.array([again.summary[k] for k in keys], dtype=float)
    )
    pd.testing.assert_series_equal(
        again.timeseries["users_5g_network"].reset_index(drop=True),
        procs.timeseries.loc[procs.timeseries["run_id"] == rid, "users_5g_network"].reset_index(drop=True),
    )
