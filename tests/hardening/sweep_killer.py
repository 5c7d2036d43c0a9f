"""Run `infosim sweep ...` (the real command) and SIGKILL this process at a chosen point of the store.

Usage: python sweep_killer.py POINT N -- <infosim arguments>

POINT is where the N-th write of that kind is cut short by ``kill -9`` of this process:

* ``mid-data``     — a run's data file written to its temp name, not yet renamed into place;
* ``after-data``   — a run's data files in place, its record (``runs/<id>.json``) not yet written;
* ``after-record`` — a run's record written, the manifest not yet updated;
* ``mid-manifest`` — ``manifest.parquet`` written to its temp name, not yet renamed;
* ``none``         — no injected kill (the test kills the process from outside).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from infosim.experiments import store


def die() -> None:
    """SIGKILL this process: no clean-up of any kind runs."""
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str, n: int) -> None:
    """Patch the store's write functions to kill this process at `point` the `n`-th time."""
    seen = {"count": 0}

    def hit() -> bool:
        seen["count"] += 1
        return seen["count"] == n

    write_bytes, write_json = store.atomic_write_bytes, store.atomic_write_json
    write_parquet = store.atomic_write_parquet

    def half_written(path: Path, data: bytes) -> None:
        tmp = path.parent / f".{path.name}.killed.tmp"
        tmp.write_bytes(data[: len(data) // 2])
        die()

    def atomic_write_bytes(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
        if point == "mid-data" and path.parent.name in store_datasets() and hit():
            half_written(path, data)
        write_bytes(path, data, sync_dir=sync_dir)

    def atomic_write_json(path: Path, obj: Any) -> None:
        is_record = path.parent.name == store.RUNS_DIR
        if point == "after-data" and is_record and hit():
            die()
        write_json(path, obj)
        if point == "after-record" and is_record and hit():
            die()

    def atomic_write_parquet(path: Path, df: Any) -> None:
        if point == "mid-manifest" and path.name == store.MANIFEST_FILE and hit():
            half_written(path, df.to_parquet())
        write_parquet(path, df)

    if point == "mid-manifest":
        # The manifest is rewritten at most every few seconds, so on a fast machine the N-th write
        # could be the final one; rewritten after every run, the N-th write lands mid-sweep.
        from infosim.experiments import runner

        runner.MANIFEST_EVERY_S = 0.0
    store.atomic_write_bytes = atomic_write_bytes
    store.atomic_write_json = atomic_write_json
    store.atomic_write_parquet = atomic_write_parquet


def store_datasets() -> tuple[str, ...]:
    from infosim.experiments.worker import DATASETS

    return DATASETS


def main(argv: list[str]) -> None:
    point, n, sep, *args = argv
    assert sep == "--", "usage: sweep_killer.py POINT N -- <infosim arguments>"
    if point != "none":
        install(point, int(n))
    from infosim.interfaces import cli

    print(f"pid {os.getpid()}", flush=True)
    sys.argv = ["infosim", *args]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
