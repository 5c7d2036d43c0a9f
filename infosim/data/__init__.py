"""Data files shipped with infosim (population, enterprises, market), each figure with a source."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_table(name: str) -> dict[str, Any]:
    """The raw TOML table `name` (``population``, ``enterprises`` or ``market``)."""
    text = resources.files("infosim.data").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def value(entry: Any) -> Any:
    """The value of a `{value, source|assumption}` figure, or the entry itself if plain."""
    if isinstance(entry, dict) and "value" in entry:
        return entry["value"]
    return entry


def values(table: dict[str, Any]) -> dict[str, Any]:
    """A table with every figure replaced by its value (recursively)."""
    out: dict[str, Any] = {}
    for key, entry in table.items():
        if isinstance(entry, dict) and "value" not in entry:
            out[key] = values(entry)
        else:
            out[key] = value(entry)
    return out


@dataclass(frozen=True)
class ParameterRange:
    """The plausible range of one uncertain parameter (from ``parameter_ranges.toml``).

    Attributes:
        path: scenario key, e.g. ``parameters.phones.life_months``.
        low, high: the range, in the parameter's unit.
        scale: ``linear`` or ``log`` (sample uniformly in the logarithm).
        integer: a whole-number parameter.
        basis: why this range (a source key or an assumption).
    """

    path: str
    low: float
    high: float
    scale: str = "linear"
    integer: bool = False
    basis: str = ""

    def from_unit(self, u: float) -> float:
        """The value at position `u` in [0, 1] of the range (on its scale; rounded if integer)."""
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return float(round(x)) if self.integer else x


@cache
def parameter_ranges() -> dict[str, ParameterRange]:
    """Ranges of the uncertain parameters, keyed by scenario path (``parameters.<group>.<name>``)."""
    text = resources.files("infosim.data").joinpath("parameter_ranges.toml").read_text(encoding="utf-8")
    out: dict[str, ParameterRange] = {}
    for group, entries in tomllib.loads(text).items():
        for name, spec in entries.items():
            path = f"parameters.{group}.{name}"
            out[path] = ParameterRange(path=path, **spec)
    return out
