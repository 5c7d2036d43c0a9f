"""Shared fixtures: small, cached model runs (the model is deterministic given scenario and seed)."""

from __future__ import annotations

import functools
import os

import pytest
from hypothesis import HealthCheck, settings

from infosim.run import RunResult, run_scenario
from infosim.scenario import load_scenario

# Property tests: a modest budget by default (CI); `pytest --hypothesis-profile=thorough` for long runs.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=25, **_PROFILE)
settings.register_profile("thorough", max_examples=1000, **_PROFILE)
settings.load_profile(os.environ.get("INFOSIM_HYPOTHESIS_PROFILE", "ci"))


@functools.cache
def cached_run(scenario: str, seed: int, households: int, months: int, sets: tuple[str, ...] = ()) -> RunResult:
    """Run once per distinct argument tuple per test session."""
    return run_scenario(load_scenario(scenario, list(sets)), seed, households=households, months=months)


@pytest.fixture(scope="session")
def run_cached():
    """The cached runner, as a fixture."""
    return cached_run
