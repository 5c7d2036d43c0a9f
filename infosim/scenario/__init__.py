"""Scenarios: the TOML schema (run settings, uncertain parameters, policy levers) and its loader."""

from infosim.scenario.loader import (
    apply_overrides,
    explain_scenario,
    list_scenarios,
    load_scenario,
    parse_override,
    scenario_files,
    scenario_from_dict,
)
from infosim.scenario.schema import LEVER_NAMES, Scenario
from infosim.scenario.search import (
    ENV_VAR,
    configure,
    find_scenario,
    scenario_sources,
    search_path,
    settings,
)

__all__ = [
    "ENV_VAR",
    "LEVER_NAMES",
    "Scenario",
    "apply_overrides",
    "configure",
    "explain_scenario",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "parse_override",
    "scenario_files",
    "scenario_from_dict",
    "scenario_sources",
    "search_path",
    "settings",
]
