"""Benchmark: the speed of a calibration, and the targets' Monte-Carlo noise at candidate scales.

1. **Speed.** Runs ``infosim.calibration.calibrate`` with a simulation budget of ``--sims``
   simulations (default 500) at ``--households`` (default 20,000) and ``--months`` (default 24)
   on the ``processes`` executor (all cores), and reports simulations per second, the wall time
   per simulation, the CPU seconds of the parent and the worker processes, and the time 5,000
   simulations take at that rate and, from the CPU seconds, on the idle machine (``--sims 5000``
   measures it directly). Also the median time of one simulation run alone in this process.
2. **Noise** (``--noise``). For each household count of ``--noise-households`` runs ``--seeds``
   seeds at the scenario's default parameters and reports, per target, the seed standard
   deviation of the statistic divided by the target's observational sd (small means the model's
   own randomness is negligible beside the data's uncertainty).

The spec (``--spec``; default ``calibration/jiangsu_2020.toml``, on the test fixture
``tests/calibration/fixtures/targets.toml`` when ``calibration/targets.toml`` does not exist; without
that spec, every parameter of ``parameter_ranges()`` matching ``--parameters`` on the fixture
targets) gives the scenario, the targets and the priors.
Numbers go to ``benchmarks/output/calibration.json``; the machine's load average is recorded
(the machine is shared: CPU seconds of the workers are not measured, so compare with the load).

Usage::

    python benchmarks/bench_calibration.py                       # ~500 simulations (a few minutes)
    python benchmarks/bench_calibration.py --sims 5000           # the issue's full measurement
    python benchmarks/bench_calibration.py --sims 0 --noise      # only the noise check
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "output" / "calibration.json"
FIXTURE_TARGETS = ROOT / "tests" / "calibration" / "fixtures" / "targets.toml"


def default_spec(args: argparse.Namespace, folder: Path) -> Path:
    """The project's spec if it exists, else one over the fixture targets."""
    if args.spec is not None:
        return args.spec
    from infosim.calibration.errors import CalibrationError
    from infosim.calibration.spec import load_calibration

    real = ROOT / "calibration" / "jiangsu_2020.toml"
    shutil.copy(FIXTURE_TARGETS, folder / "targets.toml")
    if real.is_file():
        candidates = [real] if (real.parent / "targets.toml").is_file() else []
        spec = folder / "bench.toml"  # the project's spec (parameters, priors) on the fixture targets
        spec.write_text(f'extends = "{real}"\ntargets = "targets.toml"\n')
        for candidate in [*candidates, spec]:
            try:
                load_calibration(candidate)
                return candidate
            except CalibrationError as exc:
                print(f"not using {candidate}: {str(exc).splitlines()[0]}")
    patterns = ", ".join(f'"{p.strip()}"' for p in args.parameters.split(",") if p.strip())
    spec = folder / "bench.toml"
    spec.write_text(
        f'scenario = "{args.scenario}"\ntargets = "targets.toml"\nseed = 1\n'
        f"parameters = [{patterns}]\n"
    )
    return spec


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    from infosim.experiments.executors import available_cores
    from infosim.experiments.provenance import git_state, library_versions

    cpu = platform.processor()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return {
        "cpu": cpu,
        "cores": available_cores(),
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": library_versions(),
        "git": git_state(),
    }


class CpuMeter(threading.Thread):
    """CPU seconds (user + system) of this process and all its descendants, sampled every 0.5 s.

    Worker processes are started by a forkserver, so they are not this process's children for
    ``getrusage``; the meter follows every descendant and keeps the last reading of each.
    """

    def __init__(self, period: float = 0.5):
        super().__init__(daemon=True)
        self.period = period
        self.seen: dict[int, float] = {}
        self._stop_event = threading.Event()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        for proc in [me, *me.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                self.seen[proc.pid] = t.user + t.system
            except psutil.Error:
                continue

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self.period)

    def stop(self) -> tuple[float, float]:
        """Stop; return (CPU seconds of this process, CPU seconds of its descendants)."""
        self._sample()
        self._stop_event.set()
        self.join()
        mine = self.seen.pop(os.getpid(), 0.0)
        return mine, sum(self.seen.values())


def single_run_seconds(spec: Path, households: int, months: int, repeats: int = 5) -> float:
    """Median seconds of one simulation (model build + run + statistics) in this process."""
    from infosim.calibration.simulator import ModelSimulator
    from infosim.calibration.spec import load_calibration
    from infosim.scenario import apply_overrides

    cal = load_calibration(spec, households=households)
    scenario = apply_overrides(cal.scenario, {"run.months": max(months, cal.months)})
    sim = ModelSimulator(scenario.model_dump(mode="json"), tuple(cal.priors), tuple(cal.targets))
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        sim.statistics({}, seed)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def speed(spec: Path, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """A calibration with a budget of `args.sims` simulations on the processes executor."""
    from infosim.calibration.api import calibrate
    from infosim.calibration.spec import load_calibration, read_spec

    raw = read_spec(spec)
    raw["households"] = args.households
    raw["months"] = max(args.months, load_calibration(spec, households=args.households).months)
    raw["targets"] = str((spec.parent / raw["targets"]).resolve())
    raw["abc"] = {**raw.get("abc", {}), "population_size": args.particles, "generations": 1000,
                  "max_simulations": args.sims, "predictive_draws": 0}
    bench_spec = folder / "speed.toml"
    bench_spec.write_text(_toml(raw))
    out = folder / "speed"
    load0 = os.getloadavg()[0]
    meter = CpuMeter()
    meter.start()
    t0 = time.perf_counter()
    report = calibrate(bench_spec, out=out, executor="processes", workers=args.workers, progress=args.progress)
    wall = time.perf_counter() - t0
    cpu_main, cpu_workers = meter.stop()
    meta = json.loads((out / "calibration.json").read_text())
    n_params = len(meta["priors"])
    sims = report.simulations_run
    cpu0 = time.process_time()
    per_sim = single_run_seconds(bench_spec, args.households, raw["months"])
    per_sim_cpu = (time.process_time() - cpu0) / 5
    cores = args.workers or machine()["cores"]
    cpu_total = cpu_main + cpu_workers
    return {
        "households": args.households,
        "months": raw["months"],
        "parameters": n_params,
        "targets": len(meta["targets"]),
        "particles": args.particles,
        "budget": args.sims,
        "simulations_stored": report.simulations,
        "simulations_run": sims,
        "generations": report.generations,
        "stop_reason": report.stop_reason,
        "wall_s": round(wall, 1),
        "simulations_per_s": round(sims / wall, 3),
        "wall_s_per_simulation": round(wall / sims, 4),
        "single_simulation_s": round(per_sim, 4),
        "single_simulation_cpu_s": round(per_sim_cpu, 4),
        "cpu_s_main": round(cpu_main, 1),
        "cpu_s_workers": round(cpu_workers, 1),
        "cpu_s_per_simulation": round(cpu_total / sims, 4),
        "cpu_s_per_simulation_workers": round(cpu_workers / sims, 4),
        "extrapolated_5000_min": round(5000 * wall / sims / 60, 1),
        "extrapolated_5000_min_idle": round(5000 * cpu_total / sims / cores / 60, 1),
        "load_average_1min_at_start": round(load0, 2),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
    }


def _toml(raw: dict[str, Any]) -> str:
    """A minimal TOML writer for the benchmark spec (strings, numbers, lists, one-level tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    top = [f"{k} = {value(v)}" for k, v in raw.items() if not isinstance(v, dict) or k == "constants"]
    tables = []
    for k, v in raw.items():
        if isinstance(v, dict) and k != "constants":
            if k == "parameters":
                for path, entry in v.items():
                    tables.append(f'[parameters."{path}"]')
                    tables += [f"{ek} = {value(ev)}" for ek, ev in entry.items()]
            else:
                tables.append(f"[{k}]")
                tables += [f"{ek} = {value(ev)}" for ek, ev in v.items()]
    return "\n".join(top + tables) + "\n"


def noise(spec: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Seed noise of every target at each candidate household count."""
    from infosim.calibration.noise import noise_check
    from infosim.calibration.spec import load_calibration, read_spec

    raw = read_spec(spec)
    raw["months"] = max(args.months, load_calibration(spec).months)
    raw["targets"] = str((spec.parent / raw["targets"]).resolve())
    tmp = Path(tempfile.mkdtemp(prefix="infosim-noise-")) / "noise.toml"
    tmp.write_text(_toml(raw))
    households = [int(h) for h in args.noise_households.split(",") if h.strip()]
    frame = noise_check(tmp, households=households, seeds=args.seeds, executor="processes", workers=args.workers)
    return frame.to_dict(orient="records")


def main() -> int:
    """Parse options, measure, print and save."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", type=Path, default=None, help="calibration spec (default: see above)")
    ap.add_argument("--scenario", default="jiangsu_2020", help="scenario of the generated spec")
    ap.add_argument("--parameters", default="parameters.*", help="globs of calibrated parameters (generated spec)")
    ap.add_argument("--sims", type=int, default=500, help="simulation budget of the speed run (0: skip)")
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--particles", type=int, default=100)
    ap.add_argument("--workers", type=int, default=None, help="default: all cores")
    ap.add_argument("--noise", action="store_true", help="also run the Monte-Carlo noise check")
    ap.add_argument("--noise-households", default="5000,10000,20000,50000")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--progress", action="store_true", help="progress lines on stderr")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="infosim-bench-calib-"))
    spec = default_spec(args, folder)
    result: dict[str, Any] = {"machine": machine(), "spec": str(spec),
                              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if args.sims:
        result["speed"] = speed(spec, args, folder)
        s = result["speed"]
        print(f"speed: {s['simulations_run']} simulations ({s['parameters']} parameters, {s['targets']} targets, "
              f"{s['households']:,} households, {s['months']} months) in {s['wall_s']} s: "
              f"{s['simulations_per_s']} simulations/s; CPU {s['cpu_s_per_simulation']} s per simulation (one "
              f"simulation alone: {s['single_simulation_s']} s wall, {s['single_simulation_cpu_s']} s CPU); "
              f"5,000 simulations ~ {s['extrapolated_5000_min']} min at this load "
              f"({s['load_average_1min_at_start']} -> {s['load_average_1min_at_end']}), "
              f"~ {s['extrapolated_5000_min_idle']} min on the idle machine (CPU seconds / cores)")
    if args.noise:
        result["noise"] = noise(spec, args)
        print("noise: households, target, seed sd / observational sd, seconds per run")
        for row in result["noise"]:
            print(f"  {row['households']:>7,}  {row['target']:<28} {row['ratio']:.3f}  {row['seconds_per_run']:.3f}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {args.output}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
