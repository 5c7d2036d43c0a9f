"""The proposal ABC-SMC draws each generation's particles from (a pyabc ``Transition``).

pyabc's default, ``MultivariateNormalTransition``, is a kernel density estimate: each proposal is
a previous particle moved by a Gaussian whose covariance is the population's, shrunk by
Silverman's rule. A particle's importance weight is prior / proposal density. With many
parameters and a few hundred particles that density is rough — in 15 dimensions 200 particles
are far apart compared with the kernel, so the density of a new point varies over orders of
magnitude with its distance to the nearest old particle — and the weights degenerate: in the
shipped ``jiangsu_2020`` calibration (15 parameters, 200 particles) the effective sample size
fell from 200 to 22 and then 8 in two generations, and on a 3,000-household rerun (100 particles)
from 100 to 6; the heaviest particles were not the best fits but the ones proposed between
others. ``tests/calibration/test_transition.py`` shows the same on a 15-parameter toy.

:class:`FittedNormalTransition` proposes from one multivariate normal fitted to the weighted
population (its mean and covariance, the covariance inflated by ``scaling``, default 1.5): a
smooth density, so a particle's weight no longer depends on how close it fell to an old one —
population Monte Carlo with a Gaussian proposal (Cappé et al. 2004, J. Comput. Graph. Stat.
13:907); the inflation keeps the proposal wider than the shrinking tempered posterior (Beaumont
et al. 2009, Biometrika 96:983, use twice the covariance for the perturbation kernel). It cannot
follow a posterior with several separate modes; the diagnostics' ESS and marginal plots would
show one.

Measured on the real calibration problem (``jiangsu_2020``, 15 parameters, 21 targets, 3,000
households, 100 particles, the same seeds, generations 2 and 3): ESS 6 and 3 with the KDE, 14
and 12 with this transition at scaling 2, 26 and 25 at scaling 1.5, with higher acceptance rates
(16.5% against 13.2% in generation 3). It does not remove the loss: in the weakly identified
directions the prior (logistic on the sampling scale) and the fitted normal differ in shape, and
that mismatch compounds over many parameters. Fewer calibrated parameters remain the stronger cure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.transition import NotEnoughParticles, Transition
from pyabc.transition.util import smart_cov
from scipy import stats


class FittedNormalTransition(Transition):
    """Propose from N(weighted mean, scaling x weighted covariance) of the last population."""

    def __init__(self, scaling: float = 1.5):
        if not scaling > 0:
            raise ValueError(f"scaling must be > 0, got {scaling!r}")
        self.scaling = float(scaling)
        self.mean: np.ndarray | None = None
        self.cov: np.ndarray | None = None

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        """Fit the mean and the inflated covariance of the weighted particles `X`."""
        if len(X) == 0:
            raise NotEnoughParticles("Fitting not possible.")
        arr = X.to_numpy(dtype=float)
        w = np.asarray(w, dtype=float) / np.sum(w)
        self.mean = w @ arr
        self.cov = np.atleast_2d(smart_cov(arr, w)) * self.scaling
        self._normal = stats.multivariate_normal(mean=self.mean, cov=self.cov, allow_singular=True)

    def rvs_single(self) -> Any:
        """One proposal (a pyabc ``Parameter``), from numpy's global stream as pyabc's own kernels do."""
        draw = np.random.multivariate_normal(self.mean, self.cov)
        return pyabc.Parameter(dict(zip(self.X.columns, np.atleast_1d(draw), strict=True)))

    def pdf(self, x: Any) -> float | np.ndarray:
        """Proposal density at one parameter (``Parameter``/``Series``) or at each row of a frame."""
        if isinstance(x, pyabc.Parameter | pd.Series):
            arr = np.array([x[key] for key in self.X.columns], dtype=float)
            return float(self._normal.pdf(arr))
        return np.atleast_1d(self._normal.pdf(x[self.X.columns].to_numpy(dtype=float)))
