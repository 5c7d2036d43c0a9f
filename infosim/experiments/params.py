"""How one varied scenario key is declared in a sweep: a list of values, a range or a distribution.

A :class:`ParamSpec` maps points of the unit interval to values (``from_unit``), which is how the
LHS, Sobol' and Morris designs place their samples, and lists the values of a grid
(``grid_values``).
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Distribution = Literal["uniform", "loguniform", "normal", "lognormal", "triangular"]
Kind = Literal["bool", "int", "float", "str", "json"]

#: Quantiles used for the ends of the unit interval when a distribution is unbounded.
UNBOUNDED_EPS = 1e-3

_DIST_PARAMS: dict[str, tuple[set[str], set[str]]] = {
    # distribution: (required keys, optional keys) besides `distribution`
    "uniform": ({"range"}, set()),
    "loguniform": ({"range"}, set()),
    "triangular": ({"range", "mode"}, set()),
    "normal": ({"mean", "sd"}, {"range"}),
    "lognormal": ({"median", "sigma"}, {"range"}),
}
_SHAPE_KEYS = ("mean", "sd", "median", "sigma", "mode")


def value_kind(values: list[Any]) -> Kind:
    """The column type that holds all of `values` (lists and tables are stored as JSON text).

    Raises:
        ValueError: when scalars of different kinds are mixed (e.g. numbers and strings).
    """
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if any(isinstance(v, bool) for v in values):
        raise ValueError("values mix true/false with other kinds")
    if all(isinstance(v, int) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    if all(isinstance(v, (list, dict)) for v in values):
        return "json"
    raise ValueError("values mix kinds (numbers, strings, lists); use one kind")


class ParamSpec(BaseModel):
    """One varied scenario key.

    Exactly one of:

    * ``values = [...]`` — a list (numbers, strings, booleans, or lists/tables);
    * ``range = [low, high]`` — uniform on the interval (``distribution = "loguniform"`` for
      log-uniform, ``integer = true`` for integers);
    * ``distribution = "normal"`` with ``mean``, ``sd`` / ``"lognormal"`` with ``median``,
      ``sigma`` (of the log) / ``"triangular"`` with ``range`` and ``mode``; a ``range`` on a
      normal or lognormal truncates it.

    ``levels = n`` gives a range or distribution ``n`` grid points (needed by the ``grid`` design
    and for levers crossed with an uncertainty design).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: list[Any] | None = Field(None, min_length=1)
    range: tuple[float, float] | None = None
    distribution: Distribution | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    mode: float | None = None
    levels: int | None = Field(None, ge=2, le=10_000)
    integer: bool = False
    labels: list[str] | None = Field(
        None, description="names for the listed values, stored in results instead of the values"
    )

    @model_validator(mode="after")
    def _check(self) -> ParamSpec:
        if self.values is not None:
            self._check_values()
            return self
        if self.range is None and self.distribution is None:
            raise ValueError("give one of: values = [...], range = [low, high], distribution = ...")
        if self.labels is not None:
            raise ValueError("labels name listed values; they need values = [...]")
        dist = self.dist_name
        required, optional = _DIST_PARAMS[dist]
        given = {k for k in ("range", *_SHAPE_KEYS) if getattr(self, k) is not None}
        missing = sorted(required - given)
        if missing:
            raise ValueError(f"distribution {dist!r} needs {', '.join(missing)}")
        extra = sorted(given - required - optional)
        if extra:
            allowed = ", ".join(sorted(required | optional)) or "nothing"
            raise ValueError(f"distribution {dist!r} takes {allowed}; not {', '.join(extra)}")
        self._check_range(dist)
        return self

    def _check_values(self) -> None:
        keys = ("range", "distribution", "levels", *_SHAPE_KEYS)
        bad = [k for k in keys if getattr(self, k) is not None]
        if bad or self.integer:
            raise ValueError(f"'values' cannot be combined with {', '.join(bad) or 'integer'}")
        value_kind(list(self.values or []))
        if self.labels is not None and len(self.labels) != len(self.values or []):
            raise ValueError(f"labels has {len(self.labels)} names for {len(self.values or [])} values")
        if self.labels is not None and len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be distinct")

    def _check_range(self, dist: str) -> None:
        if self.range is None:
            return
        lo, hi = self.range
        if not lo < hi:
            raise ValueError(f"range must be [low, high] with low < high (got [{lo}, {hi}])")
        if dist == "loguniform" and lo <= 0:
            raise ValueError("loguniform needs a range with low > 0")
        if dist == "triangular" and not lo <= (self.mode or 0.0) <= hi:
            raise ValueError(f"mode {self.mode} is outside range [{lo}, {hi}]")
        if self.integer and dist == "uniform" and not (float(lo).is_integer() and float(hi).is_integer()):
            raise ValueError("integer = true needs a range of whole numbers")

    # ----------------------------------------------------------------------------------------
    @property
    def dist_name(self) -> str:
        """The distribution: the declared one, else ``uniform`` for a range."""
        return self.distribution or "uniform"

    @property
    def kind(self) -> Kind:
        """Column type of the values this parameter takes."""
        if self.labels is not None:
            return "str"
        if self.values is not None:
            return value_kind(self.values)
        return "int" if self.integer else "float"

    @property
    def gridable(self) -> bool:
        """True if the parameter has a finite list of grid values."""
        return self.values is not None or self.levels is not None

    def grid_values(self) -> list[Any]:
        """The grid: the listed values, or ``levels`` points spanning the range/distribution."""
        if self.values is not None:
            return list(self.values)
        if self.levels is None:
            raise ValueError("a grid needs 'values' or 'levels'")
        n = self.levels
        bounded = self.dist_name in ("uniform", "loguniform")
        u = np.linspace(0.0, 1.0, n) if bounded else (np.arange(n) + 0.5) / n  # ends, or quantiles
        vals = self.from_unit(u)
        return list(dict.fromkeys(vals)) if self.integer else vals

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map points of [0, 1] to values (inverse CDF; equal-width bins for a list)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        if self.integer and self.dist_name == "uniform":
            lo, hi = (int(x) for x in self.range or (0, 0))
            return [int(v) for v in np.minimum(lo + np.floor(u * (hi - lo + 1)), hi)]
        x = self._ppf(u)
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]

    def _ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats  # only distribution parameters need it; scipy.stats costs ~1 s to import

        dist = self.dist_name
        if dist == "uniform":
            lo, hi = self.range or (0.0, 1.0)
            return lo + u * (hi - lo)
        if dist == "loguniform":
            lo, hi = self.range or (1.0, 1.0)
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        if dist == "triangular":
            lo, hi = self.range or (0.0, 1.0)
            c = ((self.mode or lo) - lo) / (hi - lo)
            return stats.triang(c, loc=lo, scale=hi - lo).ppf(u)
        frozen = stats.norm(self.mean, self.sd) if dist == "normal" else stats.lognorm(self.sigma, scale=self.median)
        if self.range is not None:
            f_lo, f_hi = frozen.cdf(self.range[0]), frozen.cdf(self.range[1])
            q = f_lo + u * (f_hi - f_lo)
        else:
            q = np.clip(u, UNBOUNDED_EPS, 1.0 - UNBOUNDED_EPS)
        return frozen.ppf(q)

    def column(self, value: Any) -> Any:
        """`value` as stored in results: its label if labelled, lists/tables as JSON text."""
        if self.labels is not None and self.values is not None:
            return self.labels[self.values.index(value)]
        return column_value(value, self.kind)

    def describe(self) -> str:
        """A short human description, e.g. ``range [30, 42]`` or ``3 values``."""
        if self.labels is not None:
            return f"{len(self.labels)} values: {', '.join(self.labels)}"
        if self.values is not None:
            return f"{len(self.values)} values"
        shape = ", ".join(f"{k}={getattr(self, k)}" for k in _SHAPE_KEYS if getattr(self, k) is not None)
        rng = f" on [{self.range[0]:g}, {self.range[1]:g}]" if self.range else ""
        return f"{self.dist_name}{rng}" + (f" ({shape})" if shape else "")


def column_value(value: Any, kind: Kind) -> Any:
    """A value as stored in a results column of the given kind (lists/tables as JSON text)."""
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return value
