"""Global sensitivity analysis of paired policy effects (``infosim sensitivity SPEC.toml``).

* :func:`run_sensitivity` — the two-stage analysis of a spec: Morris screening over every
  uncertain parameter, then Sobol' indices of the ones that matter, for paired policy effects,
  with convergence and seed-noise checks (``run.py``, ``plan.py``, ``stats.py``);
* :func:`replicate_check` — how many replicates intervals need (``infosim sensitivity replicates``);
* :func:`load_sensitivity`, :func:`write_sensitivity_docs` — read an analysis, write it as Markdown.

It runs on the experiments' executors and store and reads the analysis' paired effects, so it sits
above both. See ``docs/sensitivity.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infosim.lazy import lazy_exports

#: Public name -> the module that defines it (imported on first use, so that checking a spec
#: or printing an error does not load pandas, scipy and the model).
_LAZY = {
    "replicate_check": "infosim.sensitivity.replicates",
    "write_sensitivity_docs": "infosim.sensitivity.report",
    "SensitivityResults": "infosim.sensitivity.results",
    "load_sensitivity": "infosim.sensitivity.results",
    "estimate_sensitivity": "infosim.sensitivity.run",
    "run_sensitivity": "infosim.sensitivity.run",
    "SensitivitySpec": "infosim.sensitivity.spec",
    "load_sensitivity_spec": "infosim.sensitivity.spec",
}

if TYPE_CHECKING:
    from infosim.sensitivity.replicates import replicate_check
    from infosim.sensitivity.report import write_sensitivity_docs
    from infosim.sensitivity.results import SensitivityResults, load_sensitivity
    from infosim.sensitivity.run import estimate_sensitivity, run_sensitivity
    from infosim.sensitivity.spec import SensitivitySpec, load_sensitivity_spec

__all__ = [
    "SensitivityResults",
    "SensitivitySpec",
    "estimate_sensitivity",
    "load_sensitivity",
    "load_sensitivity_spec",
    "replicate_check",
    "run_sensitivity",
    "write_sensitivity_docs",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
