"""Every shipped scenario runs; Mesa sees the agents; a 1,000,000-household run works."""

import pytest

from infosim.agents import Enterprise, Household, Operator
from infosim.model import InfoConsumptionModel
from infosim.run import run_scenario
from infosim.scenario import list_scenarios


@pytest.mark.parametrize("name", sorted(list_scenarios()))
def test_every_shipped_scenario_runs(name: str) -> None:
    result = run_scenario(name, 1, households=2_000, months=6)
    assert len(result.timeseries) == 6
    assert result.timeseries["info_consumption_yuan"].gt(0).all()


def test_mesa_agents_by_type_lists_households_enterprises_operators() -> None:
    model = InfoConsumptionModel("jiangsu_2020", seed=1, households=3_000, months=3)
    model.run()
    by_type = model.agents_by_type
    assert len(by_type[Household]) == 3_000
    assert len(by_type[Enterprise]) == model.enterprises.state.n
    assert sorted(op.name for op in by_type[Operator]) == sorted(
        ["China Mobile", "China Telecom", "China Unicom", "China Broadcasting Network"]
    )
    # Views read the arrays: Mesa's AgentSet tools see the current state.
    owners = by_type[Household].select(lambda h: h.has_5g_phone)
    assert len(owners) == int(model.households.state.phone5g.sum())
    assert by_type[Enterprise].agg("cloud_stage", max) <= 3


def test_agent_views_can_be_switched_off() -> None:
    model = InfoConsumptionModel("baseline", seed=1, households=1_000, months=1)
    assert model.config.run.agent_views == "auto"
    none = InfoConsumptionModel(
        model.config.model_copy(update={"run": model.config.run.model_copy(update={"agent_views": "none"})}),
        seed=1,
        households=1_000,
        months=1,
    )
    assert Household not in none.agents_by_type
    assert Operator in none.agents_by_type


@pytest.mark.slow
def test_one_million_households_run() -> None:
    result = run_scenario("jiangsu_2020", 1, households=1_000_000, months=3)
    ts = result.timeseries
    assert len(ts) == 3
    assert result.meta["households"] == 1_000_000
    assert ts["users_5g_handset"].iloc[-1] > ts["users_5g_handset"].iloc[0] > 0
