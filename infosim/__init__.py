"""infosim: an agent-based simulation (Mesa) of information consumption in Jiangsu under the
2020 policy levers — 5G build-out, gigabit pilots, terminal subsidies, consumption vouchers,
cloud incentives and awareness programmes.

Quick use::

    from infosim import run_scenario
    result = run_scenario("jiangsu_2020", seed=1)
    result.timeseries.plot(x="month", y="users_5g_network")
"""

from infosim.run import RunResult, run_scenario
from infosim.scenario import Scenario, apply_overrides, load_scenario

__version__ = "0.1.0"

__all__ = ["RunResult", "Scenario", "__version__", "apply_overrides", "load_scenario", "run_scenario"]


def __getattr__(name: str) -> object:
    # The model imports Mesa (slow); load it only when asked for.
    if name == "InfoConsumptionModel":
        from infosim.model import InfoConsumptionModel

        return InfoConsumptionModel
    raise AttributeError(name)
