"""Batches over the posterior: each replicate runs with its own posterior draw.

``infosim batch A B --posterior N`` runs N replicates; replicate ``r`` uses the replicate seed
``r`` (as any batch) and posterior draw ``r`` (a weighted resample of the calibration's
particles, drawn from the batch's root seed) — the same draw and seed for every scenario, so
runs stay paired and ``infosim compare`` gives effects whose intervals include parameter
uncertainty. The draw's particle id is the ``posterior_draw`` column of the manifest and of
every stored table.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infosim.calibration.posterior import POSTERIOR_FILE, Posterior
from infosim.errors import ScenarioError, SpecError
from infosim.experiments.experiment import Experiment, RunRecord, RunTask

POSTERIOR_DRAW = "posterior_draw"


class PosteriorExperiment(Experiment):
    """An experiment whose replicate ``r`` also applies posterior draw ``r`` to every scenario."""

    def __init__(self, base: Experiment, posterior: Posterior):
        """Wrap `base`; its ``replicates`` is the number of draws."""
        super().__init__(base.spec, source=base.source, kind=base.kind)
        self.posterior = posterior
        self.draws = posterior.sample(base.spec.replicates, seed=base.spec.seed)
        clash = [k for k in posterior.parameters if k in base.spec.varied() or k in base.spec.constants]
        if clash:
            raise SpecError(f"{self.label}: {', '.join(clash)} is calibrated (drawn from the posterior) and also set "
                            "or varied by the experiment")

    @property
    def columns(self) -> dict[str, str]:
        """The base experiment's column names of varied keys, plus the draw's id column."""
        base = getattr(super(), "columns", {})
        return {**base, POSTERIOR_DRAW: POSTERIOR_DRAW}

    def _draw(self, replicate: int) -> tuple[int, dict[str, Any]]:
        row = self.draws.iloc[replicate]
        return int(row["draw"]), self.posterior.overrides(row)

    def records(self) -> Iterator[RunRecord]:
        """The base plan, with each replicate's draw added to its overrides and values."""
        for r in super().records():
            draw, over = self._draw(r.replicate)
            yield dataclasses.replace(r, params={**r.params, **over}, values={**r.values, POSTERIOR_DRAW: draw})

    def task(self, record: RunRecord) -> RunTask:
        """The base task, with the draw's id column typed as an integer."""
        task = super().task(record)
        return dataclasses.replace(task, kinds={**task.kinds, POSTERIOR_DRAW: "int"})

    def validate(self) -> None:
        """Check the design and that every draw gives a valid scenario."""
        super().validate()
        from infosim.scenario import apply_overrides

        for r in range(len(self.draws)):
            draw, over = self._draw(r)
            for name, base in self.base_scenarios.items():
                try:
                    apply_overrides(base, over)
                except ScenarioError as exc:
                    raise SpecError(f"{self.label}: posterior draw {draw} is not valid for scenario {name!r}: "
                                    f"{str(exc).split(': ', 1)[-1]}") from None

    def definition(self) -> dict[str, Any]:
        """The base definition plus the posterior's file hash and the draws (guards --resume)."""
        path = self.posterior.path / POSTERIOR_FILE
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        return {
            **super().definition(),
            "posterior": {
                "calibration": str(self.posterior.path),
                "posterior_sha256": digest,
                "draws": [int(d) for d in self.draws["draw"]],
            },
        }

    def describe(self) -> str:
        """The base description plus the posterior line."""
        return (super().describe() + f"\n  posterior   replicate r runs posterior draw r of {self.posterior.path} "
                f"({len(self.posterior.draws)} particles, {len(self.posterior.parameters)} parameters)")


def with_posterior(exp: Experiment, calibration: str | Path | None, draws: int) -> PosteriorExperiment:
    """`exp` with `draws` replicates, replicate ``r`` running posterior draw ``r``.

    Args:
        exp: a batch (or sweep) experiment.
        calibration: the calibration folder (default ``calibration/<first scenario>``).
        draws: posterior draws = replicates.
    """
    from infosim.calibration.posterior import load_posterior, resolve_calibration_dir

    if exp.spec.replicates not in (1, draws):
        raise SpecError(f"--posterior {draws} sets the replicates (one draw each); --replicates "
                        f"{exp.spec.replicates} differs")
    exp = exp.with_options(replicates=draws)
    folder = resolve_calibration_dir(calibration, Path(exp.spec.scenarios[-1]).stem)
    return PosteriorExperiment(exp, load_posterior(folder))
