"""Toy simulators with known posteriors, for the ABC machinery (importable by worker processes)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: Calls of :class:`Interrupting` in this process (module state: the simulator itself is
#: unpickled afresh for every generation).
CALLS = {"n": 0}


def normal_mean(params: Mapping[str, float], seed: int) -> dict[str, float]:
    """y = mu + N(0, 0.5**2)."""
    rng = np.random.default_rng(seed)
    return {"y": float(params["mu"] + rng.normal(0.0, 0.5))}


def sum_pair(params: Mapping[str, float], seed: int) -> dict[str, float]:
    """y1 = a + N(0, 0.05**2), y2 = a + b + N(0, 0.05**2): a and b are negatively correlated."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0.0, 0.05, size=2)
    return {"y1": float(params["a"] + e[0]), "y2": float(params["a"] + params["b"] + e[1])}


class Interrupting:
    """`sum_pair`, raising KeyboardInterrupt on the call after `after` calls (None: never)."""

    def __init__(self, after: int | None):
        self.after = after

    def __call__(self, params: Mapping[str, float], seed: int) -> dict[str, float]:
        CALLS["n"] += 1
        if self.after is not None and CALLS["n"] > self.after:
            raise KeyboardInterrupt
        return sum_pair(params, seed)


#: The many-parameter toy: 15 uniform(0, 1) parameters, of which the data inform only the first 5
#: (like the shipped calibration, where most parameters are weakly identified).
MANY = tuple(f"p{i:02d}" for i in range(15))
MANY_INFORMED = 5


def many_weakly_identified(params: Mapping[str, float], seed: int) -> dict[str, float]:
    """y_i = p_i + N(0, 0.02**2) for the first five parameters; the other ten do nothing."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0.0, 0.02, size=MANY_INFORMED)
    return {f"y{i}": float(params[MANY[i]] + e[i]) for i in range(MANY_INFORMED)}
