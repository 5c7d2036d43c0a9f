"""Synthetic population (households, enterprises) and social ties, built from `infosim/data`."""

from infosim.population.network import peer_share, small_world_contacts
from infosim.population.synth import build_enterprises, build_households, city_table

__all__ = ["build_enterprises", "build_households", "city_table", "peer_share", "small_world_contacts"]
