"""The province's geography: its 13 prefecture-level cities and their urban/rural areas.

An *area* is a (city, urban/rural) pair with index ``2 * city + urban`` (rural even, urban odd);
station counts, coverage and gigabit availability are kept by area.
"""

from __future__ import annotations

import numpy as np

CITIES: tuple[str, ...] = (
    "Nanjing",
    "Wuxi",
    "Xuzhou",
    "Changzhou",
    "Suzhou",
    "Nantong",
    "Lianyungang",
    "Huaian",
    "Yancheng",
    "Yangzhou",
    "Zhenjiang",
    "Taizhou",
    "Suqian",
)
N_CITIES = len(CITIES)
N_AREAS = 2 * N_CITIES


def area_index(city: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """Area index (city * 2 + urban) of each agent, int16."""
    return (city.astype(np.int16) * 2 + urban).astype(np.int16)


def urban_areas() -> np.ndarray:
    """Boolean mask over areas: True for the urban area of each city."""
    return np.arange(N_AREAS) % 2 == 1
