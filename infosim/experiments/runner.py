"""Run an experiment: plan, execute on an executor, stream every finished run to the store.

The parent process never accumulates results: each outcome is written to disk (data files,
then the run's marker) as soon as it arrives and then dropped, and tasks are built lazily, so
its memory does not grow with the number of runs. ``resume=True`` skips every run whose marker
verifies and recomputes the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from infosim.errors import SpecError
from infosim.experiments import provenance
from infosim.experiments.executors import Executor, make_executor
from infosim.experiments.experiment import Experiment, RunTask, sha256_json
from infosim.experiments.numerics import mixed_environments_note
from infosim.experiments.progress import Progress
from infosim.experiments.store import (
    DESIGN_FILE,
    EXPERIMENT_FILE,
    LOCK_FILE,
    MANIFEST_FILE,
    RUNS_DIR,
    ExperimentStore,
    StoreError,
    atomic_write_json,
)
from infosim.experiments.worker import (
    DATASETS,
    RunFunction,
    TaskOutcome,
    default_run_function,
    execute_task,
)

MANIFEST_EVERY_S = 5.0


@dataclass
class ExperimentReport:
    """What :func:`run_experiment` did. Usable as a path: ``load_results(report)``.

    Attributes:
        path: the experiment's results folder.
        name: experiment name.
        total: runs in the experiment.
        done: runs completed by this call.
        skipped: runs already done before this call (resume).
        failed: runs that failed in this call.
        elapsed_s: wall-clock seconds of this call.
        executor: where the runs went.
        failures: ``(run_id, last line of the error)`` of up to 20 failed runs.
        notes: what was repaired on the way (e.g. ``experiment.json`` rebuilt from the run records).
    """

    path: Path
    name: str
    total: int
    done: int = 0
    skipped: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    executor: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def ok(self) -> bool:
        """True if every run of the experiment is done."""
        return self.done + self.skipped == self.total

    def summary_line(self) -> str:
        """One line: runs done, skipped, failed, time and folder."""
        parts = [f"{self.done} done"]
        if self.skipped:
            parts.append(f"{self.skipped} already done")
        parts.append(f"{self.failed} failed")
        missing = self.total - self.done - self.skipped - self.failed
        if missing:
            parts.append(f"{missing} not run")
        took = f"in {self.elapsed_s:.1f} s -> {self.path}"
        return f"{self.name}: {self.total} runs: {', '.join(parts)} {took}"


def _function_name(fn: RunFunction) -> str:
    base = getattr(fn, "func", fn)  # functools.partial
    return f"{getattr(base, '__module__', '?')}:{getattr(base, '__qualname__', repr(base))}"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")


def _definition_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    changed = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            sub = [k for k in sorted(set(old[key]) | set(new[key])) if old[key].get(k) != new[key].get(k)]
            changed.append(f"{key} ({', '.join(sub[:8])})")
        else:
            changed.append(key)
    return ", ".join(changed) or "unknown"


class _Session:
    """State of one :func:`run_experiment` call: the store, statuses, progress, manifest."""

    def __init__(self, exp: Experiment, store: ExperimentStore, plan_sha: str, code: dict[str, Any]):
        self.exp, self.store, self.plan_sha, self.code = exp, store, plan_sha, code
        self.id = uuid.uuid4().hex[:12]
        self.status: dict[str, tuple[Any, ...]] = {}
        self.last_manifest = 0.0

    def load_markers(self) -> set[str]:
        """Verify existing markers (deep); record statuses; return the done run ids."""
        done = set()
        for run_id, m in self.store.markers().items():
            if self.store.verify(m, self.plan_sha, deep=True):
                done.add(run_id)
                self.status[run_id] = (
                    "done",
                    m.get("started_at"),
                    m.get("finished_at"),
                    m.get("duration_s"),
                    m.get("worker"),
                    None,
                    None,
                    m.get("scenario_sha256"),
                    m.get("session"),
                    m.get("numerics"),
                )
        return done

    def record(self, task: RunTask, outcome: TaskOutcome) -> None:
        """Commit one finished run to the store."""
        r = task.record
        marker = {
            **r.ids(),
            "status": outcome.status,
            "plan_sha256": self.plan_sha,
            "session": self.id,
            "params": r.values,
            "scenario_sha256": task.scenario_sha256,
            "started_at": _iso(outcome.started_at),
            "finished_at": _iso(outcome.finished_at),
            "duration_s": round(outcome.duration_s, 4),
            "worker": outcome.worker,
            "numerics": outcome.numerics,
            "error_type": outcome.error_type,
            "error": outcome.error,
            "code": self.code,
            "scenario_config": task.scenario_data,
        }
        self.store.commit(outcome, marker)
        self.status[r.run_id] = (
            outcome.status,
            marker["started_at"],
            marker["finished_at"],
            marker["duration_s"],
            outcome.worker,
            outcome.error_type,
            outcome.error,
            task.scenario_sha256,
            self.id,
            outcome.numerics,
        )

    def numerics_note(self) -> str | None:
        """A warning if the stored runs were computed in more than one numerical environment."""
        at = STATUS_COLUMNS.index("numerics")
        return mixed_environments_note([row[at] for row in self.status.values() if row[0] == "done"])

    def write_manifest(self, force: bool = False) -> None:
        """Rewrite manifest.parquet (at most every few seconds unless `force`)."""
        now = time.monotonic()
        if not force and now - self.last_manifest < MANIFEST_EVERY_S:
            return
        self.store.write_manifest(build_manifest(self.exp, self.status))
        self.last_manifest = now


STATUS_COLUMNS = (
    "status",
    "started_at",
    "finished_at",
    "duration_s",
    "worker",
    "error_type",
    "error",
    "scenario_sha256",
    "session",
    "numerics",
)


def build_manifest(exp: Experiment, status: Mapping[str, tuple[Any, ...]]) -> pd.DataFrame:
    """The manifest: the plan's rows with each run's status (``pending`` if not finished)."""
    plan = exp.plan_table()
    pending = ("pending", *(None,) * (len(STATUS_COLUMNS) - 1))
    cols = list(zip(*(status.get(rid, pending) for rid in plan["run_id"]), strict=True))
    for name, values in zip(STATUS_COLUMNS, cols or [()] * len(STATUS_COLUMNS), strict=True):
        plan[name] = list(values)
    for name in ("started_at", "finished_at"):
        plan[name] = pd.to_datetime(plan[name], utc=True, format="ISO8601")
    plan["duration_s"] = plan["duration_s"].astype("float64")
    return plan


def _prepare_store(
    store: ExperimentStore,
    exp: Experiment,
    definition: dict[str, Any],
    plan_sha: str,
    *,
    resume: bool,
    overwrite: bool,
) -> list[str]:
    """Create, reuse (resume) or clear (overwrite) the experiment folder.

    Returns:
        Notes on what was repaired (for the report).
    """
    ours = {EXPERIMENT_FILE, MANIFEST_FILE, DESIGN_FILE, RUNS_DIR, LOCK_FILE, *DATASETS}
    if store.exists() and not overwrite:
        if not resume:
            raise StoreError(
                f"{store.root} already holds an experiment; pass --resume to continue it, "
                "--overwrite to replace it, or --out DIR for a new folder"
            )
        try:
            stored = store.read_experiment()
        except StoreError:
            return _rebuild(store, exp, definition, plan_sha)
        if stored.get("plan_sha256") != plan_sha:
            diff = _definition_diff(stored.get("definition", {}), definition)
            raise StoreError(
                f"{store.root} holds a different experiment (changed: {diff}); it can only be "
                "resumed with the same definition — use --out DIR or --overwrite"
            )
        store.write_design(exp.design_table())  # deterministic: repairs a damaged copy
        return []
    if overwrite:
        store.clear()
    others = sorted(p.name for p in store.root.iterdir() if p.name not in ours and not p.name.startswith("."))
    if others:
        raise StoreError(f"{store.root} is not empty ({', '.join(others[:5])}); choose another --out")
    _initialise(store, exp, definition, plan_sha)
    return []


def _initialise(store: ExperimentStore, exp: Experiment, definition: dict[str, Any], plan_sha: str) -> None:
    refs = {name: exp.scenario_ref(entry) for name, entry in zip(exp.base_scenarios, exp.spec.scenarios, strict=True)}
    store.initialise(
        {
            "name": exp.name,
            "kind": exp.kind,
            "plan_sha256": plan_sha,
            "n_runs": exp.n_runs,
            "description": exp.spec.description,
            "definition": definition,
            "provenance": provenance.collect(refs, exp.source),
        },
        exp.design_table(),
    )


def _rebuild(store: ExperimentStore, exp: Experiment, definition: dict[str, Any], plan_sha: str) -> list[str]:
    """Rewrite a damaged ``experiment.json`` when the run records show they are of this experiment."""
    markers = store.markers()
    ours = sum(m.get("plan_sha256") == plan_sha for m in markers.values())
    if markers and not ours:
        raise StoreError(
            f"{store.root / EXPERIMENT_FILE} is damaged and the runs stored in {store.root} belong to a "
            "different experiment; use --out DIR, or --overwrite to replace them"
        )
    _initialise(store, exp, definition, plan_sha)
    return [f"{EXPERIMENT_FILE} was damaged; rebuilt it from the definition and {ours} matching run record(s)"]


def _add_session(store: ExperimentStore, session: _Session, executor: Executor) -> None:
    meta = store.read_experiment()
    meta.setdefault("sessions", []).append(
        {
            "id": session.id,
            "started_at": _iso(time.time()),
            "executor": executor.describe(),
            "code": session.code,
            "command": " ".join(sys.argv),
        }
    )
    atomic_write_json(store.root / EXPERIMENT_FILE, meta)


def run_experiment(
    experiment: Experiment,
    out: str | Path | None = None,
    *,
    executor: str | Executor = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    run_function: RunFunction | None = None,
) -> ExperimentReport:
    """Run every run of an experiment and store the results.

    Args:
        experiment: the experiment (see :class:`Experiment`).
        out: results folder (default ``results/<name>``).
        executor: ``serial``, ``processes`` (default, all cores), ``dask``, or an Executor.
        workers: worker processes (default: all cores).
        scheduler: Dask scheduler address for ``executor="dask"``.
        resume: continue the experiment already in `out`, skipping its verified runs.
        overwrite: delete the experiment already in `out` first.
        progress: show a progress bar; None = only on an interactive terminal.
        run_function: the model run, called like :func:`infosim.run.run_scenario`
            (default); must be picklable (a module-level function) for process/dask executors.

    Returns:
        An :class:`ExperimentReport`; failed runs are in it and in the manifest.

    Raises:
        SpecError: a bad definition (before anything runs) or an ``outputs`` key that matches
            nothing (the experiment stops at the first run that shows it).
        StoreError: `out` holds another experiment, or is locked by another process.
    """
    t0 = time.perf_counter()
    experiment.validate()
    fn = run_function or default_run_function()
    definition = {**experiment.definition(), "run_function": _function_name(fn)}
    plan_sha = sha256_json(definition)
    store = ExperimentStore(Path(out) if out is not None else Path("results") / experiment.name)
    ex = executor if isinstance(executor, Executor) else make_executor(executor, workers, scheduler)
    report = ExperimentReport(store.root, experiment.name, experiment.n_runs, executor=ex.describe())
    if resume and overwrite:
        raise StoreError("--resume keeps the runs in the folder and --overwrite deletes them: choose one")
    with store.lock():
        report.notes = _prepare_store(store, experiment, definition, plan_sha, resume=resume, overwrite=overwrite)
        code = {"infosim": provenance.library_versions()["infosim"], **provenance.git_state()}
        session = _Session(experiment, store, plan_sha, code)
        done = session.load_markers()
        store.remove_unfinished(done)
        report.skipped = len(done)
        session.write_manifest(force=True)
        _add_session(store, session, ex)
        bar = Progress(progress, description=experiment.name)
        bar.start(report.total, already_done=len(done))
        try:
            _execute(session, ex, fn, done, report, bar)
        finally:
            bar.close()
            session.write_manifest(force=True)
        mixed = session.numerics_note()
        if mixed:
            report.notes.append(mixed)
            warnings.warn(mixed, RuntimeWarning, stacklevel=2)
    report.elapsed_s = time.perf_counter() - t0
    if report.failed:
        warnings.warn(report.summary_line(), RuntimeWarning, stacklevel=2)
    return report


def _execute(
    session: _Session,
    ex: Executor,
    fn: RunFunction,
    done: set[str],
    report: ExperimentReport,
    bar: Progress,
) -> None:
    """Feed the not-yet-done tasks to the executor; commit each outcome as it arrives."""
    work = functools.partial(execute_task, run_function=fn)
    with ex:
        for task, result in ex.imap_unordered(work, session.exp.tasks(skip=done)):
            outcome = result if isinstance(result, TaskOutcome) else _infrastructure_failure(task, result)
            session.record(task, outcome)
            bar.advance(outcome.status)
            if outcome.status == "done":
                report.done += 1
            else:
                report.failed += 1
                if len(report.failures) < 20:
                    last = (outcome.error or "").strip().splitlines()[-1:] or [""]
                    report.failures.append((task.run_id, last[0]))
                if outcome.error_type == "SpecError":
                    raise SpecError(outcome.message or last[0])
            session.write_manifest()


def _infrastructure_failure(task: RunTask, exc: BaseException | Any) -> TaskOutcome:
    """A failed outcome for a run whose worker could not report (it died, or was lost)."""
    text = "".join(traceback.format_exception(exc)) if isinstance(exc, BaseException) else repr(exc)
    now = time.time()
    return TaskOutcome(task.run_id, "failed", {}, now, now, 0.0, "", type(exc).__name__, text, str(exc))


def run_batch(scenarios: Iterable[str | Path], replicates: int = 1, seed: int = 0, **kwargs: Any) -> ExperimentReport:
    """Shortcut: ``run_experiment(Experiment.batch(scenarios, replicates, seed), **kwargs)``."""
    exp_keys = {"households", "months", "overrides", "keep_agents", "outputs", "name"}
    exp = Experiment.batch(scenarios, replicates, seed, **{k: v for k, v in kwargs.items() if k in exp_keys})
    return run_experiment(exp, **{k: v for k, v in kwargs.items() if k not in exp_keys})
