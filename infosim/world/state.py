"""Columnar state of households and enterprises: one numpy array per variable, one row per agent.

This is the world the agents, the levers and the population builder all stand on. The Mesa agent
classes in ``infosim.agents`` are views onto these arrays; the vectorised behaviour rules read and
write them. Money received from the levers is not state of the agents: the ledger keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

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
    phone5g: np.ndarray  # some user of the household has a 5G phone (derived from the users)
    plan5g: np.ndarray  # some user of the household is on a 5G plan (derived from the users)
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
class UserState:
    """State of the mobile users (subscriptions), row u = user slot u, sorted by household.

    People, not households, hold phones and plans: each user replaces its phone on its own
    schedule and takes or drops a 5G plan. Slots for subscriptions that start during the run
    (mobile users grow) exist from the start with the month they become active.

    Attributes:
        household: the household of each user.
        active_from: first month the subscription is active (-1: active at the start).
        phone5g: the user's phone is a 5G phone.
        phone_from: the month the phone was bought relative to the run (-age for phones owned
            at the start; m + 1 for a phone bought in month m).
        purchases: phones bought during the run (keys the user's own random numbers).
        life_threshold: the exponential threshold the phone's replacement clock (its cumulative
            replacement hazard) must cross (an exact representation of the monthly hazard that
            lets offers pull a purchase forward on the same draw).
        replace_at: the month the clock crosses it without offers (the month a subscription
            starts, for users not yet active).
        plan5g: on a 5G plan.
        plan_until: last month of a bundled plan contract (-1: none).
        plan_switches: plan changes during the run (keys the user's own random numbers).
        plan_threshold: what the plan clock must still accumulate, from `plan_since`, before the
            next plan change.
        plan_case, plan_since, plan_next: the user's plan situation (``agents/households/plans.py``),
            the month it began, and the month of the next change.
    """

    household: np.ndarray
    active_from: np.ndarray
    phone5g: np.ndarray
    phone_from: np.ndarray
    purchases: np.ndarray
    life_threshold: np.ndarray
    replace_at: np.ndarray
    plan5g: np.ndarray
    plan_until: np.ndarray
    plan_switches: np.ndarray
    plan_threshold: np.ndarray
    plan_case: np.ndarray
    plan_since: np.ndarray
    plan_next: np.ndarray

    DTYPES: ClassVar[dict[str, type]] = {
        "household": np.int32,
        "active_from": np.int16,
        "phone5g": np.bool_,
        "phone_from": np.int16,
        "purchases": np.uint16,
        "life_threshold": np.float32,
        "replace_at": np.int16,
        "plan5g": np.bool_,
        "plan_until": np.int16,
        "plan_switches": np.uint16,
        "plan_threshold": np.float32,
        "plan_case": np.uint8,
        "plan_since": np.int16,
        "plan_next": np.int16,
    }

    @classmethod
    def empty(cls, n: int) -> UserState:
        """All-zero state for `n` user slots (no bundled plan)."""
        arrays = {name: np.zeros(n, dtype=dtype) for name, dtype in cls.DTYPES.items()}
        arrays["plan_until"][:] = -1
        return cls(**arrays)

    @property
    def n(self) -> int:
        """Number of user slots."""
        return int(self.household.size)

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
