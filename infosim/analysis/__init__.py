"""Comparing interventions: paired effects with 95% confidence intervals, fiscal
cost-effectiveness, deadweight and additionality, who benefits, plots and an HTML report.

Analysis reads results (a results folder or in-memory RunResults); it never runs the model.

Example:
    >>> from infosim.analysis import compare
    >>> cmp = compare("results/readme_comparison", baseline="baseline")
    >>> cmp.headline_table("2021-12")
    >>> from infosim.analysis.report import write_report
    >>> write_report(cmp, "report.html")
"""

from infosim.analysis.compare import Comparison, compare
from infosim.analysis.data import AnalysisError, ComparisonData, comparison_data
from infosim.outcomes import OUTCOMES, Outcome

__all__ = ["OUTCOMES", "AnalysisError", "Comparison", "ComparisonData", "Outcome", "compare", "comparison_data"]
