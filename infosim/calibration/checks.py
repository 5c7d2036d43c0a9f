"""Posterior-predictive checks of observations: bands, coverage, errors, and their figure.

For an observation ``y`` with standard deviation ``sd`` and simulated statistics ``x_1..x_n``
(posterior draws x seeds), the check reports

* the model band: the 5%, 50% and 95% quantiles of ``x`` (what the model says, parameter and
  stochastic uncertainty combined);
* the PIT value ``F(y) = mean_i Phi((y - x_i) / sd)``: where the observation falls in the
  predictive distribution of an *observation*, ``x + N(0, sd**2)`` (the calibration's noise
  model). The observation is inside the 90% predictive interval when ``0.05 <= F(y) <= 0.95``;
  over many observations about 90% should be, if the model and the stated sds are right;
* the error of the median ``x_50 - y``, relative to ``y`` and in units of ``sd`` (z).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.targets import Target

CHECK_COLUMNS = (
    "target", "statistic", "date", "unit", "kind", "observed", "sd", "p05", "p50", "p95",
    "pit", "covered90", "error", "rel_error", "z",
)


def pit(observed: float, sd: float, sims: np.ndarray) -> float:
    """Probability that a predicted observation (simulation + N(0, sd**2)) is below `observed`."""
    from scipy.stats import norm

    sims = np.asarray(sims, dtype=float)
    sims = sims[np.isfinite(sims)]
    if not len(sims):
        return float("nan")
    return float(np.mean(norm.cdf((observed - sims) / sd)))


def check_table(sims: Mapping[str, Sequence[float] | np.ndarray], targets: Sequence[Target]) -> pd.DataFrame:
    """One row per target with simulations: model band, PIT, coverage and errors (see module doc)."""
    rows = []
    for t in targets:
        if t.name not in sims:
            continue
        x = np.asarray(sims[t.name], dtype=float)
        x = x[np.isfinite(x) & (np.abs(x) < 1e29)]
        if not len(x):
            continue
        p05, p50, p95 = (float(v) for v in np.quantile(x, [0.05, 0.5, 0.95]))
        f = pit(t.value, t.sd, x)
        rows.append({
            "target": t.name,
            "statistic": t.describe(),
            "date": t.date,
            "unit": t.unit,
            "kind": t.kind,
            "observed": t.value,
            "sd": t.sd,
            "p05": p05,
            "p50": p50,
            "p95": p95,
            "pit": f,
            "covered90": bool(0.05 <= f <= 0.95),
            "error": p50 - t.value,
            "rel_error": (p50 - t.value) / t.value if t.value else float("nan"),
            "z": (p50 - t.value) / t.sd,
        })
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def coverage_summary(table: pd.DataFrame) -> dict[str, float]:
    """Observations, share covered by the 90% predictive interval, mean |z|, median |relative error|."""
    if table.empty:
        return {"n": 0, "coverage90": float("nan"), "mean_abs_z": float("nan"), "median_abs_rel_error": float("nan")}
    return {
        "n": len(table),
        "coverage90": float(table["covered90"].mean()),
        "mean_abs_z": float(table["z"].abs().mean()),
        "median_abs_rel_error": float(table["rel_error"].abs().median()),
    }


def save_figure(fig: Any, path: Path) -> Path:
    """Write a matplotlib figure as PNG atomically (temp file, fsync, rename) and close it."""
    import io

    import matplotlib.pyplot as plt

    from infosim.experiments.store import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, dpi=110, format="png")
    plt.close(fig)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


def plot_check(table: pd.DataFrame, path: Path, title: str) -> Path:
    """A forest plot: per target, the model's 5-95% band and median against the observation ± 1.645 sd,
    all divided by the observed value (so targets of any unit share one axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(table)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 1.4), constrained_layout=True)
    y = np.arange(n)[::-1]
    obs = table["observed"].to_numpy(dtype=float)
    scale = np.where(obs != 0, np.abs(obs), 1.0)
    ax.hlines(y, table["p05"] / scale, table["p95"] / scale, color="C0", lw=5, alpha=0.45, label="model 5-95%")
    ax.plot(table["p50"] / scale, y, "o", color="C0", ms=4, label="model median")
    ax.errorbar(obs / scale, y, xerr=1.645 * table["sd"].to_numpy(dtype=float) / scale, fmt="D", color="C3", ms=4,
                capsize=3, lw=1, label="observed ± 1.645 sd")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{t} ({d})" for t, d in zip(table["target"], table["date"], strict=True)], fontsize=7)
    ax.axvline(1.0, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("relative to the observed value")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7, loc="best")
    ax.set_title(title, fontsize=9)
    return save_figure(fig, path)


def markdown_table(frame: pd.DataFrame, columns: Mapping[str, str], formats: Mapping[str, str] | None = None) -> str:
    """A markdown table of `frame`'s `columns` (name -> header); numbers formatted with :func:`fmt`."""
    from infosim.calibration.wstats import fmt

    formats = formats or {}
    head = "| " + " | ".join(columns.values()) + " |"
    sep = "|" + "|".join("---" if c in ("target", "parameter", "statistic", "basis", "prior", "set", "unit") else "---:"
                         for c in columns) + "|"
    lines = [head, sep]
    for _, row in frame.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if c in formats:
                cells.append(formats[c].format(v) if v is not None and v == v else "–")
            elif isinstance(v, bool | np.bool_):
                cells.append("yes" if v else "**no**")
            elif isinstance(v, int | float | np.floating | np.integer):
                cells.append(fmt(float(v)))
            else:
                cells.append(str(v).replace("|", "\\|") if v is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
