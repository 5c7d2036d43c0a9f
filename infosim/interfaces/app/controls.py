"""The explorer's lever controls, each mapped onto one scenario key (the names `--set` takes).

A control shows a value in a readable unit (e.g. million yuan) and writes ``value * scale`` to
its scenario key. Only controls moved away from the scenario's own value become overrides, so
the explorer's model is always "the scenario, plus these `--set` overrides".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

from infosim.levers.vouchers import Eligibility
from infosim.scenario import Scenario
from infosim.scenario.loader import EVERY, key_parts

Kind = Literal["slider", "select", "checkbox"]


@dataclass(frozen=True)
class Control:
    """One lever control.

    Attributes:
        key: the scenario key it sets (as in ``--set``), e.g. ``levers.vouchers.budget_yuan``.
        label: the control's label.
        kind: ``slider``, ``select`` or ``checkbox``.
        unit: the unit shown (the slider's values are in it; "M yuan" = million, "k yuan" = thousand).
        scale: scenario value = shown value x scale (e.g. 1e6 for million yuan).
        low, high, step: the slider's range and step (in the shown unit).
        values: the choices of a select.
        integer: an integer slider.
        unset: the shown value when the scenario leaves the key unset (None), e.g. the slider's
            maximum for a budget with no cap; `unset_note` says so in the label.
    """

    key: str
    label: str
    kind: Kind = "slider"
    unit: str = ""
    scale: float = 1.0
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    values: tuple[str, ...] = ()
    integer: bool = False
    unset: float | None = None
    unset_note: str = ""

    def scenario_value(self, scenario: Scenario) -> Any:
        """The scenario's own value at this key, in the shown unit (`unset` if it has none).

        For a ``[*]`` key, the value of the first element (the control sets them all alike).
        """
        node: Any = scenario.model_dump(mode="python")
        for part in key_parts(self.key):
            if part is EVERY:
                part = 0
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return self.unset
                node = node[part]
            else:
                if not isinstance(node, dict) or part not in node:
                    return self.unset
                node = node[part]
        if node is None:
            return self.unset
        if self.kind != "slider":
            return node
        shown = node / self.scale
        return round(shown) if self.integer else shown

    def applies_to(self, scenario: Scenario) -> bool:
        """False for a ``[*]`` control whose list the scenario leaves empty (e.g. no voucher waves)."""
        if EVERY not in key_parts(self.key):
            return True
        return scenario_has(scenario, self.key.partition("[*]")[0])

    @property
    def display_label(self) -> str:
        """The label with its unit, e.g. ``Voucher budget (M yuan)``."""
        return f"{self.label} ({self.unit})" if self.unit and self.unit != "share" else self.label

    def key_unset(self, scenario: Scenario) -> bool:
        """Whether the scenario leaves this key unset (no value, or None)."""
        node: Any = scenario.model_dump(mode="python")
        for part in key_parts(self.key):
            if part is EVERY or isinstance(part, int):
                index = 0 if part is EVERY else part
                node = node[index] if isinstance(node, list) and index < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node is None

    def to_scenario(self, shown: Any) -> Any:
        """The scenario value of a shown value."""
        if self.kind != "slider":
            return shown
        value = float(shown) * self.scale
        return round(value) if self.integer else value


def scenario_has(scenario: Scenario, key: str) -> bool:
    """Whether `scenario` has a non-empty value at the plain dotted `key`."""
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part, None)
    return bool(node)


def _yuan(key: str, label: str, high: float, step: float, unit: str = "yuan", scale: float = 1.0) -> Control:
    return Control(key, label, unit=unit, scale=scale, low=0.0, high=high, step=step)


def _budget(key: str, label: str, high: float, step: float) -> Control:
    return Control(
        key, label, unit="M yuan", scale=1e6, low=0.0, high=high, step=step, unset=high, unset_note="no cap"
    )


def _target(year: int) -> Control:
    return Control(
        f"levers.buildout.target_new_stations.{year}", f"5G build-out target {year}", unit="stations",
        low=0, high=120_000, step=1000, integer=True, unset=0, unset_note="no target",
    )


def _share(key: str, label: str, high: float = 1.0, step: float = 0.01) -> Control:
    return Control(key, label, unit="share", low=0.0, high=high, step=step)


def _switch(lever: str, label: str) -> Control:
    return Control(f"levers.{lever}.enabled", label, kind="checkbox")


# Slider ranges are exploration ranges for the explorer (assumption: wide enough to include
# switching a lever off and several times the 2020 package's values in scenarios/jiangsu_2020.toml).
CONTROLS: tuple[Control, ...] = (
    _switch("vouchers", "Vouchers (clause 27)"),
    _yuan("levers.vouchers.waves[*].face_value_yuan", "Voucher face value", 500, 10),
    _yuan("levers.vouchers.waves[*].min_spend_yuan", "Voucher min. spend", 3000, 50),
    _budget("levers.vouchers.budget_yuan", "Voucher budget", 3000, 10),
    Control("levers.vouchers.eligibility", "Voucher eligibility", kind="select", values=get_args(Eligibility)),
    _switch("terminal_subsidy", "Terminal subsidy (clauses 6, 7)"),
    _share("levers.terminal_subsidy.share_of_price", "Subsidy share of price", 0.5),
    _yuan("levers.terminal_subsidy.cap_yuan", "Subsidy cap per device", 2000, 50),
    _switch("cloud_incentive", "Cloud incentive (clauses 21, 23, 27, 28)"),
    _share("levers.cloud_incentive.subsidy_share", "Cloud subsidy share", 0.8, 0.05),
    _yuan("levers.cloud_incentive.subsidy_cap_yuan", "Cloud subsidy cap per firm", 500, 10, "k yuan", 1e3),
    _switch("buildout", "5G build-out support (clauses 1, 2)"),
    _target(2020),
    _target(2021),
)
BY_KEY: dict[str, Control] = {c.key: c for c in CONTROLS}


def controls_for(scenario: Scenario) -> list[Control]:
    """The controls that apply to `scenario` (wave controls only when it has voucher waves)."""
    return [c for c in CONTROLS if c.applies_to(scenario)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def overrides_from_controls(scenario: Scenario, shown: dict[str, Any]) -> dict[str, Any]:
    """Scenario-key overrides for the controls moved away from the scenario's own values.

    Args:
        scenario: the scenario the controls start from.
        shown: control key -> value in the control's unit (unknown keys are passed through as
            plain scenario overrides, unscaled).

    Returns:
        ``{scenario key: value}`` for :func:`infosim.scenario.apply_overrides`, in control order.
    """
    out: dict[str, Any] = {}
    for key, value in shown.items():
        control = BY_KEY.get(key)
        if control is None:
            out[key] = value
            continue
        if not control.applies_to(scenario):
            continue
        if not _same(value, control.scenario_value(scenario)):
            out[key] = control.to_scenario(value)
    return out


def model_params(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """SolaraViz ``model_params`` for the lever controls, starting at the scenario's values.

    A budget the scenario leaves unset (no cap) starts at the slider's maximum, which then
    means "no cap" until it is moved.
    """
    params: dict[str, dict[str, Any]] = {}
    for c in controls_for(scenario):
        value = c.scenario_value(scenario)
        if c.kind == "checkbox":
            params[c.key] = {"type": "Checkbox", "value": bool(value), "label": c.label}
        elif c.kind == "select":
            params[c.key] = {"type": "Select", "value": value, "values": list(c.values), "label": c.label}
        else:
            label = c.display_label
            if c.unset_note and c.key_unset(scenario):
                label = f"{label[:-1]}; scenario: {c.unset_note})" if label.endswith(")") else label
            params[c.key] = {
                "type": "SliderInt" if c.integer else "SliderFloat",
                "value": value,
                "min": c.low,
                "max": c.high,
                "step": c.step,
                "label": label,
            }
    return params
