"""A tiny real-model problem whose optimum is obvious, and the chosen policies written back as ordinary
scenario files that `infosim run`, `batch`, `compare` and `report` use unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from infosim.optimise import load_optimisation, optimise
from infosim.optimise.run import OptimisationPlan
from infosim.optimise.spec import spec_from_dict
from infosim.scenario import load_scenario

pytestmark = pytest.mark.slow

INFOSIM = [sys.executable, "-m", "infosim.interfaces.cli"]
B = 3e8
#: Only the cloud incentive moves the number of firms with core business on cloud: the best use of a
#: budget split between vouchers and the cloud incentive, for that objective alone, is all of it to the cloud.
CLOUD = {
    "name": "cloud", "base": "jiangsu_2020", "seed": 5, "households": 300, "months": 12, "horizon": "2020-12",
    "draws": 1, "replicates": 1, "ensemble_parameters": ["parameters.phones.life_months"],
    "budget": {"total_yuan": B, "spend": "all"},
    "variables": {"levers.vouchers.budget_yuan": {"share": [0, 1]},
                  "levers.cloud_incentive.budget_yuan": {"share": [0, 1]},
                  "levers.vouchers.eligibility": {"values": ["all", "low_income"]}},
    "objectives": [{"metric": "extra_core_cloud_firms", "direction": "max"}],
    "algorithm": {"population": 10, "generations": 10},
}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("real")
    out, scen = root / "cloud", root / "scenarios" / "optimised"
    optimise(spec_from_dict(CLOUD), out, executor="serial", progress=False, log=lambda _: None, scenarios_out=scen)
    return out, scen


def test_the_whole_budget_goes_to_the_only_lever_that_moves_the_objective(cloud: tuple[Path, Path]) -> None:
    res = load_optimisation(cloud[0])
    best = res.pareto[res.pareto["set"] != "reference"].iloc[0]
    assert best["share_cloud_incentive"] >= 0.9 and best["share_vouchers"] <= 0.1
    assert best["chosen"].startswith("best on average for extra_core_cloud_firms")
    rob = res.robustness.set_index("candidate")
    assert rob.at[best["policy"], "mean"] == rob["mean"].max()
    # money moved to vouchers only loses firms: the objective rises with the cloud's share across every candidate
    both = res.candidates.merge(rob[["mean"]], left_on="candidate", right_index=True)
    assert spearmanr(both["share_cloud_incentive"], both["mean"]).statistic > 0.9


def test_no_candidate_exceeds_the_budget(cloud: tuple[Path, Path]) -> None:
    res = load_optimisation(cloud[0])
    c = res.candidates
    assert (c["share_sum"] <= 1.0 + 1e-9).all()
    plan = OptimisationPlan(res.spec)
    for settings in c["settings"]:
        sc = plan.space.candidate(json.loads(settings)).scenario
        assert sc.levers.vouchers.budget_yuan + sc.levers.cloud_incentive.budget_yuan <= B


def test_written_scenarios_are_the_evaluated_policies(cloud: tuple[Path, Path]) -> None:
    res = load_optimisation(cloud[0])
    chosen = res.pareto[res.pareto["chosen"] != ""]
    assert len(chosen) >= 1 and all(Path(f).is_file() for f in chosen["scenario_file"])
    plan = OptimisationPlan(res.spec)
    for row in chosen.itertuples():
        text = Path(row.scenario_file).read_text()
        assert text.startswith(f"# {Path(row.scenario_file).name}: found by `infosim optimise")
        assert 'extends = "jiangsu_2020"' in text and "parameters" not in text.split("extends")[1]
        written = load_scenario(row.scenario_file)
        settings = json.loads(res.candidates.set_index("candidate").at[row.policy, "settings"])
        evaluated = plan.space.candidate(settings).scenario  # as run, with the spec's constants
        drop = {"name", "description", "extends", "run"}
        assert written.model_dump(exclude=drop) == evaluated.model_dump(exclude=drop)
        assert written.run == load_scenario("jiangsu_2020").run  # the base's scale, not the search's


def infosim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*INFOSIM, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_run_batch_compare_and_report_use_the_written_scenarios(cloud: tuple[Path, Path], tmp_path: Path) -> None:
    scen = cloud[1]
    first = sorted(scen.glob("*.toml"))[0]
    small = ["--households", "300", "--months", "6", "--set", "run.enterprises=1000"]
    ran = infosim("run", str(first), *small, "--out", str(tmp_path / "one"), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    by_name = f"optimised/{first.stem}"
    batch = infosim("batch", "baseline", by_name, "jiangsu_2020", "-r", "2", *small, "--executor", "serial",
                    "--scenarios", str(scen.parent), "--out", str(tmp_path / "b"), "--no-progress", cwd=tmp_path)
    assert batch.returncode == 0, batch.stderr
    compared = infosim("compare", str(tmp_path / "b"), "--horizon", "end", cwd=tmp_path)
    assert compared.returncode == 0 and first.stem in compared.stdout, compared.stderr
    report = infosim("report", str(tmp_path / "b"), "--out", str(tmp_path / "r.html"), cwd=tmp_path)
    assert report.returncode == 0 and (tmp_path / "r.html").stat().st_size > 10_000, report.stderr
    assert np.isfinite(json.loads((tmp_path / "b" / "experiment.json").read_text())["n_runs"])
