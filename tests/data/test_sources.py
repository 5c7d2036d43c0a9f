"""Every number has a source: data figures cite a SOURCES.md key or say they are an assumption;
every uncertain parameter is documented in parameters.md; every lever names its policy and clause."""

import importlib
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from infosim.data import load_table
from infosim.errors import ScenarioError
from infosim.levers import LEVER_CLASSES
from infosim.parameters import Parameters
from infosim.scenario import scenario_from_dict

DATA = resources.files("infosim.data")
SOURCES_MD = DATA.joinpath("SOURCES.md").read_text(encoding="utf-8")
PARAMETERS_MD = DATA.joinpath("parameters.md").read_text(encoding="utf-8")
SOURCE_KEYS = set(re.findall(r"^\| `([a-z0-9_]+)` \|", SOURCES_MD, flags=re.M))


def figures(table: dict, path: str = ""):
    """Yield (dotted path, entry) for every leaf of a data table."""
    for key, entry in table.items():
        here = f"{path}.{key}" if path else key
        if isinstance(entry, dict) and "value" not in entry:
            yield from figures(entry, here)
        else:
            yield here, entry


LABEL_KEYS = {"region", "names"}


@pytest.mark.parametrize("name", ["population", "enterprises", "market"])
def test_every_figure_has_a_source_or_assumption(name: str) -> None:
    missing, unknown = [], []
    for path, entry in figures(load_table(name)):
        if path.rsplit(".", 1)[-1] in LABEL_KEYS:
            continue
        if not isinstance(entry, dict):
            missing.append(path)
        elif "source" in entry:
            if entry["source"] not in SOURCE_KEYS:
                unknown.append(f"{path} -> {entry['source']}")
        elif not entry.get("assumption"):
            missing.append(path)
    assert not missing, f"{name}.toml figures without source/assumption: {missing}"
    assert not unknown, f"{name}.toml sources not in SOURCES.md: {unknown}"


def leaf_fields(model, prefix: str):
    for fname, field in model.model_fields.items():
        ann = field.annotation
        if hasattr(ann, "model_fields"):
            yield from leaf_fields(ann, f"{prefix}.{fname}")
        else:
            yield f"{prefix}.{fname}"


@pytest.mark.parametrize("key", list(leaf_fields(Parameters, "parameters")))
def test_parameter_is_documented_with_source_or_assumption(key: str) -> None:
    rows = [line for line in PARAMETERS_MD.splitlines() if f"`{key}`" in line]
    assert rows, f"{key} missing from infosim/data/parameters.md"
    assert re.search(r"source|assumption|switch|calibrated", rows[0], flags=re.I), f"{key}: say source or assumption"


@pytest.mark.parametrize("lever", LEVER_CLASSES, ids=lambda c: c.name)
def test_every_lever_names_its_policy_and_clause(lever) -> None:
    settings = lever.Settings
    assert settings.POLICY, lever.name
    if settings.POLICY == "苏政办发〔2020〕31号":
        assert re.fullmatch(r"\d+(, \d+)*", settings.CLAUSE), lever.name
        for number in settings.CLAUSE.split(", "):
            assert 1 <= int(number) <= 29, f"{lever.name}: the 2020 policy has 29 clauses"
    else:
        assert settings.CLAUSE, lever.name
    assert settings.POLICY in importlib.import_module(lever.__module__).__doc__, (
        f"{lever.name}: the module docstring must cite the policy it models"
    )


def test_the_clause_is_not_scenario_data() -> None:
    """A lever's clause is a constant of its module: a scenario cannot relabel it."""
    with pytest.raises(ScenarioError, match=r"levers\.vouchers\.clause.*fixed by the lever module"):
        scenario_from_dict({"name": "x", "levers": {"vouchers": {"clause": "99"}}})


LEVER_FILES = sorted((Path(__file__).resolve().parents[2] / "scenarios" / "levers").glob("*.toml"))


@pytest.mark.parametrize("path", LEVER_FILES, ids=lambda p: Path(p).stem)
def test_every_shipped_lever_sizing_cites_its_policy_clause(path: Path) -> None:
    """The lever sizings included by the shipped scenarios name the clause they size."""
    text = path.read_text(encoding="utf-8")
    assert list(tomllib.loads(text)) == ["levers"] and len(tomllib.loads(text)["levers"]) == 1, path
    assert re.search(r"苏政办发〔2020〕31号, clauses? \d+(, \d+)*", text), f"{path}: cite the clause it sizes"
