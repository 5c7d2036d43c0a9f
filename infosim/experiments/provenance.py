"""Provenance of an experiment: code version, git state, library versions, platform, numerical
environment, file hashes."""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from infosim.experiments.numerics import numerical_environment
from infosim.experiments.store import sha256_file

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = (
    "infosim",
    "numpy",
    "pandas",
    "pyarrow",
    "mesa",
    "scipy",
    "SALib",
    "pydantic",
    "distributed",
)


def library_versions() -> dict[str, str | None]:
    """Installed versions of infosim and the libraries results depend on."""
    out: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(PACKAGE_ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state() -> dict[str, Any]:
    """The git commit of the infosim source tree and whether it has uncommitted changes."""
    inside = _git("rev-parse", "--is-inside-work-tree")
    if inside != "true":
        return {"commit": None, "dirty": None, "note": "not a git checkout"}
    status = _git("status", "--porcelain")
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }


def scenario_files(entry: str | Path) -> list[Path]:
    """The TOML files a scenario is built from: the file, its ``extends`` chain and its includes."""
    from infosim.scenario import scenario_files as files_of

    return files_of(entry)


def file_hashes(paths: list[Path]) -> list[dict[str, str]]:
    """``[{"path": ..., "sha256": ...}]`` for each file."""
    return [{"path": str(p), "sha256": sha256_file(p)} for p in paths]


def collect(scenario_refs: dict[str, str | Path], spec_file: Path | None) -> dict[str, Any]:
    """Provenance for ``experiment.json``.

    Args:
        scenario_refs: scenario name -> the name or path it was loaded from.
        spec_file: the sweep spec file, if any.

    Returns:
        A JSON-able dict: versions, git state, Python, platform, numerical environment (of this
        process; each run's is in the manifest), file hashes, time, command.
    """
    scen = {}
    for name, ref in scenario_refs.items():
        try:
            scen[name] = file_hashes(scenario_files(ref))
        except Exception as exc:  # provenance must never stop an experiment
            scen[name] = [{"error": str(exc)}]
    return {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "git": git_state(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "numerics": numerical_environment(),
        "command": " ".join(sys.argv),
        "spec_file": file_hashes([spec_file.resolve()])[0] if spec_file else None,
        "scenario_files": scen,
    }
