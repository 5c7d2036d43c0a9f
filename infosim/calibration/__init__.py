"""Calibration: targets, ABC-SMC with pyabc, posteriors, posterior-predictive bands, validation.

Heavy modules (pyabc, matplotlib) are imported where used, so ``import infosim.calibration``
stays light.

Example:
    >>> from infosim.calibration import calibrate, load_posterior
    >>> report = calibrate("calibration/jiangsu_2020.toml", executor="processes")
    >>> post = load_posterior(report)          # or load_posterior("calibration/jiangsu_2020")
    >>> post.point_estimate                    # {"parameters.phones.life_months": 41.0, ...}
    >>> post.sample(100, seed=1)               # weighted resampling of the particles
"""

from __future__ import annotations

from typing import Any

from infosim.calibration.errors import CalibrationError, TargetError
from infosim.calibration.targets import Target, evaluate, load_targets

__all__ = [
    "CalibrationError",
    "Posterior",
    "Target",
    "TargetError",
    "calibrate",
    "evaluate",
    "load_calibration",
    "load_posterior",
    "load_targets",
    "noise_check",
    "validate",
]

_LAZY = {
    "calibrate": "infosim.calibration.api",
    "load_calibration": "infosim.calibration.spec",
    "load_posterior": "infosim.calibration.posterior",
    "Posterior": "infosim.calibration.posterior",
    "noise_check": "infosim.calibration.noise",
    "validate": "infosim.calibration.validate",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'infosim.calibration' has no attribute {name!r}")
