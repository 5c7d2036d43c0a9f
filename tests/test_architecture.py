"""The architecture holds: imports flow one way (import-linter contract in pyproject.toml), the
collector writes exactly the registry's series, and agents never import the levers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infosim.levers import LEVER_NAMES, lever_outcomes, levers_paying
from infosim.outcomes import series_outcomes
from infosim.run import run_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_layer_contract_is_kept() -> None:
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_layer_contract_catches_an_upward_import() -> None:
    """The contract is not vacuous: a world module importing the model breaks it."""
    from importlinter.cli import lint_imports

    rogue = ROOT / "infosim" / "world" / "_rogue_for_test.py"
    rogue.write_text("from infosim.model import InfoConsumptionModel  # noqa: F401\n")
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) != 0
    finally:
        rogue.unlink()


def test_the_collector_writes_exactly_the_registry_series() -> None:
    run = run_scenario("jiangsu_2020", 1, households=1_000, months=2)
    operators = ["China Mobile", "China Telecom", "China Unicom", "China Broadcasting Network"]
    expected = [o.name for o in series_outcomes(LEVER_NAMES, operators, lever_outcomes(), levers_paying("household"))]
    assert list(run.timeseries.columns) == ["month", *expected]


@pytest.mark.parametrize("package", ["agents", "world", "parameters"])
def test_agents_and_world_know_nothing_of_the_levers(package: str) -> None:
    for path in (ROOT / "infosim" / package).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) infosim\.levers", text, flags=re.M), f"{path} imports the levers"


@pytest.mark.parametrize("package", ["infosim", "infosim.sensitivity", "infosim.optimise"])
def test_lazy_exports_do_not_share_a_name_with_a_submodule(package: str) -> None:
    """Importing a submodule sets it as an attribute of its package, so a lazily exported name
    equal to a submodule's (as `recheck` was) turns into the module once anything imports it."""
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    submodules = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    assert sorted(set(pkg._LAZY) & submodules) == []
