"""A toy 'model' with known Sobol' indices, run through the real sensitivity pipeline.

In ``buildout_only`` the 5G network users at every month are

    f(x) = A1 x1 + A2 x2 + A3 x1 x3 + noise(seed),   x_i = -1 + 2 u_i,

where u_i is the position of parameter i in its range (uniform); the baseline has none, so the
paired effect ``buildout_5g_network_users`` is f. With x uniform on [-1, 1] (variance 1/3):
V = A1²/3 + A2²/3 + A3²/9, S1 = (A1²/3, A2²/3, 0)/V, ST = (A1²/3 + A3²/9, A2²/3, A3²/9)/V,
S2(x1, x3) = A3²/9 / V, and the fourth parameter is inert. The noise depends on the seed only,
so it is shared by every design point (common random numbers) and cancels out of the indices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from infosim.calendar import month_labels
from infosim.data import parameter_ranges
from infosim.run import RunResult

#: The toy's parameters: linear-scale ranges (x1, x2, x3, inert).
KEYS = (
    "parameters.phones.life_shape",
    "parameters.phones.price_4g_yuan",
    "parameters.plans.premium_yuan_per_user",
    "parameters.home.tv4k_price_yuan",
)
A1, A2, A3 = 2.0, 1.0, 3.0
NOISE_SD = 0.5
_V = A1**2 / 3 + A2**2 / 3 + A3**2 / 9
S1 = {KEYS[0]: A1**2 / 3 / _V, KEYS[1]: A2**2 / 3 / _V, KEYS[2]: 0.0, KEYS[3]: 0.0}
ST = {KEYS[0]: (A1**2 / 3 + A3**2 / 9) / _V, KEYS[1]: A2**2 / 3 / _V, KEYS[2]: A3**2 / 9 / _V, KEYS[3]: 0.0}
S2_13 = A3**2 / 9 / _V
#: Seed-noise share of one run: sigma² / (V + sigma²).
NOISE_SHARE = NOISE_SD**2 / (_V + NOISE_SD**2)


def _get(scenario, key: str) -> float:
    node = scenario
    for part in key.split(".")[:]:
        node = getattr(node, part)
    return float(node)


def toy_value(scenario, seed: int) -> float:
    """f(x) + noise(seed) for the scenario's parameter values."""
    ranges = parameter_ranges()
    x = [-1 + 2 * (_get(scenario, k) - ranges[k].low) / (ranges[k].high - ranges[k].low) for k in KEYS[:3]]
    noise = NOISE_SD * np.random.default_rng(seed).standard_normal()
    return A1 * x[0] + A2 * x[1] + A3 * x[0] * x[2] + noise


def toy_run(scenario, seed: int, *, households=None, months=None, keep_agents=False) -> RunResult:
    """A RunResult whose users_5g_network is the toy function in buildout_only, 0 elsewhere."""
    months = months or scenario.run.months
    labels = month_labels(months, scenario.run.start)
    value = toy_value(scenario, seed) if scenario.name == "buildout_only" else 0.0
    ts = pd.DataFrame({"month": labels, "users_5g_network": np.full(months, value)})
    empty_bd = pd.DataFrame({"dimension": pd.Series(dtype=str), "group": pd.Series(dtype=str),
                             "metric": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
    ledger = pd.DataFrame({"lever": pd.Series(dtype=str), "month": pd.Series(dtype=str),
                           "city": pd.Series(dtype=str), "recipient": pd.Series(dtype=str),
                           "yuan": pd.Series(dtype=float)})
    return RunResult(scenario.name, seed, ts, {"users_5g_network_end": value}, empty_bd, ledger)
