"""Varied keys get plain column names (usable in DuckDB SQL without quotes); the store leaves no lock file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from infosim.experiments import load_results, run_experiment
from infosim.experiments.experiment import column_names

from .helpers import toy_sweep
from .toy import toy_run


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["levers.vouchers.budget_yuan"], ["vouchers_budget_yuan"]),
        (["parameters.phones.life_months"], ["phones_life_months"]),
        (["run.households"], ["households"]),
        (["levers.vouchers.waves[0].face_value_yuan"], ["vouchers_waves_0_face_value_yuan"]),
        (["levers.vouchers.waves"], ["vouchers_waves"]),
        (["levers.x.a", "parameters.x.a"], ["x_a", "parameters_x_a"]),
        (["run.seed"], ["run_seed"]),
        (["levers.buildout.target_new_stations.2020"], ["buildout_target_new_stations_2020"]),
    ],
    ids=["lever", "parameter", "run", "list-index", "whole-list", "clash", "reserved", "digit-part"],
)
def test_plain_column_names(keys: list[str], expected: list[str]) -> None:
    assert list(column_names(keys).values()) == expected


def test_varied_keys_are_plain_sql_columns(toy_dir: Path, tmp_path: Path) -> None:
    exp = toy_sweep(toy_dir, uncertainties={"parameters.phones.life_months": {"values": [24, 36]}})
    run_experiment(exp, tmp_path / "x", executor="serial", run_function=toy_run)
    res = load_results(tmp_path / "x")
    assert res.columns == {
        "phones_life_months": "parameters.phones.life_months",
        "vouchers_claim_share": "levers.vouchers.claim_share",
    }
    summary = str(tmp_path / "x" / "summary" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT vouchers_claim_share, phones_life_months, count(*) AS n, avg(adopters_end) AS adopters "
        f"FROM read_parquet('{summary}') WHERE phones_life_months = 36 GROUP BY ALL ORDER BY vouchers_claim_share"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [(0.4, 36, 4), (0.8, 36, 4)]
    expected = res.summary.query("phones_life_months == 36").groupby("vouchers_claim_share")["adopters_end"].mean()
    assert [r[3] for r in rows] == pytest.approx(list(expected))
    manifest = str(tmp_path / "x" / "manifest.parquet")
    done = duckdb.sql(f"SELECT count(*) FROM read_parquet('{manifest}') WHERE status = 'done'").fetchall()
    assert done == [(16,)]
    assert set(res.design.columns) >= {"phones_life_months", "vouchers_claim_share"}


def test_no_lock_file_is_left_behind(toy_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    out.mkdir()
    (out / ".lock").touch()  # left by an earlier version
    exp = toy_sweep(toy_dir, uncertainties={"parameters.phones.life_months": {"values": [24]}}, replicates=1)
    run_experiment(exp, out, executor="serial", run_function=toy_run)
    assert not (out / ".lock").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
