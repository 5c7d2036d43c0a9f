"""Regenerate the README's comparison table and figure.

Runs the baseline, the 2020 Jiangsu package and every single-lever scenario with paired
replicates (agent-level records kept, for deadweight), compares them with the baseline, and
writes:

* ``docs/figures/comparison_table.md`` — the table the README shows (horizon end-2021);
* ``docs/figures/comparison_cost_effectiveness.png`` — public money against what it bought;
* ``<out>/report.html`` — the full self-contained report (not committed).

Usage (from the repository root)::

    scripts/readme_comparison                      # 10 replicates, 100,000 households, 2020-2025
    scripts/readme_comparison --replicates 3 --households 20000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from infosim.analysis import compare
from infosim.analysis.formatting import markdown_table
from infosim.analysis.plots import plot_cost_effectiveness
from infosim.analysis.report import write_report
from infosim.errors import InfosimError
from infosim.experiments import Experiment, run_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "jiangsu_2020", "buildout_only", "terminal_subsidy_only", "vouchers_only",
             "vouchers_targeted", "cloud_incentive_only")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--replicates", type=int, default=10, help="paired replicates per scenario (10: set by docs/sensitivity.md)"
    )
    p.add_argument("--households", type=int, default=100_000, help="household agents per run")
    p.add_argument("--months", type=int, default=None, help="months per run (default: the scenarios' 72)")
    p.add_argument("--seed", type=int, default=2020, help="root seed")
    p.add_argument("--horizon", default="2021-12", help="horizon of the README table ('end' or YYYY-MM)")
    p.add_argument("--executor", default="processes", help="serial, processes or dask")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "readme_comparison", help="results folder")
    p.add_argument("--figures", type=Path, default=ROOT / "docs" / "figures", help="where the table and figure go")
    p.add_argument("--fresh", action="store_true",
                   help="discard the results in --out and run again (needed after the model or scenarios change)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the batch, compare, write the table, the figure and the report."""
    args = parse_args(argv)
    exp = Experiment.batch(SCENARIOS, replicates=args.replicates, seed=args.seed, households=args.households,
                           months=args.months, keep_agents=True, name="readme_comparison")
    t0 = time.perf_counter()
    if args.fresh and args.out.exists():
        shutil.rmtree(args.out)  # this script's own results folder
    try:
        report = run_experiment(exp, args.out, executor=args.executor, resume=True, progress=False)
    except InfosimError as exc:
        print(f"error: {exc} (re-run with --fresh to start over)", file=sys.stderr)
        return 2
    print(report.summary_line(), file=sys.stderr)
    cmp = compare(report, baseline="baseline")
    table = cmp.headline_table(args.horizon)
    months = cmp.data.timeseries["month"]
    horizon = months.max() if args.horizon == "end" else args.horizon
    caption = (
        f"Paired effects against the baseline from {months.min()} to {horizon}: mean [95% CI] over "
        f"{args.replicates} replicates of {args.households:,} household agents (runs to {months.max()}). "
        "Public money is what the levers paid; deadweight is the share of the money paid to households and "
        "firms that went to agents who bought the same by the same month in their paired baseline run. "
        "Regenerate with `scripts/readme_comparison`."
    )
    text = markdown_table(table) + "\n\n" + caption + "\n"
    args.figures.mkdir(parents=True, exist_ok=True)
    (args.figures / "comparison_table.md").write_text(text, encoding="utf-8")
    fig = plot_cost_effectiveness(cmp, horizon=args.horizon)
    fig.savefig(args.figures / "comparison_cost_effectiveness.png", dpi=130)
    path = write_report(cmp, args.out / "report.html", title="infosim: the 2020 Jiangsu levers compared")
    print(text)
    print(f"wrote {args.figures / 'comparison_table.md'}, {args.figures / 'comparison_cost_effectiveness.png'}, "
          f"{path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
