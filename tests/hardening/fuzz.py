"""Adversarial fuzzing of the `infosim` command line: count how every bad input ends.

Generates mutated scenario files (bad numbers, types, dates, encodings, nesting, `extends`
tricks), `--set` strings, malformed command lines, bad output folders and damaged results
folders, runs `infosim` on each and sorts the outcomes:

* ``clean error`` — exit code 2, exactly one line starting with ``error:``, no traceback;
* ``valid run``   — exit code 0 and (for `run`) outputs that satisfy the invariants of
  ``invariants.run_output_problems`` (finite, non-negative, shares in [0, 1], spend within
  budget, ledger equal to the time series, strict JSON);
* ``other``       — anything else (a traceback, a wrong exit code, invalid outputs). Must be 0.

Usage (from the repository root)::

    .venv/bin/python tests/hardening/fuzz.py                 # in-process, all cases
    .venv/bin/python tests/hardening/fuzz.py --subprocess     # each case in a real process (slow)
    .venv/bin/python tests/hardening/fuzz.py --per-leaf 2 --seed 3 --show 20

Cases run in-process by default (one Python process calling the CLI's ``main()``, which is what
the ``infosim`` executable runs), so hundreds of cases take minutes, not hours.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from invariants import error_lines, is_clean_error, run_output_problems
from invoke import invoke
from tomlgen import Raw, schema_leaves, toml_doc, toml_value

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--households", "300", "--months", "12"]
CASE_TIMEOUT_S = 120


VALUES: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e13, -1, 0, 0.5, 1, 2, 13, 240, 241, 2**63, -(2**63),
    1e-300, "12", "", "x" * 5000, "日本語", "2020-01", "0000-01", "9999-12", "2020-13", "1999-12", "2101-01",
    "../../etc/passwd", "\u0000", True, False, [], [1, 2], {}, {"a": 1}, [[[[1]]]], Raw("1979-05-27"),
    Raw("07:32:00"), Raw("1979-05-27T07:32:00Z"),
]


WAVE = {"month": "2020-05", "face_value_yuan": 100, "min_spend_yuan": 500, "vouchers": 2000000, "window_months": 3}


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------
@dataclass
class Case:
    """One input: files to write into a fresh folder, then `infosim ARGV` run in that folder."""

    kind: str
    label: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    setup: str | None = None  # name of a setup step (see SETUPS)
    check_run: bool = True  # exit 0 must come with valid outputs in ./out


def file_case(kind: str, label: str, data: bytes | str, extra: list[str] | None = None) -> Case:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Case(kind, label, ["run", "fz.toml", *SMALL, "--out", "out", *(extra or [])], {"fz.toml": raw})


def value_cases(rng: random.Random, per_leaf: int) -> list[Case]:
    """A scenario extending jiangsu_2020 with one leaf set to an odd value."""
    cases = []
    for key, default in schema_leaves().items():
        for value in rng.sample(VALUES, per_leaf):
            doc = toml_doc({"name": "fz", "extends": "jiangsu_2020", key: value})
            cases.append(file_case("file:value", f"{key} = {toml_value(value)[:40]}", doc))
        if isinstance(default, list | dict):
            continue
    for field_name in WAVE:
        for value in rng.sample(VALUES, per_leaf):
            wave = {**WAVE, field_name: value}
            doc = toml_doc({"name": "fz", "extends": "vouchers_only", "levers.vouchers.waves": [wave]})
            cases.append(file_case("file:wave", f"waves[0].{field_name} = {toml_value(value)[:40]}", doc))
    return cases


def structure_cases() -> list[Case]:
    """Nesting, size, duplicate keys, `extends` and `include` tricks, encodings."""
    base = 'name = "fz"\nextends = "baseline"\n'
    unknown = base + "".join(f"k{i} = {i}\n" for i in range(2000))
    texts: dict[str, str | bytes] = {
        "array 500 deep": base + "x = " + "[" * 500 + "]" * 500 + "\n",
        "table header 990 deep": base + "[" + ".".join(["a"] * 990) + "]\n",
        "inline table 3000 deep": base + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
        "2000 unknown keys": unknown,
        "duplicate key": base + "[run]\nmonths = 12\nmonths = 13\n",
        "empty file": "",
        "only comments": "# nothing\n",
        "name 5000 chars": f'name = "{"n" * 5000}"\nextends = "baseline"\n',
        "name with slash": 'name = "../../escape"\nextends = "baseline"\n',
        "name empty": 'name = ""\nextends = "baseline"\n',
        "name not string": "name = 3\n",
        "extends empty": 'name = "fz"\nextends = ""\n',
        "extends number": 'name = "fz"\nextends = 3\n',
        "extends list": 'name = "fz"\nextends = ["baseline"]\n',
        "extends missing": 'name = "fz"\nextends = "no_such_parent"\n',
        "extends absolute": 'name = "fz"\nextends = "/etc/passwd"\n',
        "extends absolute toml": f'name = "fz"\nextends = "{ROOT / "pyproject.toml"}"\n',
        "extends dotdot": 'name = "fz"\nextends = "../../../../../../etc/passwd"\n',
        "extends dotdot toml": 'name = "fz"\nextends = "../../../../../../etc/x.toml"\n',
        "extends self": 'name = "fz"\nextends = "fz"\n',
        "extends dir": 'name = "fz"\nextends = "."\n',
        "extends proc": 'name = "fz"\nextends = "/proc/self/environ"\n',
        "extends 5000 chars": f'name = "fz"\nextends = "{"e" * 5000}"\n',
        "extends not a scenario": 'name = "fz"\nextends = "other"\n',
        "include not list": base + 'include = "levers/vouchers_2020"\n',
        "include missing": base + 'include = ["levers/nope"]\n',
        "include absolute": base + 'include = ["/etc/passwd"]\n',
        "include dotdot": base + 'include = ["../../../etc/x.toml"]\n',
        "include numbers": base + "include = [1, 2]\n",
        "top-level array": base + "levers = [1, 2]\n",
        "levers a number": base + "levers = 3\n",
        "run a string": base + 'run = "fast"\n',
        "wave not a table": 'name = "fz"\nextends = "vouchers_only"\nlevers.vouchers.waves = [1]\n',
        "wave missing keys": 'name = "fz"\nextends = "vouchers_only"\nlevers.vouchers.waves = [{}]\n',
        "1000 waves": 'name = "fz"\nextends = "vouchers_only"\nlevers.vouchers.waves = ['
        + ", ".join(['{month = "2020-05", face_value_yuan = 1, min_spend_yuan = 0, vouchers = 1}'] * 1000)
        + "]\n",
        "latin-1 byte": ('name = "caf\xe9"\nextends = "baseline"\n').encode("latin-1"),
        "utf-16": ('name = "fz"\nextends = "baseline"\n').encode("utf-16"),
        "utf-8 bom": b"\xef\xbb\xbf" + b'name = "fz"\nextends = "baseline"\n',
        "gzip": gzip.compress(b'name = "fz"\nextends = "baseline"\n'),
        "random bytes": random.Random(1).randbytes(400),
        "nul bytes": b'name = "fz"\x00\nextends = "baseline"\n',
        "control chars": 'name = "fz\x07"\nextends = "baseline"\n',
        # (not run.months / run.households: the command line's --months / --households replace those)
        "huge integer": base + "[levers.awareness]\nexperience_centres = 99999999999999999999999999\n",
        "float for integer": base + "[parameters.network]\ndegree = 8.0\n",
        "string for integer": base + '[parameters.network]\ndegree = "8"\n',
        "bool for integer": base + "[parameters.network]\ndegree = true\n",
        "date start": base + "[run]\nstart = 2020-01-01\n",
        "far start": base + '[run]\nstart = "0000-01"\n',
        "far future": base + '[run]\nstart = "9999-12"\n',
        "unicode key": base + "[run]\nmönths = 12\n",
        "clause empty": base + '[levers.vouchers]\nclause = ""\n',
    }
    cases = [file_case("file:structure", label, text) for label, text in texts.items()]
    other = 'name = "other"\n[tool.secret]\ntoken = "s3cr3t"\n'
    cases.append(
        Case(
            "file:structure",
            "extends a non-scenario sibling",
            ["run", "fz.toml", *SMALL, "--out", "out"],
            {"fz.toml": b'name = "fz"\nextends = "other"\n', "other.toml": other.encode()},
        )
    )
    cases.append(
        Case(
            "file:structure",
            "extends cycle",
            ["run", "a.toml", *SMALL, "--out", "out"],
            {"a.toml": b'name = "a"\nextends = "b"\n', "b.toml": b'name = "b"\nextends = "a"\n'},
        )
    )
    return cases


SET_TEXTS = [
    "novalue", "=3", "run.months", "run.months=", "run.months=abc", "run.months=nan", "run.months=inf",
    "run.months=1e3",
    "run.months=12.5", "run.months=-3", "run.months=[1", "run.months={a=1}", "run..months=3", ".run.months=3",
    "run.months.x=3", "run.x=3", "x=3", "levers=3", "levers.vouchers=3", "levers.vouchers.waves=3",
    "levers.vouchers.waves=[]", 'levers.vouchers.waves=[{month="2020-05"}]', "levers.vouchers.budget_yuan=1e300",
    "levers.vouchers.budget_yuan=-1", "levers.vouchers.budget_yuan=nan", "levers.vouchers.budget_yuan=inf",
    "levers.vouchers.budget_yuan='12'", "levers.vouchers.budget_yuan=true", "levers.vouchers.claim_share=0.5",
    'run.start="0000-01"', 'run.start="9999-12"', 'run.start="2020-1"', "run.start=2020-01-01",
    "parameters.phones.choice_price_coef=nan", "parameters.phones.choice_price_coef=1e300", "name=",
    'name="../../x"', "extends=baseline", 'extends="/etc/passwd"', "include=['/etc/passwd']",
    "a" * 5000 + "=1", "run.months=" + "[" * 500 + "]" * 500, "run.months=" + "{a=" * 2000 + "1" + "}" * 2000,
    "日本=1", "run.months=\u0000", "levers.vouchers.waves[0].face_value_yuan=50",
    "levers.vouchers.waves[9].face_value_yuan=50", "levers.vouchers.waves[x].face_value_yuan=50",
]


def set_cases(rng: random.Random, n_random: int) -> list[Case]:
    """`--set` strings: hand-picked odd ones, then random leaves with random values."""
    cases = [
        Case("set", t[:60], ["run", "jiangsu_2020", *SMALL, "--out", "out", "--set", t]) for t in SET_TEXTS
    ]
    leaves = list(schema_leaves())
    for _ in range(n_random):
        key, value = rng.choice(leaves), rng.choice(VALUES)
        text = f"{key}={toml_value(value)}"
        cases.append(Case("set", text[:60], ["run", "vouchers_only", *SMALL, "--out", "out", "--set", text]))
    return cases


CLI_LINES: list[list[str]] = [
    [], ["--help"], ["run", "--help"], ["bogus"], ["run"], ["run", "baseline", "--households", "abc"],
    ["run", "baseline", "--months", "abc"], ["run", "baseline", "--months", "0"], ["run", "baseline", "--months", "-1"],
    ["run", "baseline", "--households", "-5"], ["run", "baseline", "--households", "99"],
    ["run", "baseline", "--households", str(10**30)], ["run", "baseline", "--bogus"], ["run", "baseline", "extra"],
    ["run", "baseline", "--seed", "-1"], ["run", "baseline", "--seed", "abc"],
    ["run", "baseline", "--seed", str(2**70)],
    ["run", "baseline", "--seed"], ["run", "baseline", "--set"], ["run", "no_such_scenario"], ["run", ""],
    ["run", "x" * 5000], ["run", "/etc/passwd"], ["run", "/etc"], ["run", "/dev/null"],
    ["run", "../../../../etc/x.toml"],
    ["run", "baseline.toml"], ["run", "baseline", "--keep-agents=maybe"], ["scenarios"], ["scenarios", "bogus"],
    ["scenarios", "show"], ["scenarios", "show", "nope"], ["scenarios", "show", "x" * 5000],
    ["scenarios", "validate"], ["scenarios", "validate", "/nonexistent.toml"], ["scenarios", "list", "--bogus"],
    ["batch"], ["batch", "baseline", "--replicates", "0"], ["batch", "baseline", "--replicates", "-1"],
    ["batch", "baseline", "--workers", "0"], ["batch", "baseline", "--workers", "abc"],
    ["batch", "baseline", "--executor", "bogus"], ["batch", "baseline", "--executor", "serial", "--scheduler", "x"],
    ["batch", "baseline", "--seed", "-1"], ["batch", "nope", "--dry-run"], ["batch", "baseline", "--outputs", "nope"],
    ["sweep"], ["sweep", "nope.toml"], ["sweep", "/etc/passwd"], ["sweep", "/dev/null"],
    ["sweep", "experiments/sweep_voucher_size.toml", "--workers", "0"],
    ["sweep", "experiments/sweep_voucher_size.toml", "--executor", "bogus"],
    ["sweep", "experiments/sweep_voucher_size.toml", "--samples", "-3"],
    ["sweep", "experiments/sweep_voucher_size.toml", "--replicates", "abc"],
    ["compare"], ["compare", "nope"], ["compare", "/etc/passwd"], ["compare", "/etc"], ["report", "nope"],
    ["report", "/etc"], ["compare", ".", "--baseline", "x"], ["run", "baseline", "--scenarios", "/nonexistent"],
]


def cli_cases() -> list[Case]:
    cases = []
    for argv in CLI_LINES:
        fixed = [str(ROOT / a) if a.startswith("experiments/") else a for a in argv]
        runs = fixed[:1] == ["run"] and len(fixed) > 1
        cases.append(Case("cli", " ".join(argv)[:70] or "(no arguments)", fixed + (["--out", "out"] if runs else [])))
    return cases


def spec_cases() -> list[Case]:
    """Sweep spec files that are not what they should be."""
    texts: dict[str, bytes] = {
        "deep array": ("x = " + "[" * 3000 + "]" * 3000 + "\n").encode(),
        "latin-1": 'name = "caf\xe9"\n'.encode("latin-1"),
        "utf-16": 'name = "x"\n'.encode("utf-16"),
        "empty": b"",
        "no scenarios": b'name = "x"\n',
        "unknown key": b'scenarios = ["baseline"]\nbogus = 1\n',
        "bad design": b'scenarios = ["baseline"]\ndesign = "magic"\n',
        "nan range": b'scenarios = ["baseline"]\ndesign = "lhs"\nsamples = 2\n'
        b'[uncertainties."parameters.phones.life_months"]\nrange = [nan, 40]\n',
        "range outside schema": b'scenarios = ["baseline"]\ndesign = "lhs"\nsamples = 2\n'
        b'[uncertainties."levers.vouchers.claim_share"]\nrange = [0.5, 3]\n',
        "unknown scenario": b'scenarios = ["nope"]\n',
        "scenario outside": b'scenarios = ["/etc/passwd"]\n',
        "negative seed": b'scenarios = ["baseline"]\nseed = -1\n',
        "huge replicates": b'scenarios = ["baseline"]\nreplicates = 99999999999999999999\n',
    }
    argv = ["sweep", "spec.toml", "--dry-run"]
    return [Case("spec", label, argv, {"spec.toml": data}, check_run=False) for label, data in texts.items()]


def out_cases() -> list[Case]:
    """`--out` pointing to odd places."""
    argv = ["run", "baseline", *SMALL, "--out"]
    return [
        Case("out", "a file", [*argv, "afile"], {"afile": b"x"}),
        Case("out", "below a file", [*argv, "afile/sub"], {"afile": b"x"}),
        Case("out", "read-only folder", [*argv, "ro/sub"], setup="readonly"),
        Case("out", "/dev/null", [*argv, "/dev/null"]),
        Case("out", "/proc", [*argv, "/proc/infosim-fuzz"]),
        Case("out", "empty string", [*argv, ""]),
        Case("out", "5000-char name", [*argv, "o" * 5000]),
        Case("out", "non-empty other folder", [*argv, "full"], {"full/keep.txt": b"mine"}),
        Case("out", "twice into one folder", [*argv, "out"], setup="previous_run"),
        Case("out", "file name 300 chars", [*argv, "d/" + "f" * 300]),
    ]


def store_cases() -> list[Case]:
    """Damaged or odd results folders for compare / report / batch --resume."""
    batch = ["batch", "baseline", "vouchers_only", "--households", "300", "--months", "6", "--executor", "serial",
             "--out", "store"]
    only_base = ["batch", "baseline", "--households", "300", "--months", "6", "--executor", "serial", "--out", "store"]
    return [
        Case("store", "compare baseline-only", ["compare", "store"], setup="store_baseline_only", check_run=False),
        Case("store", "report baseline-only", ["report", "store", "--out", "r.html"], setup="store_baseline_only",
             check_run=False),
        Case("store", "truncated experiment.json --resume", [*batch, "--resume"], setup="store_truncated",
             check_run=False),
        Case("store", "truncated experiment.json compare", ["compare", "store"], setup="store_truncated",
             check_run=False),
        Case("store", "garbage marker --resume", [*batch, "--resume"], setup="store_garbage_marker", check_run=False),
        Case("store", "truncated manifest compare", ["compare", "store"], setup="store_truncated_manifest",
             check_run=False),
        Case("store", "other experiment --resume", [*only_base, "--resume"], setup="store_ok", check_run=False),
        Case("store", "same folder twice", batch, setup="store_ok", check_run=False),
        Case("store", "--resume --overwrite", [*batch, "--resume", "--overwrite"], setup="store_ok", check_run=False),
    ]


# --------------------------------------------------------------------------------------------
# Setup steps and running
# --------------------------------------------------------------------------------------------
def _make_store(folder: Path, scenarios: list[str]) -> None:
    from infosim.experiments import Experiment, run_experiment

    exp = Experiment.batch(scenarios, replicates=1, seed=0, households=300, months=6)
    run_experiment(exp, folder / "store", executor="serial", progress=False)


def setup(name: str | None, folder: Path) -> None:
    """Prepare `folder` for a case."""
    if name is None:
        return
    if name == "readonly":
        ro = folder / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    elif name == "previous_run":
        (folder / "out").mkdir()
        (folder / "out" / "summary.json").write_text("{}")
    elif name == "store_baseline_only":
        _make_store(folder, ["baseline"])
    elif name.startswith("store_"):
        _make_store(folder, ["baseline", "vouchers_only"])
        store = folder / "store"
        if name == "store_truncated":
            text = (store / "experiment.json").read_text()
            (store / "experiment.json").write_text(text[: len(text) // 2])
        elif name == "store_garbage_marker":
            first = sorted((store / "runs").glob("*.json"))[0]
            first.write_bytes(b"\xff\xfe garbage")
        elif name == "store_truncated_manifest":
            data = (store / "manifest.parquet").read_bytes()
            (store / "manifest.parquet").write_bytes(data[: len(data) // 2])
    else:
        raise ValueError(name)


def invoke_in_process(argv: list[str]) -> tuple[int | None, str, str]:
    """Run the CLI's main() in this process; (exit code or None for an exception, stdout, stderr)."""
    outcome = invoke(argv, timeout_s=CASE_TIMEOUT_S)
    return outcome.code, outcome.stdout, outcome.stderr


def invoke_subprocess(argv: list[str], cwd: Path) -> tuple[int | None, str, str]:
    """Run `python -m infosim.interfaces.cli ARGV` in `cwd`."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "infosim.interfaces.cli", *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=CASE_TIMEOUT_S,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        return None, "", "Traceback: timeout"
    return proc.returncode, proc.stdout, proc.stderr


def classify(case: Case, code: int | None, stderr: str, folder: Path) -> tuple[str, str]:
    """('clean error' | 'valid run' | 'other', detail)."""
    if is_clean_error(code, stderr):
        return "clean error", error_lines(stderr)[0][:160]
    if code == 0 and "Traceback" not in stderr:
        if case.check_run and case.argv[:1] == ["run"] and "--help" not in case.argv:
            out = folder / case.argv[case.argv.index("--out") + 1]
            try:
                problems = run_output_problems(out)
            except Exception as exc:
                problems = [f"outputs unreadable: {type(exc).__name__}: {exc}"]
            if problems:
                return "other", "invalid outputs: " + "; ".join(problems[:3])
        return "valid run", ""
    tail = [line for line in stderr.strip().splitlines() if line.strip()][-2:]
    return "other", f"exit {code}: " + " | ".join(tail)[:300]


def run_case(case: Case, use_subprocess: bool) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="infosim-fuzz-") as tmp:
        folder = Path(tmp)
        for name, data in case.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        here = Path.cwd()
        try:
            os.chdir(folder)
            setup(case.setup, folder)
            if use_subprocess:
                code, _, stderr = invoke_subprocess(case.argv, folder)
            else:
                code, _, stderr = invoke_in_process(case.argv)
            result = classify(case, code, stderr, folder)
        finally:
            os.chdir(here)
            for p in folder.rglob("*"):  # let the temp folder be removed after a read-only case
                if p.is_dir():
                    p.chmod(0o755)
        return result


def all_cases(seed: int, per_leaf: int, n_set: int) -> list[Case]:
    rng = random.Random(seed)
    return [
        *value_cases(rng, per_leaf),
        *structure_cases(),
        *set_cases(rng, n_set),
        *cli_cases(),
        *spec_cases(),
        *out_cases(),
        *store_cases(),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the counts; exit 1 if any case ended as 'other'."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-leaf", type=int, default=4, help="odd values tried per scenario key")
    parser.add_argument("--set-random", type=int, default=100, help="random --set strings")
    parser.add_argument("--subprocess", action="store_true", help="run every case in a real process")
    parser.add_argument("--only", default=None, help="only cases whose kind starts with this")
    parser.add_argument("--show", type=int, default=40, help="print up to N 'other' cases")
    parser.add_argument("--verbose", action="store_true", help="print every case's outcome")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    cases = all_cases(args.seed, args.per_leaf, args.set_random)
    if args.only:
        cases = [c for c in cases if c.kind.startswith(args.only)]
    counts: Counter[tuple[str, str]] = Counter()
    others: list[tuple[Case, str]] = []
    t0 = time.perf_counter()
    for i, case in enumerate(cases, 1):
        outcome, detail = run_case(case, args.subprocess)
        counts[(case.kind, outcome)] += 1
        if args.verbose:
            print(f"[{case.kind}] {case.label[:60]}: {outcome} {detail}")
        if outcome == "other":
            others.append((case, detail))
        if i % 50 == 0:
            print(f"  {i}/{len(cases)} cases, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    kinds = sorted({k for k, _ in counts})
    print(f"{'kind':<16} {'tried':>6} {'clean error':>12} {'valid run':>10} {'other':>6}")
    for kind in [*kinds, "TOTAL"]:
        sel: Counter[str] = Counter()
        for (k, o), n in counts.items():
            if kind in (k, "TOTAL"):
                sel[o] += n
        tried = sum(sel.values())
        print(f"{kind:<16} {tried:>6} {sel.get('clean error', 0):>12} {sel.get('valid run', 0):>10} "
              f"{sel.get('other', 0):>6}")
    print(f"({time.perf_counter() - t0:.0f} s, {'subprocess' if args.subprocess else 'in-process'})")
    for case, detail in others[: args.show]:
        print(f"OTHER [{case.kind}] {case.label}: {detail}")
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main())
