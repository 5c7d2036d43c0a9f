"""Benchmark: throughput of a sweep and the parent process's peak memory for 100 vs 1,000 runs.

Each sweep size runs in its own child process (so peak memory is measured per size): a Latin
hypercube over two uncertain parameters of ``jiangsu_2020`` with 2 replicates, at the default
scale (100,000 households, 72 months) unless told otherwise. Results are written to a temporary
store (deleted afterwards unless ``--keep-results``), the numbers to ``benchmarks/output/sweep.json``.

Usage::

    python benchmarks/bench_sweep.py                          # 100 and 1,000 runs, default scale
    python benchmarks/bench_sweep.py --runs 20,100 --households 20000 --months 24   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "output" / "sweep.json"
REPLICATES = 2


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class RssSampler(threading.Thread):
    """Samples this process's resident memory every `period` seconds."""

    def __init__(self, period: float = 0.5):
        super().__init__(daemon=True)
        self.period, self.samples = period, []
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop_event.is_set():
            self.samples.append(_rss_mb())
            self._stop_event.wait(self.period)

    def stop(self) -> list[float]:
        """Stop sampling; return the samples (MB)."""
        self._stop_event.set()
        self.join()
        return self.samples


def run_child(args: argparse.Namespace) -> dict[str, Any]:
    """Run one sweep of `args.child` runs in this process and measure it."""
    from infosim.experiments import Experiment, load_results, run_experiment

    n = args.child
    exp = Experiment.sweep(
        f"bench_{n}",
        [args.scenario],
        design="lhs",
        samples=max(1, n // REPLICATES),
        replicates=REPLICATES,
        seed=1,
        households=args.households,
        months=args.months,
        uncertainties={
            "parameters.phones.life_months": {"range": [30, 42]},
            "parameters.phones.choice_peer_coef": {"range": [0.0, 3.0]},
        },
    )
    out = Path(tempfile.mkdtemp(prefix="infosim-bench-")) / exp.name
    exp.validate()
    rss_before = _rss_mb()
    sampler = RssSampler()
    sampler.start()
    t0 = time.perf_counter()
    report = run_experiment(exp, out, executor=args.executor, workers=args.workers, progress=args.progress)
    wall = time.perf_counter() - t0
    samples = sampler.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    manifest = load_results(out).manifest
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if not args.keep_results:
        shutil.rmtree(out.parent, ignore_errors=True)
    return {
        "runs": report.total,
        "done": report.done,
        "failed": report.failed,
        "wall_s": round(wall, 2),
        "runs_per_min": round(60 * report.done / wall, 2),
        "mean_run_s": round(float(manifest["duration_s"].mean()), 3),
        "parent_peak_rss_mb": round(peak_kb / 1024, 1),
        "parent_rss_before_runs_mb": round(rss_before, 1),
        "parent_rss_max_sampled_mb": round(max(samples, default=rss_before), 1),
        "parent_rss_end_mb": round(samples[-1] if samples else rss_before, 1),
        "store_mb": round(size / 2**20, 1),
        "store": str(out) if args.keep_results else None,
    }


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    from infosim.experiments.executors import available_cores
    from infosim.experiments.provenance import git_state, library_versions

    return {
        "cores": available_cores(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": library_versions(),
        "git": git_state(),
    }


def main() -> int:
    """Parse options; run each size in a child process; print and save the numbers."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="100,1000", help="comma-separated sweep sizes (default 100,1000)")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=72)
    ap.add_argument("--scenario", default="jiangsu_2020")
    ap.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    ap.add_argument("--keep-results", action="store_true", help="keep the results stores")
    ap.add_argument("--progress", action="store_true", help="show a progress bar")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(run_child(args)))
        return 0

    sizes = [int(s) for s in args.runs.split(",") if s.strip()]
    results = []
    for n in sizes:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            str(n),
            "--households",
            str(args.households),
            "--months",
            str(args.months),
            "--scenario",
            args.scenario,
            "--executor",
            args.executor,
        ]
        cmd += ["--workers", str(args.workers)] if args.workers else []
        cmd += ["--keep-results"] * args.keep_results + ["--progress"] * args.progress
        print(f"sweep of {n} runs ({args.households:,} households, {args.months} months) ...", flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(row)
        print(
            f"  {row['done']}/{row['runs']} done in {row['wall_s']:.0f} s = {row['runs_per_min']:.1f} runs/min "
            f"(mean run {row['mean_run_s']:.2f} s); parent peak RSS {row['parent_peak_rss_mb']:.0f} MB",
            flush=True,
        )
    record = {
        "benchmark": "sweep throughput and parent memory",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "scale": {"households": args.households, "months": args.months, "scenario": args.scenario},
        "executor": args.executor,
        "workers": args.workers or os.cpu_count(),
        "machine": machine(),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
