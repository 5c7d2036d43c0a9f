"""The `infosim` command: run writes series, breakdowns and a chart; bad input is one clear line."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"

INFOSIM = [sys.executable, "-m", "infosim.interfaces.cli"]


def infosim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*INFOSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_run_writes_series_breakdowns_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = infosim(
        "run",
        "jiangsu_2020",
        "--households",
        "5000",
        "--months",
        "24",
        "--seed",
        "3",
        "--set",
        "levers.vouchers.claim_share=0.5",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "5G network users" in proc.stdout
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["month"][:2]) == ["2020-01", "2020-02"] and len(ts) == 24
    pd.testing.assert_frame_equal(ts, pd.read_csv(out / "timeseries.csv"), check_dtype=False)
    for col in [
        "base_stations_5g",
        "users_5g_handset",
        "users_5g_network",
        "share_gigabit_households",
        "share_smart_home_households",
        "firms_core_cloud",
        "firms_star_cloud",
        "info_consumption_yuan",
        "fiscal_spend_yuan",
        "fiscal_spend_vouchers_yuan",
        "fiscal_spend_terminal_subsidy_yuan",
        "fiscal_spend_cloud_incentive_yuan",
        "fiscal_spend_buildout_yuan",
    ]:
        assert col in ts.columns
    dims = set(pd.read_parquet(out / "breakdowns.parquet")["dimension"])
    assert {"income_quintile", "urban_rural", "elderly", "city", "size_class", "sector"} <= dims
    assert (out / "timeseries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "summary.json").read_text())
    assert meta["run"]["scenario"]["levers"]["vouchers"]["claim_share"] == 0.5
    assert meta["run"]["seed"] == 3
    from infosim.experiments.numerics import numerics_fingerprint

    assert meta["run"]["numerics"] == numerics_fingerprint()  # the CLI ran here, in this environment


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "no_such_scenario"], "unknown scenario 'no_such_scenario'"),
        (["run", "baseline", "--set", "levers.vouchers.claim_share=7"], "levers.vouchers.claim_share"),
        (["run", "baseline", "--set", "parameters.phones.lifetime=3"], "unknown key; allowed here"),
        (["run", "baseline", "--households", "3"], "run.households"),
    ],
    ids=["unknown-scenario", "out-of-range", "unknown-key", "too-few-households"],
)
def test_bad_input_gives_one_line_and_exit_2(args: list[str], fragment: str, tmp_path: Path) -> None:
    proc = infosim(*args, "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    assert fragment in errors[0]


def test_validate_reports_each_bad_file(tmp_path: Path) -> None:
    good = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[run]\nmonths = 0\n')
    proc = infosim("scenarios", "validate", str(good), str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "ok" in proc.stdout and str(bad) in proc.stderr and "run.months" in proc.stderr


def test_scenarios_list_and_show() -> None:
    listing = infosim("scenarios", "list")
    assert listing.returncode == 0 and "vouchers_targeted" in listing.stdout
    assert "package" in listing.stdout  # where each scenario comes from
    shown = infosim("scenarios", "show", "vouchers_targeted", "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["levers"]["vouchers"]["eligibility"] == "rural_or_elderly"


@pytest.mark.slow
def test_second_run_into_a_folder_replaces_the_previous_results(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = infosim("run", "baseline", "--households", "300", "--months", "6", "--keep-agents", "--out", str(out))
    assert first.returncode == 0 and "replaced" not in first.stderr
    assert (out / "agents.parquet").is_file()
    second = infosim("run", "vouchers_only", "--households", "300", "--months", "4", "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert f"replaced the previous results in {out}" in second.stderr
    assert not (out / "agents.parquet").exists()  # nothing of the first run is left to mix in
    assert len(pd.read_parquet(out / "timeseries.parquet")) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left
