"""The multi-objective search (pymoo), driven one generation at a time.

pymoo's ask-and-tell interface proposes a population, we evaluate it (simulations through the
experiments' executors and store) and tell pymoo the objectives. pymoo minimises, so maximised
objectives are negated. Two inequality constraints (``g <= 0`` is feasible):

* ``g0 = sum(shares) - 1``: the budget (always met after the repair; kept as a check);
* ``g1``: 1 when the settings do not give a valid scenario or an objective is undefined (e.g. a
  share of money when no money was paid), else -1; such candidates lose every tournament.

NSGA-II (Deb et al. 2002) for up to three objectives: its crowding distance spreads the front
well in two or three dimensions. NSGA-III (Deb & Jain 2014) beyond: crowding distance stops
separating solutions when most of the population is non-dominated, which is the rule with four
or more objectives; NSGA-III keeps the spread with reference directions instead.

The algorithm draws from its own generator seeded by the spec (pymoo's ``seed``), so the same
spec proposes the same candidates — which is also how a killed search resumes: it is replayed
from the start, and every candidate evaluated before is read back instead of run again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from infosim.optimise.spec import OptimiseSpec
from infosim.optimise.variables import DecisionSpace

#: ``(generation, X) -> (F, G)``: objectives (minimised) and constraints of a population.
Evaluate = Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]]


def reference_partitions(n_obj: int, population: int) -> int:
    """The most Das-Dennis partitions whose reference directions fit in the population."""
    p = 1
    while math.comb(p + 1 + n_obj - 1, n_obj - 1) <= population:
        p += 1
    return p


def make_algorithm(spec: OptimiseSpec, space: DecisionSpace) -> Any:
    """The pymoo algorithm of a spec (NSGA-II or NSGA-III) with the space's repair."""
    from pymoo.core.duplicate import DefaultDuplicateElimination
    from pymoo.core.repair import Repair
    from pymoo.operators.sampling.lhs import LHS

    class SpaceRepair(Repair):
        def _do(self, problem: Any, X: np.ndarray, **kwargs: Any) -> np.ndarray:
            return space.repair(X)

    options: dict[str, Any] = {"pop_size": spec.algorithm.population, "sampling": LHS(), "repair": SpaceRepair(),
                               "eliminate_duplicates": DefaultDuplicateElimination(epsilon=1e-9)}
    if spec.algorithm_name == "nsga2":
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(**options)
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    m = len(spec.objectives)
    parts = spec.algorithm.partitions or reference_partitions(m, spec.algorithm.population)
    ref_dirs = get_reference_directions("das-dennis", m, n_partitions=parts)
    return NSGA3(ref_dirs=ref_dirs, **options)


def n_reference_directions(spec: OptimiseSpec) -> int | None:
    """NSGA-III's reference directions (None for NSGA-II)."""
    if spec.algorithm_name != "nsga3":
        return None
    m = len(spec.objectives)
    parts = spec.algorithm.partitions or reference_partitions(m, spec.algorithm.population)
    return math.comb(parts + m - 1, m - 1)


def run_search(spec: OptimiseSpec, space: DecisionSpace, evaluate: Evaluate,
               on_generation: Callable[[int, Any], None] | None = None) -> Any:
    """Run the search: ``spec.algorithm.generations`` generations of ``population`` candidates.

    Args:
        spec: the spec (algorithm, objectives, seed).
        space: the decision space (its repair keeps candidates on the budget).
        evaluate: objectives and constraints of a generation's population.
        on_generation: called after each generation with its number and the algorithm.

    Returns:
        The pymoo algorithm after the last generation.
    """
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    problem = Problem(n_var=space.n_var, n_obj=len(spec.objectives), n_ieq_constr=2, xl=0.0, xu=1.0)
    algorithm = make_algorithm(spec, space)
    algorithm.setup(problem, termination=("n_gen", spec.algorithm.generations), seed=spec.seed % 2**32,
                    verbose=False)
    gen = 0
    while algorithm.has_next():
        pop = algorithm.ask()
        F, G = evaluate(gen, pop.get("X"))
        Evaluator().eval(StaticProblem(problem, F=F, G=G), pop)
        algorithm.tell(infills=pop)
        if on_generation is not None:
            on_generation(gen, algorithm)
        gen += 1
    return algorithm
