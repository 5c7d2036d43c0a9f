"""Monte-Carlo noise of the targets' statistics against their observational uncertainty.

A calibration's household count should make the model's seed-to-seed noise small beside the
targets' stated sds (else ABC fits noise, and the Gaussian noise model understates the spread).
:func:`noise_check` runs the scenario at its default parameters with several seeds at each
candidate household count and reports, per target, the seed standard deviation of the
statistic divided by the target's sd.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.simulator import ModelSimulator
from infosim.calibration.spec import CalibrationSpec, load_calibration
from infosim.experiments.seeds import replicate_seeds

DEFAULT_HOUSEHOLDS = (5_000, 10_000, 20_000, 50_000)


def _one(simulators: dict[int, ModelSimulator], item: tuple[int, int]) -> tuple[dict[str, float], float]:
    households, seed = item
    t0 = time.perf_counter()
    stats = simulators[households].statistics({}, seed)
    return stats, time.perf_counter() - t0


def noise_check(
    spec: str | Path | CalibrationSpec | dict[str, Any],
    *,
    households: Sequence[int] = DEFAULT_HOUSEHOLDS,
    seeds: int = 10,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Seed-to-seed noise of every target's statistic at each household count.

    Args:
        spec: the calibration spec (its scenario, targets, months and seed are used; the
            calibrated parameters stay at the scenario's values).
        households: candidate household counts.
        seeds: seeds per household count (spawned from the spec's seed).
        executor: where the runs execute.
        workers: worker processes.
        scheduler: Dask scheduler address.

    Returns:
        One row per household count and target: ``households, target, observed, sd, mean,
        seed_sd, ratio`` (seed_sd / sd) and ``seconds_per_run`` (median run time).
    """
    from infosim.experiments.executors import Executor, make_executor
    from infosim.scenario import apply_overrides

    cal = load_calibration(spec)
    sims = {}
    for h in households:
        scenario = apply_overrides(cal.scenario, {"run.households": int(h)})
        sims[int(h)] = ModelSimulator(scenario.model_dump(mode="json"), (), tuple(cal.targets), 1)
    seed_list = replicate_seeds(cal.spec.seed, seeds)
    items = [(int(h), s) for h in households for s in seed_list]
    ex = executor if isinstance(executor, Executor) else make_executor(executor, workers, scheduler)
    stats: dict[int, list[dict[str, float]]] = {int(h): [] for h in households}
    times: dict[int, list[float]] = {int(h): [] for h in households}
    with ex:
        for (h, _), res in ex.imap_unordered(functools.partial(_one, sims), items):
            if isinstance(res, BaseException):
                raise res
            stats[h].append(res[0])
            times[h].append(res[1])
    rows = []
    for h in households:
        for t in cal.targets:
            values = np.array([s[t.name] for s in stats[int(h)]], dtype=float)
            sd = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
            rows.append({
                "households": int(h),
                "target": t.name,
                "observed": t.value,
                "sd": t.sd,
                "mean": float(np.mean(values)),
                "seed_sd": sd,
                "ratio": sd / t.sd,
                "seconds_per_run": float(np.median(times[int(h)])),
            })
    return pd.DataFrame(rows)


def noise_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per household count: the largest and the median seed_sd / sd over the targets, and run time."""
    g = frame.groupby("households")
    return pd.DataFrame({
        "max_ratio": g["ratio"].max(),
        "median_ratio": g["ratio"].median(),
        "worst_target": g.apply(lambda d: d.loc[d["ratio"].idxmax(), "target"], include_groups=False),
        "seconds_per_run": g["seconds_per_run"].first(),
    }).reset_index()


__all__ = ["DEFAULT_HOUSEHOLDS", "noise_check", "noise_summary"]
