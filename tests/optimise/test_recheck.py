"""The recheck's verdict: the ranking holds when no more pairwise orders are significantly
reversed with fresh seeds than a 95% interval reverses by chance between equal policies."""

from __future__ import annotations

import pandas as pd
import pytest

from infosim.optimise.recheck_pareto import CHANCE_REVERSED, summary


@pytest.mark.parametrize(("reversed_", "holds", "strictly"), [
    pytest.param(0, True, True, id="none-reversed"),
    pytest.param(2, True, False, id="2-of-100-chance"),
    pytest.param(3, False, False, id="3-of-100-too-many"),
])
def test_the_ranking_holds_up_to_the_chance_share(reversed_: int, holds: bool, strictly: bool) -> None:
    pairs = pd.DataFrame({"reversed": [True] * 10 + [False] * 90,
                          "significantly_reversed": [True] * reversed_ + [False] * (100 - reversed_),
                          "significantly_same": [False] * 100})
    estimates = pd.DataFrame({"reproduced": [True, True, False]})
    out = summary(estimates, pairs, pd.DataFrame(), pd.DataFrame(), [], [])
    assert CHANCE_REVERSED == 0.025
    assert (out["ranking_holds"], out["ranking_holds_strictly"]) == (holds, strictly)
    assert out["significantly_reversed"] == reversed_ and out["significantly_reversed_share"] == reversed_ / 100
    assert out["not_reproduced"] == 1 and out["reversed"] == 10
