"""What every stage of a month sees: the calendar, market prices, policy cost factors, random draws.

Random draws are common random numbers at agent level: each month, each purpose has one
uniform per agent, drawn whether or not a lever uses it, from a stream keyed by
(seed, month, kind). The same agent in two scenarios run with the same seed therefore faces
the same draws wherever the policy does not change its situation — which is what lets the
analysis pair agents across runs (deadweight).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from infosim.world.background import in_background


class HouseholdDraw(IntEnum):
    """Rows of the household draw matrix (one uniform per household per purpose)."""

    GIGABIT = 0
    SMART_HOME = 1
    TV4K = 2
    VOUCHER_CLAIM = 3
    TOPUP = 4  # whether a voucher holder spends up to the minimum
    ORDER = 5  # first-come order for rationed offers


#: The household draw rows every month reads (the home products'): drawn in the background.
HOUSEHOLD_DRAWS_EVERY_MONTH = HouseholdDraw.TV4K + 1


class EnterpriseDraw(IntEnum):
    """Rows of the enterprise draw matrix."""

    CLIMB = 0
    ORDER = 1


STREAM_POPULATION = 0
STREAM_HOUSEHOLDS = 1
STREAM_ENTERPRISES = 2
STREAM_OPERATORS = 7  # operators' monthly build shocks, keyed (seed, (stream, month))
# Keyed streams (``infosim.world.numerics.keyed_uniforms``): one number per user and event, drawn
# only for the users an event happens to (a user's k-th phone, its k-th plan change).
STREAM_PHONE_CHOICE = 3
STREAM_PHONE_LIFE = 4
STREAM_PLAN = 5
STREAM_PLAN_BUNDLE = 6


def month_draws(seed: int, month: int, stream: int, rows: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """A ``(rows, n)`` float32 matrix of uniforms for one month and stream.

    Args:
        seed, month, stream: what the draws are keyed by.
        rows, n: purposes and agents.
        out: a ``(rows, n)`` float32 array to fill (reused month after month to avoid a fresh
            allocation); the draws are the same as without it.
    """
    seq = np.random.SeedSequence(seed, spawn_key=(stream, month))
    generator = np.random.Generator(np.random.PCG64(seq))
    if out is None:
        return generator.random((rows, n), dtype=np.float32)
    return generator.random(dtype=np.float32, out=out)


class MonthDraws:
    """A month's draw matrix (as :func:`month_draws`), each row generated when first read.

    The rows come from one generator in row order, so every row has the same values whether or
    not the rows after it are ever drawn; rows nobody reads in a month (e.g. the first-come order
    when no offer is rationed) cost nothing. Index it like the matrix: ``draws[HouseholdDraw.TV4K]``.

    The first `ahead` rows (those read every month) are drawn at once on the background thread
    (``infosim.world.background``) while the month's earlier stages run; reading any row first
    waits for them. The values are the same with or without it.

    Args:
        seed, month, stream, rows, n: as for :func:`month_draws`.
        out: a ``(rows, n)`` float32 buffer to fill (reused month after month).
        ahead: rows to draw in the background from the start (0: none).
    """

    def __init__(
        self, seed: int, month: int, stream: int, rows: int, n: int, out: np.ndarray | None = None, ahead: int = 0
    ) -> None:
        seq = np.random.SeedSequence(seed, spawn_key=(stream, month))
        self._generator = np.random.Generator(np.random.PCG64(seq))
        self._matrix = np.empty((rows, n), dtype=np.float32) if out is None else out
        self._drawn = 0
        ahead = min(ahead, rows)
        self._background: Future | None = in_background(self._fill, ahead) if ahead > 0 else None

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, agents)."""
        return self._matrix.shape

    def _fill(self, rows: int) -> None:
        self._generator.random(dtype=np.float32, out=self._matrix[:rows])
        self._drawn = rows

    def _draw_through(self, row: int) -> None:
        if self._background is not None:
            self._background.result()
            self._background = None
        if row >= self._drawn:
            self._generator.random(dtype=np.float32, out=self._matrix[self._drawn : row + 1])
            self._drawn = row + 1

    def __getitem__(self, key: int | tuple | slice) -> np.ndarray:
        if isinstance(key, int | np.integer):
            self._draw_through(int(key) % self._matrix.shape[0])
        else:
            self._draw_through(self._matrix.shape[0] - 1)
        return self._matrix[key]

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        self._draw_through(self._matrix.shape[0] - 1)
        return self._matrix if dtype is None else self._matrix.astype(dtype)


@dataclass
class MonthContext:
    """The month being simulated, as every stage sees it."""

    month: int
    label: str
    seed: int  # the run's seed (keys the per-user event draws)
    years: float  # years since the run's start
    calendar_year: int
    months_left_in_year: int
    national_5g_share: float  # 5G share of phones on sale nationally (what is on the shelf)
    price_5g: float
    price_4g: float = 0.0
    demand_index: float = 1.0  # national handset demand relative to its 2019-2021 mean
    national_handset_share: float = 0.0  # national users with a 5G phone
    national_coverage: float = 0.0  # national households under 5G coverage
    capex_factor: float = 1.0  # station capex relative to no policy (set by the build-out lever)
    power_factor: float = 1.0  # station power cost relative to no policy
    station_target: float = 0.0  # new stations a policy target asks for this calendar year (0: none)
    plan_premium: float = 0.0  # 5G plan premium over 4G this month, yuan per user
    new_stations_by_area: np.ndarray | None = None  # stations built this month, by area
    hh_draws: np.ndarray | MonthDraws | None = None
    ent_draws: np.ndarray | MonthDraws | None = None
