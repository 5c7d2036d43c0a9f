"""SortedRows.searchsorted (the clocks' fast search) gives exactly np.searchsorted(table[row], key):
at entries, between them, outside the table, on tables with repeated values and crowded tails."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infosim.world.numerics import SortedRows, SortedTable


def _keys_around(table: np.ndarray, rng: np.random.Generator, n: int = 4_000) -> np.ndarray:
    lo, hi = float(table[0]), float(table[-1])
    span = max(hi - lo, 1.0)
    keys = np.concatenate(
        [
            rng.uniform(lo - 0.2 * span, hi + 0.2 * span, n),
            table,  # exactly at each entry (side 'left': the entry itself is not below)
            np.nextafter(table, -np.inf),
            np.nextafter(table, np.inf),
            [np.inf, -np.inf, 1e300, -1e300, 0.0],
        ]
    )
    return rng.permutation(keys)


@pytest.mark.parametrize("seed", range(6))
def test_search_equals_numpy_on_clock_like_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 700))
    table = np.cumsum(rng.random(size) ** 3 * rng.choice([1e-3, 0.05, 3.0]))
    if seed % 2:  # repeated values (a hazard of zero for some months)
        table[size // 3 : size // 2] = table[size // 3]
    keys = _keys_around(table, rng)
    with np.errstate(over="ignore"):
        narrow = keys.astype(np.float32)  # float32 keys, as the clocks' thresholds (1e300 -> inf)
    for k in (keys, narrow):
        np.testing.assert_array_equal(SortedTable(table).searchsorted(k), np.searchsorted(table, k))


def test_search_equals_numpy_on_a_distribution_function_with_a_crowded_tail() -> None:
    ages = np.arange(600.0)
    survival = np.exp(-((ages / 48.0) ** 2))
    cdf = np.cumsum(survival / survival.sum())  # hundreds of entries within 1e-12 of 1
    table = SortedTable(cdf)
    assert table._any_crowded  # the case this test is about
    u = np.random.default_rng(3).random(50_000)
    u[:3] = [cdf[-1], np.nextafter(cdf[-1], 0), 0.0]
    np.testing.assert_array_equal(table.searchsorted(u), np.searchsorted(cdf, u))


def test_a_wrong_bucket_rule_would_be_caught() -> None:
    """Guards the test above: counting only the entries in earlier buckets differs from numpy."""
    table = np.linspace(0.0, 1.0, 73)
    keys = np.random.default_rng(0).random(1_000)
    fast = SortedTable(table)
    wrong = np.take(fast._below, fast._bucket(keys, fast._lo[0], fast._scale[0]))
    assert not np.array_equal(wrong, np.searchsorted(table, keys))
    np.testing.assert_array_equal(fast.searchsorted(keys), np.searchsorted(table, keys))


def test_flat_and_tiny_tables_give_numpys_answer() -> None:
    keys = np.concatenate([np.linspace(-1, 2, 1_000), [np.inf, -np.inf, 0.0, 1.0]])
    for table in (np.zeros(10), np.ones(1), np.zeros(0), np.array([0.0, 0.0, 1.0])):
        np.testing.assert_array_equal(SortedTable(table).searchsorted(keys), np.searchsorted(table, keys))


@pytest.mark.parametrize("seed", range(4))
def test_each_key_is_searched_in_its_own_row(seed: int) -> None:
    """The plan clocks: one row per situation, rows of very different ranges, one of equal values."""
    rng = np.random.default_rng(seed)
    table = np.cumsum(rng.random((7, 73)) * np.array([1e-3, 0.01, 0.2, 1.0, 5.0, 0.0, 0.3])[:, None], axis=1)
    table[6, 40:] = table[6, 40]  # a hazard that stops
    rows = rng.integers(0, 7, 20_000).astype(np.uint8)  # as the situations are stored
    keys = rng.random(rows.size) * table[rows, -1] * 1.2
    keys[:7] = table[np.arange(7), 10]  # exactly at an entry of their row
    rows[:7] = np.arange(7)
    expected = np.array([np.searchsorted(table[r], k) for r, k in zip(rows, keys, strict=True)])
    found = SortedRows(table).searchsorted(keys, rows)
    np.testing.assert_array_equal(found, expected)
    few = slice(0, 100)  # below MIN_KEYS: numpy's search row by row
    np.testing.assert_array_equal(SortedRows(table).searchsorted(keys[few], rows[few]), expected[few])


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(deadline=None)
@given(st.lists(finite, min_size=1, max_size=300), st.lists(finite, min_size=1, max_size=50), st.integers(0, 2**32))
def test_search_equals_numpy_for_any_table(values: list[float], picked: list[float], seed: int) -> None:
    table = np.sort(np.array(values))
    rng = np.random.default_rng(seed)
    keys = np.concatenate([picked, _keys_around(table, rng, n=300)])
    np.testing.assert_array_equal(SortedTable(table).searchsorted(keys), np.searchsorted(table, keys))


def test_many_keys_are_searched_block_by_block_with_the_same_answer() -> None:
    rng = np.random.default_rng(5)
    table = np.cumsum(rng.random((3, 73)), axis=1)
    rows = rng.integers(0, 3, 150_000)  # more than one block of keys
    keys = rng.random(rows.size) * 40.0
    expected = np.empty(rows.size, dtype=np.intp)
    for r in range(3):
        expected[rows == r] = np.searchsorted(table[r], keys[rows == r])
    np.testing.assert_array_equal(SortedRows(table).searchsorted(keys, rows), expected)
    np.testing.assert_array_equal(SortedTable(table[1]).searchsorted(keys), np.searchsorted(table[1], keys))


def test_keys_far_beyond_a_narrow_table_give_numpys_answer_without_a_warning() -> None:
    table = np.array([0.0, 1e-300, 2e-300, 3e-300])  # a bucket scale near 1e300
    keys = np.concatenate([np.full(300, 1e300), [-1e300, 0.0, 1.5e-300, np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflow to inf is expected and harmless: no RuntimeWarning
        found = SortedTable(table).searchsorted(keys)
    np.testing.assert_array_equal(found, np.searchsorted(table, keys))
