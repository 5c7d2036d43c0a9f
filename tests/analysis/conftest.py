"""Fixtures for the analysis tests: small real model runs, in memory and in a results folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from infosim.run import RunResult, run_scenario
from infosim.scenario import load_scenario

HOUSEHOLDS = 4000
MONTHS = 26  # through 2022-02: covers the end-2020 and end-2021 horizons
SEEDS = (11, 12, 13)


def runs(names: tuple[str, ...], seeds: tuple[int, ...] = SEEDS, sets: tuple[str, ...] = ()) -> list[RunResult]:
    """Real runs at test scale, agent-level records kept."""
    return [
        run_scenario(load_scenario(name, list(sets)), seed, households=HOUSEHOLDS, months=MONTHS, keep_agents=True)
        for name in names for seed in seeds
    ]


@pytest.fixture(scope="session")
def small_runs() -> list[RunResult]:
    """baseline, jiangsu_2020 and vouchers_only, three paired seeds each."""
    return runs(("baseline", "jiangsu_2020", "vouchers_only"))


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder from ``Experiment.batch``: the baseline, a scenario identical to it
    (another file that only extends it), terminal subsidies and vouchers; 2 replicates,
    agent-level records kept."""
    from infosim.experiments import Experiment, run_experiment

    scen = tmp_path_factory.mktemp("scenarios")
    same = scen / "same_as_baseline.toml"
    same.write_text('name = "same_as_baseline"\nextends = "baseline"\ndescription = "identical to the baseline"\n')
    exp = Experiment.batch(
        ["baseline", str(same), "terminal_subsidy_only", "vouchers_only"], replicates=2, seed=5,
        households=3000, months=MONTHS, keep_agents=True, name="analysis-test",
    )
    out = tmp_path_factory.mktemp("results") / "analysis-test"
    report = run_experiment(exp, out, executor="serial", progress=False)
    assert report.ok, report.failures
    return out
