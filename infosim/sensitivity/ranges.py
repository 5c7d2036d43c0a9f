"""The ranges a sensitivity analysis samples: the prior ranges of ``parameter_ranges()``, or, for
the parameters a calibration estimated, the calibration's posterior 5-95% interval.

The spec key ``ranges`` chooses::

    ranges = "prior"                                   # every parameter: its parameter_ranges() range
    ranges = "posterior:../calibration/jiangsu_2020"   # calibrated parameters: their posterior interval

A posterior range keeps the prior's scale (log-uniform where the prior range is log-scale) and
integer flag (integer parameters get the whole numbers covering the interval), and never leaves
the prior range. The other parameters keep their prior range.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The posterior interval used for calibrated parameters (weighted quantiles).
POSTERIOR_QUANTILES = (0.05, 0.95)
PRIOR = "prior"
POSTERIOR_PREFIX = "posterior:"
ALLOWED = "'prior' or 'posterior:<calibration folder>' (a folder written by `infosim calibrate`)"


@dataclass(frozen=True)
class SampledRange:
    """The range one parameter is sampled over.

    Attributes:
        path: the scenario key.
        low, high: the range.
        scale: ``linear`` or ``log`` (log-uniform).
        integer: whole numbers only.
        basis: where the range comes from.
        origin: ``prior`` or ``posterior``.
        prior_low, prior_high: the prior range (``parameter_ranges()``).
    """

    path: str
    low: float
    high: float
    scale: str
    integer: bool
    basis: str
    origin: str = PRIOR
    prior_low: float | None = None
    prior_high: float | None = None

    def declaration(self) -> dict[str, Any]:
        """The sweep declaration (``Experiment.sweep`` uncertainties) of this range."""
        decl: dict[str, Any] = {"range": [self.low, self.high]}
        if self.scale == "log":
            decl["distribution"] = "loguniform"
        if self.integer:
            decl["integer"] = True
        return decl

    def to_json(self) -> dict[str, Any]:
        """As stored in ``sensitivity.json``."""
        return {"low": self.low, "high": self.high, "scale": self.scale, "integer": self.integer,
                "basis": self.basis, "origin": self.origin, "prior_low": self.prior_low,
                "prior_high": self.prior_high}


def posterior_folder(value: str) -> str | None:
    """The calibration folder a ``ranges`` value names (None for ``prior``).

    Raises:
        ValueError: a value that is neither ``prior`` nor ``posterior:<folder>``.
    """
    if value == PRIOR:
        return None
    if value.startswith(POSTERIOR_PREFIX) and value[len(POSTERIOR_PREFIX):].strip():
        return value[len(POSTERIOR_PREFIX):].strip()
    raise ValueError(f"expected {ALLOWED} (got {value!r})")


def resolve_posterior_folder(folder: str, source: str | Path | None) -> Path:
    """The calibration folder: relative paths are read from the spec file's folder first, then from
    the working directory (as scenario paths in specs are)."""
    path = Path(folder)
    if not path.is_absolute() and source is not None:
        near = Path(os.path.normpath(Path(source).parent / path))
        if near.is_dir():
            return near
    return path


def prior_range(key: str) -> SampledRange:
    """The documented (prior) range of a parameter."""
    from infosim.data import parameter_ranges

    r = parameter_ranges()[key]
    return SampledRange(key, r.low, r.high, r.scale, r.integer, r.basis, PRIOR, r.low, r.high)


def sampling_ranges(keys: list[str], ranges: str = PRIOR, source: str | Path | None = None) -> dict[str, SampledRange]:
    """The sampled range of each parameter in `keys`.

    Args:
        keys: the varied parameters (keys of ``parameter_ranges()``).
        ranges: the spec's ``ranges`` value.
        source: the spec file (relative calibration folders are read from its folder); named in errors.

    Raises:
        SpecError: a bad ``ranges`` value, or a folder that holds no posterior.
    """
    from infosim.errors import SpecError

    where = f"{source or '<spec>'}: key ranges"
    try:
        folder = posterior_folder(ranges)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None
    out = {k: prior_range(k) for k in keys}
    if folder is None:
        return out
    from infosim.calibration.errors import CalibrationError
    from infosim.calibration.posterior import load_posterior

    path = resolve_posterior_folder(folder, source)
    try:
        post = load_posterior(path)
    except CalibrationError as exc:
        raise SpecError(f"{where}: {folder!r}: {exc}; allowed: {ALLOWED}") from None
    lo_q, hi_q = POSTERIOR_QUANTILES
    for key in post.parameters:
        if key not in out:
            continue
        prior = out[key]
        low = max(prior.low, post.quantile(key, lo_q))
        high = min(prior.high, post.quantile(key, hi_q))
        if prior.integer:
            low, high = math.floor(low), math.ceil(high)
        else:
            low, high = float(low), float(high)
        if not high > low:
            continue  # a collapsed posterior leaves nothing to sample: keep the prior range
        basis = (f"posterior {lo_q:.0%}-{hi_q:.0%} (weighted) of calibration {post.name!r} ({path}); prior "
                 f"{prior.low:g}-{prior.high:g}: {prior.basis}")
        out[key] = SampledRange(key, low, high, prior.scale, prior.integer, basis, "posterior",
                                prior.low, prior.high)
    return out
