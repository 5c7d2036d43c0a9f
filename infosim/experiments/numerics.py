"""The numerical environment of a process: what, besides the code, the scenario and the seed,
decides the last bits of a run's floating-point results.

numpy picks at import, from the CPU, the SIMD code its functions run (``numpy.show_runtime()``
lists it); on x86-64 with AVX-512, ``exp``, ``log``, ``log1p``, ``power`` and others use other
algorithms than without it (here 7.4% of log1p and 4.6% of exp results differed in the last bit
from the C library's). So a run is reproducible bit for bit within one numerical environment
(architecture, C library, numpy and scipy builds, dispatched SIMD extensions), not across them.
Measured on this model (8 scenarios x 2 seeds at 20,000 households, AVX-512 on and off;
docs/experiments.md): every adoption count was identical and money and station totals differed
by at most 4.4e-9 relative — but a decision that such a bit flips cannot be ruled out. The
fingerprint below names an environment; the experiment store records it for every run
(``docs/experiments.md``, Reproducibility).
"""

from __future__ import annotations

import functools
import platform
from collections import Counter
from importlib import metadata
from typing import Any


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def simd_extensions() -> list[str] | None:
    """The SIMD extensions numpy dispatches to in this process (baseline first), or None if this
    numpy does not say. Fixed at numpy's import: ``NPY_DISABLE_CPU_FEATURES`` can remove some."""
    try:
        from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    except ImportError:  # pragma: no cover - numpy < 2 or a future layout
        return None
    return [*__cpu_baseline__, *(name for name in __cpu_dispatch__ if __cpu_features__.get(name))]


def numerical_environment() -> dict[str, Any]:
    """This process's numerical environment: architecture, C library, numpy and scipy versions,
    the SIMD extensions numpy dispatches to, and their one-line ``fingerprint``."""
    libc, libc_version = platform.libc_ver()
    env: dict[str, Any] = {
        "machine": platform.machine(),
        "libc": f"{libc}-{libc_version}" if libc else platform.system(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "simd": simd_extensions(),
    }
    env["fingerprint"] = fingerprint_of(env)
    return env


def fingerprint_of(env: dict[str, Any]) -> str:
    """One line naming a numerical environment, e.g.
    ``x86_64 glibc-2.36 numpy-2.5.5 scipy-1.18.1 simd:X86_V2+X86_V3+X86_V4``."""
    simd = "+".join(env["simd"]) if env.get("simd") is not None else "unknown"
    return f"{env['machine']} {env['libc']} numpy-{env['numpy']} scipy-{env['scipy']} simd:{simd}"


@functools.cache
def numerics_fingerprint() -> str:
    """The fingerprint of this process's numerical environment (computed once: it cannot change
    after numpy's import)."""
    return numerical_environment()["fingerprint"]


def mixed_environments_note(
    fingerprints: list[str], what: str = "the runs", unit: tuple[str, str] = ("run", "runs")
) -> str | None:
    """A warning when `fingerprints` (one per run or worker; empty ones ignored) name more than
    one numerical environment, else None."""
    counts = Counter(f for f in fingerprints if f)
    if len(counts) < 2:
        return None
    listed = "; ".join(f"{f} ({n} {unit[n != 1]})" for f, n in sorted(counts.items()))
    return (
        f"{what} span {len(counts)} numerical environments: {listed}. Runs of the same "
        "scenario and seed are bit-identical only within one environment: numpy's SIMD code for "
        "exp/log differs between CPUs, so money and station totals can differ in their last digits "
        "(and, rarely, a decision) from a rerun elsewhere; see docs/experiments.md, Reproducibility"
    )
