"""Every numeric uncertain parameter has a plausible range that contains its default value."""

from __future__ import annotations

import pytest

from infosim.data import parameter_ranges
from infosim.scenario.schema import Parameters


def numeric_parameters(model=Parameters, prefix: str = "parameters"):
    """(path, default) of every int/float leaf of the parameter schema (switches and modes excluded)."""
    for name, field in model.model_fields.items():
        ann = field.annotation
        if hasattr(ann, "model_fields"):
            yield from numeric_parameters(ann, f"{prefix}.{name}")
        elif isinstance(field.default, int | float) and not isinstance(field.default, bool):
            yield f"{prefix}.{name}", field.default


NUMERIC = dict(numeric_parameters())


@pytest.mark.parametrize("path", sorted(NUMERIC))
def test_numeric_parameter_has_a_range_around_its_default(path: str) -> None:
    ranges = parameter_ranges()
    assert path in ranges, f"{path} has no range in infosim/data/parameter_ranges.toml"
    r = ranges[path]
    assert r.low < r.high, path
    assert r.low <= NUMERIC[path] <= r.high, f"{path}: default {NUMERIC[path]} outside [{r.low}, {r.high}]"
    assert r.basis, f"{path}: say why (source key or assumption)"
    if r.scale == "log":
        assert r.low > 0, path


def test_every_range_names_a_parameter() -> None:
    unknown = sorted(set(parameter_ranges()) - set(NUMERIC))
    assert not unknown, f"ranges for parameters the schema does not have: {unknown}"


def test_from_unit_maps_the_ends_and_the_middle() -> None:
    r = parameter_ranges()["parameters.spending.topup_exponent"]
    assert r.from_unit(0.0) == pytest.approx(r.low)
    assert r.from_unit(1.0) == pytest.approx(r.high)
    assert r.from_unit(0.5) == pytest.approx((r.low * r.high) ** 0.5)  # log scale: geometric middle
    degree = parameter_ranges()["parameters.network.degree"]
    assert degree.from_unit(0.49) == round(degree.low + 0.49 * (degree.high - degree.low))
