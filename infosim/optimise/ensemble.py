"""The ensemble every candidate is evaluated on: draws of the uncertain parameters.

* ``ensemble = "prior"``: a Latin hypercube over the plausible ranges of
  :func:`infosim.data.parameter_ranges` (uniform, log-uniform where the scale is log, whole
  numbers where integer), read at run time so new parameters join;
* ``ensemble = "posterior:<folder>"``: weighted resampling (with replacement) of the particles of
  a calibration: ``<folder>/posterior.parquet`` has one row per particle, one column per scenario
  key (``parameters.phones.life_months``, ...) and a ``weight`` column.

Both draw from ``numpy.random.SeedSequence([seed, ENSEMBLE_STREAM])``: the same spec gives the
same draws, independent of the replicate seeds. Every candidate runs on every draw (common
random numbers), so two candidates differ only by their settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infosim.errors import SpecError
from infosim.experiments.designs import lhs_unit, map_unit
from infosim.experiments.params import Kind, ParamSpec

#: Extra entropy word that separates the ensemble's stream from the replicate and design seeds.
ENSEMBLE_STREAM = 0x656E73  # "ens"
POSTERIOR_FILE = "posterior.parquet"
WEIGHT = "weight"


@dataclass(frozen=True)
class Ensemble:
    """Parameter draws.

    Attributes:
        source: ``prior`` or ``posterior:<folder>``.
        keys: the scenario keys each draw sets.
        points: one dict of key -> value per draw.
        kinds: key -> column type.
        info: where the draws came from (posterior file and its hash, particles, effective size).
    """

    source: str
    keys: list[str]
    points: list[dict[str, Any]]
    kinds: dict[str, Kind]
    info: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def table(self) -> pd.DataFrame:
        """One row per draw: ``draw`` and one column per key."""
        df = pd.DataFrame(self.points, columns=self.keys)
        df.insert(0, "draw", range(len(self.points)))
        return df


def stream_seed(root: int) -> np.random.SeedSequence:
    """The ensemble's seed sequence for a root seed."""
    return np.random.SeedSequence([root, ENSEMBLE_STREAM])


def uncertainty(key: str) -> ParamSpec:
    """The sampling declaration of a parameter from its documented range."""
    from infosim.data import parameter_ranges

    r = parameter_ranges()[key]
    return ParamSpec(range=(r.low, r.high), distribution="loguniform" if r.scale == "log" else None,
                     integer=bool(r.integer))


def prior_ensemble(keys: list[str], draws: int, seed: int) -> Ensemble:
    """A Latin hypercube of `draws` points over the ranges of `keys`."""
    params = {k: uncertainty(k) for k in keys}
    lhs_seed = int(stream_seed(seed).generate_state(1, np.uint32)[0])
    unit = lhs_unit(len(keys), draws, lhs_seed)
    points = map_unit(params, unit)
    return Ensemble("prior", list(keys), points, {k: p.kind for k, p in params.items()},
                    {"design": "lhs", "parameters": len(keys)})


def find_posterior(folder: str, spec_file: Path | None) -> Path:
    """The posterior file of a calibration folder, looked up from the current folder, the spec
    file's folder and its parent, and the source checkout.

    Raises:
        SpecError: no such folder, or no posterior in it (the calibration has not run yet).
    """
    from infosim.experiments.provenance import PACKAGE_ROOT

    p = Path(folder).expanduser()
    bases = [Path.cwd()]
    if spec_file is not None:
        bases += [spec_file.resolve().parent, spec_file.resolve().parent.parent]
    bases.append(PACKAGE_ROOT)
    candidates = [p] if p.is_absolute() else [b / p for b in dict.fromkeys(bases)]
    for c in candidates:
        if (c / POSTERIOR_FILE).is_file():
            return c / POSTERIOR_FILE
    where = next((c for c in candidates if c.is_dir()), None)
    if where is not None:
        raise SpecError(f"{where / POSTERIOR_FILE}: no posterior yet (key ensemble: posterior:{folder}); run the "
                        "calibration first, or set ensemble = \"prior\" to draw from parameter_ranges()")
    looked = ", ".join(str(c) for c in candidates)
    raise SpecError(f"key ensemble: posterior:{folder}: no such calibration folder (looked in {looked}); run the "
                    "calibration first, or set ensemble = \"prior\"")


def read_posterior(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The particles (scenario-key columns) and their normalised weights.

    Raises:
        SpecError: unreadable file, no weight column, bad weights, or a column that is not a
            parameter's scenario key.
    """
    from infosim.experiments.spec import scenario_key_error

    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise SpecError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    if WEIGHT not in df.columns:
        raise SpecError(f"{path}: no {WEIGHT!r} column; a posterior has one row per particle, one column per "
                        "scenario key (e.g. parameters.phones.life_months) and a weight column")
    keys = [c for c in df.columns if "." in str(c)]
    bad = [c for c in keys if not str(c).startswith("parameters.") or scenario_key_error(str(c))]
    if bad:
        raise SpecError(f"{path}: column {bad[0]!r} is not a parameter's scenario key (parameters.<group>.<name>)")
    if not keys:
        raise SpecError(f"{path}: no parameter columns (parameters.<group>.<name>)")
    w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(dtype=float)
    if len(w) == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise SpecError(f"{path}: column {WEIGHT!r} must hold finite weights >= 0 with a positive sum")
    return df[keys], w / w.sum()


def posterior_ensemble(folder: str, draws: int, seed: int, spec_file: Path | None = None) -> Ensemble:
    """`draws` particles resampled with replacement in proportion to their weights."""
    from infosim.experiments.store import sha256_file

    path = find_posterior(folder, spec_file)
    particles, w = read_posterior(path)
    rng = np.random.default_rng(stream_seed(seed))
    idx = rng.choice(len(particles), size=draws, replace=True, p=w)
    kinds: dict[str, Kind] = {}
    for col in particles.columns:
        kinds[str(col)] = "int" if pd.api.types.is_integer_dtype(particles[col]) else "float"
    points = []
    for i in idx:
        row = particles.iloc[int(i)]
        points.append({str(k): (int(row[k]) if kinds[str(k)] == "int" else float(row[k])) for k in particles.columns})
    info = {"file": str(path), "sha256": sha256_file(path), "particles": len(particles),
            "effective_size": float(1.0 / np.sum(w**2)), "resampled": [int(i) for i in idx]}
    return Ensemble(f"posterior:{folder}", [str(c) for c in particles.columns], points, kinds, info)


def make_ensemble(spec: Any, spec_file: Path | None = None) -> Ensemble:
    """The ensemble a spec asks for (prior or posterior draws)."""
    if spec.ensemble == "prior":
        return prior_ensemble(spec.ensemble_keys(), spec.draws, spec.seed)
    return posterior_ensemble(spec.ensemble.removeprefix("posterior:").strip(), spec.draws, spec.seed, spec_file)
