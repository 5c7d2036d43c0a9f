"""Posterior-predictive runs: N posterior draws x K seeds of a scenario, and their bands.

Draw ``d`` is a weighted resample of the posterior particles (:meth:`Posterior.sample`); run
``(d, k)`` simulates it with seed ``replicate_seeds(seed, N * K)[d * K + k]`` (numpy
SeedSequence), so the bands combine parameter and stochastic uncertainty and are the same
whatever executor or number of workers computes them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.errors import CalibrationError
from infosim.calibration.posterior import Posterior
from infosim.experiments.seeds import replicate_seeds

BAND_COLUMNS = ("month", "outcome", "p05", "p50", "p95")
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class DrawRun:
    """One posterior-predictive run.

    Attributes:
        index: run number (``draw_index * K + replicate``).
        draw_index: the draw's position among the N draws.
        draw: the particle's row in the posterior (:attr:`Posterior.draws`).
        replicate: the seed's position among the draw's K seeds.
        seed: the model seed.
        overrides: the draw's scenario overrides.
    """

    index: int
    draw_index: int
    draw: int
    replicate: int
    seed: int
    overrides: dict[str, Any]


def plan_draws(post: Posterior, n_draws: int, seeds_per_draw: int = 1, seed: int = 0) -> list[DrawRun]:
    """The runs of `n_draws` posterior draws x `seeds_per_draw` seeds (deterministic in `seed`)."""
    if n_draws < 1 or seeds_per_draw < 1:
        raise CalibrationError(f"--posterior needs at least one draw and one seed per draw (got {n_draws}, "
                               f"{seeds_per_draw})")
    draws = post.sample(n_draws, seed)
    seeds = replicate_seeds(seed, n_draws * seeds_per_draw)
    runs = []
    for d, row in draws.iterrows():
        over = post.overrides(row)
        for k in range(seeds_per_draw):
            i = int(d) * seeds_per_draw + k
            runs.append(DrawRun(i, int(d), int(row["draw"]), k, seeds[i], over))
    return runs


def run_draw(scenario_data: dict[str, Any], run: DrawRun) -> pd.DataFrame:
    """Simulate one posterior-predictive run; return its monthly series."""
    from infosim.run import run_scenario
    from infosim.scenario import apply_overrides, scenario_from_dict

    scenario = apply_overrides(scenario_from_dict(scenario_data, "posterior run"), run.overrides)
    return run_scenario(scenario, run.seed).timeseries


def simulate_draws(
    scenario: Any,
    runs: Sequence[DrawRun],
    *,
    executor: str | Any = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    label: str = "posterior runs",
) -> pd.DataFrame:
    """Run every posterior-predictive run of `scenario`.

    Returns:
        One row per run and month: ``run, draw_index, draw, replicate, seed, month`` and the
        run's numeric series, in run order.
    """
    from infosim.experiments.executors import Executor, make_executor
    from infosim.experiments.progress import Progress

    data = scenario.model_dump(mode="json")
    ex = executor if isinstance(executor, Executor) else make_executor(executor, workers, scheduler)
    frames: dict[int, pd.DataFrame] = {}
    bar = Progress(progress, description=label)
    bar.start(len(runs))
    try:
        with ex:
            for run, ts in ex.imap_unordered(functools.partial(run_draw, data), list(runs)):
                if isinstance(ts, BaseException):
                    raise CalibrationError(f"posterior run {run.index} (draw {run.draw}, seed {run.seed}) failed: "
                                           f"{type(ts).__name__}: {ts}") from ts
                ids = {"run": run.index, "draw_index": run.draw_index, "draw": run.draw, "replicate": run.replicate,
                       "seed": run.seed}
                frames[run.index] = ts.assign(**ids)[[*ids, *ts.columns]]
                bar.advance("done")
    finally:
        bar.close()
    return pd.concat([frames[i] for i in sorted(frames)], ignore_index=True)


def numeric_series(frame: pd.DataFrame) -> list[str]:
    """The numeric series of a frame of runs (ids and month excluded)."""
    ids = {"run", "draw_index", "draw", "replicate", "seed", "month"}
    return [c for c in frame.columns if c not in ids and pd.api.types.is_numeric_dtype(frame[c])]


def bands(frame: pd.DataFrame) -> pd.DataFrame:
    """5-50-95% bands per month of every numeric series: columns ``month, outcome, p05, p50, p95``."""
    cols = numeric_series(frame)
    grouped = frame.groupby("month", sort=True)[cols]
    q = {name: grouped.quantile(level) for name, level in zip(("p05", "p50", "p95"), QUANTILES, strict=True)}
    months = q["p05"].index.astype(str)
    parts = [
        pd.DataFrame({"month": months, "outcome": c, **{name: q[name][c].to_numpy(dtype=float) for name in q}})
        for c in cols
    ]
    return pd.concat(parts, ignore_index=True)[list(BAND_COLUMNS)]


def plot_bands(bands_frame: pd.DataFrame, path: Path, title: str, point: pd.DataFrame | None = None) -> Path:
    """A grid of the reported outcomes' bands (5-95% shaded, median line, point-estimate run dashed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from infosim.calibration.checks import save_figure
    from infosim.outcomes import OUTCOMES, province_households

    present = set(bands_frame["outcome"])
    chosen = [o for o in OUTCOMES if o.source in present]
    # (column, title, multiplier applied to the value, divisor for display)
    panels = []
    for o in chosen:
        label = o.label.replace(", cumulative", "") + (" per month" if o.kind == "flow" else "")
        unit = f" ({o.scale_label})" if o.scale_label else ""
        panels.append((o.source, label + unit, province_households() if o.households_share else 1.0, o.scale))
    for c in ("users_mobile", "users_5g_plan", "vouchers_redeemed_cumulative"):
        if c in present and c not in {p[0] for p in panels}:
            panels.append((c, c.replace("_", " "), 1.0, 1.0))
    n = len(panels)
    cols = 3
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False, constrained_layout=True)
    for ax, (col, title_text, mult, scale) in zip(axes.flat, panels, strict=False):
        b = bands_frame[bands_frame["outcome"] == col]
        x = pd.to_datetime(b["month"])
        f = mult / scale
        ax.fill_between(x, b["p05"] * f, b["p95"] * f, alpha=0.3, label="5-95%")
        ax.plot(x, b["p50"] * f, lw=1.5, label="median")
        if point is not None and col in point.columns:
            ax.plot(pd.to_datetime(point["month"]), point[col] * f, "k--", lw=0.8, label="point estimate")
        ax.set_title(title_text, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        date_axis(ax)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if n:
        axes.flat[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def date_axis(ax: Any) -> None:
    """Compact month labels on a time axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def draws_table(runs: Sequence[DrawRun]) -> pd.DataFrame:
    """One row per run: ids, seed and the draw's parameter values."""
    return pd.DataFrame([
        {"run": r.index, "draw_index": r.draw_index, "draw": r.draw, "replicate": r.replicate, "seed": r.seed,
         **r.overrides}
        for r in runs
    ])


def posterior_run(
    scenario: Any,
    calibration: str | Path,
    n_draws: int,
    out: Path,
    *,
    seeds_per_draw: int = 1,
    seed: int = 0,
    executor: str = "processes",
    workers: int | None = None,
    progress: bool | None = None,
) -> list[Path]:
    """Posterior bands of a scenario: N draws x K seeds; write bands, their chart and the draws.

    Args:
        scenario: the resolved scenario (its ``run`` section gives households and months).
        calibration: the calibration folder.
        n_draws: posterior draws.
        out: the run's output folder.
        seeds_per_draw: seeds per draw.
        seed: root seed of the draws and their seeds.
        executor: where the runs execute.
        workers: worker processes.
        progress: progress bar (default: on a terminal).

    Returns:
        The files written: ``timeseries_bands.parquet``, ``timeseries_bands.png``,
        ``posterior_draws.parquet``.
    """
    from infosim.calibration.posterior import load_posterior
    from infosim.experiments.store import atomic_write_parquet

    post = load_posterior(calibration)
    runs = plan_draws(post, n_draws, seeds_per_draw, seed)
    frame = simulate_draws(scenario, runs, executor=executor, workers=workers, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    b = bands(frame)
    files = []
    atomic_write_parquet(out / "timeseries_bands.parquet", b)
    files.append(out / "timeseries_bands.parquet")
    atomic_write_parquet(out / "posterior_draws.parquet", draws_table(runs))
    files.append(out / "posterior_draws.parquet")
    point = None
    ts_file = out / "timeseries.parquet"
    if ts_file.is_file():
        point = pd.read_parquet(ts_file)
    title = (f"infosim — {scenario.name}: {n_draws} posterior draws x {seeds_per_draw} seed(s) "
             f"of {post.name} (5-50-95%)")
    files.append(plot_bands(b, out / "timeseries_bands.png", title, point))
    return files


def check_monotone(b: pd.DataFrame) -> bool:
    """True if p05 <= p50 <= p95 everywhere (a sanity check used in tests)."""
    p05, p50, p95 = (b[c].to_numpy() for c in ("p05", "p50", "p95"))
    return bool(np.all(p05 <= p50) and np.all(p50 <= p95))
