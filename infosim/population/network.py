"""Social ties: a small-world network of households (mostly within a city) as a dense array.

Each household has exactly `degree` contacts stored as a row of an ``(n, degree)`` int32 array.
A ring lattice is laid over households sorted by city (so ties are local in memory), then each
tie is rewired with probability `rewire` to a random household of the same city, or of any city
with probability `cross_city` (Watts-Strogatz). Ties are directed: i listens to its contacts.

The array is built in blocks of rows, so building it for the whole province (30 million
households) needs little memory beyond the array itself; the random numbers are drawn in the
same order as in one pass, so the network does not depend on the block size.
"""

from __future__ import annotations

import numpy as np

from infosim.world.ties import LatticeTies, lattice_offsets

BLOCK = 1 << 20  # rows per block while building


def _city_bounds(city: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row, number of rows) of each run of equal city values."""
    n = city.size
    starts = np.concatenate(([0], np.flatnonzero(np.diff(city)) + 1)).astype(np.int64)
    sizes = np.diff(np.concatenate((starts, [n]))).astype(np.int64)
    return starts, sizes


def _blocks(n: int) -> range:
    return range(0, n, BLOCK)


def small_world_contacts(
    city: np.ndarray,
    degree: int,
    rewire: float,
    cross_city: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """An ``(n, degree)`` array of contact indices.

    Args:
        city: city index of each household; households must be sorted by city.
        degree: contacts per household (even numbers split evenly left/right on the ring).
        rewire: probability that a lattice tie is replaced by a random one.
        cross_city: probability that a rewired tie goes to any household in the province.
        rng: random generator.
    """
    n = city.size
    if n < 2:
        return np.zeros((n, degree), dtype=np.int32)
    starts, sizes = _city_bounds(city)
    run_of = np.repeat(np.arange(starts.size, dtype=np.int8 if starts.size < 128 else np.int32), sizes)
    offsets = lattice_offsets(degree)
    contacts = np.empty((n, degree), dtype=np.int32)
    rewired = np.empty((n, degree), dtype=bool)
    for lo in _blocks(n):  # ring lattice within each city; draw which ties are rewired
        hi = min(lo + BLOCK, n)
        idx = np.arange(lo, hi, dtype=np.int64)
        start_of, size_of = starts[run_of[lo:hi]], sizes[run_of[lo:hi]]
        for j, off in enumerate(offsets):
            contacts[lo:hi, j] = start_of + (idx - start_of + off) % np.maximum(size_of, 1)
        rewired[lo:hi] = rng.random((hi - lo, degree)) < rewire
    per_block = [int(np.count_nonzero(rewired[lo : lo + BLOCK])) for lo in _blocks(n)]
    n_rew = sum(per_block)
    if n_rew:
        anywhere = np.empty(n_rew, dtype=bool)
        for lo in range(0, n_rew, BLOCK):
            anywhere[lo : lo + BLOCK] = rng.random(min(BLOCK, n_rew - lo)) < cross_city
        target = np.empty(n_rew, dtype=np.int32)
        pos = 0
        for lo, count in zip(_blocks(n), per_block, strict=True):  # a random household of the same city
            rows = lo + np.nonzero(rewired[lo : lo + BLOCK])[0]
            run = run_of[rows]
            target[pos : pos + count] = starts[run] + (rng.random(count) * sizes[run]).astype(np.int64)
            pos += count
        pos = 0
        for lo, count in zip(_blocks(n), per_block, strict=True):  # ... or of any city
            any_city = rng.integers(0, n, count)
            block = contacts[lo : lo + BLOCK]
            block[rewired[lo : lo + BLOCK]] = np.where(anywhere[pos : pos + count], any_city, target[pos : pos + count])
            pos += count
    del rewired
    # A household never listens to itself (tiny cities with fewer members than the degree).
    for lo in _blocks(n):
        block = contacts[lo : lo + BLOCK]
        rows, cols = np.nonzero(block == np.arange(lo, lo + block.shape[0], dtype=np.int32)[:, None])
        block[rows, cols] = (lo + rows + 1) % n
    return contacts


def small_world_ties(
    city: np.ndarray, degree: int, rewire: float, cross_city: float, rng: np.random.Generator
) -> LatticeTies | None:
    """The ties of :func:`small_world_contacts` kept as a lattice plus exceptions (None without contacts)."""
    contacts = small_world_contacts(city, degree, rewire, cross_city, rng)
    return LatticeTies(contacts) if contacts.shape[1] else None
