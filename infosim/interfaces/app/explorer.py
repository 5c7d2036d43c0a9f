"""ExplorerModel: a scenario with lever overrides, stepped month by month beside its comparison run.

The explorer (``infosim app``) shows one :class:`ExplorerModel`: the chosen scenario with the
lever controls applied as scenario overrides, and a comparison scenario (``baseline`` by
default) on the same seed, households and months, so every difference on screen is the
levers' effect under common random numbers. Both are ordinary
:class:`infosim.model.InfoConsumptionModel` runs; this class only steps them together.
"""

from __future__ import annotations

import shlex
from typing import Any

import mesa
import pandas as pd

from infosim.errors import InfosimError
from infosim.interfaces.app.controls import overrides_from_controls
from infosim.scenario import Scenario, apply_overrides, load_scenario

HEADLINES = (
    "users_5g_handset",
    "users_5g_network",
    "base_stations_5g",
    "info_consumption_yuan",
    "fiscal_spend_yuan",
)
"""Outcomes shown in the explorer's table (names from :data:`infosim.outcomes.OUTCOMES`)."""


class ExplorerModel(mesa.Model):
    """The explorer's model: scenario + lever overrides, and a comparison run on the same seed.

    Args:
        scenario_name: scenario name or TOML path (see ``infosim scenarios list``).
        seed: integer seed (a string of digits is accepted, as typed in the app).
        households: household agents (default: the scenario's ``run.households``).
        months: months to simulate (default: the scenario's ``run.months``).
        compare_with: the scenario drawn alongside (default ``baseline``: no policy).
        scenario: ignored; the Mesa ``Scenario`` object SolaraViz passes when it resets a model.
        **controls: lever controls by scenario key (``levers.vouchers.budget_yuan=500``), in the
            units of :mod:`infosim.interfaces.app.controls`; keys that are not controls are
            applied as plain scenario overrides.

    Attributes:
        config: the scenario as run (with the overrides), or None if they are invalid.
        overrides: the scenario-key overrides applied (what `--set` would take).
        error: one line saying why the overrides are invalid (then nothing runs), else None.
        policy, comparison: the two :class:`InfoConsumptionModel` runs (None on error).
        month: months simulated so far.
    """

    def __init__(
        self,
        scenario_name: str = "jiangsu_2020",
        seed: int | str = 0,
        households: int | None = None,
        months: int | None = None,
        compare_with: str = "baseline",
        scenario: Any = None,
        **controls: Any,
    ) -> None:
        from infosim.model import InfoConsumptionModel

        self.error: str | None = None
        try:
            seed = int(str(seed).strip())
        except ValueError:
            self.error = f"seed {seed!r}: must be a whole number"
            seed = 0
        super().__init__(rng=seed)
        self.scenario_name = scenario_name
        self.seed_value = seed
        self.compare_with = compare_with
        base = load_scenario(scenario_name)
        self.base_config: Scenario = base
        self.overrides: dict[str, Any] = overrides_from_controls(base, controls)
        self.config: Scenario | None = None
        self.policy: InfoConsumptionModel | None = None
        self.comparison: InfoConsumptionModel | None = None
        self.households = int(households or base.run.households)
        self.n_months = int(months or base.run.months)
        self.month = 0
        self._city_cache: dict[int, pd.DataFrame] = {}
        self._series_cache: dict[int, pd.DataFrame] = {}
        if self.error is None:
            try:
                self.config = apply_overrides(base, self.overrides) if self.overrides else base
            except InfosimError as exc:
                self.error = str(exc).splitlines()[0]
        if self.error is not None:
            self.running = False
            return
        comparison = load_scenario(compare_with)
        if comparison.run.start != self.config.run.start:
            self.error = (
                f"compare_with {compare_with!r} starts in {comparison.run.start}, {scenario_name!r} in "
                f"{self.config.run.start}: pick a comparison that starts in the same month"
            )
            self.running = False
            return
        scale = {"seed": seed, "households": self.households, "months": self.n_months}
        self.policy = InfoConsumptionModel(self.config, **scale)
        self.comparison = InfoConsumptionModel(comparison, **scale)
        self.running = True

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """One month of the scenario and of its comparison."""
        if self.error is not None or self.month >= self.n_months:
            self.running = False
            return
        self.policy.step()
        self.comparison.step()
        self.month += 1
        self.running = self.month < self.n_months

    def run_to(self, month: int | str) -> None:
        """Step until `month` months are simulated (an int) or through month 'YYYY-MM' (inclusive)."""
        target = self.month_index(month) + 1 if isinstance(month, str) else int(month)
        target = min(target, self.n_months)
        while self.running and self.month < target:
            self.step()

    def month_labels(self) -> list[str]:
        """The run's months, 'YYYY-MM'."""
        from infosim.calendar import month_label

        start = (self.config or self.base_config).run.start
        return [month_label(m, start) for m in range(self.n_months)]

    def month_index(self, label: str) -> int:
        """The 0-based index of month 'YYYY-MM' in the run (ValueError naming the run's range)."""
        labels = self.month_labels()
        if label not in labels:
            raise ValueError(f"month {label!r} is not in the run ({labels[0]} to {labels[-1]})")
        return labels.index(label)

    @property
    def current_label(self) -> str | None:
        """The last simulated month, 'YYYY-MM' (None before the first step)."""
        return self.month_labels()[self.month - 1] if self.month else None

    # ------------------------------------------------------------------ outputs
    def series(self) -> pd.DataFrame:
        """Monthly province totals so far, both runs stacked, with a ``run`` column.

        ``run`` is ``"scenario"`` (the scenario with the overrides) or ``"comparison"``.
        """
        if self.error is not None or self.month == 0:
            return pd.DataFrame(columns=["run", "month"])
        if self.month not in self._series_cache:
            frame = pd.concat(
                [
                    self.policy.timeseries().assign(run="scenario"),
                    self.comparison.timeseries().assign(run="comparison"),
                ],
                ignore_index=True,
            )
            self._series_cache = {self.month: frame}
        return self._series_cache[self.month]

    def cities(self) -> pd.DataFrame:
        """The 13 cities at the current month: ``run, city, metric, value`` (both runs).

        Read from each run's city breakdown (:meth:`InfoConsumptionModel.breakdowns`), cached
        per month.
        """
        if self.error is not None or self.month == 0:
            return pd.DataFrame(columns=["run", "city", "metric", "value"])
        if self.month not in self._city_cache:
            frames = []
            for run, model in (("scenario", self.policy), ("comparison", self.comparison)):
                b = model.breakdowns()
                b = b[b["dimension"] == "city"].rename(columns={"group": "city"})
                frames.append(b[["city", "metric", "value"]].assign(run=run))
            self._city_cache = {self.month: pd.concat(frames, ignore_index=True)}
        return self._city_cache[self.month]

    def headlines(self, names: tuple[str, ...] = HEADLINES) -> pd.DataFrame:
        """The headline outcomes (:mod:`infosim.outcomes`) at the current month, both runs.

        A stock is its level in the current month, a flow its total from the first month.

        Returns:
            One row per outcome: ``outcome, label, unit`` (the display unit),
            ``scenario, comparison, difference`` (in that unit).
        """
        from infosim.outcomes import get_outcomes, province_households

        rows = []
        s = self.series()
        for o in get_outcomes(list(names)):
            values = {}
            for run in ("scenario", "comparison"):
                col = s.loc[s["run"] == run, o.source] if not s.empty else pd.Series(dtype=float)
                if col.empty:
                    values[run] = float("nan")
                    continue
                v = float(col.iloc[-1]) if o.kind == "stock" else float(col.sum())
                values[run] = (v * province_households() if o.households_share else v) / o.scale
            unit = o.scale_label if o.scale_label.endswith(o.unit) else f"{o.scale_label} {o.unit}".strip()
            rows.append({"outcome": o.name, "label": o.label, "unit": unit, **values,
                         "difference": values["scenario"] - values["comparison"]})
        return pd.DataFrame(rows)

    def lever_settings(self) -> pd.DataFrame:
        """Each lever control's value in this run beside the scenario's own (shown units).

        Returns:
            ``control, key, value, scenario`` (one row per control that applies to the scenario).
        """
        from infosim.interfaces.app.controls import controls_for

        config = self.config or self.base_config
        return pd.DataFrame(
            [
                {"control": c.display_label, "key": c.key, "value": c.scenario_value(config),
                 "scenario": c.scenario_value(self.base_config)}
                for c in controls_for(self.base_config)
            ]
        )

    def command_line(self) -> str:
        """The `infosim run` command that reproduces the scenario side of this model."""
        parts = ["infosim", "run", self.scenario_name, "--seed", str(self.seed_value)]
        if self.households != self.base_config.run.households:
            parts += ["--households", str(self.households)]
        if self.n_months != self.base_config.run.months:
            parts += ["--months", str(self.n_months)]
        for key, value in self.overrides.items():
            parts += ["--set", f"{key}={_toml_value(value)}"]
        return shlex.join(parts)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
