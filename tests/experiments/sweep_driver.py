"""Run the toy sweep in a real process (killed and resumed by test_resume.py).

Usage: python sweep_driver.py SCENARIO_DIR OUT [--resume]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so `experiments.toy` imports

from experiments.helpers import toy_sweep
from experiments.toy import toy_run
from infosim.experiments import run_experiment


def main(argv: list[str]) -> int:
    """Run (or resume) the toy sweep with 2 worker processes; exit 1 if a run failed."""
    scenario_dir, out = Path(argv[0]), Path(argv[1])
    life = {"parameters.phones.life_months": {"values": [24, 30, 36]}}
    report = run_experiment(
        toy_sweep(scenario_dir, uncertainties=life),
        out,
        executor="processes",
        workers=2,
        resume="--resume" in argv,
        run_function=toy_run,
        progress=False,
    )
    print(report.summary_line())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
