"""Priors of calibrated parameters, and the scale ABC works on.

Each calibrated parameter is a scenario key (``parameters.phones.life_months``) with a prior:

* by default, uniform over its range in ``infosim.data.parameter_ranges()`` — or log-uniform
  where the range says ``scale = "log"``;
* or explicit: ``uniform`` (low, high), ``loguniform`` (low, high), ``normal`` (mean, sd,
  optional low/high truncation), ``lognormal`` (median, sigma, optional low/high), ``beta``
  (a, b on [low, high], default [0, 1]), each with a stated ``basis``.

Two scales matter besides the parameter's unit:

* the **natural scale**, on which the prior is simple and reports are made: the logarithm of the
  value for log-uniform and log-normal priors, the value itself otherwise (posterior
  correlations and prior-to-posterior width ratios are computed there);
* the **sampling scale**, on which ABC's perturbation kernel moves. Bounded uniform and
  log-uniform priors are sampled on the logit of their position in the range, where the prior
  is the standard logistic distribution: every perturbed particle is inside the range, so no
  proposal is wasted — with dozens of bounded parameters a Gaussian kernel on the bounded scale
  would propose a value outside some range almost every time. Normal, log-normal and beta
  priors are sampled on their natural scale (truncation bounds reject proposals outside).

:meth:`Prior.to_value` maps ABC's number back to the scenario's unit, rounding whole-number
parameters.
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
        """The parameter's name inside pyabc (letters, digits and '_'; prefixed by its sampling scale)."""
        prefix = {"logit": "logit_", "loglogit": "loglogit_", "log": "log_", "identity": ""}[self.sampling]
        return prefix + re.sub(r"[^A-Za-z0-9_]", "_", self.path).removeprefix("parameters_")

    @property
    def log(self) -> bool:
        """True if the natural scale is the logarithm of the value (log-uniform, log-normal)."""
        return self.dist in LOG_DISTS

    @property
    def sampling(self) -> str:
        """ABC's scale: ``logit`` (uniform), ``loglogit`` (log-uniform), ``log`` (log-normal) or ``identity``."""
        return {"uniform": "logit", "loguniform": "loglogit", "lognormal": "log"}.get(self.dist, "identity")

    @property
    def group(self) -> str:
        """The table the key lives in (``parameters.phones``)."""
        return self.path.rsplit(".", 1)[0]

    @property
    def name(self) -> str:
        """The last part of the key (``life_months``)."""
        return self.path.rsplit(".", 1)[-1]

    # -------------------------------------------------------------------------- natural scale
    def frozen(self) -> Any:
        """The prior as a frozen ``scipy.stats`` distribution on the natural scale."""
        from scipy import stats

        a = self.args
        if self.dist in ("uniform", "loguniform"):
            lo, hi = self.natural_bounds()
            return stats.uniform(lo, hi - lo)
        if self.dist in ("normal", "lognormal"):
            loc, scale = self._loc_scale()
            lo, hi = self.natural_bounds()
            if math.isinf(lo) and math.isinf(hi):
                return stats.norm(loc, scale)
            return stats.truncnorm((lo - loc) / scale, (hi - loc) / scale, loc=loc, scale=scale)
        if self.dist == "beta":
            lo, hi = self.natural_bounds()
            return stats.beta(a["a"], a["b"], loc=lo, scale=hi - lo)
        raise ValueError(f"unknown prior distribution {self.dist!r}")

    def _loc_scale(self) -> tuple[float, float]:
        a = self.args
        if self.dist == "normal":
            return a["mean"], a["sd"]
        return math.log(a["median"]), a["sigma"]

    def natural_bounds(self) -> tuple[float, float]:
        """The support on the natural scale (infinite where unbounded)."""
        a = self.args
        lo, hi = a.get("low", -math.inf), a.get("high", math.inf)
        if self.dist == "beta":
            lo, hi = a.get("low", 0.0), a.get("high", 1.0)
        if self.log:
            lo = math.log(lo) if lo > 0 else -math.inf
            hi = math.log(hi) if math.isfinite(hi) else math.inf
        return lo, hi

    def natural(self, values: np.ndarray) -> np.ndarray:
        """Parameter values on the natural scale."""
        v = np.asarray(values, dtype=float)
        return np.log(v) if self.log else v

    # ------------------------------------------------------------------------- sampling scale
    def rv(self) -> Any:
        """The prior as a pyabc random variable on the sampling scale (pickled by name and arguments)."""
        import pyabc

        if self.sampling in ("logit", "loglogit"):
            return pyabc.RV("logistic", 0.0, 1.0)
        if self.dist == "beta":
            lo, hi = self.natural_bounds()
            return pyabc.RV("beta", self.args["a"], self.args["b"], loc=lo, scale=hi - lo)
        loc, scale = self._loc_scale()
        lo, hi = self.natural_bounds()
        if math.isinf(lo) and math.isinf(hi):
            return pyabc.RV("norm", loc, scale)
        return pyabc.RV("truncnorm", (lo - loc) / scale, (hi - loc) / scale, loc=loc, scale=scale)

    def to_value(self, x: float) -> float:
        """The scenario value of a sampling-scale number (rounded if integer)."""
        return float(self.to_values(np.array([x], dtype=float))[0])

    def to_values(self, x: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`to_value`."""
        x = np.asarray(x, dtype=float)
        if self.sampling in ("logit", "loglogit"):
            lo, hi = self.natural_bounds()
            with np.errstate(over="ignore"):
                z = lo + (hi - lo) / (1.0 + np.exp(-x))
            v = np.exp(z) if self.log else z
            v = np.clip(v, self.args["low"], self.args["high"])
        else:
            v = np.exp(x) if self.log else x
        return np.round(v) if self.integer else v

    def to_sampling(self, value: float) -> float:
        """The sampling-scale number of a scenario value (inside the range for bounded priors)."""
        z = float(self.natural(np.array([value]))[0])
        if self.sampling in ("logit", "loglogit"):
            lo, hi = self.natural_bounds()
            q = min(max((z - lo) / (hi - lo), 1e-12), 1 - 1e-12)
            return math.log(q / (1 - q))
        return z

    def quantiles(self, qs: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
        """Prior quantiles in the parameter's unit."""
        out = []
        for q in qs:
            z = float(self.frozen().ppf(q))
            v = math.exp(z) if self.log else z
            out.append(float(round(v)) if self.integer else v)
        return out

    def pdf_values(self, values: np.ndarray) -> np.ndarray:
        """The prior density in the parameter's unit (Jacobian of the log scale included)."""
        values = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                safe = np.where(values > 0, values, 1.0)
                return np.where(values > 0, self.frozen().pdf(np.log(safe)) / safe, 0.0)
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
