"""infosim: an agent-based simulation (Mesa) of information consumption in Jiangsu under the
2020 policy levers — 5G build-out, gigabit pilots, terminal subsidies, consumption vouchers,
cloud incentives and awareness programmes.

Quick use::

    from infosim import run_scenario, load_results
    result = run_scenario("jiangsu_2020", seed=1)
    result.timeseries.plot(x="month", y="users_5g_network")
    res = load_results("results/my_batch")     # a folder written by `infosim batch` / `sweep`

The names below are imported on first use, so ``import infosim`` (and the command line, and
every worker process) starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infosim.lazy import lazy_exports

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY = {
    "RunResult": "infosim.run",
    "run_scenario": "infosim.run",
    "Scenario": "infosim.scenario",
    "apply_overrides": "infosim.scenario",
    "load_scenario": "infosim.scenario",
    "load_results": "infosim.experiments",
    "InfoConsumptionModel": "infosim.model",
}

__all__ = ["InfoConsumptionModel", "RunResult", "Scenario", "__version__", "apply_overrides", "load_results",
           "load_scenario", "run_scenario"]  # fmt: skip

if TYPE_CHECKING:
    from infosim.experiments import load_results
    from infosim.model import InfoConsumptionModel
    from infosim.run import RunResult, run_scenario
    from infosim.scenario import Scenario, apply_overrides, load_scenario


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
