"""Counting contacts' products on the lattice-plus-exceptions ties gives the counts of the dense
contact array, with or without buffers to write them into."""

import numpy as np
import pytest

from infosim.population import small_world_contacts, small_world_ties
from infosim.world.ties import LatticeTies, peer_counts_of_bits


def _network(seed: int, n: int = 30_000, degree: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    city = np.sort(rng.integers(0, 13, n))
    contacts = small_world_contacts(city, degree, 0.1, 0.2, rng)
    bits = (rng.random(n) < 0.3).astype(np.uint8) | (rng.random(n) < 0.5).astype(np.uint8) * 2
    bits |= (rng.random(n) < 0.1).astype(np.uint8) * 4
    return contacts, bits


@pytest.mark.parametrize("seed", [0, 1])
def test_lattice_counts_are_the_dense_counts(seed: int) -> None:
    contacts, bits = _network(seed)
    expected = peer_counts_of_bits(contacts, bits, 3)
    ties = LatticeTies(contacts)
    assert ties.rows.size > 0  # rewired ties and city ends: the exceptions are exercised
    for got, want in zip(ties.counts_of_bits(bits, 3), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ties.dense(), contacts)


def test_counts_written_into_buffers_are_the_same_counts() -> None:
    contacts, bits = _network(2)
    ties = LatticeTies(contacts)
    buffers = [np.full(contacts.shape[0], 99, dtype=np.uint8) for _ in range(3)]
    got = ties.counts_of_bits(bits, 3, buffers)
    assert all(a is b for a, b in zip(got, buffers, strict=True))
    for g, want in zip(got, peer_counts_of_bits(contacts, bits, 3), strict=True):
        np.testing.assert_array_equal(g, want)


def test_small_world_ties_are_the_ties_of_the_contacts() -> None:
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    city = np.repeat(np.arange(4), 500)
    ties = small_world_ties(city, 6, 0.2, 0.1, rng_a)
    np.testing.assert_array_equal(ties.dense(), small_world_contacts(city, 6, 0.2, 0.1, rng_b))
    assert small_world_ties(city, 0, 0.2, 0.1, np.random.default_rng(5)) is None
