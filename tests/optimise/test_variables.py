"""The decision space: encoding, the budget constraint (shares never exceed the budget), voucher
counts that follow the budget, timing shifts, candidate identity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infosim.optimise.spec import spec_from_dict
from infosim.optimise.variables import DecisionSpace, project_shares, round_shares, total_budget
from infosim.scenario import load_scenario

LEVERS = ("vouchers", "terminal_subsidy", "cloud_incentive", "gigabit", "awareness")


def make_space(spend: str = "all", bounds: dict | None = None, extra: dict | None = None,
               voucher_counts: str = "follow_budget") -> DecisionSpace:
    bounds = bounds or {}
    variables = {f"levers.{lv}.budget_yuan": {"share": list(bounds.get(lv, (0.0, 1.0)))} for lv in LEVERS}
    variables.update(extra or {})
    budget = {"spend": spend, "voucher_counts": voucher_counts}
    spec = spec_from_dict({"name": "v", "base": "jiangsu_2020", "budget": budget, "variables": variables,
                           "objectives": [{"metric": "extra_consumption", "direction": "max"}]})
    base = load_scenario("jiangsu_2020")
    return DecisionSpace(spec, base, total_budget(spec, base, "v"))


def test_base_total_is_the_2020_budgets_of_the_share_levers() -> None:
    space = make_space()
    assert space.total_yuan == pytest.approx(0.5e9 + 1.5e9 + 3.0e9 + 0.3e9 + 0.5e9)
    ref = space.settings_of(space.base)
    assert ref["levers.cloud_incentive.budget_yuan"] == pytest.approx(3.0 / 5.8)
    assert sum(ref[f"levers.{lv}.budget_yuan"] for lv in LEVERS) == pytest.approx(1.0)


@pytest.mark.parametrize("spend", ["all", "at_most"])
@given(x=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5))
def test_the_repair_keeps_every_candidate_within_the_budget(spend: str, x: list[float]) -> None:
    space = make_space(spend, bounds={"vouchers": (0.05, 0.6), "awareness": (0.0, 0.2)})
    X = space.repair(np.array([x]))
    assert X.shape == (1, 5) and ((X >= 0) & (X <= 1)).all()
    values = space.decode(X[0])
    shares = np.array([values[f"levers.{lv}.budget_yuan"] for lv in LEVERS])
    assert shares.sum() <= 1.0 + 1e-9
    assert 0.05 - 1e-12 <= shares[0] <= 0.6 + 1e-12 and shares[4] <= 0.2 + 1e-12
    if spend == "all":
        assert shares.sum() == pytest.approx(1.0, abs=1e-9)
    cand = space.candidate(values)
    budgets = [getattr(cand.scenario.levers, lv).budget_yuan for lv in LEVERS]
    assert sum(budgets) <= space.total_yuan
    assert np.allclose(space.repair(X), X)  # a repaired point is a fixed point


@given(s=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3), all_of_it=st.booleans())
def test_projection_and_rounding_stay_on_the_budget(s: list[float], all_of_it: bool) -> None:
    lo, hi = np.array([0.0, 0.1, 0.0]), np.array([1.0, 0.5, 0.7])
    p = round_shares(project_shares(np.array(s), lo, hi, all_of_it=all_of_it), lo, hi, all_of_it=all_of_it)
    assert p.sum() <= 1.0 + 1e-9 and (p >= lo - 1e-12).all() and (p <= hi + 1e-12).all()
    assert np.allclose(p, np.round(p / 0.001) * 0.001)
    if all_of_it:
        assert p.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(("share", "face"), [pytest.param(0.2, 100, id="2020-face"), pytest.param(0.05, 37, id="odd")])
def test_voucher_counts_issue_the_budget_in_the_base_proportions(share: float, face: int) -> None:
    space = make_space(extra={"levers.vouchers.waves[*].face_value_yuan": {"range": [20, 300], "integer": True}})
    values = space.decode(space.repair(np.full(6, 0.5)))
    values.update({"levers.vouchers.budget_yuan": share, "levers.terminal_subsidy.budget_yuan": 1 - share,
                   "levers.cloud_incentive.budget_yuan": 0.0, "levers.gigabit.budget_yuan": 0.0,
                   "levers.awareness.budget_yuan": 0.0, "levers.vouchers.waves[*].face_value_yuan": face})
    cand = space.candidate(values)
    v = cand.scenario.levers.vouchers
    money = np.array([w.vouchers * w.face_value_yuan for w in v.waves])
    assert v.budget_yuan == np.floor(share * space.total_yuan)
    assert v.budget_yuan - 3 * face < money.sum() <= v.budget_yuan
    assert money / money.sum() == pytest.approx([0.4, 0.4, 0.2], abs=1e-6)  # 2M, 2M, 1M vouchers in 2020
    assert {w.face_value_yuan for w in v.waves} == {face}
    assert "levers.vouchers.waves" in cand.overrides


def test_fixed_voucher_counts_keep_the_base_waves() -> None:
    space = make_space(voucher_counts="fixed")
    cand = space.candidate(space.decode(space.repair(np.full(5, 0.5))))
    assert [w.vouchers for w in cand.scenario.levers.vouchers.waves] == [2_000_000, 2_000_000, 1_000_000]


def test_a_shift_moves_start_end_and_waves() -> None:
    space = make_space(extra={"levers.vouchers.start": {"shift_months": [-2, 6]},
                              "levers.terminal_subsidy.start": {"shift_months": [0, 6]}})
    values = space.decode(space.repair(np.full(7, 0.5))) | {"levers.vouchers.start": 4,
                                                                 "levers.terminal_subsidy.start": 2}
    sc = space.candidate(values).scenario
    assert sc.levers.vouchers.start == "2020-09"
    assert [w.month for w in sc.levers.vouchers.waves] == ["2020-09", "2021-01", "2021-09"]
    assert (sc.levers.terminal_subsidy.start, sc.levers.terminal_subsidy.end) == ("2020-07", "2022-02")


def test_discrete_settings_snap_and_equal_settings_are_one_candidate() -> None:
    space = make_space(extra={"levers.vouchers.eligibility": {"values": ["all", "low_income", "rural"]},
                              "levers.terminal_subsidy.cap_yuan": {"range": [100, 1000], "integer": True},
                              "levers.cloud_incentive.subsidy_share": {"range": [0.1, 0.5]}})
    a = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.40, 0.501, 0.123456])
    b = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.60, 0.5012, 0.1234561])
    ra, rb = space.repair(a), space.repair(b)
    va, vb = space.decode(ra), space.decode(rb)
    assert va["levers.vouchers.eligibility"] == "low_income" and ra[5] == pytest.approx(0.5)
    assert va["levers.terminal_subsidy.cap_yuan"] == vb["levers.terminal_subsidy.cap_yuan"] == 551
    assert va["levers.cloud_incentive.subsidy_share"] == 0.1494  # 4 significant digits
    assert space.candidate(va).key == space.candidate(vb).key
    assert np.allclose(ra, rb)


def test_settings_that_break_the_schema_give_an_invalid_candidate() -> None:
    space = make_space(extra={"levers.vouchers.waves[*].min_spend_yuan": {"values": [0, 50, 500]}})
    values = space.decode(space.repair(np.full(6, 0.5))) | {"levers.vouchers.waves[*].min_spend_yuan": 50}
    cand = space.candidate(values)
    assert not cand.valid and "min_spend_yuan must be 0 or at least face_value_yuan" in cand.error
    assert cand.key.startswith("invalid:")
