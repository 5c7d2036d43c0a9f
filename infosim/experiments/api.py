"""The notebook-facing API: define an experiment, run it, load its results.

Example:
    >>> from infosim.experiments import Experiment, run_experiment, load_results
    >>> exp = Experiment.batch(["baseline", "jiangsu_2020"], replicates=5, seed=42,
    ...                        households=20_000)
    >>> report = run_experiment(exp, out="results/demo", executor="processes")
    >>> res = load_results(report)          # or load_results("results/demo")
    >>> res.summary.groupby("scenario").mean(numeric_only=True)
"""

from infosim.experiments.experiment import Experiment
from infosim.experiments.results import Results, load_results
from infosim.experiments.runner import ExperimentReport, run_batch, run_experiment

__all__ = [
    "Experiment",
    "ExperimentReport",
    "Results",
    "load_results",
    "run_batch",
    "run_experiment",
]
