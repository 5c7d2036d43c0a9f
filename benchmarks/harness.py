"""Benchmark harness: engine throughput, build time, default-scale runs, memory per agent, and the
engine beside the idiomatic-Mesa reference (see ``benchmarks/README.md``).

Usage::

    python benchmarks/harness.py                    # everything except the full province (~5 min)
    python benchmarks/harness.py --quick            # fewer repetitions and smaller sizes (~1 min)
    python benchmarks/harness.py --province         # also the whole province, 72 months (~4 min more)
    python benchmarks/harness.py --sweep            # also benchmarks/bench_sweep.py (small sweep)
    python benchmarks/harness.py --cli              # also the whole-process figures of the command line
    python benchmarks/harness.py --skip scales,default,memory,reference --cli --write-results
                                                    # only the command line (~2 min), its RESULTS.md section
    python benchmarks/harness.py --write-results    # also rewrite the measured sections of RESULTS.md
    python benchmarks/harness.py --optimise         # also the shipped policy optimisation (~30-60 min)

Prints a table and writes ``benchmarks/output/harness.json``. Every figure is the median of
several repetitions with its spread (min-max, and the interquartile range where there are enough
repetitions); times are wall-clock seconds and, beside them, CPU seconds of the process (robust
when other jobs share the machine). No figure is asserted anywhere. ``--write-results`` rewrites
only the sections of ``RESULTS.md`` this run measured (between ``<!-- harness...:begin/end -->``
markers); the hand-written sections below them are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUTPUT = HERE / "output" / "harness.json"
RESULTS_MD = HERE / "RESULTS.md"
PROVINCE_HOUSEHOLDS = 29_910_849
SCENARIO = "jiangsu_2020"

sys.path.insert(0, str(HERE))


# --------------------------------------------------------------------------------------------
# Machine and measurement helpers
# --------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, load, Python and library versions, git commit."""
    import mesa
    import pandas

    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal")), 0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pandas.__version__,
        "mesa": mesa.__version__,
        "git": _git(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host_probe_s": host_probe(),
    }


def host_probe(reps: int = 3) -> float:
    """Seconds (min of `reps`) a fixed numpy and Python workload takes now: how fast the host runs at
    this moment (a shared virtual machine's speed drifts; compare measurements at similar probes)."""
    rng = np.random.default_rng(0)
    a = rng.random(2_000_000, dtype=np.float32)
    idx = rng.integers(0, a.size, 200_000)
    best = float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        for _ in range(40):
            b = a * np.float32(1.5) + np.float32(0.3)
            b[idx].sum()
            np.flatnonzero(a < 0.1)
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.process_time() - t0)
    return best


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    return {"commit": run("rev-parse", "HEAD"), "dirty": bool(run("status", "--porcelain", "--", "infosim"))}


def spread(values: list[float]) -> dict[str, float]:
    """Median, min, max and interquartile range of repeated measurements."""
    a = np.asarray(values, dtype=float)
    q1, q3 = np.percentile(a, [25, 75]) if a.size >= 4 else (np.nan, np.nan)
    return {"median": float(np.median(a)), "min": float(a.min()), "max": float(a.max()),
            "q1": float(q1), "q3": float(q3), "n": int(a.size)}


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


# --------------------------------------------------------------------------------------------
# Benchmarks
# --------------------------------------------------------------------------------------------
def bench_scale(households: int, months: int, reps: int) -> dict[str, Any]:
    """Build time and household-steps per second of `SCENARIO` at one scale (seeds 0..reps-1)."""
    from infosim.model import InfoConsumptionModel

    build, build_cpu, run, run_cpu = [], [], [], []
    enterprises = 0
    for seed in range(reps):
        w, c, model = timed(lambda s=seed: InfoConsumptionModel(SCENARIO, seed=s, households=households, months=months))
        build.append(w)
        build_cpu.append(c)
        w, c, _ = timed(model.run)
        run.append(w)
        run_cpu.append(c)
        enterprises = model.enterprises.state.n
        del model
    steps = households * months
    return {
        "households": households, "months": months, "enterprises": enterprises,
        "build_s": spread(build), "build_cpu_s": spread(build_cpu), "run_s": spread(run), "run_cpu_s": spread(run_cpu),
        "household_steps_per_s": spread([steps / t for t in run]),
        "household_steps_per_cpu_s": spread([steps / t for t in run_cpu]),
    }


def bench_default(reps: int) -> dict[str, Any]:
    """`run_scenario(SCENARIO)` at its default scale, end to end (build, 72 months, results)."""
    from infosim.run import run_scenario

    wall, cpu = [], []
    for seed in range(reps):
        w, c, _ = timed(lambda s=seed: run_scenario(SCENARIO, s))
        wall.append(w)
        cpu.append(c)
    return {"households": 100_000, "months": 72, "wall_s": spread(wall), "cpu_s": spread(cpu)}


def bench_reference(households: int, ref_months: int, engine_months: int, reps: int) -> dict[str, Any]:
    """The idiomatic-Mesa reference and the engine on the same baseline population, side by side."""
    from infosim import reference as ref
    from infosim.model import InfoConsumptionModel

    out: dict[str, Any] = {"households": households, "scenario": "baseline"}
    w, c, model = timed(lambda: ref.reference_from_engine("baseline", 1, households, ref_months))
    out["reference_build_s"] = w
    ref_rate = []
    for _ in range(ref_months):
        w, c, _ = timed(model.step)
        ref_rate.append(households / c)
    del model
    out["reference_household_steps_per_cpu_s"] = spread(ref_rate)
    for name, scenario, phone_rule_only in (
        ("engine_phone_rule", "baseline", True),
        ("engine_full_baseline", "baseline", False),
        ("engine_full_jiangsu_2020", SCENARIO, False),
    ):
        rates = []
        for seed in range(reps):
            model = InfoConsumptionModel(scenario, seed=seed, households=households, months=engine_months)
            step = (lambda m=model: ref.engine_phone_rule(m, engine_months)) if phone_rule_only else model.run
            w, c, _ = timed(step)
            rates.append(households * engine_months / c)
            del model
        out[f"{name}_household_steps_per_cpu_s"] = spread(rates)
        out[f"ratio_{name}_to_reference"] = float(np.median(rates) / np.median(ref_rate))
    return out


def bench_memory(households: tuple[int, int], enterprises: tuple[int, int], months: int) -> dict[str, Any]:
    """Peak memory per household and per enterprise, each measured in fresh child processes.

    A child builds and runs the model for `months` and reports its peak RSS (``VmHWM``),
    its RSS after imports, tracemalloc's peak of traced allocations (numpy arrays included) and
    the bytes held by the agents' state arrays. Per agent = difference between two sizes /
    difference in agents (the other kind held fixed), so interpreter and library memory cancel.
    """
    def child(n_h: int, n_e: int) -> dict[str, float]:
        cmd = [sys.executable, __file__, "--child-memory", str(n_h), str(n_e), str(months)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    fixed_e, fixed_h = 20_000, 100_000  # the other kind, held small so the measured kind sets the peak
    h_small, h_large = child(households[0], fixed_e), child(households[1], fixed_e)
    e_small, e_large = child(fixed_h, enterprises[0]), child(fixed_h, enterprises[1])
    dh, de = households[1] - households[0], enterprises[1] - enterprises[0]

    def per(a: dict[str, float], b: dict[str, float], d: int, key: str) -> float:
        return (b[key] - a[key]) / d

    return {
        "months": months,
        "households_measured": households, "enterprises_measured": enterprises,
        "per_household_bytes": {k: per(h_small, h_large, dh, k) for k in ("peak_rss", "peak_traced", "state")},
        "per_enterprise_bytes": {k: per(e_small, e_large, de, k) for k in ("peak_rss", "peak_traced", "state")},
        "children": {"households": [h_small, h_large], "enterprises": [e_small, e_large]},
    }


def child_memory(households: int, enterprises: int, months: int) -> dict[str, float]:
    """Run in a child: build and run, report peak RSS, traced peak and state bytes."""
    from infosim.model import InfoConsumptionModel
    from infosim.scenario import load_scenario

    scenario = load_scenario(SCENARIO, {"run.enterprises": enterprises})
    rss_start = _status_bytes("VmRSS")
    tracemalloc.start()
    model = InfoConsumptionModel(scenario, seed=0, households=households, months=months)
    model.run()
    model.results()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    state = sum(_array_bytes(x) for x in (model.households, model.enterprises, model._draw_buffers))
    peak = _status_bytes("VmHWM")  # this process's own peak (ru_maxrss would include the parent's at fork)
    return {"households": households, "enterprises": enterprises, "rss_after_imports": rss_start,
            "peak_rss": peak, "peak_traced": traced_peak, "state": state}


def _status_bytes(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS: now, VmHWM: peak), bytes."""
    for line in _read("/proc/self/status").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return float("nan")


def _array_bytes(obj: object) -> int:
    """Bytes of the numpy arrays an object holds (directly, in dicts, tuples or objects with ``nbytes()``)."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, dict):
        return sum(_array_bytes(v) for v in {id(v): v for v in obj.values()}.values())
    if isinstance(obj, tuple | list):
        return sum(_array_bytes(v) for v in obj)
    if callable(getattr(obj, "nbytes", None)):
        return int(obj.nbytes())
    if hasattr(obj, "__dict__"):
        return sum(_array_bytes(v) for v in vars(obj).values() if isinstance(v, np.ndarray | dict | tuple | list)
                   or callable(getattr(v, "nbytes", None)))
    return 0


_CLI_WITH_PEAK = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_RSS_KB", line.split()[1], file=sys.stderr)
atexit.register(peak)
from infosim.interfaces.cli import main
sys.argv = ["infosim", *sys.argv[1:]]
main()
"""


def bench_province(months: int) -> dict[str, Any]:
    """The whole province, one agent per household: ``infosim run`` in a child process that reports its peak RSS."""
    args = ["run", str(REPO / "scenarios" / f"{SCENARIO}.toml"), "--households", str(PROVINCE_HOUSEHOLDS),
            "--months", str(months), "--out", str(HERE / "output" / "province_run")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI_WITH_PEAK, *args], capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = next((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB")), 0)
    return {
        "command": " ".join(["infosim", *args]).replace(str(REPO) + "/", ""),
        "households": PROVINCE_HOUSEHOLDS, "months": months, "returncode": proc.returncode,
        "wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_gb": peak_kb / 2**20,
        "progress": [line.strip() for line in proc.stderr.splitlines() if "simulated" in line or "finished" in line]
        + [line.strip() for line in proc.stdout.splitlines() if "finished" in line],
        "log_tail": proc.stdout.strip().splitlines()[-14:] + proc.stderr.strip().splitlines()[-10:],
    }


def bench_sweep(runs: str, households: int, months: int) -> dict[str, Any] | None:
    """helper script ``bench_sweep.py`` (sweep throughput), if present, with small settings."""
    script = HERE / "bench_sweep.py"
    if not script.exists():
        return None
    out = HERE / "output" / "sweep_from_harness.json"
    cmd = [sys.executable, str(script), "--runs", runs, "--households", str(households),
           "--months", str(months), "--output", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0 or not out.exists():
        return {"error": proc.stderr.strip().splitlines()[-5:]}
    return json.loads(out.read_text())


OPTIMISE_SPEC = "experiments/optimise_jiangsu_2020.toml"


def bench_optimisation(spec: str, workers: int, generations: int | None = None) -> dict[str, Any]:
    """``infosim optimise SPEC`` end to end in a child process (processes executor): wall time, CPU
    seconds of the child and every worker it reaped, and the search's own record of its runs."""
    out = HERE / "output" / "optimisation"
    args = ["optimise", spec, "--executor", "processes", "--workers", str(workers), "--out", str(out), "--overwrite",
            "--no-progress", "--scenarios-out", str(HERE / "output" / "optimisation_scenarios")]
    if generations is not None:
        args += ["--generations", str(generations)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "infosim.interfaces.cli", *args], capture_output=True, text=True,
                          cwd=REPO)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = {
        "command": " ".join(["infosim", *args]).replace(str(REPO) + "/", ""), "returncode": proc.returncode,
        "workers": workers, "wall_s": wall, "load_average_start": load, "load_average_end": os.getloadavg()[0],
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb_largest_process": after.ru_maxrss / 1024,
        "log_tail": proc.stderr.strip().splitlines()[-6:],
    }
    meta = out / "optimisation.json"
    if proc.returncode == 0 and meta.is_file():
        m = json.loads(meta.read_text())
        runs = sum(int(h.get("runs", 0)) for h in _history(out)) + 2 * m["definition"]["spec"]["draws"] * m[
            "definition"]["spec"]["replicates"]
        result.update(runs=runs, estimate=m.get("estimate"), results=m.get("results"),
                      spec={k: m["definition"]["spec"][k] for k in ("households", "months", "draws", "replicates",
                                                                     "ensemble")}
                      | {"population": m["definition"]["spec"]["algorithm"]["population"],
                         "generations": m["definition"]["spec"]["algorithm"]["generations"]})
    return result


def _history(folder: Path) -> list[dict[str, Any]]:
    import pandas as pd

    path = folder / "history.parquet"
    return pd.read_parquet(path).to_dict("records") if path.is_file() else []


# --------------------------------------------------------------------------------------------
# Whole process: the command line
# --------------------------------------------------------------------------------------------
#: Heavy libraries that `import infosim` and `import infosim.interfaces.cli` must not import.
HEAVY = ("pandas", "matplotlib", "pyarrow", "scipy", "mesa", "dask", "pyabc", "SALib", "networkx", "solara")

_PHASES = """
import json, os, sys, time
from pathlib import Path
marks, clock = [], [time.perf_counter(), time.process_time()]
def mark(name):
    w, c = time.perf_counter(), time.process_time()
    marks.append((name, w - clock[0], c - clock[1]))
    clock[:] = [time.perf_counter(), time.process_time()]
import infosim.interfaces.cli as cli
mark("import the command line (typer)")
from infosim.interfaces.report_run import plot_run, write_run_folder
from infosim.run import run_scenario
from infosim.scenario import load_scenario
mark("import scenarios and outputs (numpy, pandas, pydantic)")
import infosim.model
mark("import the model (Mesa, with scipy.spatial and networkx)")
scenario = load_scenario(sys.argv[1])
mark("load the scenario")
result = run_scenario(scenario, 0)
mark("model: run_scenario (build, run, results)")
out = Path(sys.argv[2])
write_run_folder(result, scenario, out, chart=False)
mark("write the tables (Parquet, CSV, JSON)")
plot_run(result, out / "timeseries.png")
mark("overview chart (matplotlib import included)")
from rich.console import Console
Console(file=open(os.devnull, "w"), width=200).print(cli.summary_table(result))
mark("summary table (rich)")
plot_run(result, out / "timeseries.png")
mark("overview chart again (matplotlib loaded)")
print(json.dumps(marks))
"""


def infosim_command() -> list[str]:
    """The `infosim` console script beside this Python, else ``python -m infosim.interfaces.cli``."""
    script = Path(sys.executable).with_name("infosim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "infosim.interfaces.cli"]


def child_timed(cmd: list[str], cwd: str | Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run `cmd` in `cwd` to its end: (wall seconds, CPU seconds user + sys of the child, the process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def bench_cli(reps: int) -> dict[str, Any]:
    """Whole processes, started and waited for: ``infosim --help``, ``import infosim``, the imports
    any run needs, ``infosim run SCENARIO`` end to end against its model time, and the phases of
    that run timed inside a fresh process."""
    import tempfile

    infosim = infosim_command()
    py = [sys.executable, "-c"]
    commands = {
        "help": [*infosim, "--help"],
        "import_infosim": [*py, "import infosim"],
        "import_cli": [*py, "import infosim.interfaces.cli"],
        "import_floor": [*py, "import infosim.run, infosim.model"],
    }
    out: dict[str, Any] = {"load_average_before": os.getloadavg(), "reps": reps}
    with tempfile.TemporaryDirectory(prefix="harness-cli-") as tmp:  # run from outside the repository
        for name, cmd in commands.items():
            wall, cpu = [], []
            for _ in range(reps):
                w, c, proc = child_timed(cmd, tmp)
                if proc.returncode != 0:
                    raise RuntimeError(f"{cmd}: {proc.stderr.strip()[-300:]}")
                wall.append(w)
                cpu.append(c)
            out[name] = {"wall_s": spread(wall), "cpu_s": spread(cpu)}
        probe = f"import sys, infosim.interfaces.cli; print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
        heavy = subprocess.run([*py, probe], capture_output=True, text=True, cwd=tmp)
        out["heavy_after_import_cli"] = heavy.stdout.strip()
        wall, cpu, model = [], [], []
        for _ in range(reps):
            w, c, proc = child_timed([*infosim, "run", SCENARIO, "--out", str(Path(tmp) / "run")], tmp)
            if proc.returncode != 0:
                raise RuntimeError(f"infosim run: {proc.stderr.strip()[-300:]}")
            wall.append(w)
            cpu.append(c)
            model.append(float(proc.stderr.split("finished in ")[1].split(" s")[0]))
        out["run"] = {"wall_s": spread(wall), "cpu_s": spread(cpu), "model_wall_s": spread(model),
                      "ratio_wall_to_model": spread([w / m for w, m in zip(wall, model, strict=True)])}
        phases: dict[str, dict[str, list[float]]] = {}
        for i in range(reps):
            w, c, proc = child_timed([*py, _PHASES, SCENARIO, str(Path(tmp) / f"phases{i}")], tmp)
            if proc.returncode != 0:
                raise RuntimeError(f"phases: {proc.stderr.strip()[-300:]}")
            for name, pw, pc in json.loads(proc.stdout.strip().splitlines()[-1]):
                phases.setdefault(name, {"wall": [], "cpu": []})
                phases[name]["wall"].append(pw)
                phases[name]["cpu"].append(pc)
        out["phases"] = {k: {"wall_s": spread(v["wall"]), "cpu_s": spread(v["cpu"])} for k, v in phases.items()}
    model_cpu = out["phases"]["model: run_scenario (build, run, results)"]["cpu_s"]["median"]
    out["run"]["ratio_cpu_to_model_cpu"] = out["run"]["cpu_s"]["median"] / model_cpu
    out["load_average_after"] = os.getloadavg()
    return out


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------
def _fmt(s: dict[str, float], unit: str = "", scale: float = 1.0, digits: int = 3) -> str:
    iqr = f", IQR {s['q1'] * scale:.{digits}g}-{s['q3'] * scale:.{digits}g}" if s["n"] >= 4 else ""
    return (f"{s['median'] * scale:.{digits}g}{unit} (min {s['min'] * scale:.{digits}g}, "
            f"max {s['max'] * scale:.{digits}g}{iqr}; n={s['n']})")


def rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    """(measure, value) rows of the summary table."""
    out: list[tuple[str, str]] = []
    for sc in results.get("scales", []):
        n = f"{sc['households']:,} households x {sc['months']} months ({sc['enterprises']:,} firms)"
        out.append((f"household-steps/s, {n}", _fmt(sc["household_steps_per_s"], scale=1e-6, unit=" M")))
        out.append(("  same, per CPU second", _fmt(sc["household_steps_per_cpu_s"], scale=1e-6, unit=" M")))
        out.append((f"  model construction, {sc['households']:,} households", _fmt(sc["build_s"], unit=" s")))
    if "default" in results:
        d = results["default"]
        label = f"default-scale {SCENARIO} end to end (100,000 households, 72 months)"
        out.append((label, _fmt(d["wall_s"], unit=" s")))
        out.append(("  same, CPU seconds", _fmt(d["cpu_s"], unit=" s")))
    if "memory" in results:
        mem = results["memory"]
        for kind in ("household", "enterprise"):
            b = mem[f"per_{kind}_bytes"]
            out.append((f"peak memory per {kind} (peak RSS slope / peak traced slope / state arrays)",
                        f"{b['peak_rss']:.0f} / {b['peak_traced']:.0f} / {b['state']:.0f} bytes"))
    if "reference" in results:
        r = results["reference"]
        out.append((f"Mesa reference, household-steps per CPU s ({r['households']:,})",
                    _fmt(r["reference_household_steps_per_cpu_s"], scale=1e-3, unit=" k")))
        for name, label in (("engine_phone_rule", "engine, same rule only"),
                            ("engine_full_baseline", "engine, full month (baseline)"),
                            ("engine_full_jiangsu_2020", f"engine, full month ({SCENARIO})")):
            out.append((f"{label}, household-steps per CPU s",
                        _fmt(r[f"{name}_household_steps_per_cpu_s"], scale=1e-6, unit=" M")))
            out.append(("  ratio to the Mesa reference", f"{r[f'ratio_{name}_to_reference']:.0f}x"))
    if "province" in results:
        p = results["province"]
        out.append((f"whole province ({p['households']:,} households, {p['months']} months)",
                    f"{p['wall_s']:.0f} s wall, {p['cpu_s']:.0f} s CPU, peak RSS {p['peak_rss_gb']:.1f} GB"
                    + ("" if p["returncode"] == 0 else f" (FAILED, code {p['returncode']})")))
    if "cli" in results:
        for label, wall, cpu in cli_rows(results["cli"]):
            out.append((label, f"{wall} wall, {cpu} CPU"))
    if "optimisation" in results:
        o = results["optimisation"]
        if o.get("returncode") == 0:
            sp = o["spec"]
            out.append((f"policy optimisation ({sp['population']} x {sp['generations']} candidates x {sp['draws']} "
                        f"{sp['ensemble']} draws, {sp['households']:,} households x {sp['months']} months, "
                        f"{o['workers']} workers)",
                        f"{o['wall_s'] / 60:.1f} min wall, {o['cpu_s'] / 60:.1f} min CPU, {o['runs']:,} runs "
                        f"({o['wall_s'] / max(o['runs'], 1):.2f} s wall per run; load {o['load_average_start']:.1f}"
                        f"->{o['load_average_end']:.1f})"))
        else:
            out.append(("policy optimisation", f"FAILED (code {o.get('returncode')}): {o.get('log_tail')}"))
    if results.get("sweep") and "runs" in results["sweep"]:
        for r in results["sweep"]["runs"]:
            out.append((f"sweep of {r.get('runs')} runs", json.dumps({k: v for k, v in r.items() if k != "runs"})))
    return out


def print_table(results: dict[str, Any]) -> None:
    """Print the machine and the summary table."""
    m = results["machine"]
    print(f"\n{m['cpu']} | {m['cores']} cores | {m['ram_gb']} GB | Python {m['python']}, numpy {m['numpy']}, "
          f"Mesa {m['mesa']} | commit {m['git']['commit'][:10]}{' (dirty)' if m['git']['dirty'] else ''} "
          f"| load {m['load_average_at_start'][0]:.2f} | host probe {m.get('host_probe_s', float('nan')):.3f} s")
    width = max(len(k) for k, _ in rows(results))
    for key, value in rows(results):
        print(f"{key:<{width}}  {value}")


def markdown(results: dict[str, Any]) -> str:
    """The results as the Markdown of ``benchmarks/RESULTS.md``."""
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {m['date']} with `python benchmarks/harness.py {' '.join(results['argv'])}`"
        f" (raw numbers: `benchmarks/output/harness.json`, git-ignored).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['platform']}; Python {m['python']}, "
        f"numpy {m['numpy']}, pandas {m['pandas']}, Mesa {m['mesa']}; commit `{m['git']['commit'][:10]}`"
        f"{' + uncommitted engine changes' if m['git']['dirty'] else ''}; load average at start "
        f"{m['load_average_at_start'][0]:.2f} (other jobs were sharing the machine when above ~0.5).",
        "",
        *([f"Host speed probe (a fixed numpy and Python workload, `host_probe()`; larger is a slower host at that "
           f"moment): {m['host_probe_s']:.3f} s at the start"
           + (f", {results['host_probe_end_s']:.3f} s at the end." if "host_probe_end_s" in results else ".")]
          if "host_probe_s" in m else []),
        "",
        *[f"Re-measured {u['date']} (load {u['load_average_at_start'][0]:.2f}): `python benchmarks/harness.py "
          f"{' '.join(u['argv'])}`." for u in results.get("updates", [])],
        "",
        "Values: median (min, max, interquartile range where n >= 4; n repetitions).",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {k.strip()} | {v} |" for k, v in rows(results)]
    lines += ["", "## Against the targets (issue 5)", "", "| target | measured | met |", "|---|---|---|"]
    for target, value, met in targets(results):
        lines.append(f"| {target} | {value} | {met if isinstance(met, str) else ('yes' if met else 'no')} |")
    if "province" in results:
        p = results["province"]
        lines += ["", "Whole-province run: `" + p["command"] + "`", "", "```", *p.get("progress", []), "```"]
    return "\n".join(lines) + "\n"


def _s(s: dict[str, float]) -> str:
    return f"{s['median']:.2f} s ({s['min']:.2f}-{s['max']:.2f})"


def cli_rows(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(process, wall, CPU) rows of the command-line section."""
    run = c["run"]
    return [
        ("`infosim --help`", _s(c["help"]["wall_s"]), _s(c["help"]["cpu_s"])),
        ('`python -c "import infosim"`', _s(c["import_infosim"]["wall_s"]), _s(c["import_infosim"]["cpu_s"])),
        ('`python -c "import infosim.interfaces.cli"`', _s(c["import_cli"]["wall_s"]), _s(c["import_cli"]["cpu_s"])),
        ('`python -c "import infosim.run, infosim.model"` (the imports any run needs)',
         _s(c["import_floor"]["wall_s"]), _s(c["import_floor"]["cpu_s"])),
        (f"`infosim run {SCENARIO}` end to end (100,000 households, 72 months, chart included)",
         _s(run["wall_s"]), _s(run["cpu_s"])),
        ("  its model time (`run_scenario`, as the command prints it)", _s(run["model_wall_s"]), "-"),
        ("  end to end / model time", f"{run['ratio_wall_to_model']['median']:.2f}x",
         f"{run['ratio_cpu_to_model_cpu']:.2f}x (model CPU from the phases below)"),
    ]


def markdown_cli(results: dict[str, Any]) -> str:
    """The command-line section of ``benchmarks/RESULTS.md``."""
    c, m = results["cli"], results["machine"]
    before, after = (", ".join(f"{x:.2f}" for x in c[k]) for k in ("load_average_before", "load_average_after"))
    lines = [
        "## Whole process: the command line (issue 12)",
        "",
        f"Measured {m['date']} with `python benchmarks/harness.py {' '.join(results['argv'])}` on the machine "
        f"above ({m['cores']} cores; commit `{m['git']['commit'][:10]}`"
        f"{' + uncommitted changes' if m['git']['dirty'] else ''}). Load average (1, 5, 15 min) before: {before};"
        f" after: {after}. Each figure is a whole process started and waited for by the harness: wall seconds"
        f" and the child's CPU seconds (user + system), median (min-max) over {c['reps']} repetitions. With the"
        " load above the number of cores, wall times include waiting for a core; CPU seconds are the fairer"
        " figure.",
        "",
        "| process | wall | CPU |",
        "|---|---|---|",
        *[f"| {a.strip()} | {b} | {d} |" for a, b, d in cli_rows(c)],
        "",
        f"Heavy libraries loaded by `import infosim.interfaces.cli`: {c['heavy_after_import_cli'] or 'none'}"
        f" (checked: {', '.join(HEAVY)}).",
        "",
        f"Phases of `infosim run {SCENARIO}`, timed inside one fresh process that does what the command does"
        f" (median (min-max) over {c['reps']} processes):",
        "",
        "| phase | wall | CPU |",
        "|---|---|---|",
        *[f"| {k} | {_s(v['wall_s'])} | {_s(v['cpu_s'])} |" for k, v in c["phases"].items()],
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    help_wall = c["help"]["wall_s"]["median"]
    ratio = c["run"]["ratio_wall_to_model"]["median"]
    lines += [
        f"| `infosim --help` well under 0.5 s (taken as: under 0.3 s wall) | {help_wall:.2f} s wall,"
        f" {c['help']['cpu_s']['median']:.2f} s CPU | {'yes' if help_wall < 0.3 else 'no'} |",
        f"| `infosim run {SCENARIO}` end to end at most 1.5x the model's time | {ratio:.2f}x wall,"
        f" {c['run']['ratio_cpu_to_model_cpu']:.2f}x CPU | {'yes' if ratio <= 1.5 else 'no'} |",
    ]
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], path: Path = RESULTS_MD) -> None:
    """Rewrite the sections of `path` that `results` measured; keep everything else in the file."""
    text = path.read_text() if path.exists() else ""
    if any(k in results for k in ("scales", "default", "memory", "reference", "province")):
        text = replace_section(text, "harness", markdown(results))
    if "cli" in results:
        text = replace_section(text, "harness-cli", markdown_cli(results))
    path.write_text(text)


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with the block between ``<!-- name:begin -->`` and ``<!-- name:end -->`` set to
    `body` (the block is appended when the markers are missing)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        return text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    return (text.rstrip() + "\n\n" if text.strip() else "") + block + "\n"


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool | str]]:
    """(target, measured, met) for the issue's targets that this run measured."""
    out = []
    if "default" in results:  # on one core: the CPU seconds of every thread (the wall time is shorter)
        d = results["default"]["cpu_s"]["median"]
        wall = results["default"]["wall_s"]["median"]
        out.append(("default-scale run (10^5 households, 72 months) under 1 s on one core",
                    f"{d:.2f} s CPU ({wall:.2f} s wall with the background thread)", d < 1.0))
    if "reference" in results:
        r = results["reference"]
        same = r["ratio_engine_phone_rule_to_reference"]
        out.append(("engine >= 100x the idiomatic-Mesa reference at 10^5 households (same rule, same work)",
                    f"{same:.0f}x", same >= 100))
        full = r["ratio_engine_full_jiangsu_2020_to_reference"]
        out.append(("(for scale: the engine's whole month, all behaviours, vs the reference's one rule)",
                    f"{full:.0f}x", "not a like-for-like comparison"))
    if "optimisation" in results and results["optimisation"].get("returncode") == 0:
        o = results["optimisation"]
        out.append(("`infosim optimise` at default settings under an hour on this machine",
                    f"{o['wall_s'] / 60:.0f} min", o["wall_s"] < 3600))
    if "province" in results:
        p = results["province"]
        ok = p["returncode"] == 0
        out.append(("whole province, 72 months, under 5 minutes", f"{p['wall_s']:.0f} s", ok and p["wall_s"] < 300))
        peak = p["peak_rss_gb"]
        out.append(("whole province, peak memory under 12 GB", f"{peak:.1f} GB", ok and peak < 12))
    return out


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmarks, print and save."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and no 10^6 repetitions beyond one")
    ap.add_argument("--province", action="store_true", help="also run the whole province for 72 months")
    ap.add_argument("--province-months", type=int, default=72)
    ap.add_argument("--sweep", action="store_true", help="also run benchmarks/bench_sweep.py (small sweep)")
    ap.add_argument("--cli", action="store_true",
                    help="also the whole-process figures: infosim --help, import infosim, infosim run end to end")
    ap.add_argument("--optimise", action="store_true", help=f"also run `infosim optimise {OPTIMISE_SPEC}`")
    ap.add_argument("--optimise-generations", type=int, default=None,
                    help="with --optimise: override the spec's generations (default: the spec's)")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: scales,default,memory,reference")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    ap.add_argument("--write-results", action="store_true", help=f"rewrite {RESULTS_MD.name}")
    ap.add_argument("--update", action="store_true",
                    help="keep the parts of the existing --output file that this run skips (re-measure some only)")
    ap.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from the --output file")
    ap.add_argument("--child-memory", nargs=3, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.render:
        results = json.loads(args.output.read_text())
        print_table(results)
        write_results(results)
        print(f"wrote {RESULTS_MD}")
        return 0
    if args.child_memory:
        print(json.dumps(child_memory(*args.child_memory)))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    quick = args.quick
    results: dict[str, Any] = {"argv": sys.argv[1:] if argv is None else argv, "machine": machine()}
    if args.update and args.output.exists():
        now = results["machine"]
        results = json.loads(args.output.read_text())
        update = {"argv": sys.argv[1:] if argv is None else argv, "date": now["date"],
                  "load_average_at_start": now["load_average_at_start"], "git": now["git"]}
        results["updates"] = [*results.get("updates", []), update]
    if "scales" not in skip:
        plan = [(10_000, 72, 3 if quick else 7), (100_000, 72, 3 if quick else 7),
                (1_000_000, 24 if quick else 72, 1 if quick else 3)]
        results["scales"] = [_say(f"scale {n:,}", lambda n=n, mo=mo, r=r: bench_scale(n, mo, r)) for n, mo, r in plan]
    if "default" not in skip:
        results["default"] = _say("default scale", lambda: bench_default(3 if quick else 7))
    if "memory" not in skip:
        hh = (200_000, 1_000_000) if quick else (1_000_000, 3_000_000)
        results["memory"] = _say("memory", lambda: bench_memory(hh, (100_000, 500_000), 12))
    if "reference" not in skip:
        reps = 3 if quick else 5
        results["reference"] = _say("Mesa reference", lambda: bench_reference(100_000, 3 if quick else 6, 72, reps))
    if args.province:
        results["province"] = _say("whole province", lambda: bench_province(args.province_months))
    if args.sweep:
        results["sweep"] = _say("sweep", lambda: bench_sweep("20,100", 20_000, 24))
    if args.cli:
        results["cli"] = _say("command line", lambda: bench_cli(3 if quick else 7))
    if args.optimise:
        results["optimisation"] = _say("optimisation", lambda: bench_optimisation(
            OPTIMISE_SPEC, min(2, os.cpu_count() or 1), args.optimise_generations))
    results["host_probe_end_s"] = host_probe()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, default=float) + "\n")
    print_table(results)
    print(f"\nwrote {args.output}")
    if args.write_results:
        write_results(results)
        print(f"wrote {RESULTS_MD}")
    return 0


def _say(what: str, fn: Callable[[], Any]) -> Any:
    print(f"{what} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    out = fn()
    print(f"  {what} done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
