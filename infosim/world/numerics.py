"""Array helpers every vectorised behaviour uses: blocks of rows, exact float32 thresholds.

At the scale of the whole province (30 million households) the cost of a behaviour is in passes
over memory, so rules run block by block (the block's arrays stay in the processor's cache) and
compare float32 draws against thresholds rounded so the comparison is exact.
"""

from __future__ import annotations

import itertools

import numpy as np

BLOCK = 1 << 16  # agents per block where a computation runs block by block
NO_ROWS = np.zeros(0, dtype=np.intp)
NO_VALUES = np.zeros(0, dtype=np.float32)


def blocks(n: int) -> list[slice]:
    """Consecutive blocks of at most BLOCK rows covering 0..n."""
    return [slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


def joined(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenated row indices (intp)."""
    return np.concatenate(parts).astype(np.intp, copy=False) if parts else NO_ROWS


def float32_at_least(x: float | np.ndarray) -> np.float32 | np.ndarray:
    """The smallest float32 >= x: for a float32 u, ``u < x`` exactly when ``u < float32_at_least(x)``."""
    x64 = np.asarray(x, dtype=np.float64)
    t = x64.astype(np.float32)
    t = np.where(t < x64, np.nextafter(t, np.float32(np.inf)), t).astype(np.float32)
    return t if t.ndim else np.float32(t)


def rows_of_cities(city: np.ndarray, n_cities: int) -> list[slice | np.ndarray]:
    """The rows of each city: slices when agents are sorted by city, index arrays otherwise."""
    if city.size and np.all(np.diff(city) >= 0):
        bounds = np.searchsorted(city, np.arange(n_cities + 1))
        return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    return [np.flatnonzero(city == c) for c in range(n_cities)]


class SortedRows:
    """Short ascending rows searched by many keys, each key in its own row: ``np.searchsorted(
    table[row], key)`` (side 'left', the number of the row's entries below the key), exactly,
    several times faster than numpy's search.

    numpy's binary search mispredicts a branch at every step for random keys (~45 ns a key on a
    row of 73). Here each row's range is cut into equal buckets (two per entry); a key's bucket
    gives the entries certainly below it (those in earlier buckets: the bucket of a value is a
    non-decreasing function of it, the same for entries and keys, so an entry in an earlier bucket
    is below the key and one in a later bucket is not), and the few entries of its own bucket are
    compared one by one. Keys in a bucket crowded with entries (e.g. the flat tail of a
    distribution function, a row of equal values) are searched by ``np.searchsorted``. Table
    entries must be finite and keys not NaN.

    Args:
        table: ``(rows, n)``, each row ascending (compared as float64).
    """

    BUCKETS_PER_ENTRY = 2
    MAX_PER_BUCKET = 4  # keys in a bucket with more entries are searched by np.searchsorted
    MIN_KEYS = 256  # fewer keys: np.searchsorted is as fast

    def __init__(self, table: np.ndarray) -> None:
        self.table = np.atleast_2d(np.asarray(table, dtype=np.float64))
        n_rows, n = self.table.shape
        self._buckets = max(self.BUCKETS_PER_ENTRY * n, 1)
        lo = self.table[:, 0].copy() if n else np.zeros(n_rows)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            scale = self._buckets / (self.table[:, -1] - lo) if n else np.ones(n_rows)
        # any positive scale is exact (only the speed depends on it): 1 for a row of equal values
        self._lo, self._scale = lo, np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        per = np.zeros((n_rows, self._buckets), dtype=np.intp)
        for r in range(n_rows):
            per[r] = np.bincount(self._bucket(self.table[r], self._lo[r], self._scale[r]), minlength=self._buckets)
        self._most = min(int(per.max(initial=0)), self.MAX_PER_BUCKET)
        self._crowded = (per > self.MAX_PER_BUCKET).ravel()
        self._any_crowded = bool(self._crowded.any())
        self._stride = n + self._most  # each row padded with +inf: the search never runs into the next row
        padded = np.full((n_rows, self._stride), np.inf)
        padded[:, :n] = self.table
        self._padded = padded.ravel()
        first = np.cumsum(per, axis=1) - per  # entries of the row in earlier buckets
        self._below = (first + (np.arange(n_rows) * self._stride)[:, None]).ravel()

    def _bucket(self, x: np.ndarray, lo: np.ndarray | float, scale: np.ndarray | float) -> np.ndarray:
        with np.errstate(over="ignore"):  # a key far beyond the row overflows to inf: the last bucket
            t = np.subtract(x, lo, dtype=np.float64)
            t *= scale
        np.clip(t, 0, self._buckets - 1, out=t)
        return t.astype(np.intp)

    def searchsorted(self, keys: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """For each key, the number of entries of its row (`rows`, default the first) below it (intp).

        Keys are searched block by block (BLOCK at a time), so the temporaries stay small and in
        cache whatever the number of keys (the whole province's users at the start of a run).
        """
        keys = np.asarray(keys)
        if keys.size < self.MIN_KEYS or self.table.shape[1] == 0:
            return self._numpy(keys, rows)
        rows = None if rows is None else np.asarray(rows, dtype=np.intp)
        if keys.size <= BLOCK:
            return self._search(keys, rows)
        out = np.empty(keys.size, dtype=np.intp)
        for b in blocks(keys.size):
            out[b] = self._search(keys[b], None if rows is None else rows[b])
        return out

    def _search(self, keys: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        if rows is None:
            bucket = self._bucket(keys, self._lo[0], self._scale[0])
            start = 0
        else:
            bucket = self._bucket(keys, np.take(self._lo, rows), np.take(self._scale, rows))
            bucket += rows * self._buckets
            start = rows * self._stride
        base = np.take(self._below, bucket)
        count, index = base - start, np.empty_like(base)
        for j in range(self._most):
            np.add(base, j, out=index)
            count += np.take(self._padded, index) < keys
        if self._any_crowded:
            crowded = np.flatnonzero(np.take(self._crowded, bucket))
            count[crowded] = self._numpy(keys[crowded], None if rows is None else rows[crowded])
        return count

    def _numpy(self, keys: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        if rows is None:
            return np.searchsorted(self.table[0], keys)
        out = np.empty(keys.size, dtype=np.intp)
        for r in np.unique(rows):
            mine = rows == r
            out[mine] = np.searchsorted(self.table[r], keys[mine])
        return out


class SortedTable(SortedRows):
    """One ascending table: ``SortedTable(t).searchsorted(keys) == np.searchsorted(t, keys)``."""

    def __init__(self, table: np.ndarray) -> None:
        super().__init__(np.asarray(table)[None, :])


_MASK64 = (1 << 64) - 1


def _mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, in place on uint64 (a bijection that scatters nearby keys)."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def keyed_uniforms(seed: int, stream: int, ids: np.ndarray, counter: np.ndarray | int) -> np.ndarray:
    """Uniform numbers in [0, 1) keyed by (seed, stream, id, counter), float64.

    The number of a key is the same whatever else is drawn, in any run: user u's k-th phone gets
    the same choice draw whether that purchase happens in month 30 in one scenario or month 28
    in another (common random numbers across scenarios, evaluated only for the agents that need
    one). Counter-based, like Random123's generators: a hash of the key (splitmix64 mixing).

    Args:
        seed: the run's seed.
        stream: which purpose (a stream constant of ``infosim.world.context``).
        ids: agent indices.
        counter: a per-agent counter (e.g. purchases so far), or one number for all.
    """
    key = ((seed & _MASK64) * 0x9E3779B97F4A7C15 + (stream + 1) * 0xC2B2AE3D27D4EB4F) & _MASK64
    with np.errstate(over="ignore"):
        x = np.asarray(ids, dtype=np.uint64) * np.uint64(0xD1B54A32D192ED03)
        x += np.asarray(counter, dtype=np.uint64) * np.uint64(0x8CB92BA72F3D8DD7)
        x ^= np.uint64(key)
        x = _mix64(_mix64(x) + np.uint64(key))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class AreaRanks:
    """Agents ranked by a quantile within their area, to keep ``flag = quantile < threshold[area]``
    up to date by changing only the agents whose side of the threshold moved.

    The rank key is area + quantile in float64: exact for float32 quantiles in [0, 1) and a few
    dozen areas, and ordered as (area, quantile), so one search finds every area's position.

    Args:
        quantile: each agent's quantile (float32, in [0, 1)).
        area: each agent's area index.
        n_areas: number of areas.
    """

    def __init__(self, quantile: np.ndarray, area: np.ndarray, n_areas: int) -> None:
        key = area.astype(np.float64) + quantile.astype(np.float64)
        order = np.argsort(key, kind="stable")  # by area, then quantile (ties keep the row order)
        self.rows = order.astype(np.int32)
        self.sorted_key = key[order]
        self.areas = np.arange(n_areas, dtype=np.float64)
        self.below = np.searchsorted(self.sorted_key, self.areas, side="left")  # nobody below yet

    def update(self, thresholds: np.ndarray, flag: np.ndarray) -> np.ndarray:
        """Set `flag` to ``quantile < thresholds[area]`` (float32 thresholds) in place; return the
        rows whose flag changed, ascending."""
        # a threshold beyond [0, 1] flags the same agents as 0 or 1 (quantiles lie in [0, 1))
        bound = self.areas + np.clip(np.asarray(thresholds, dtype=np.float64), 0.0, 1.0)
        end = np.searchsorted(self.sorted_key, bound, side="left")
        was, self.below = self.below, end
        lo, hi = np.minimum(end, was), np.maximum(end, was)
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.intp)
        starts = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths)
        rows = self.rows[starts + np.arange(total)]
        flag[rows] = np.repeat(end > was, lengths)
        return np.sort(rows).astype(np.intp)
