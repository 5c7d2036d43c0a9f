"""One simulation run: build the model for a scenario and seed, step it, return its outputs.

This is the unit of work every executor runs (see ``infosim.experiments``): a pure function of
(scenario, seed, scale) whose result is a :class:`RunResult` of plain DataFrames.
"""

from __future__ import annotations

import time
from pathlib import Path

from infosim.results import RunResult
from infosim.scenario import Scenario, load_scenario

__all__ = ["RunResult", "run_scenario"]


def run_scenario(
    scenario: Scenario | str | Path,
    seed: int = 0,
    *,
    households: int | None = None,
    months: int | None = None,
    keep_agents: bool = False,
    progress: bool = False,
) -> RunResult:
    """Simulate one scenario with one seed.

    Args:
        scenario: a :class:`Scenario`, or a scenario name / TOML path to load.
        seed: integer seed; all randomness flows from it.
        households: number of household agents (default: the scenario's ``run.households``).
        months: number of monthly steps (default: the scenario's ``run.months``).
        keep_agents: also return agent-level records and the agent-level payment log.
        progress: print a progress line per simulated year (for long single runs).

    Returns:
        A :class:`RunResult`.
    """
    from infosim.model import InfoConsumptionModel

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    t0 = time.perf_counter()
    model = InfoConsumptionModel(scenario, seed=seed, households=households, months=months, keep_agents=keep_agents)
    model.run(progress=progress)
    result = model.results()
    result.elapsed_s = time.perf_counter() - t0
    return result
