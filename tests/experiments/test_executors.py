"""One suite every executor passes: the same experiment gives identical stored results.

The serial executor is the reference; processes (1 and 2 workers) and a Dask LocalCluster with
2 workers must store byte-identical Parquet files and the same manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infosim.experiments import load_results, run_experiment
from infosim.experiments.executors import make_executor

from .helpers import assert_same_results, toy_sweep
from .toy import toy_run

pytestmark = pytest.mark.slow  # real model runs or subprocesses: run in CI, skipped by -m "not slow"

EXECUTORS = [
    pytest.param("processes", 1, id="processes-1"),
    pytest.param("processes", 2, id="processes-2"),
    pytest.param("dask", 2, id="dask-localcluster-2"),
]


def square(x: int) -> int:
    """Module level so that it pickles."""
    if x == 3:
        raise ValueError("three")
    return x * x


@pytest.fixture(scope="module")
def reference(toy_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("serial") / "toy"
    with pytest.warns(RuntimeWarning, match="8 failed"):
        report = run_experiment(toy_sweep(toy_dir), out, executor="serial", run_function=toy_run)
    assert (report.total, report.done, report.failed) == (24, 16, 8)
    return load_results(out)


@pytest.mark.parametrize("name,workers", EXECUTORS)
def test_executor_stores_identical_results(name: str, workers: int, reference, toy_dir: Path, tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="8 failed"):
        report = run_experiment(
            toy_sweep(toy_dir),
            tmp_path / "toy",
            executor=name,
            workers=workers,
            run_function=toy_run,
        )
    assert (report.done, report.failed) == (16, 8)
    res = load_results(tmp_path / "toy")
    assert_same_results(reference, res)
    failed = res.failed
    assert set(failed["error_type"]) == {"RuntimeError"}
    assert failed["error"].str.contains("toy failure for life_months=13").all()


@pytest.mark.parametrize("name,workers", [pytest.param("serial", 1, id="serial"), *EXECUTORS])
def test_executor_contract(name: str, workers: int) -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10):
            pulled.append(i)
            yield i

    with make_executor(name, workers) as ex:
        results = []
        for item, result in ex.imap_unordered(square, items()):
            if not results:
                assert len(pulled) <= ex.max_in_flight
            results.append((item, result))
    assert sorted(i for i, _ in results) == list(range(10))
    by_item = dict(results)
    assert isinstance(by_item.pop(3), ValueError)
    assert by_item == {i: i * i for i in range(10) if i != 3}


def die_or_square(x: int) -> int:
    """Kill the worker process for item 1."""
    if x == 1:
        import os

        os._exit(3)
    return x * x


def test_processes_survive_a_dying_worker() -> None:
    with make_executor("processes", 1, max_in_flight=1) as ex:
        results = dict(ex.imap_unordered(die_or_square, range(5)))
    assert type(results.pop(1)).__name__ == "BrokenProcessPool"
    assert results == {0: 0, 2: 4, 3: 9, 4: 16}


def test_unknown_executor_and_scheduler_without_dask() -> None:
    with pytest.raises(ValueError, match="allowed: serial, processes, dask"):
        make_executor("threads")
    with pytest.raises(ValueError, match="--scheduler needs --executor dask"):
        make_executor("processes", scheduler="tcp://127.0.0.1:1")
