"""A toy 'model' with a known Pareto front, run through the real optimiser plumbing.

Two lever settings x1 = ``levers.terminal_subsidy.share_of_price`` and x2 =
``levers.cloud_incentive.subsidy_share`` (both searched on [0, 1]) set, in every scenario but the
baseline,

    extra consumption   f1 = X1 * x1
    extra 5G users      f2 = X2 * a(draw) * (1 - x1**2 - (x2 - 0.3)**2)

with a(draw) = 1 + 0.5 * (position of ``parameters.phones.life_months`` in its range) > 0. The
baseline has neither, so the paired effects are f1 and f2. Both objectives maximised: the Pareto
set is x2 = 0.3, x1 in [0, 1]; its front (means over the draws) is f2 = X2 * mean(a) * (1 - (f1/X1)**2).
Seed noise is the same in every scenario of a seed (common random numbers) and cancels.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from infosim.calendar import month_labels
from infosim.data import parameter_ranges
from infosim.run import RunResult

X1, X2 = 1e9, 1e6
DRAW_KEY = "parameters.phones.life_months"
X1_KEY = "levers.terminal_subsidy.share_of_price"
X2_KEY = "levers.cloud_incentive.subsidy_share"


def draw_factor(scenario) -> float:
    r = parameter_ranges()[DRAW_KEY]
    return 1.0 + 0.5 * (scenario.parameters.phones.life_months - r.low) / (r.high - r.low)


def toy_objectives(x1: float, x2: float, a: float = 1.0) -> tuple[float, float]:
    return X1 * x1, X2 * a * (1.0 - x1**2 - (x2 - 0.3) ** 2)


#: Set to a scenario name to make its runs fail (an interruption, for the resume test).
FAIL_ENV = "INFOSIM_TOY_FAIL"


def toy_run(scenario, seed: int, *, households=None, months=None, keep_agents=False) -> RunResult:
    """A RunResult with the toy's consumption (in the first month) and 5G users."""
    if os.environ.get(FAIL_ENV) == scenario.name:
        raise RuntimeError(f"injected failure of {scenario.name}")
    months = months or scenario.run.months
    labels = month_labels(months, scenario.run.start)
    noise = np.random.default_rng(seed).standard_normal(2)
    f1, f2 = 0.0, 0.0
    if scenario.name != "baseline":
        f1, f2 = toy_objectives(scenario.levers.terminal_subsidy.share_of_price,
                                scenario.levers.cloud_incentive.subsidy_share, draw_factor(scenario))
    consumption = np.zeros(months)
    consumption[0] = f1 + 1e8 * noise[0]
    ts = pd.DataFrame({"month": labels, "info_consumption_yuan": consumption,
                       "users_5g_network": np.full(months, f2 + 1e5 * noise[1])})
    empty_bd = pd.DataFrame({"dimension": pd.Series(dtype=str), "group": pd.Series(dtype=str),
                             "metric": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    ledger = pd.DataFrame({"lever": pd.Series(dtype=str), "month": pd.Series(dtype=str),
                           "city": pd.Series(dtype=str), "recipient": pd.Series(dtype=str),
                           "yuan": pd.Series(dtype=float)})
    return RunResult(scenario.name, seed, ts, {}, empty_bd, ledger)


def toy_spec(**changes) -> dict:
    """A spec of the toy problem (NSGA-II, 2 draws x 2 seeds)."""
    raw = {
        "name": "toy", "base": "jiangsu_2020", "seed": 11, "households": 200, "months": 3, "horizon": "end",
        "draws": 2, "replicates": 2, "ensemble_parameters": [DRAW_KEY],
        "variables": {X1_KEY: {"range": [0.0, 1.0]}, X2_KEY: {"range": [0.0, 1.0]}},
        "objectives": [{"metric": "extra_consumption", "direction": "max"},
                       {"metric": "extra_5g_network_users", "direction": "max"}],
        "algorithm": {"population": 16, "generations": 15},
        "write_back": {"policies": "none"},
    }
    raw.update(changes)
    return raw
