"""The ensemble every candidate is evaluated on: draws of the uncertain parameters.

* ``ensemble = "prior"``: a Latin hypercube over the plausible ranges of
  :func:`infosim.data.parameter_ranges` (uniform, log-uniform where the scale is log, whole
  numbers where integer), read at run time so new parameters join;
* ``ensemble = "posterior:<folder>"``: draws of a calibration written by ``infosim calibrate``
  (``posterior.parquet`` and ``calibration.json``), taken with the public API of
  :mod:`infosim.calibration` exactly as ``infosim batch --posterior`` takes them
  (:meth:`Posterior.sample` then :meth:`Posterior.overrides`); parameters listed in
  ``ensemble_parameters`` that were not calibrated are drawn from their ranges as well.

Prior draws come from ``numpy.random.SeedSequence([seed, ENSEMBLE_STREAM])``, posterior draws
from the calibration's resampling stream of the same root seed: the same spec gives the same
draws. Every candidate runs on every draw (common
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
    """The calibration folder named by ``posterior:<folder>``, looked up from the current folder,
    the spec file's folder and its parent, and the source checkout.

    Raises:
        SpecError: no such folder, or no posterior in it (the calibration has not run yet).
    """
    from infosim.calibration.posterior import CALIBRATION_FILE
    from infosim.experiments.provenance import PACKAGE_ROOT

    p = Path(folder).expanduser()
    bases = [Path.cwd()]
    if spec_file is not None:
        bases += [spec_file.resolve().parent, spec_file.resolve().parent.parent]
    bases.append(PACKAGE_ROOT)
    candidates = [p] if p.is_absolute() else [b / p for b in dict.fromkeys(bases)]
    for c in candidates:
        if (c / POSTERIOR_FILE).is_file() and (c / CALIBRATION_FILE).is_file():
            return c
    where = next((c for c in candidates if c.is_dir()), None)
    if where is not None:
        raise SpecError(f"{where}: no posterior yet (key ensemble: posterior:{folder}; a finished calibration holds "
                        f"{POSTERIOR_FILE} and {CALIBRATION_FILE}); run `infosim calibrate` first, or set "
                        "ensemble = \"prior\" to draw from parameter_ranges()")
    looked = ", ".join(str(c) for c in candidates)
    raise SpecError(f"key ensemble: posterior:{folder}: no such calibration folder (looked in {looked}); run the "
                    "calibration first, or set ensemble = \"prior\"")


def posterior_ensemble(folder: str, draws: int, seed: int, spec_file: Path | None = None,
                       prior_keys: list[str] | None = None) -> Ensemble:
    """`draws` posterior draws of a calibration, as ``infosim batch --posterior`` takes them.

    The calibrated parameters come from :meth:`infosim.calibration.Posterior.sample` (weighted
    resampling of the particles with replacement, seeded by `seed`) and
    :meth:`~infosim.calibration.Posterior.overrides` (whole numbers kept whole). `prior_keys`
    that the calibration did not calibrate are drawn from their plausible ranges as well (a
    Latin hypercube, as the prior ensemble), so a posterior ensemble can still vary what the
    targets say nothing about.

    Raises:
        SpecError: no calibration folder, an unfinished or unreadable one, or a calibrated key that
            is not a scenario key.
    """
    from infosim.calibration import CalibrationError, load_posterior
    from infosim.experiments.spec import scenario_key_error
    from infosim.experiments.store import sha256_file

    path = find_posterior(folder, spec_file)
    try:
        post = load_posterior(path)
    except CalibrationError as exc:
        raise SpecError(f"key ensemble: posterior:{folder}: {str(exc).splitlines()[0]}") from None
    if not post.parameters:
        raise SpecError(f"{path}: the calibration has no calibrated parameters (key ensemble: posterior:{folder})")
    bad = [k for k in post.parameters if scenario_key_error(k)]
    if bad:
        raise SpecError(f"{path}: calibrated parameter {bad[0]!r} is not a scenario key of this model "
                        f"(key ensemble: posterior:{folder}); calibrate again")
    sample = post.sample(draws, seed=seed)
    points = [post.overrides(row) for _, row in sample.iterrows()]
    kinds: dict[str, Kind] = {p.path: "int" if p.integer else "float" for p in post.priors}
    keys = list(post.parameters)
    extra = [k for k in (prior_keys or []) if k not in kinds]
    if extra:
        prior = prior_ensemble(extra, draws, seed)
        points = [{**pt, **pr} for pt, pr in zip(points, prior.points, strict=True)]
        kinds.update(prior.kinds)
        keys += extra
    w = post.weights
    info = {"folder": str(path), "file": str(path / POSTERIOR_FILE), "sha256": sha256_file(path / POSTERIOR_FILE),
            "calibration": post.name, "particles": len(post.draws), "effective_size": float(1.0 / np.sum(w**2)),
            "resampled": [int(i) for i in sample["draw"]], "prior_parameters": extra}
    return Ensemble(f"posterior:{folder}", keys, points, kinds, info)


def make_ensemble(spec: Any, spec_file: Path | None = None) -> Ensemble:
    """The ensemble a spec asks for (prior or posterior draws)."""
    if spec.ensemble == "prior":
        return prior_ensemble(spec.ensemble_keys(), spec.draws, spec.seed)
    prior_keys = spec.ensemble_keys() if spec.ensemble_parameters is not None else []
    folder = spec.ensemble.removeprefix("posterior:").strip()
    ens = posterior_ensemble(folder, spec.draws, spec.seed, spec_file, prior_keys)
    clash = [k for k in ens.keys if k in spec.constants]
    if clash:
        raise SpecError(f"key constants.\"{clash[0]}\": the parameter is drawn from the posterior of {folder} "
                        "(key ensemble); remove it from constants or set ensemble = \"prior\"")
    return ens
