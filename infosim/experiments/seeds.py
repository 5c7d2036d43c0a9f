"""Seeds for experiments: one root seed, replicate seeds from ``numpy.random.SeedSequence.spawn``.

Replicate ``r`` of an experiment with root seed ``root`` runs with::

    child = np.random.SeedSequence(root).spawn(R)[r]
    seed = int(child.generate_state(1, np.uint64)[0] >> 1)

The shift keeps seeds below 2**63, so they fit signed 64-bit integer columns (Parquet, DuckDB,
SQLite, pandas ``int64``) without overflow. ``spawn`` gives child ``r`` the spawn key ``(r,)``
whatever ``R`` is, so raising the number of replicates keeps the seeds of the existing ones.

Every scenario and design point uses the same seed for replicate ``r`` (common random numbers),
so differences between scenarios are paired comparisons.
"""

from __future__ import annotations

import numpy as np

#: Extra entropy word that separates the design sampler's stream from the replicate seeds.
DESIGN_STREAM = 0x64657369  # "desi"

#: Largest root seed accepted (seeds are stored as signed 64-bit integers).
MAX_SEED = 2**63 - 1


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """Seeds of replicates ``0 .. replicates-1`` of an experiment.

    Args:
        root: the experiment's root seed (non-negative).
        replicates: number of replicates.

    Returns:
        One integer seed in ``[0, 2**63)`` per replicate.
    """
    if root < 0:
        raise ValueError(f"root seed must be >= 0 (got {root})")
    children = np.random.SeedSequence(root).spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def design_seed(root: int) -> int:
    """Seed of the design sampler (LHS, Sobol', Morris), independent of the replicate seeds.

    Args:
        root: the experiment's root seed.

    Returns:
        A 32-bit integer seed.
    """
    return int(np.random.SeedSequence([root, DESIGN_STREAM]).generate_state(1, np.uint32)[0])
