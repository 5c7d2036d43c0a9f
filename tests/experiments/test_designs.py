"""Designs give the expected number of points, spread and mapping to values."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.experiments.designs import build_design, lhs_unit, morris_unit, sobol_unit
from infosim.experiments.params import ParamSpec
from infosim.experiments.spec import spec_from_dict

LIFE = "parameters.phones.life_months"
BASS_Q = "parameters.phones.choice_peer_coef"
PRICE = "parameters.phones.choice_price_coef"
CLAIM = "levers.vouchers.claim_share"
BUDGET = "levers.vouchers.budget_yuan"


def make_spec(**raw: object):
    return spec_from_dict({"name": "t", "scenarios": ["baseline"], **raw})


# ---------------------------------------------------------------------------------- samplers
@pytest.mark.parametrize("d,n", [(1, 10), (3, 16), (5, 7)], ids=["1d", "3d", "5d-odd"])
def test_lhs_puts_one_point_in_every_stratum_of_every_dimension(d: int, n: int) -> None:
    u = lhs_unit(d, n, seed=3)
    assert u.shape == (n, d)
    for j in range(d):
        strata = np.floor(u[:, j] * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_lhs_depends_on_the_seed_only() -> None:
    np.testing.assert_array_equal(lhs_unit(2, 8, 5), lhs_unit(2, 8, 5))
    assert not np.array_equal(lhs_unit(2, 8, 5), lhs_unit(2, 8, 6))


@pytest.mark.parametrize(
    "d,n,second,rows",
    [(3, 8, True, 8 * 8), (3, 8, False, 8 * 5), (1, 4, True, 4 * 4)],
    ids=["3d-second-order", "3d-first-order", "1d"],
)
def test_sobol_gives_saltelli_point_counts(d: int, n: int, second: bool, rows: int) -> None:
    u = sobol_unit(d, n, seed=1, second_order=second)
    assert u.shape == (rows, d)
    assert (u >= 0).all() and (u <= 1).all()
    # the base samples A (first row of each block) are spread over the whole cube
    base = u[:: rows // n]
    assert base.min() < 0.25 and base.max() > 0.75


@pytest.mark.parametrize("d,n", [(2, 4), (4, 3)], ids=["2d", "4d"])
def test_morris_trajectories_move_one_factor_per_step(d: int, n: int) -> None:
    u = morris_unit(d, n, seed=2, levels=4)
    assert u.shape == (n * (d + 1), d)
    grid = {0.0, 1 / 3, 2 / 3, 1.0}
    assert all(min(abs(x - g) for g in grid) < 1e-9 for x in u.ravel())
    for t in range(n):
        traj = u[t * (d + 1) : (t + 1) * (d + 1)]
        changed = (np.abs(np.diff(traj, axis=0)) > 1e-12).sum(axis=1)
        assert changed.tolist() == [1] * d
        moved = np.argmax(np.abs(np.diff(traj, axis=0)) > 1e-12, axis=1)
        assert sorted(moved.tolist()) == list(range(d))


# ---------------------------------------------------------------------------------- params
@pytest.mark.parametrize(
    "raw,u,expected",
    [
        ({"values": ["a", "b", "c"]}, [0.0, 0.34, 0.99, 1.0], ["a", "b", "c", "c"]),
        ({"range": [30, 42]}, [0.0, 0.5, 1.0], [30.0, 36.0, 42.0]),
        ({"range": [1, 3], "integer": True}, [0.0, 0.34, 0.67, 1.0], [1, 2, 3, 3]),
        ({"range": [1, 100], "distribution": "loguniform"}, [0.0, 0.5, 1.0], [1.0, 10.0, 100.0]),
        ({"distribution": "triangular", "range": [0, 2], "mode": 1}, [0.5], [1.0]),
        ({"distribution": "lognormal", "median": 5.0, "sigma": 0.3}, [0.5], [5.0]),
        ({"distribution": "normal", "mean": 1.0, "sd": 2.0}, [0.5], [1.0]),
    ],
    ids=["values", "range", "integer", "loguniform", "triangular", "lognormal", "normal"],
)
def test_param_maps_unit_points_to_values(raw: dict, u: list[float], expected: list) -> None:
    got = ParamSpec(**raw).from_unit(np.array(u))
    assert got == pytest.approx(expected)


def test_truncated_normal_stays_in_range_and_unbounded_ends_are_finite() -> None:
    trunc = ParamSpec(distribution="normal", mean=0.0, sd=1.0, range=(-0.5, 2.0))
    vals = trunc.from_unit(np.linspace(0, 1, 101))
    assert min(vals) == pytest.approx(-0.5) and max(vals) == pytest.approx(2.0)
    free = ParamSpec(distribution="normal", mean=0.0, sd=1.0).from_unit(np.array([0.0, 1.0]))
    assert np.isfinite(free).all() and free[0] == pytest.approx(-3.09, abs=0.01)


@pytest.mark.parametrize(
    "raw,grid",
    [
        ({"range": [0, 1], "levels": 3}, [0.0, 0.5, 1.0]),
        ({"range": [1, 2], "levels": 4, "integer": True}, [1, 2]),
        ({"distribution": "normal", "mean": 0, "sd": 1, "levels": 2}, [-0.6745, 0.6745]),
    ],
    ids=["range", "integer-dedup", "normal-quantiles"],
)
def test_grid_values(raw: dict, grid: list) -> None:
    assert ParamSpec(**raw).grid_values() == pytest.approx(grid, abs=1e-4)


def test_labels_name_values_in_results() -> None:
    p = ParamSpec(values=[[1, 2], [3]], labels=["two", "one"])
    assert p.kind == "str" and p.column([3]) == "one"


# ---------------------------------------------------------------------------------- designs
def test_grid_is_the_full_factorial() -> None:
    spec = make_spec(
        uncertainties={
            LIFE: {"values": [30, 36, 42]},
            BASS_Q: {"range": [0.02, 0.04], "levels": 2},
        },
        levers={CLAIM: {"values": [0.4, 0.8]}},
    )
    d = build_design(spec)
    assert len(d) == 12
    combos = {(p[LIFE], p[BASS_Q], p[CLAIM]) for p in d.points}
    assert len(combos) == 12
    assert {p[BASS_Q] for p in d.points} == {0.02, 0.04}
    assert d.unit is None


def test_cross_runs_every_policy_with_the_same_uncertainty_samples() -> None:
    spec = make_spec(
        design="lhs",
        samples=5,
        uncertainties={LIFE: {"range": [30, 42]}, BASS_Q: {"range": [0.02, 0.04]}},
        levers={CLAIM: {"values": [0.4, 0.6, 0.8]}},
    )
    d = build_design(spec)
    assert len(d) == 15 and d.policy == [0] * 5 + [1] * 5 + [2] * 5
    for pol in range(3):
        block = d.points[pol * 5 : (pol + 1) * 5]
        assert [p[LIFE] for p in block] == [p[LIFE] for p in d.points[:5]]
        assert {p[CLAIM] for p in block} == {[0.4, 0.6, 0.8][pol]}
    lives = sorted(p[LIFE] for p in d.points[:5])
    assert all(30 + 12 * i / 5 <= v < 30 + 12 * (i + 1) / 5 for i, v in enumerate(lives))


def test_joint_samples_levers_with_uncertainties() -> None:
    spec = make_spec(
        design="sobol",
        samples=4,
        combine="joint",
        sobol_second_order=False,
        uncertainties={LIFE: {"range": [30, 42]}},
        levers={BUDGET: {"range": [1e8, 1e9]}},
    )
    d = build_design(spec)
    assert len(d) == 4 * (2 + 2)
    assert d.unit_keys == [LIFE, BUDGET]
    assert set(d.policy) == {0}
    assert all(1e8 <= p[BUDGET] <= 1e9 for p in d.points)


def test_morris_design_counts_and_table() -> None:
    spec = make_spec(
        design="morris",
        samples=3,
        uncertainties={
            LIFE: {"range": [30, 42]},
            BASS_Q: {"range": [0.02, 0.04]},
            PRICE: {"range": [-2, -0.5]},
        },
    )
    d = build_design(spec)
    assert len(d) == 3 * 4
    table = d.table()
    assert list(table.columns[:3]) == ["point", "policy", "sample"]
    assert {f"unit:{k}" for k in (LIFE, BASS_Q, PRICE)} <= set(table.columns)
    assert table[LIFE].between(30, 42).all()


def test_designs_are_reproducible_from_the_seed() -> None:
    raw = {"design": "lhs", "samples": 6, "uncertainties": {LIFE: {"range": [30, 42]}}}
    a, b = build_design(make_spec(seed=1, **raw)), build_design(make_spec(seed=1, **raw))
    c = build_design(make_spec(seed=2, **raw))
    assert a.points == b.points and a.points != c.points


def test_nothing_varied_is_one_point() -> None:
    d = build_design(make_spec())
    assert len(d) == 1 and d.points == [{}]


def test_a_design_with_many_parameters_builds_its_table_without_a_fragmentation_warning() -> None:
    """68 uncertain parameters (the sensitivity analysis's Morris stage): the table is built in one
    go, so pandas does not warn 'DataFrame is highly fragmented' into the user's terminal."""
    import warnings

    from infosim.experiments.designs import Design

    n, keys = 5, [f"parameters.p{i}" for i in range(140)]
    design = Design(
        name="lhs",
        roles=dict.fromkeys(keys, "uncertainty"),
        kinds={},
        points=[{k: 0.5 for k in keys} for _ in range(n)],
        policy=[0] * n,
        sample=list(range(n)),
        keys=keys,
        columns=[{k: 0.5 for k in keys} for _ in range(n)],
        unit=np.full((n, len(keys)), 0.5),
        unit_keys=keys,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = design.table()
    assert table.shape == (n, 3 + 2 * len(keys))
    assert list(table.columns[:4]) == ["point", "policy", "sample", keys[0]]
