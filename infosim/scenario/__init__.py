"""Scenarios: the TOML schema (run settings, uncertain parameters, policy levers) and its loader."""

from infosim.scenario.loader import (
    apply_overrides,
    find_scenario,
    list_scenarios,
    load_scenario,
    parse_override,
    scenario_from_dict,
)
from infosim.scenario.schema import LEVER_NAMES, Scenario

__all__ = [
    "LEVER_NAMES",
    "Scenario",
    "apply_overrides",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_override",
    "scenario_from_dict",
]
