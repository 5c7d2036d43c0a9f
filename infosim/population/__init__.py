"""Synthetic population (households, enterprises) and social ties, built from `infosim/data`."""

from infosim.population.network import small_world_contacts, small_world_ties
from infosim.population.synth import build_enterprises, build_households, build_users, city_table

__all__ = [
    "build_enterprises",
    "build_households",
    "build_users",
    "city_table",
    "small_world_contacts",
    "small_world_ties",
]
