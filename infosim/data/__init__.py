"""Data files shipped with infosim (population, enterprises, market), each figure with a source."""

from __future__ import annotations

import tomllib
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
