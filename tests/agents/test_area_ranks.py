"""Coverage and gigabit availability kept up to date incrementally (AreaRanks) equal the direct rule
``quantile < threshold[area]``, including thresholds that fall back and ties at a threshold."""

import numpy as np
import pytest

from infosim.world.numerics import AreaRanks, float32_at_least


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_area_ranks_match_the_direct_comparison_month_after_month(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_areas = 5_000, 6
    quantile = rng.random(n, dtype=np.float32)
    quantile[:50] = np.float32(0.5)  # ties exactly at a threshold below
    area = rng.integers(0, n_areas - 1, n).astype(np.int16)  # the last area has nobody
    ranks = AreaRanks(quantile, area, n_areas)
    flag = np.zeros(n, dtype=bool)
    for month in range(30):
        by_area = rng.random(n_areas) if month % 7 else np.full(n_areas, 0.5)  # up and down, and exactly 0.5
        thresholds = float32_at_least(by_area)
        before = flag.copy()
        changed = ranks.update(thresholds, flag)
        expected = quantile < thresholds[area]
        np.testing.assert_array_equal(flag, expected)
        np.testing.assert_array_equal(changed, np.flatnonzero(expected != before))


def test_area_ranks_report_nothing_when_no_threshold_moves() -> None:
    quantile = np.array([0.1, 0.4, 0.7, 0.2], dtype=np.float32)
    area = np.array([0, 1, 0, 1], dtype=np.int16)
    ranks = AreaRanks(quantile, area, 2)
    flag = np.zeros(4, dtype=bool)
    assert ranks.update(np.array([0.5, 0.3], dtype=np.float32), flag).tolist() == [0, 3]
    assert flag.tolist() == [True, False, False, True]
    assert ranks.update(np.array([0.5, 0.3], dtype=np.float32), flag).size == 0
    assert ranks.update(np.array([0.05, 0.3], dtype=np.float32), flag).tolist() == [0]
    assert flag.tolist() == [False, False, False, True]
