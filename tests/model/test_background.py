"""Work on the background thread (``infosim.world.background``): the month's draws, the contacts'
counts for next month, the ties and area ranks at build. Results must not depend on it."""

import multiprocessing
import os
import threading

import numpy as np
import pytest

from infosim.model import InfoConsumptionModel
from infosim.run import run_scenario
from infosim.world.background import in_background
from infosim.world.context import HouseholdDraw, MonthDraws, month_draws


def _thread_name() -> str:
    return threading.current_thread().name


def _fail() -> None:
    raise ValueError("from the background")


def test_task_runs_on_the_background_thread_and_returns_its_result() -> None:
    assert in_background(_thread_name).result(timeout=10).startswith("infosim-background")
    assert in_background(sum, [1, 2, 3]).result(timeout=10) == 6


def test_an_error_in_a_task_reaches_whoever_waits() -> None:
    with pytest.raises(ValueError, match="from the background"):
        in_background(_fail).result(timeout=10)


def test_switched_off_a_task_runs_at_once_on_the_calling_thread(monkeypatch) -> None:
    monkeypatch.setenv("INFOSIM_BACKGROUND", "0")
    done = in_background(_thread_name)
    assert done.done() and done.result() == threading.current_thread().name
    with pytest.raises(ValueError, match="from the background"):
        in_background(_fail).result()


def _child_runs_a_task(queue) -> None:
    queue.put(in_background(sum, [4, 5]).result(timeout=20))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # what the test is about
def test_a_forked_worker_gets_a_background_thread_of_its_own() -> None:
    in_background(sum, [1]).result(timeout=10)  # the parent's thread exists before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_runs_a_task, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 9  # with the parent's (dead) thread the task would never run


@pytest.mark.parametrize("first", [HouseholdDraw.GIGABIT, HouseholdDraw.TV4K, HouseholdDraw.ORDER])
def test_month_draws_drawn_ahead_are_the_months_matrix(first: int) -> None:
    rows, n = len(HouseholdDraw), 5_000
    expected = month_draws(11, 7, 1, rows, n)
    draws = MonthDraws(11, 7, 1, rows, n, ahead=3)
    assert np.array_equal(draws[first], expected[first])  # a row read first, before or after the ahead rows
    assert np.array_equal(np.asarray(draws), expected)


def test_counts_made_ahead_are_not_used_when_the_flags_moved_since() -> None:
    model = InfoConsumptionModel("baseline", seed=3, households=3_000, months=2)
    model.step()
    hh = model.households
    hh.count_peers_ahead()
    hh.state.tv4k[:500] = ~hh.state.tv4k[:500]  # ownership changes after the counting started
    hh.look_at_peers()
    fresh = hh.ties.counts_of_bits(hh._peer_bits(), 3)
    assert np.array_equal(hh.peer_count["tv4k"], fresh[2])
    assert np.array_equal(hh.peer_count["phone5g"], fresh[0])


def test_results_are_the_same_with_and_without_the_background_thread(monkeypatch) -> None:
    on = run_scenario("jiangsu_2020", 5, households=4_000)
    monkeypatch.setenv("INFOSIM_BACKGROUND", "0")
    off = run_scenario("jiangsu_2020", 5, households=4_000)
    assert on.timeseries.equals(off.timeseries)
    assert on.breakdowns.equals(off.breakdowns)
