"""A calibration's posterior: particles and weights, point estimate, weighted resampling.

Example:
    >>> from infosim.calibration import load_posterior
    >>> post = load_posterior("calibration/jiangsu_2020")
    >>> post.draws.head()                  # one row per particle, one column per scenario key
    >>> post.point_estimate                # {"parameters.phones.life_months": 41.0, ...}
    >>> post.sample(100, seed=1)           # 100 weighted draws (column 'draw' = particle row)
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.calibration.errors import CalibrationError
from infosim.calibration.priors import Prior
from infosim.calibration.wstats import normalise, weighted_corr, weighted_quantile

POSTERIOR_FILE = "posterior.parquet"
CALIBRATION_FILE = "calibration.json"
POINT_FILE = "point_estimate.toml"
#: spawn-key word of the stream that resamples posterior draws.
RESAMPLE_STREAM = 0x64726177  # "draw"
#: The repository (``calibration/`` is looked up there too).
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
#: The project's calibration (used when a scenario has none of its own).
DEFAULT_CALIBRATION = "jiangsu_2020"


def priors_from_json(items: list[dict[str, Any]]) -> list[Prior]:
    """Priors as stored in ``calibration.json``."""
    return [
        Prior(
            d["path"],
            d["dist"],
            {k: float(v) for k, v in d["args"].items()},
            d.get("basis", ""),
            bool(d.get("integer", False)),
            d.get("default"),
        )
        for d in items
    ]


def priors_to_json(priors: list[Prior]) -> list[dict[str, Any]]:
    """Priors as stored in ``calibration.json``."""
    return [
        {"path": p.path, "dist": p.dist, "args": p.args, "basis": p.basis, "integer": p.integer, "default": p.default}
        for p in priors
    ]


@dataclass
class Posterior:
    """The last generation of a calibration.

    Attributes:
        path: the calibration folder.
        draws: one row per particle, one column per calibrated scenario key (scenario units).
        weights: the particles' normalised importance weights.
        priors: the calibrated parameters' priors (spec order).
        meta: the contents of ``calibration.json`` (definition, outcome, provenance).
    """

    path: Path
    draws: pd.DataFrame
    weights: np.ndarray
    priors: list[Prior]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        """The calibrated scenario keys."""
        return [p.path for p in self.priors]

    @property
    def name(self) -> str:
        """The calibration's name."""
        return str(self.meta.get("name", self.path.name))

    def quantile(self, path: str, q: float) -> float:
        """Weighted quantile of one parameter."""
        return weighted_quantile(self.draws[path].to_numpy(), self.weights, q)

    @cached_property
    def point_estimate(self) -> dict[str, Any]:
        """The weighted posterior median of each parameter, as scenario overrides."""
        out: dict[str, Any] = {}
        for p in self.priors:
            v = self.quantile(p.path, 0.5)
            out[p.path] = round(v) if p.integer else float(v)
        return out

    def sample(self, n: int, seed: int = 0) -> pd.DataFrame:
        """`n` draws resampled with probability proportional to the weights.

        Args:
            n: number of draws.
            seed: seed of the resampling stream (``SeedSequence([seed, RESAMPLE_STREAM])``).

        Returns:
            Columns ``draw`` (the particle's row in :attr:`draws`) and one per parameter.
        """
        rng = np.random.default_rng(np.random.SeedSequence([seed, RESAMPLE_STREAM]))
        idx = rng.choice(len(self.draws), size=n, replace=True, p=self.weights)
        out = self.draws.iloc[idx][self.parameters].reset_index(drop=True)
        out.insert(0, "draw", idx.astype("int64"))
        return out

    def overrides(self, row: pd.Series | dict[str, Any]) -> dict[str, Any]:
        """Scenario overrides of one draw (integers kept whole)."""
        out: dict[str, Any] = {}
        for p in self.priors:
            v = float(row[p.path])
            out[p.path] = round(v) if p.integer else v
        return out

    def natural(self) -> np.ndarray:
        """The particles on their priors' natural scale (log for log priors), one column each."""
        cols = [p.natural(self.draws[p.path].to_numpy(dtype=float)) for p in self.priors]
        return np.column_stack(cols) if cols else np.empty((len(self.draws), 0))

    def correlations(self) -> pd.DataFrame:
        """Weighted correlations of the parameters on their natural scale (log for log priors)."""
        corr = weighted_corr(self.natural(), self.weights)
        return pd.DataFrame(corr, index=self.parameters, columns=self.parameters)

    def width_ratios(self) -> dict[str, float]:
        """Posterior 90% interval width / prior 90% interval width, on the natural scale (log for log priors).

        Near 1: the targets say little about the parameter; near 0: they pin it down.
        """
        out = {}
        x = self.natural()
        for j, p in enumerate(self.priors):
            lo_p, hi_p = (float(v) for v in p.frozen().ppf([0.05, 0.95]))
            lo, hi = weighted_quantile(x[:, j], self.weights, 0.05), weighted_quantile(x[:, j], self.weights, 0.95)
            out[p.path] = (hi - lo) / (hi_p - lo_p) if hi_p > lo_p else float("nan")
        return out

    def table(self) -> pd.DataFrame:
        """One row per parameter: prior, default, posterior median and 90% interval, width ratio."""
        ratios = self.width_ratios()
        rows = []
        for p in self.priors:
            q05, q50, q95 = (self.quantile(p.path, q) for q in (0.05, 0.5, 0.95))
            pq = p.quantiles((0.05, 0.95))
            rows.append({
                "parameter": p.path,
                "prior": p.describe(),
                "prior_q05": pq[0],
                "prior_q95": pq[1],
                "basis": p.basis,
                "default": p.default,
                "median": q50,
                "q05": q05,
                "q95": q95,
                "width_ratio": ratios[p.path],
            })
        return pd.DataFrame(rows)


def write_point_estimate(post: Posterior, path: Path, note: str = "") -> Path:
    """Write the weighted posterior medians as a scenario fragment (``[parameters.<group>]`` tables)."""
    from infosim.experiments.store import atomic_write_bytes

    groups: dict[str, list[tuple[str, Any]]] = {}
    for key, value in post.point_estimate.items():
        group, name = key.rsplit(".", 1)
        groups.setdefault(group, []).append((name, value))
    today = dt.date.today().isoformat()
    lines = [
        f"# Point estimate of calibration {post.name!r} ({post.path}), written {today}:",
        "# the weighted posterior median of each calibrated parameter"
        + (f" ({note})." if note else "."),
        "# A scenario fragment: merge these tables into a scenario (or run `infosim run SCENARIO",
        f"# --calibration {post.path}`). Regenerated by `infosim calibrate`; do not edit by hand.",
        "",
    ]
    for group, items in groups.items():
        lines.append(f"[{group}]")
        for name, value in items:
            lines.append(f"{name} = {value!r}" if isinstance(value, int) else f"{name} = {float(value)!r}")
        lines.append("")
    atomic_write_bytes(path, "\n".join(lines).encode())
    return path


def resolve_calibration_dir(path: str | Path | None, scenario_name: str | None = None) -> Path:
    """The calibration folder: `path`, else ``calibration/<scenario>`` or ``calibration/jiangsu_2020``
    (the project's calibration), looked up here and in the repository."""
    if path is not None:
        return Path(path)
    names = list(dict.fromkeys([n for n in (scenario_name, DEFAULT_CALIBRATION) if n]))
    for name in names:
        for base in (Path.cwd(), PACKAGE_ROOT):
            cand = base / "calibration" / name
            if (cand / POSTERIOR_FILE).is_file():
                return cand
    return Path("calibration") / names[0]


def load_posterior(path: str | Path) -> Posterior:
    """Open a calibration folder written by ``infosim calibrate``.

    Args:
        path: the folder (``calibration/jiangsu_2020``).

    Returns:
        The :class:`Posterior`.

    Raises:
        CalibrationError: if the folder holds no finished calibration.
    """
    root = Path(os.fspath(path))
    post_file, meta_file = root / POSTERIOR_FILE, root / CALIBRATION_FILE
    if not post_file.is_file() or not meta_file.is_file():
        raise CalibrationError(f"{root}: no posterior here (expected {POSTERIOR_FILE} and {CALIBRATION_FILE}; "
                               "run `infosim calibrate SPEC.toml` first)")
    try:
        meta = json.loads(meta_file.read_text())
        frame = pd.read_parquet(post_file)
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{root}: unreadable calibration files: {exc}") from None
    priors = priors_from_json(meta.get("priors", []))
    missing = [p.path for p in priors if p.path not in frame.columns]
    if missing or "weight" not in frame.columns:
        missing += ["weight"] * ("weight" not in frame.columns)
        raise CalibrationError(f"{post_file}: columns missing: {', '.join(missing)}")
    draws = frame[[p.path for p in priors]].reset_index(drop=True)
    return Posterior(root, draws, normalise(frame["weight"].to_numpy()), priors, meta)
