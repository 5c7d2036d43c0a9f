"""Columnar state of households and enterprises: one numpy array per variable, one row per agent.

This is the world the agents, the levers and the population builder all stand on. The Mesa agent
classes in ``infosim.agents`` are views onto these arrays; the vectorised behaviour rules read and
write them. Money received from the levers is not state of the agents: the ledger keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

NEVER = np.iinfo(np.int16).max  # first-adoption month of an agent that has not adopted
HOUSEHOLD_PRODUCTS = ("phone5g", "plan5g", "gigabit", "smart_home", "tv4k")
CLOUD_STAGES = ("none", "basic", "core", "star")


def _filled(n: int, dtype: type, fill: float | int = 0) -> np.ndarray:
    return np.full(n, fill, dtype=dtype)


@dataclass
class HouseholdState:
    """State variables of household agents (row i = household agent i).

    Demographics are fixed; ownership and awareness change each month. First-adoption
    months (``m_*``) are -1 for owners at the start and ``NEVER`` for non-adopters.
    """

    city: np.ndarray
    urban: np.ndarray
    size: np.ndarray
    income_pc: np.ndarray
    quintile: np.ndarray
    elderly: np.ndarray
    literacy: np.ndarray
    awareness: np.ndarray
    loc_u: np.ndarray  # location quantile: covered by 5G when below the area's coverage
    gig_u: np.ndarray  # location quantile for gigabit availability
    phone5g: np.ndarray
    phone_age: np.ndarray
    plan5g: np.ndarray
    broadband: np.ndarray
    gigabit: np.ndarray
    smart_home: np.ndarray
    tv4k: np.ndarray
    m_phone5g: np.ndarray
    m_plan5g: np.ndarray
    m_gigabit: np.ndarray
    m_smart_home: np.ndarray
    m_tv4k: np.ndarray
    spend_total: np.ndarray  # cumulative information spending of one real household, yuan

    @classmethod
    def empty(cls, n: int) -> HouseholdState:
        """All-zero state for `n` households (first-adoption months set to NEVER)."""
        dtypes = {
            "city": np.int8,
            "urban": np.bool_,
            "size": np.int8,
            "income_pc": np.float32,
            "quintile": np.int8,
            "elderly": np.bool_,
            "literacy": np.float32,
            "awareness": np.float32,
            "loc_u": np.float32,
            "gig_u": np.float32,
            "phone5g": np.bool_,
            "phone_age": np.int16,
            "plan5g": np.bool_,
            "broadband": np.bool_,
            "gigabit": np.bool_,
            "smart_home": np.bool_,
            "tv4k": np.bool_,
            "spend_total": np.float64,
        }
        arrays = {}
        for f in fields(cls):
            if f.name.startswith("m_"):
                arrays[f.name] = _filled(n, np.int16, NEVER)
            else:
                arrays[f.name] = _filled(n, dtypes[f.name])
        return cls(**arrays)

    @property
    def n(self) -> int:
        """Number of household agents."""
        return int(self.city.size)

    def nbytes(self) -> int:
        """Memory held by the state arrays, bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))


@dataclass
class EnterpriseState:
    """State variables of enterprise agents (row j = enterprise agent j)."""

    city: np.ndarray
    sector: np.ndarray
    size_class: np.ndarray
    group: np.ndarray  # peer group = sector x city
    it_budget: np.ndarray  # yuan per year
    digital: np.ndarray  # sector propensity factor
    hazard_factor: np.ndarray  # size-class speed factor
    stage: np.ndarray  # index into CLOUD_STAGES
    m_basic: np.ndarray
    m_core: np.ndarray
    m_star: np.ndarray
    spend_total: np.ndarray

    @classmethod
    def empty(cls, n: int) -> EnterpriseState:
        """All-zero state for `n` enterprises (first-stage months NEVER)."""
        dtypes = {
            "city": np.int8,
            "sector": np.int8,
            "size_class": np.int8,
            "group": np.int32,
            "it_budget": np.float32,
            "digital": np.float32,
            "hazard_factor": np.float32,
            "stage": np.int8,
            "spend_total": np.float64,
        }
        arrays = {}
        for f in fields(cls):
            if f.name.startswith("m_"):
                arrays[f.name] = _filled(n, np.int16, NEVER)
            else:
                arrays[f.name] = _filled(n, dtypes[f.name])
        return cls(**arrays)

    @property
    def n(self) -> int:
        """Number of enterprise agents."""
        return int(self.city.size)

    def nbytes(self) -> int:
        """Memory held by the state arrays, bytes."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))
