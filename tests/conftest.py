"""Shared fixtures: small, cached model runs (the model is deterministic given scenario and seed)."""

from __future__ import annotations

import functools

import pytest

from infosim.run import RunResult, run_scenario
from infosim.scenario import load_scenario


@functools.cache
def cached_run(scenario: str, seed: int, households: int, months: int, sets: tuple[str, ...] = ()) -> RunResult:
    """Run once per distinct argument tuple per test session."""
    return run_scenario(load_scenario(scenario, list(sets)), seed, households=households, months=months)


@pytest.fixture(scope="session")
def run_cached():
    """The cached runner, as a fixture."""
    return cached_run
