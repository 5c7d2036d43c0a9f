"""Replicate seeds come from SeedSequence.spawn and are shared by every scenario and point."""

from __future__ import annotations

import numpy as np
import pytest

from infosim.experiments import Experiment
from infosim.experiments.seeds import design_seed, replicate_seeds

from .helpers import toy_sweep


def test_seeds_follow_the_documented_formula() -> None:
    children = np.random.SeedSequence(2020).spawn(4)
    expected = [int(c.generate_state(1, np.uint64)[0]) >> 1 for c in children]
    assert replicate_seeds(2020, 4) == expected


@pytest.mark.parametrize("root", [0, 1, 42, 2**62], ids=["zero", "one", "42", "big"])
def test_seeds_are_distinct_and_fit_int64(root: int) -> None:
    seeds = replicate_seeds(root, 50)
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)


def test_more_replicates_keep_the_first_seeds() -> None:
    assert replicate_seeds(7, 10)[:3] == replicate_seeds(7, 3)


def test_root_seed_changes_all_seeds_and_design_stream_is_separate() -> None:
    a, b = replicate_seeds(1, 5), replicate_seeds(2, 5)
    assert not set(a) & set(b)
    assert design_seed(1) not in a and design_seed(1) != design_seed(2)


def test_negative_root_is_rejected() -> None:
    with pytest.raises(ValueError, match="root seed"):
        replicate_seeds(-1, 2)


def test_batch_pairs_seeds_across_scenarios(toy_dir) -> None:
    exp = Experiment.batch([toy_dir / "toy_a.toml", toy_dir / "toy_b.toml"], replicates=3, seed=11)
    records = list(exp.records())
    assert len(records) == 6
    by_rep: dict[int, set[int]] = {}
    for r in records:
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values())
    assert [by_rep[r].pop() for r in range(3)] == replicate_seeds(11, 3)


def test_sweep_uses_the_same_seed_for_every_point_and_scenario(toy_dir) -> None:
    exp = toy_sweep(toy_dir)
    plan = exp.plan_table()
    per_rep = plan.groupby("replicate")["seed"].nunique()
    assert (per_rep == 1).all()
    assert plan.groupby("replicate").size().tolist() == [12, 12]
    assert sorted(plan["seed"].unique()) == sorted(replicate_seeds(7, 2))
