"""Global sensitivity analysis of paired policy effects (``infosim sensitivity SPEC.toml``).

* :func:`run_sensitivity` — the two-stage analysis of a spec: Morris screening over every
  uncertain parameter, then Sobol' indices of the ones that matter, for paired policy effects,
  with convergence and seed-noise checks (``run.py``, ``plan.py``, ``stats.py``);
* :func:`replicate_check` — how many replicates intervals need (``infosim sensitivity replicates``);
* :func:`load_sensitivity`, :func:`write_sensitivity_docs` — read an analysis, write it as Markdown.

It runs on the experiments' executors and store and reads the analysis' paired effects, so it sits
above both. See ``docs/sensitivity.md``.
"""

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
