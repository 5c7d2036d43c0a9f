"""User interfaces: the `infosim` command line and the interactive explorer.

* ``cli.py`` — the ``infosim`` command (run, scenarios); ``cli_experiments.py`` (batch, sweep),
  ``cli_analysis.py`` (compare, report) and ``cli_app.py`` (app) register their commands on it;
  ``cli_options.py`` holds the shared options, the help layout and the consoles. Everything
  heavy (pandas, the model, matplotlib, rich) is imported inside the command that uses it, so
  ``infosim --help`` loads none of it (``tests/cli/test_startup.py``).
* ``app/`` — the explorer on Mesa's SolaraViz: ``infosim app`` or
  ``solara run infosim/interfaces/app/page.py`` (docs/app.md). It needs the ``app`` extra and is
  imported only by ``infosim app``.
* ``report_run.py`` — the files and overview chart ``infosim run`` writes.

For EMA Workbench, see :mod:`infosim.ema`.
"""
