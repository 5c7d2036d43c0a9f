"""Priors of calibrated parameters, and the scale ABC works on.

Each calibrated parameter is a scenario key (``parameters.phones.life_months``) with a prior:

* by default, uniform over its range in ``infosim.data.parameter_ranges()`` — or log-uniform
  where the range says ``scale = "log"``;
* or explicit: ``uniform`` (low, high), ``loguniform`` (low, high), ``normal`` (mean, sd,
  optional low/high truncation), ``lognormal`` (median, sigma, optional low/high), ``beta``
  (a, b on [low, high], default [0, 1]), each with a stated ``basis``.

Log-uniform and log-normal parameters are sampled by ABC on the natural logarithm of the value
(the prior is then uniform or normal there, and the perturbation kernel moves in relative
terms). :meth:`Prior.to_value` maps ABC's number back to the scenario's unit, rounding
whole-number parameters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DISTS = ("uniform", "loguniform", "normal", "lognormal", "beta")
LOG_DISTS = ("loguniform", "lognormal")


@dataclass(frozen=True)
class Prior:
    """The prior of one calibrated parameter.

    Attributes:
        path: scenario key.
        dist: ``uniform``, ``loguniform``, ``normal``, ``lognormal`` or ``beta``.
        args: the distribution's arguments (in the parameter's unit).
        basis: where the prior comes from (a source key, or an assumption).
        integer: a whole-number parameter (rounded when applied to the scenario).
        default: the scenario's value of the parameter (for reference in reports).
    """

    path: str
    dist: str
    args: dict[str, float] = field(default_factory=dict)
    basis: str = ""
    integer: bool = False
    default: float | None = None

    @property
    def key(self) -> str:
        """The parameter's name inside pyabc (letters, digits and '_')."""
        return ("log_" if self.log else "") + re.sub(r"[^A-Za-z0-9_]", "_", self.path).removeprefix("parameters_")

    @property
    def log(self) -> bool:
        """True if ABC samples the natural logarithm of the value."""
        return self.dist in LOG_DISTS

    @property
    def group(self) -> str:
        """The table the key lives in (``parameters.phones``)."""
        return self.path.rsplit(".", 1)[0]

    @property
    def name(self) -> str:
        """The last part of the key (``life_months``)."""
        return self.path.rsplit(".", 1)[-1]

    # ------------------------------------------------------------------- the internal scale
    def frozen(self) -> Any:
        """The prior as a frozen ``scipy.stats`` distribution on the internal scale."""
        from scipy import stats

        a = self.args
        if self.dist == "uniform":
            return stats.uniform(a["low"], a["high"] - a["low"])
        if self.dist == "loguniform":
            lo, hi = math.log(a["low"]), math.log(a["high"])
            return stats.uniform(lo, hi - lo)
        if self.dist in ("normal", "lognormal"):
            loc = a["mean"] if self.dist == "normal" else math.log(a["median"])
            scale = a["sd"] if self.dist == "normal" else a["sigma"]
            lo, hi = self.internal_bounds()
            if math.isinf(lo) and math.isinf(hi):
                return stats.norm(loc, scale)
            return stats.truncnorm((lo - loc) / scale, (hi - loc) / scale, loc=loc, scale=scale)
        if self.dist == "beta":
            lo, hi = a.get("low", 0.0), a.get("high", 1.0)
            return stats.beta(a["a"], a["b"], loc=lo, scale=hi - lo)
        raise ValueError(f"unknown prior distribution {self.dist!r}")

    def rv(self) -> Any:
        """The prior as a pyabc random variable (pickled by name and arguments)."""
        import pyabc

        a = self.args
        if self.dist == "uniform":
            return pyabc.RV("uniform", a["low"], a["high"] - a["low"])
        if self.dist == "loguniform":
            lo, hi = math.log(a["low"]), math.log(a["high"])
            return pyabc.RV("uniform", lo, hi - lo)
        if self.dist in ("normal", "lognormal"):
            loc = a["mean"] if self.dist == "normal" else math.log(a["median"])
            scale = a["sd"] if self.dist == "normal" else a["sigma"]
            lo, hi = self.internal_bounds()
            if math.isinf(lo) and math.isinf(hi):
                return pyabc.RV("norm", loc, scale)
            return pyabc.RV("truncnorm", (lo - loc) / scale, (hi - loc) / scale, loc=loc, scale=scale)
        if self.dist == "beta":
            lo, hi = a.get("low", 0.0), a.get("high", 1.0)
            return pyabc.RV("beta", a["a"], a["b"], loc=lo, scale=hi - lo)
        raise ValueError(f"unknown prior distribution {self.dist!r}")

    def internal_bounds(self) -> tuple[float, float]:
        """The support on the internal scale (infinite where unbounded)."""
        a = self.args
        lo, hi = a.get("low", -math.inf), a.get("high", math.inf)
        if self.dist == "beta":
            lo, hi = a.get("low", 0.0), a.get("high", 1.0)
        if self.log:
            lo = math.log(lo) if lo > 0 else -math.inf
            hi = math.log(hi) if math.isfinite(hi) else math.inf
        return lo, hi

    def to_value(self, x: float) -> float:
        """The scenario value of an internal-scale number (exp for log priors; rounded if integer)."""
        v = math.exp(x) if self.log else float(x)
        return float(round(v)) if self.integer else v

    def to_values(self, x: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`to_value`."""
        v = np.exp(x) if self.log else np.asarray(x, dtype=float)
        return np.round(v) if self.integer else v

    def to_internal(self, value: float) -> float:
        """The internal-scale number of a scenario value."""
        return math.log(value) if self.log else float(value)

    def quantiles(self, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
        """Prior quantiles in the parameter's unit."""
        return [float(self.to_values(np.array(self.frozen().ppf(q)))) for q in qs]

    def pdf_values(self, values: np.ndarray) -> np.ndarray:
        """The prior density in the parameter's unit (Jacobian of the log scale included)."""
        values = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(values > 0, self.frozen().pdf(np.log(np.where(values > 0, values, 1.0))) / values, 0.0)
        return self.frozen().pdf(values)

    def describe(self) -> str:
        """E.g. ``loguniform(low=0.0002, high=0.005)``."""
        args = ", ".join(f"{k}={v:g}" for k, v in self.args.items())
        return f"{self.dist}({args})"


def check_args(dist: str, args: dict[str, Any]) -> str | None:
    """A message if `args` do not define a proper `dist`, else None."""
    need = {
        "uniform": ("low", "high"),
        "loguniform": ("low", "high"),
        "normal": ("mean", "sd"),
        "lognormal": ("median", "sigma"),
        "beta": ("a", "b"),
    }
    optional = {"normal": ("low", "high"), "lognormal": ("low", "high"), "beta": ("low", "high")}
    if dist not in need:
        return f"dist must be one of {', '.join(DISTS)} (got {dist!r})"
    allowed = (*need[dist], *optional.get(dist, ()))
    extra = [k for k in args if k not in allowed]
    if extra:
        return f"{dist} takes {', '.join(allowed)} (unknown: {', '.join(extra)})"
    missing = [k for k in need[dist] if k not in args]
    if missing:
        return f"{dist} needs {', '.join(need[dist])} (missing: {', '.join(missing)})"
    bad = [k for k, v in args.items()
           if not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v))]
    if bad:
        return f"{', '.join(bad)} must be finite numbers"
    lo, hi = args.get("low"), args.get("high")
    if lo is not None and hi is not None and not lo < hi:
        return f"low must be below high (got {lo}, {hi})"
    if dist == "loguniform" and args["low"] <= 0:
        return "loguniform needs low > 0"
    if dist == "lognormal" and (args["median"] <= 0 or (lo is not None and lo < 0)):
        return "lognormal needs median > 0 (and low >= 0)"
    for key in ("sd", "sigma", "a", "b"):
        if key in args and args[key] <= 0:
            return f"{key} must be > 0"
    return None
