"""What every stage of a month sees: the calendar, market prices, policy cost factors, random draws.

Random draws are common random numbers at agent level: each month, each purpose has one
uniform per agent, drawn whether or not a lever uses it, from a stream keyed by
(seed, month, kind). The same agent in two scenarios run with the same seed therefore faces
the same draws wherever the policy does not change its situation — which is what lets the
analysis pair agents across runs (deadweight).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class HouseholdDraw(IntEnum):
    """Rows of the household draw matrix (one uniform per household per purpose)."""

    REPLACE = 0
    CHOOSE = 1
    BASS = 2
    PLAN = 3
    GIGABIT = 4
    SMART_HOME = 5
    TV4K = 6
    VOUCHER_CLAIM = 7
    ORDER = 8  # first-come order for rationed offers


class EnterpriseDraw(IntEnum):
    """Rows of the enterprise draw matrix."""

    CLIMB = 0
    ORDER = 1


STREAM_HOUSEHOLDS = 1
STREAM_ENTERPRISES = 2
STREAM_POPULATION = 0


def month_draws(seed: int, month: int, stream: int, rows: int, n: int) -> np.ndarray:
    """A ``(rows, n)`` float32 matrix of uniforms for one month and stream."""
    seq = np.random.SeedSequence(seed, spawn_key=(stream, month))
    return np.random.Generator(np.random.PCG64(seq)).random((rows, n), dtype=np.float32)


@dataclass
class MonthContext:
    """The month being simulated, as every stage sees it."""

    month: int
    label: str
    years: float  # years since the run's start
    calendar_year: int
    months_left_in_year: int
    national_5g_share: float
    price_5g: float
    capex_factor: float = 1.0
    power_factor: float = 1.0
    target_per_month: float = 0.0
    plan_premium: float = 0.0
    hh_draws: np.ndarray | None = None
    ent_draws: np.ndarray | None = None
