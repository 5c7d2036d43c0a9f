"""Shared fixtures: small, cached model runs (the model is deterministic given scenario and seed)."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import subprocess
import sys

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


def infosim_in_process(*args: str, cwd: os.PathLike | str | None = None) -> subprocess.CompletedProcess:
    """Run ``infosim ARGS`` through the real entry point (``main()``: the same error handling and
    exit codes as the installed command) in this process, capturing stdout and stderr.

    For the many bad-input checks: a fresh interpreter costs ~1 s of imports per call, which is
    what the subprocess tests elsewhere (and ``tests/cli/test_startup.py``) already cover.
    """
    from infosim.interfaces.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = ["infosim", *map(str, args)]
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return subprocess.CompletedProcess(["infosim", *map(str, args)], code, out.getvalue(), err.getvalue())


@pytest.fixture
def infosim_cli():
    """:func:`infosim_in_process`, as a fixture."""
    return infosim_in_process
