"""End to end at a tiny scale: `infosim calibrate` writes every output; resume; `run --posterior`
bands; `batch --posterior` pairs draws and seeds; `infosim validate` writes the report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from infosim.calibration.errors import CalibrationError
from infosim.calibration.posterior import load_posterior
from infosim.calibration.predictive import BAND_COLUMNS, check_monotone
from infosim.calibration.validate import README_END, README_START
from infosim.calibration.wstats import weighted_quantile
from infosim.interfaces.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
INFOSIM = [sys.executable, "-m", "infosim.interfaces.cli"]
runner = CliRunner()

pytestmark = pytest.mark.slow


def infosim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*INFOSIM, *map(str, args)], capture_output=True, text=True, timeout=900)


def invoke(*args: str) -> None:
    result = runner.invoke(app, list(map(str, args)), catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`infosim calibrate` of the tiny fixture spec (1,000 households, 6 particles, 2 generations)."""
    out = tmp_path_factory.mktemp("calib") / "tiny"
    proc = infosim("calibrate", FIXTURES / "tiny.toml", "--out", out, "--executor", "serial")
    assert proc.returncode == 0, proc.stderr
    assert "generation 1/2" in proc.stderr  # progress lines on stderr
    return out


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The time-split fixture calibration (targets up to 2020-12)."""
    out = tmp_path_factory.mktemp("calib") / "tiny_split"
    proc = infosim("calibrate", FIXTURES / "tiny_split.toml", "--out", out, "--executor", "serial", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return out


def test_calibrate_writes_every_output(calibrated: Path) -> None:
    for name in ("history.db", "posterior.parquet", "point_estimate.toml", "predictive.parquet", "diagnostics.md",
                 "calibration.json", "provenance.json"):
        assert (calibrated / name).is_file(), name
    for fig in ("generations", "marginals", "correlations", "predictive"):
        assert (calibrated / "figures" / f"{fig}.png").read_bytes()[:4] == b"\x89PNG"
    table = pd.read_parquet(calibrated / "posterior.parquet")
    params = ["parameters.phones.life_months", "parameters.phones.pull_forward_per_share"]
    assert list(table.columns) == ["particle", *params, "weight"]
    assert len(table) == 6 and table["weight"].sum() == pytest.approx(1.0)
    assert table["parameters.phones.life_months"].between(30, 54).all()
    assert table["parameters.phones.pull_forward_per_share"].between(0.5, 4.0).all()

    point = tomllib.loads((calibrated / "point_estimate.toml").read_text())
    for p in params:
        _, group, name = p.split(".")
        expected = weighted_quantile(table[p], table["weight"], 0.5)
        assert point["parameters"][group][name] == pytest.approx(expected)
    assert (calibrated / "point_estimate.toml").read_text().startswith("# Point estimate of calibration 'tiny'")

    meta = json.loads((calibrated / "calibration.json").read_text())
    assert meta["outcome"]["particles"] == 6 and meta["outcome"]["simulations"] > 6
    prov = json.loads((calibrated / "provenance.json").read_text())
    assert prov["targets_file"]["sha256"] and prov["versions"]["pyabc"] and "commit" in prov["git"]

    diag = (calibrated / "diagnostics.md").read_text()
    for section in ("## Generations", "## Posterior", "## What the data do not identify", "## Posterior-predictive"):
        assert section in diag
    pred = pd.read_parquet(calibrated / "predictive.parquet")
    assert pred["run"].nunique() == 4 and set(pred["target"]) == {
        "stations_2020_12", "stations_2021_06", "network_users_2021_03", "info_consumption_2020",
        "voucher_redemption_2020"}


def test_point_estimate_is_a_valid_scenario_fragment(calibrated: Path) -> None:
    from infosim.scenario import load_scenario

    fragment = tomllib.loads((calibrated / "point_estimate.toml").read_text())
    assert list(fragment) == ["parameters"]  # sections only: a scenario can include it
    overrides = {f"parameters.{group}.{name}": value for group, table in fragment["parameters"].items()
                 for name, value in table.items()}
    post = load_posterior(calibrated)
    assert overrides == pytest.approx(post.point_estimate)
    scenario = load_scenario("jiangsu_2020", overrides=overrides)
    assert scenario.parameters.phones.life_months == post.point_estimate["parameters.phones.life_months"]
    shipped = load_scenario("jiangsu_2020").parameters.phones.life_months
    assert shipped == post.priors[0].default  # the shipped scenario is untouched


def test_resume_and_refusals(calibrated: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(calibrated, copy)
    before = pd.read_parquet(copy / "posterior.parquet")
    again = infosim("calibrate", FIXTURES / "tiny.toml", "--out", copy)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        f"error: {copy} already holds a calibration; pass --resume to continue it, --overwrite to replace it, or "
        "--out DIR for a new folder"
    ]
    resumed = infosim("calibrate", FIXTURES / "tiny.toml", "--out", copy, "--resume", "--executor", "serial")
    assert resumed.returncode == 0, resumed.stderr
    assert "generation 1/2" not in resumed.stderr  # nothing recomputed
    pd.testing.assert_frame_equal(before, pd.read_parquet(copy / "posterior.parquet"))
    changed = infosim("calibrate", FIXTURES / "tiny.toml", "--out", copy, "--resume", "--particles", "7")
    assert changed.returncode == 2
    assert ("holds a different calibration (changed: abc.population_size: 6 -> 7); it can only be resumed with the "
            "same spec, targets and options except the stopping rules (abc.max_simulations") in changed.stderr
    # with the stochastic distance the generations set the temperature schedule: not a stopping rule
    longer = infosim("calibrate", FIXTURES / "tiny.toml", "--out", copy, "--resume", "--generations", "3")
    assert longer.returncode == 2
    assert "(changed: abc.generations: 2 -> 3 (with distance = 'stochastic' the generations set the temperature " \
        "schedule" in longer.stderr


def test_resume_with_a_larger_budget_continues_exactly(tmp_path: Path) -> None:
    """The tiny calibration (adaptive_pnorm, 3 generations, 300 households) with a budget B1 that
    stops it inside generation 1, then the same spec file edited to B2 > B1 and --resume: the same
    history, posterior and predictive check as one uninterrupted run with B2, and calibration.json
    records the new budget and the history of budgets. (The tiny stochastic calibration reaches
    temperature 1 in generation 0: nothing to extend; tests/calibration/test_engine.py covers both
    distances.)"""
    from infosim.calibration.api import calibrate

    from .test_engine import all_generations

    text = (FIXTURES / "tiny.toml").read_text().replace("households = 1000", "households = 300")
    text = text.replace("generations = 2", 'generations = 3\ndistance = "adaptive_pnorm"')

    def spec(folder: str, budget: int | None) -> Path:
        (tmp_path / folder).mkdir(exist_ok=True)
        shutil.copy(FIXTURES / "targets.toml", tmp_path / folder / "targets.toml")
        path = tmp_path / folder / "tiny.toml"
        path.write_text(text + (f"max_simulations = {budget}\n" if budget else ""))
        return path

    ref = calibrate(spec("ref", None), out=tmp_path / "ref" / "out", executor="serial", progress=False)
    assert (ref.generations, ref.stop_reason) == (3, "all 3 generations run")
    pops_ref, dists_ref = all_generations(tmp_path / "ref" / "out")
    total = pops_ref.set_index("t")["samples"].cumsum()
    b1, b2 = int(total.loc[0]) + 1, ref.simulations + 50
    out = tmp_path / "ext" / "out"
    first = calibrate(spec("ext", b1), out=out, executor="serial", progress=False)
    assert (first.generations, first.simulations) == (1, int(total.loc[0]))
    assert first.stop_reason.startswith(f"generation 1 not completed: it would exceed the simulation budget ({b1})")
    again = calibrate(spec("ext", b2), out=out, executor="serial", resume=True, progress=False)
    assert (again.generations, again.simulations, again.stop_reason) == (3, ref.simulations, "all 3 generations run")
    pops, dists = all_generations(out)
    pd.testing.assert_frame_equal(pops_ref, pops)
    for (f_ref, w_ref), (f, w) in zip(dists_ref, dists, strict=True):
        pd.testing.assert_frame_equal(f_ref, f)
        assert list(w_ref) == list(w)
    for name in ("posterior.parquet", "predictive.parquet"):  # the predictive check is redone on the new posterior
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ref" / "out" / name), pd.read_parquet(out / name))
    meta = json.loads((out / "calibration.json").read_text())
    ref_meta = json.loads((tmp_path / "ref" / "out" / "calibration.json").read_text())
    assert meta["definition"]["spec"]["abc"]["max_simulations"] == b2
    assert meta["definition_sha256"] == ref_meta["definition_sha256"]  # the same problem: stopping rules aside
    rules = {"min_acceptance_rate": 0.0, "min_epsilon": None, "generations": 3}
    assert meta["budget_history"] == [
        {"session": 0, "stopping": {"max_simulations": b1, **rules}},
        {"session": 1, "stopping": {"max_simulations": b2, **rules},
         "stored_before": {"generations": 1, "simulations": int(total.loc[0])}},
    ]
    assert len(meta["sessions"]) == 2
    assert meta["predictive"] == {"draws": 4, "generation": 2}
    # below what is stored: refused, naming the key and both values; calibration.json unchanged
    spec("ext", 10)
    with pytest.raises(CalibrationError, match=rf"abc\.max_simulations: {b2} -> 10: {ref.simulations:,} "
                       "simulations are already stored"):
        calibrate(tmp_path / "ext" / "tiny.toml", out=out, executor="serial", resume=True, progress=False)
    assert json.loads((out / "calibration.json").read_text()) == meta


def test_bad_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text((FIXTURES / "tiny.toml").read_text().replace("[abc]", "[abc]\nparticles = 3"))
    shutil.copy(FIXTURES / "targets.toml", tmp_path / "targets.toml")
    proc = infosim("calibrate", spec)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {spec}: key abc.particles: unknown key; allowed here: population_size, generations, distance, "
        "transition, transition_scaling, min_epsilon, max_simulations, min_acceptance_rate, predictive_draws"
    ]


def test_run_posterior_writes_bands(calibrated: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    invoke("run", "jiangsu_2020", "--posterior", 3, "--seeds-per-draw", 2, "--calibration", calibrated,
           "--households", 1000, "--months", 15, "--out", out)
    bands = pd.read_parquet(out / "timeseries_bands.parquet")
    assert tuple(bands.columns) == BAND_COLUMNS
    ts = pd.read_parquet(out / "timeseries.parquet")
    numeric = [c for c in ts.columns if c != "month"]
    assert set(bands["outcome"]) == set(numeric)
    assert len(bands) == len(numeric) * 15
    assert check_monotone(bands)
    users = bands[bands["outcome"] == "users_5g_network"]
    assert (users["p95"] > users["p05"]).iloc[-1]  # 6 runs with different draws and seeds differ
    draws = pd.read_parquet(out / "posterior_draws.parquet")
    assert len(draws) == 6 and draws["seed"].nunique() == 6 and draws["draw_index"].nunique() == 3
    assert (out / "timeseries_bands.png").read_bytes()[:4] == b"\x89PNG"
    run_meta = json.loads((out / "summary.json").read_text())["run"]["scenario"]
    post = load_posterior(calibrated)
    assert run_meta["parameters"]["phones"]["life_months"] == post.point_estimate["parameters.phones.life_months"]


def test_batch_posterior_pairs_draws_and_seeds(calibrated: Path, tmp_path: Path) -> None:
    from infosim.analysis import compare
    from infosim.experiments import load_results

    out = tmp_path / "batch"
    invoke("batch", "baseline", "jiangsu_2020", "--posterior", 3, "--calibration", calibrated, "--households", 1000,
           "--months", 12, "--out", out)
    res = load_results(out)
    m = res.manifest
    assert (m["status"] == "done").all() and "posterior_draw" in m.columns
    per_rep = m.groupby("replicate").agg(draws=("posterior_draw", "nunique"), seeds=("seed", "nunique"))
    assert (per_rep == 1).all().all()  # the same draw and seed for both scenarios
    post = load_posterior(calibrated)
    expected = post.sample(3, seed=0)
    assert list(m.sort_values(["replicate", "scenario"]).drop_duplicates("replicate")["posterior_draw"]) == list(
        expected["draw"])
    rid = m.loc[(m["scenario"] == "baseline") & (m["replicate"] == 1), "run_id"].iloc[0]
    used = res.scenario(rid).parameters.phones.life_months
    assert used == pytest.approx(post.draws["parameters.phones.life_months"].iloc[int(expected["draw"].iloc[1])])
    assert "posterior" in res.experiment["definition"]
    cmp = compare(out, "baseline", horizons=["2020-12"], outcomes=["users_5g_network"])
    eff = cmp.effects
    assert int(eff["n"].iloc[0]) == 3


def test_validate_writes_the_report(calibrated: Path, split: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    notes = Path("docs/validation_notes.md").read_text()
    heading = "## Calibrated by construction and emergent outputs\n"
    assert heading in notes
    (docs / "validation_notes.md").write_text(notes.replace(heading, heading + "\nMARKER-CONSTRUCTION which outputs\n"))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold table\n{README_END}\nrest\n")
    invoke("validate", "--calibration", calibrated, "--time-split", split, "--out", docs / "validation.md",
           "--draws", 3, "--executor", "serial", "--readme", readme)
    report = (docs / "validation.md").read_text()
    for section in ("## Summary", "## In sample: the targets", "## Out of sample: holdout observations",
                    "## Time-split test", "## Observed series", "## Posterior", "## Identification",
                    "## Calibrated by construction and emergent outputs"):
        assert section in report
    assert "MARKER-CONSTRUCTION which outputs" in report  # notes included verbatim
    assert "time split: targets after 2020-12 | 2 |" in report
    assert "stations_2022_06" in report and "core_cloud_2022_12" in report  # the holdout
    anchor = (docs / "figures" / "anchor_table.md").read_text()
    assert anchor.count("\n| ") == 5 + 1  # header + one row per target
    assert readme.read_text() == f"intro\n{README_START}\n{anchor}{README_END}\nrest\n"  # the README's table
    for fig in ("targets", "holdout", "time_split", "correlations", "series_base_stations_5g"):
        assert (docs / "figures" / "validation" / f"{fig}.png").is_file()


def test_validate_refuses_a_readme_without_markers_before_running(calibrated: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    done = infosim("validate", "--calibration", calibrated, "--out", tmp_path / "v.md", "--readme", readme)
    assert done.returncode == 2 and "no anchor-table markers" in done.stderr
    assert not (tmp_path / "v.md").exists()
    assert readme.read_text() == "no markers\n"
