"""Social ties: a small-world network of households (mostly within a city) as a dense array.

Each household has exactly `degree` contacts stored as a row of an ``(n, degree)`` int32 array.
A ring lattice is laid over households sorted by city (so ties are local in memory), then each
tie is rewired with probability `rewire` to a random household of the same city, or of any city
with probability `cross_city` (Watts-Strogatz). Ties are directed: i listens to its contacts.
"""

from __future__ import annotations

import numpy as np


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
    bounds = np.flatnonzero(np.diff(city)) + 1
    starts = np.concatenate(([0], bounds))
    sizes = np.diff(np.concatenate((starts, [n])))
    start_of = np.repeat(starts, sizes).astype(np.int64)
    size_of = np.repeat(sizes, sizes).astype(np.int64)
    half = degree // 2
    offsets = np.array([o for k in range(1, half + 1) for o in (k, -k)][:degree], dtype=np.int64)
    if offsets.size < degree:
        offsets = np.append(offsets, half + 1)
    idx = np.arange(n, dtype=np.int64)
    contacts = np.empty((n, degree), dtype=np.int32)
    for j, off in enumerate(offsets):
        local = (idx - start_of + off) % np.maximum(size_of, 1)
        contacts[:, j] = start_of + local
    rewired = rng.random((n, degree)) < rewire
    n_rew = int(rewired.sum())
    if n_rew:
        rows = np.nonzero(rewired)[0]
        anywhere = rng.random(n_rew) < cross_city
        same_city = start_of[rows] + (rng.random(n_rew) * size_of[rows]).astype(np.int64)
        any_city = rng.integers(0, n, n_rew)
        contacts[rewired] = np.where(anywhere, any_city, same_city)
    # A household never listens to itself (tiny cities with fewer members than the degree).
    self_tie = contacts == idx[:, None]
    contacts[self_tie] = ((idx[:, None] + 1) % n).repeat(degree, axis=1)[self_tie]
    return contacts


def peer_share(contacts: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Share of each household's contacts for which `flags` is true (float32)."""
    return flags.view(np.uint8)[contacts].sum(axis=1, dtype=np.uint16).astype(np.float32) / contacts.shape[1]


_ONES = np.uint64(0x0101010101010101)


def peer_shares_of_bits(contacts: np.ndarray, bits: np.ndarray, nbits: int) -> list[np.ndarray]:
    """Peer shares of several flags at once, packed as bits of one uint8 array (one gather).

    With a degree that is a multiple of 8, each row of 8 gathered bytes is read as one uint64
    and bit b is counted across the 8 bytes by a multiply (a SWAR popcount): a few operations
    per household instead of 8 per flag.
    """
    n, k = contacts.shape
    gathered = bits[contacts]
    if k % 8 == 0 and n:
        words = np.ascontiguousarray(gathered).view(np.uint64).reshape(n, k // 8)
        out = []
        for b in range(nbits):
            per_byte = (words >> np.uint64(b)) & _ONES
            counts = ((per_byte * _ONES) >> np.uint64(56)).astype(np.uint16)
            total = counts.sum(axis=1, dtype=np.uint16) if k > 8 else counts[:, 0]
            out.append(total.astype(np.float32) / np.float32(k))
        return out
    return [((gathered >> b) & 1).sum(axis=1, dtype=np.uint16).astype(np.float32) / np.float32(k) for b in range(nbits)]
