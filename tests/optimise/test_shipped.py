"""The shipped optimisation spec plans what its comments say, and the shipped policies in
scenarios/optimised/ are ordinary scenarios that load by name and run."""

from __future__ import annotations

from pathlib import Path

import pytest

from infosim.optimise.run import OptimisationPlan
from infosim.optimise.search import n_reference_directions
from infosim.optimise.spec import load_optimise_spec
from infosim.run import run_scenario
from infosim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "experiments" / "optimise_jiangsu_2020.toml"
SHIPPED = sorted((ROOT / "scenarios" / "optimised").glob("*.toml"))


def test_the_shipped_spec_plans_the_documented_search() -> None:
    spec = load_optimise_spec(SPEC)
    plan = OptimisationPlan(spec, SPEC)
    assert plan.total_yuan == pytest.approx(5.8e9)  # the 2020 budgets of the five levers
    assert (spec.algorithm_name, n_reference_directions(spec)) == ("nsga3", 35)
    assert plan.max_runs() == 2_896 and plan.runs_per_candidate == 8
    assert plan.reference.model_dump() == plan.base.model_dump()  # the 2020 package as written
    assert "buildout" not in " ".join(spec.variables)


def test_policies_are_shipped() -> None:
    assert [p.stem for p in SHIPPED] == [f"optimise_jiangsu_2020_{k}" for k in range(len(SHIPPED))]
    assert len(SHIPPED) >= 2


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_policy_loads_by_name_and_runs(path: Path) -> None:
    text = path.read_text()
    assert text.startswith(f"# {path.name}: found by `infosim optimise experiments/optimise_jiangsu_2020.toml`")
    sc = load_scenario(f"optimised/{path.stem}")
    assert sc.name == path.stem and sc.extends == "jiangsu_2020"
    budgets = sum(getattr(sc.levers, lv).budget_yuan
                  for lv in ("terminal_subsidy", "vouchers", "cloud_incentive", "gigabit", "awareness"))
    assert budgets <= 5.8e9
    run = run_scenario(sc, 1, households=1_000, months=2)
    assert len(run.timeseries) == 2
