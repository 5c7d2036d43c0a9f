"""Policy design: the best use of a fixed budget, robust to what we do not know (``infosim optimise``).

* :func:`optimise` — a multi-objective search (pymoo NSGA-II / NSGA-III) over lever settings —
  budget shares under a total budget, voucher terms, subsidy rates, timing — for paired policy
  effects, every candidate evaluated over an ensemble of parameter draws on common random numbers,
  through the experiments' executors and store (``run.py``, ``search.py``, ``evaluate.py``);
* :func:`recheck` — re-evaluate the reported Pareto set with fresh seeds: does the ranking hold?
* :func:`load_optimisation`, :func:`write_optimisation_docs` — read a search, write it as Markdown.

It runs on the experiments' executors and store and reads the analysis' paired policy metrics,
so it sits above both, beside :mod:`infosim.sensitivity`. See ``docs/optimisation.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infosim.lazy import lazy_exports

#: Public name -> the module that defines it (imported on first use, so that checking a spec
#: or printing an error does not load pandas, scipy and the model).
_LAZY = {
    "recheck": "infosim.optimise.recheck_pareto",
    "write_optimisation_docs": "infosim.optimise.report",
    "OptimisationResults": "infosim.optimise.results",
    "load_optimisation": "infosim.optimise.results",
    "estimate_optimisation": "infosim.optimise.run",
    "optimise": "infosim.optimise.run",
    "OptimiseSpec": "infosim.optimise.spec",
    "load_optimise_spec": "infosim.optimise.spec",
}

if TYPE_CHECKING:
    from infosim.optimise.recheck_pareto import recheck
    from infosim.optimise.report import write_optimisation_docs
    from infosim.optimise.results import OptimisationResults, load_optimisation
    from infosim.optimise.run import estimate_optimisation, optimise
    from infosim.optimise.spec import OptimiseSpec, load_optimise_spec

__all__ = [
    "OptimisationResults",
    "OptimiseSpec",
    "estimate_optimisation",
    "load_optimisation",
    "load_optimise_spec",
    "optimise",
    "recheck",
    "write_optimisation_docs",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
