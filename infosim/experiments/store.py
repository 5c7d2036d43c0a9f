"""The results store: one folder per experiment, written atomically, run by run.

Layout (see ``docs/experiments.md``)::

    results/<name>/
      experiment.json          definition (spec, resolved base scenarios), provenance, plan hash
      manifest.parquet         one row per run: ids, seed, varied keys, status, timings, error
      design.parquet           one row per design point (values and unit-cube coordinates)
      runs/<run_id>.json       commit marker of a finished run (done or failed)
      timeseries/<run_id>.parquet   summary/…   breakdowns/…   ledger/…   (agents/…, payments/…)

Every file is written to a hidden ``.<name>.<random>.tmp`` in the same folder, fsynced, then
``os.replace``d into place. A run counts as done only when its marker exists, says ``done``,
belongs to this experiment (plan hash) and its data files verify (size, and SHA-256 when asked).
The marker is written after the data files, so a kill at any moment leaves either a complete
run or one that is recomputed on ``--resume``; data files without a valid marker are never
read as results and are deleted on resume.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.errors import InfosimError
from infosim.experiments.worker import DATASETS

LAYOUT_VERSION = 1
EXPERIMENT_FILE = "experiment.json"
MANIFEST_FILE = "manifest.parquet"
DESIGN_FILE = "design.parquet"
RUNS_DIR = "runs"
LOCK_FILE = ".lock"


class StoreError(InfosimError):
    """The results folder cannot be used as asked (exists, differs, locked)."""


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync folders; the data files are still synced
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write `data` to `path` atomically: hidden temp file in the same folder, fsync, replace."""
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        _fsync_dir(path.parent)


def json_safe(obj: Any) -> Any:
    """`obj` with NaN and infinities as None and numpy scalars as Python values (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and type(obj).__module__ == "numpy":
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write `obj` as indented strict JSON (no NaN tokens), atomically."""
    atomic_write_bytes(path, (json.dumps(json_safe(obj), indent=1, default=str, allow_nan=False) + "\n").encode())


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    """Write `df` as Parquet, atomically."""
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    atomic_write_bytes(path, buf.getvalue())


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_temp(path: Path) -> bool:
    """True for temp files of an unfinished atomic write."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------
class ExperimentStore:
    """Read and write one experiment's results folder."""

    def __init__(self, root: str | Path):
        """Open the folder `root` (nothing is created until :meth:`initialise`)."""
        self.root = Path(root)

    # ---------------------------------------------------------------------------- paths
    @property
    def runs_dir(self) -> Path:
        """Folder of the run markers."""
        return self.root / RUNS_DIR

    def marker_path(self, run_id: str) -> Path:
        """The marker file of a run."""
        return self.runs_dir / f"{run_id}.json"

    def data_path(self, dataset: str, run_id: str) -> Path:
        """The Parquet file of one run in one dataset."""
        return self.root / dataset / f"{run_id}.parquet"

    def exists(self) -> bool:
        """True if the folder holds an experiment."""
        return (self.root / EXPERIMENT_FILE).is_file()

    # ---------------------------------------------------------------------------- lifecycle
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder (released on exit, or by the OS on a kill).

        The lock is taken on the folder itself (``flock`` on its file descriptor), so no lock
        file is left behind.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise StoreError(f"{str(self.root)[:200]}: cannot use it as a results folder: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(f"{self.root}: another process is writing this experiment") from None
        try:
            (self.root / LOCK_FILE).unlink(missing_ok=True)  # left by earlier versions
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def clear(self) -> None:
        """Delete the experiment's files (for ``--overwrite``), keeping the folder and lock."""
        for name in (EXPERIMENT_FILE, MANIFEST_FILE, DESIGN_FILE):
            (self.root / name).unlink(missing_ok=True)
        for name in (RUNS_DIR, *DATASETS):
            shutil.rmtree(self.root / name, ignore_errors=True)

    def initialise(self, experiment: dict[str, Any], design: pd.DataFrame) -> None:
        """Write ``design.parquet`` and ``experiment.json`` (dataset folders appear with data)."""
        (self.root / RUNS_DIR).mkdir(parents=True, exist_ok=True)
        self.write_design(design)
        atomic_write_json(self.root / EXPERIMENT_FILE, {"layout_version": LAYOUT_VERSION, **experiment})

    def write_design(self, design: pd.DataFrame) -> None:
        """Replace ``design.parquet`` atomically."""
        atomic_write_parquet(self.root / DESIGN_FILE, design)

    def read_experiment(self) -> dict[str, Any]:
        """The contents of ``experiment.json``."""
        path = self.root / EXPERIMENT_FILE
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise StoreError(f"{self.root}: not an experiment folder (no {EXPERIMENT_FILE})") from None
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
            raise StoreError(
                f"{path}: unreadable ({type(exc).__name__}); run the same batch/sweep command with --resume to "
                "rebuild it from the run records"
            ) from None

    def write_manifest(self, manifest: pd.DataFrame) -> None:
        """Replace ``manifest.parquet`` atomically."""
        atomic_write_parquet(self.root / MANIFEST_FILE, manifest)

    def read_manifest_file(self) -> pd.DataFrame:
        """``manifest.parquet`` as last written (statuses may lag the markers after a kill)."""
        return pd.read_parquet(self.root / MANIFEST_FILE)

    # ---------------------------------------------------------------------------- runs
    def commit(self, outcome: Any, marker: dict[str, Any]) -> dict[str, Any]:
        """Write a finished run: its data files, then its marker (the commit point).

        Args:
            outcome: a :class:`~infosim.experiments.worker.TaskOutcome`.
            marker: the run's record (ids, seed, params, status, timings, error, scenario);
                the file list is added here.

        Returns:
            The marker as written.
        """
        files = {}
        for dataset, data in outcome.files.items():
            path = self.data_path(dataset, outcome.run_id)
            path.parent.mkdir(exist_ok=True)
            atomic_write_bytes(path, data, sync_dir=False)
            files[dataset] = {
                "path": f"{dataset}/{path.name}",
                "bytes": len(data),
                "sha256": sha256_bytes(data),
            }
        for dataset in {d for d in files}:
            _fsync_dir(self.root / dataset)
        marker = {**marker, "files": files}
        atomic_write_json(self.marker_path(outcome.run_id), marker)
        return marker

    def read_marker(self, run_id: str) -> dict[str, Any] | None:
        """A run's marker, or None if absent or unreadable (a torn write counts as absent)."""
        try:
            return json.loads(self.marker_path(run_id).read_text())
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError, OSError):
            return None

    def markers(self) -> dict[str, dict[str, Any]]:
        """All readable markers by run id."""
        out = {}
        if not self.runs_dir.is_dir():
            return out
        for path in sorted(self.runs_dir.glob("*.json")):
            m = self.read_marker(path.stem)
            if m is not None and m.get("run_id") == path.stem:
                out[path.stem] = m
        return out

    def verify(self, marker: dict[str, Any], plan_sha256: str, *, deep: bool = False) -> bool:
        """True if `marker` is a done run of this plan whose files are intact.

        Args:
            marker: the run's marker.
            plan_sha256: the experiment's plan hash.
            deep: also compare SHA-256 digests (reads the files); else sizes only.
        """
        if marker.get("status") != "done" or marker.get("plan_sha256") != plan_sha256:
            return False
        for info in marker.get("files", {}).values():
            path = self.root / info["path"]
            try:
                if path.stat().st_size != info["bytes"]:
                    return False
            except OSError:
                return False
            if deep and sha256_file(path) != info["sha256"]:
                return False
        return bool(marker.get("files"))

    def remove_unfinished(self, keep: set[str]) -> int:
        """Delete temp files, data files of runs not in `keep`, and markers that are not valid.

        Returns:
            The number of files removed.
        """
        removed = 0
        for path in self.root.iterdir() if self.root.is_dir() else []:
            if is_temp(path) and path.is_file():  # a manifest / experiment.json / design write cut short
                path.unlink(missing_ok=True)
                removed += 1
        for name in (RUNS_DIR, *DATASETS):
            folder = self.root / name
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                stale = is_temp(path) or (name != RUNS_DIR and path.stem not in keep)
                if stale:
                    path.unlink(missing_ok=True)
                    removed += 1
        for path in self.runs_dir.glob("*.json") if self.runs_dir.is_dir() else []:
            m = self.read_marker(path.stem)
            if path.stem not in keep and (m is None or m.get("status") == "done"):
                path.unlink(missing_ok=True)  # unreadable or no longer verifiable
                removed += 1
        return removed
