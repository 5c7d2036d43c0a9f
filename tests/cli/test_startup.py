"""The command line starts fast: `import infosim`, `import infosim.interfaces.cli` and `infosim
--help` load none of the heavy libraries (they are imported where they are used), and the help
lists flags as flags. Structural checks in fresh interpreters, not timings (those are in
``benchmarks/harness.py --cli``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Libraries that cost from ~0.05 s (rich) to ~1 s (scipy.stats, matplotlib, Mesa) to import.
HEAVY = ("pandas", "numpy", "matplotlib", "pyarrow", "scipy", "mesa", "networkx", "dask", "pyabc", "SALib",
         "solara", "ema_workbench", "pymoo", "duckdb")  # fmt: skip

_HELP = """
import contextlib, io, sys
sys.argv = ["infosim", ARGS]
from infosim.interfaces.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main()
"""


def loaded_after(code: str) -> list[str]:
    """The top-level packages in ``sys.modules`` after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("code", "also_absent"),
    [
        ("import infosim", ("rich", "typer", "pydantic")),
        ("import infosim.interfaces.cli", ("rich", "pydantic")),
        (_HELP.replace("ARGS", "'--help'"), ("rich", "pydantic")),
        (_HELP.replace("ARGS", "'scenarios', '--help'"), ("rich",)),
        (_HELP.replace("ARGS", "'run', '--help'"), ("rich",)),
        (_HELP.replace("ARGS", "'sweep', '--help'"), ("rich",)),
        (_HELP.replace("ARGS", "'sensitivity', 'run', '--help'"), ("rich",)),
        (_HELP.replace("ARGS", "'optimise', 'run', '--help'"), ("rich",)),
    ],
    ids=["import-infosim", "import-cli", "help", "scenarios-help", "run-help", "sweep-help", "sensitivity-help",
         "optimise-help"],
)
def test_start_up_imports_no_heavy_library(code: str, also_absent: tuple[str, ...]) -> None:
    loaded = set(loaded_after(code))
    assert "infosim" in loaded
    assert sorted(loaded & {*HEAVY, *also_absent}) == []



_SPEC_ERROR = """
import contextlib, io, pathlib, sys, tempfile
spec = pathlib.Path(tempfile.mkdtemp()) / "bad.toml"
spec.write_text("name = 'x'\\nbogus = 1\\n")
sys.argv = ["infosim", COMMAND, "run", str(spec), "--estimate"]
from infosim.interfaces.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
    main()
assert err.getvalue().startswith("error: " + str(spec)), err.getvalue()
"""


@pytest.mark.parametrize("command", ["sensitivity", "optimise"])
def test_a_bad_spec_is_reported_before_the_analysis_libraries_load(command: str) -> None:
    """A spec error is checked with the scenario schema alone (numpy), not pandas, scipy or Mesa."""
    loaded = set(loaded_after(_SPEC_ERROR.replace("COMMAND", repr(command))))
    assert "infosim" in loaded
    assert sorted(loaded & set(HEAVY)) == ["numpy"]

@pytest.mark.slow
def test_the_run_modules_import_the_model_but_not_matplotlib() -> None:
    """The check above can fail: the modules a run needs do load the heavy libraries."""
    loaded = set(loaded_after("import infosim.run, infosim.model, infosim.interfaces.report_run"))
    assert {"numpy", "pandas", "mesa"} <= loaded
    assert "matplotlib" not in loaded  # imported by the chart itself, when it is drawn


@pytest.mark.slow
def test_public_names_import_from_the_package() -> None:
    code = (
        "import infosim\nfrom infosim import load_results, run_scenario, load_scenario, Scenario\n"
        "from infosim.experiments.api import load_results as api_load\n"
        "assert load_results is api_load and 'load_results' in dir(infosim) and 'load_results' in infosim.__all__"
    )
    loaded = loaded_after(code)
    assert "infosim" in loaded


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["batch"], ["sweep"], ["calibrate"], ["scenarios", "show"], ["sensitivity", "run"],
     ["optimise", "run"]],
    ids=["infosim", "run", "batch", "sweep", "calibrate", "show", "sensitivity-run", "optimise-run"],
)
def test_help_lists_flags_as_flags(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "infosim.interfaces.cli", *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "<bool>" not in proc.stdout
    help_line = next(line for line in proc.stdout.splitlines() if line.strip().startswith("--help"))
    assert help_line.split() == ["--help", "Show", "this", "message", "and", "exit."]
