"""Who-benefits groups: the household and firm dimensions of the breakdowns and their labels.

The labels match the model's breakdown tables (``infosim.outputs``); agent-level records store
codes, which :func:`agent_group` turns into the same labels.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from infosim.data import load_table, values
from infosim.world.geography import CITIES

QUINTILES = ("Q1", "Q2", "Q3", "Q4", "Q5")
SIZE_CLASSES = ("large", "medium", "small", "micro")
HOUSEHOLD_DIMENSIONS = ("income_quintile", "urban_rural", "elderly", "city")
FIRM_DIMENSIONS = ("size_class", "sector", "firm_city")
DIMENSIONS = (*HOUSEHOLD_DIMENSIONS, *FIRM_DIMENSIONS)

#: Dimensions with a natural order (poorest / smallest first), used by concentration indices.
RANKED = {"income_quintile": QUINTILES, "size_class": ("micro", "small", "medium", "large")}

DIMENSION_LABELS = {
    "income_quintile": "income quintile", "urban_rural": "urban / rural", "elderly": "elderly head",
    "city": "city", "size_class": "firm size", "sector": "sector", "firm_city": "firm city",
}


@cache
def sector_names() -> tuple[str, ...]:
    """The enterprise sectors (the 13 industrial clusters and 'other')."""
    return tuple(values(load_table("enterprises"))["sectors"]["names"])


def group_labels(dimension: str) -> tuple[str, ...]:
    """Labels of a dimension's groups, in the model's order."""
    fixed = {
        "income_quintile": QUINTILES, "urban_rural": ("rural", "urban"),
        "elderly": ("non_elderly", "elderly"), "city": CITIES, "size_class": SIZE_CLASSES,
        "firm_city": CITIES,
    }
    if dimension == "sector":
        return sector_names()
    if dimension not in fixed:
        raise KeyError(f"unknown dimension {dimension!r}; known: {', '.join(DIMENSIONS)}")
    return fixed[dimension]


def dimension_kind(dimension: str) -> str:
    """``household`` or ``enterprise``: which agents a dimension groups."""
    return "household" if dimension in HOUSEHOLD_DIMENSIONS else "enterprise"


def agent_group(agents: pd.DataFrame, dimension: str) -> pd.Series:
    """Each agent's group label on `dimension` (NaN for agents of the other kind).

    Args:
        agents: agent records with ``kind`` and the coded group columns.
        dimension: one of :data:`DIMENSIONS`.
    """
    column = {
        "income_quintile": "income_quintile", "urban_rural": "urban", "elderly": "elderly",
        "city": "city", "size_class": "size_class", "sector": "sector", "firm_city": "city",
    }[dimension]
    labels = np.asarray(group_labels(dimension), dtype=object)
    mine = (agents["kind"] == dimension_kind(dimension)).to_numpy()
    out = pd.Series(np.full(len(agents), np.nan, dtype=object), index=agents.index)
    codes = agents.loc[mine, column]
    codes = codes.astype(bool).astype(np.int64) if dimension in ("urban_rural", "elderly") else codes.astype(np.int64)
    out[mine] = labels[codes.to_numpy()]
    return out
