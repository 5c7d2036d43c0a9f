"""The simulator ABC calls: parameters and a seed in, the targets' statistics out.

:class:`ModelSimulator` is picklable and self-contained (it carries the resolved scenario as a
plain dict), so it runs in worker processes and on Dask workers without scenario files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infosim.calibration.priors import Prior
from infosim.calibration.targets import Target, evaluate

#: Stand-in for a statistic that is not a finite number (a ratio over zero): far from any
#: observation, so the particle is rejected, yet finite so pyabc's adaptive steps stay defined.
NOT_FINITE = 1e30


def child_seeds(seed: int, n: int) -> list[int]:
    """`n` model seeds spawned from `seed` (numpy SeedSequence; below 2**63)."""
    if n == 1:
        return [seed]
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in np.random.SeedSequence(seed).spawn(n)]


def overrides_for(priors: Sequence[Prior], values: Mapping[str, float]) -> dict[str, Any]:
    """Scenario overrides ``{path: value}`` (whole numbers as int)."""
    return {p.path: round(float(values[p.path])) if p.integer else float(values[p.path]) for p in priors}


@dataclass(frozen=True)
class ModelSimulator:
    """Runs the model for one particle and returns the targets' statistics.

    Attributes:
        scenario_data: the resolved scenario (JSON dict; households and months set).
        priors: the calibrated parameters (whole-number ones are passed to the scenario as int).
        targets: the targets whose statistics are returned.
        replicates: runs per particle, with seeds spawned from the particle's seed; the
            statistics are averaged.
    """

    scenario_data: dict[str, Any]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    replicates: int = 1

    def scenario(self, overrides: Mapping[str, Any]) -> Any:
        """The scenario with one particle's overrides applied."""
        from infosim.scenario import apply_overrides, scenario_from_dict

        return apply_overrides(scenario_from_dict(self.scenario_data, "calibration scenario"), overrides)

    def statistics(self, overrides: Mapping[str, Any], seed: int) -> dict[str, float]:
        """Simulate the scenario with `overrides` (scenario units) and `seed`; return the statistics."""
        from infosim.run import run_scenario

        scenario = self.scenario(overrides)
        seeds = child_seeds(seed, self.replicates)
        stats = [evaluate(run_scenario(scenario, s).timeseries, self.targets) for s in seeds]
        out = {}
        for t in self.targets:
            value = float(np.mean([s[t.name] for s in stats]))
            out[t.name] = value if math.isfinite(value) else NOT_FINITE
        return out

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        """Simulate the parameter `values` (by scenario key) with `seed`; return ``{target: statistic}``."""
        return self.statistics(overrides_for(self.priors, values), seed)
