"""The numerical environment of a run: named by a fingerprint, recorded for every stored run, and
a warning when one experiment's runs (or a Dask cluster's workers) span more than one.

numpy chooses its SIMD code at import from the CPU (``NPY_DISABLE_CPU_FEATURES`` removes some), and
exp/log round differently with AVX-512 than without; these tests use that switch to make a second
environment on one machine, as a second machine type would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import infosim.experiments.worker as worker_module
from infosim.experiments import Experiment, load_results, run_experiment
from infosim.experiments.numerics import (
    mixed_environments_note,
    numerical_environment,
    numerics_fingerprint,
    simd_extensions,
)

from .toy import toy_run


def _dispatched() -> list[str]:
    """The SIMD extensions numpy dispatches to here beyond its build's baseline (can be disabled)."""
    from numpy._core._multiarray_umath import __cpu_baseline__

    return [name for name in simd_extensions() or [] if name not in __cpu_baseline__]


def _fingerprint_in_subprocess(env_extra: dict[str, str]) -> str:
    code = "from infosim.experiments.numerics import numerics_fingerprint; print(numerics_fingerprint())"
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_fingerprint_names_versions_and_simd() -> None:
    import numpy as np

    env = numerical_environment()
    fp = numerics_fingerprint()
    assert fp == env["fingerprint"]
    assert f"numpy-{np.__version__}" in fp
    assert fp.endswith("simd:" + "+".join(env["simd"]))


def test_another_process_on_this_machine_has_the_same_fingerprint() -> None:
    assert _fingerprint_in_subprocess({}) == numerics_fingerprint()


def test_disabling_simd_extensions_is_another_environment() -> None:
    dispatched = _dispatched()
    if not dispatched:
        pytest.skip("numpy dispatches to no SIMD extension beyond its baseline on this CPU")
    other = _fingerprint_in_subprocess({"NPY_DISABLE_CPU_FEATURES": " ".join(dispatched)})
    assert other != numerics_fingerprint()
    simd = other.split("simd:")[1].split("+")
    assert not set(simd) & set(dispatched)


def test_note_only_for_more_than_one_environment() -> None:
    assert mixed_environments_note(["a", "a", ""]) is None
    note = mixed_environments_note(["a", "b", "a", ""])
    assert note is not None
    assert "2 numerical environments: a (2 runs); b (1 run)" in note
    assert "docs/experiments.md" in note


def _small_batch(toy_dir: Path) -> Experiment:
    return Experiment.batch([str(toy_dir / "toy_a.toml")], replicates=4, seed=3)


def test_each_run_records_its_environment(toy_dir: Path, tmp_path: Path) -> None:
    report = run_experiment(_small_batch(toy_dir), tmp_path / "one", executor="serial", run_function=toy_run)
    assert report.notes == []
    res = load_results(tmp_path / "one")
    assert set(res.manifest["numerics"]) == {numerics_fingerprint()}
    marker = res.marker(res.done_ids[0])
    assert marker["numerics"] == numerics_fingerprint()
    experiment = (tmp_path / "one" / "experiment.json").read_text()
    assert numerics_fingerprint() in experiment  # the parent's environment, in the provenance


def test_runs_from_two_environments_are_flagged(toy_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """A sweep resumed where numpy runs other SIMD code: the manifest says which run came from
    where, and the report and a warning say the store mixes environments."""
    exp = _small_batch(toy_dir)
    out = tmp_path / "mixed"
    first = run_experiment(exp, out, executor="serial", run_function=toy_run)
    assert first.ok
    # drop two finished runs, as an interrupted session would have left them, and resume "elsewhere"
    res = load_results(out)
    lost = sorted(res.done_ids)[:2]
    for run_id in lost:
        for path in out.rglob(f"*{run_id}*"):
            path.unlink()
    monkeypatch.setattr(worker_module, "numerics_fingerprint", lambda: "other-machine simd:none")
    with pytest.warns(RuntimeWarning, match="2 numerical environments"):
        second = run_experiment(exp, out, executor="serial", run_function=toy_run, resume=True)
    assert (second.done, second.skipped) == (2, 2)
    assert any("numerical environments" in note for note in second.notes)
    manifest = load_results(out).manifest.set_index("run_id")
    assert set(manifest.loc[lost, "numerics"]) == {"other-machine simd:none"}
    assert set(manifest.drop(index=lost)["numerics"]) == {numerics_fingerprint()}
    # a comparison of these runs names both environments in its provenance (the HTML report shows it)
    from infosim.analysis.data import from_store

    prov = from_store(load_results(out)).provenance
    assert prov["numerics"] == sorted({numerics_fingerprint(), "other-machine simd:none"})


@pytest.mark.slow
def test_dask_workers_in_another_environment_are_flagged(toy_dir: Path, tmp_path: Path) -> None:
    """A real LocalCluster whose workers start with numpy's dispatched SIMD code disabled."""
    dispatched = _dispatched()
    if not dispatched:
        pytest.skip("numpy dispatches to no SIMD extension beyond its baseline on this CPU")
    import dask

    from infosim.experiments.executors.dask import DaskExecutor

    env = {"distributed.nanny.pre-spawn-environ": {"NPY_DISABLE_CPU_FEATURES": " ".join(dispatched)}}
    before = os.environ.get("NPY_DISABLE_CPU_FEATURES")
    try:
        with dask.config.set(env), pytest.warns(RuntimeWarning, match="this process and the Dask workers"):
            report = run_experiment(
                _small_batch(toy_dir), tmp_path / "dask", executor=DaskExecutor(workers=1), run_function=toy_run
            )
    finally:
        # the nanny sets pre-spawn variables in *this* process's environment before spawning its
        # worker and leaves them there: restore it, or later subprocesses inherit them
        if before is None:
            os.environ.pop("NPY_DISABLE_CPU_FEATURES", None)
        else:
            os.environ["NPY_DISABLE_CPU_FEATURES"] = before
    assert report.ok
    worker_fps = set(load_results(tmp_path / "dask").manifest["numerics"])
    assert len(worker_fps) == 1
    assert worker_fps != {numerics_fingerprint()}


def test_environment_restored_after_the_dask_test() -> None:
    """Guards the restore above (tests after it start subprocesses from this environment)."""
    assert "NPY_DISABLE_CPU_FEATURES" not in os.environ
