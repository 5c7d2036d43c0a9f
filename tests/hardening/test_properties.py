"""Property tests: whatever the scenario document, `--set` string or command line, `infosim` either
runs and writes outputs that satisfy the invariants (finite, non-negative, shares in [0, 1],
spending within budget, ledger equal to the time series, strict JSON), or prints exactly one
`error:` line and exits with code 2.

The budget is modest by default (profile ``ci``); ``pytest --hypothesis-profile=thorough`` runs
a thousand examples per property.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from .invariants import is_clean_error, run_output_problems
from .invoke import invoke
from .tomlgen import Raw, schema_leaves, toml_doc, toml_value

pytestmark = pytest.mark.slow  # each example runs the command line (and often the model)

LEAVES = schema_leaves()
SMALL = ["--households", "300", "--months", "6"]

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 0.5, 2, 12, 240, 1e12, 1e13, 2**63]),
)
months = st.one_of(st.from_regex(r"\A\d{4}-\d{2}\Z"), st.sampled_from(["2020-05", "2021-12", "1999-12", "2101-01"]))
words = st.sampled_from(["all", "rural", "low_income", "Nanjing", "Shanghai", "phone5g", "gigabit", "auto", ""])
scalars = st.one_of(
    numbers,
    st.text(max_size=12),
    months,
    words,
    st.booleans(),
    st.sampled_from([Raw("1979-05-27"), Raw("07:32:00"), Raw("1979-05-27T07:32:00Z")]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def near(default: Any) -> st.SearchStrategy[Any]:
    """Values of the same kind as a key's default (more of these pass validation and run)."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(min_value=0, max_value=max(2 * default, 10))
    if isinstance(default, float):
        top = max(2 * abs(default), 1.0) if abs(default) > 1 else 1.0  # shares stay within [0, 1]
        return st.floats(min_value=0, max_value=top) if default >= 0 else st.floats(min_value=-top, max_value=0)
    if isinstance(default, str):
        return st.one_of(months, words)
    return st.just(default)


def key_and_value(wild: bool = True) -> st.SearchStrategy[tuple[str, Any]]:
    """A scenario key and a value: mostly known keys with plausible values; if `wild`, anything."""
    keys = sorted(k for k, v in LEAVES.items() if v is not None)
    plausible = st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), near(LEAVES[k])))
    if not wild:
        return plausible
    known = st.sampled_from(sorted(LEAVES)).flatmap(lambda k: st.tuples(st.just(k), values))
    unknown = st.tuples(st.text(min_size=1, max_size=20), values)
    return st.one_of(plausible, plausible, known, unknown)


waves = st.lists(
    st.fixed_dictionaries(
        {
            "month": st.one_of(st.sampled_from(["2020-05", "2020-09", "2021-05"]), months),
            "face_value_yuan": st.one_of(st.sampled_from([50, 100, 200]), numbers),
            "min_spend_yuan": st.one_of(st.sampled_from([0, 500]), numbers),
            "vouchers": st.integers(min_value=-5, max_value=10**8),
        },
        optional={"window_months": st.integers(min_value=-1, max_value=30)},
    ),
    max_size=3,
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A scenario document: mostly near-valid TOML, sometimes raw bytes."""
    mode = draw(st.sampled_from(["bytes", "wild", "plausible", "plausible"]))
    if mode == "bytes":
        return draw(st.binary(max_size=300))
    wild = mode == "wild"
    parents = ["baseline", "jiangsu_2020", "vouchers_only"] + (["no_such", ""] if wild else [])
    entries: dict[str, Any] = {
        "name": draw(st.one_of(st.just("fz"), st.text(max_size=10))) if wild else "fz",
        "extends": draw(st.sampled_from(parents)),
    }
    entries.update(draw(st.lists(key_and_value(wild), max_size=3 if wild else 2)))
    if draw(st.booleans()):
        entries["levers.vouchers.waves"] = draw(waves)
    try:
        return toml_doc(entries).encode("utf-8", "surrogatepass")
    except ValueError:  # keys that clash as dotted keys: write them anyway, as a user might
        return "\n".join(f"{k} = {toml_value(v)}" for k, v in entries.items()).encode("utf-8", "surrogatepass")


def check(argv: list[str], folder: Path, out: Path | None) -> None:
    """The property: a valid run with good outputs, or one clean error line with exit 2."""
    outcome = invoke(argv, cwd=folder, timeout_s=600)
    event("valid run" if outcome.code == 0 else "clean error" if outcome.code == 2 else f"exit {outcome.code}")
    if outcome.code == 0 and out is not None:
        assert run_output_problems(out) == [], (argv, outcome.stderr[-500:])
    elif outcome.code != 0:
        assert is_clean_error(outcome.code, outcome.stderr), (argv, outcome.code, outcome.stderr[-1500:])


@given(documents())
def test_any_scenario_document_runs_validly_or_is_one_clean_error(doc: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "fz.toml").write_bytes(doc)
        check(["run", "fz.toml", *SMALL, "--out", "out"], folder, folder / "out")


set_texts = st.one_of(
    key_and_value(wild=False).map(lambda kv: f"{kv[0]}={toml_value(kv[1])}"),
    key_and_value().map(lambda kv: f"{kv[0]}={toml_value(kv[1])}"),
    st.tuples(st.sampled_from(sorted(LEAVES)), st.text(max_size=20)).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.text(max_size=30),
)


@given(st.lists(set_texts, min_size=1, max_size=3))
def test_any_set_string_runs_validly_or_is_one_clean_error(sets: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        argv = ["run", "vouchers_only", *SMALL, "--out", "out"]
        for s in sets:
            argv += ["--set", s]
        check(argv, folder, folder / "out")


SAFE = string.ascii_letters + string.digits + "._- "
option_values = {
    "--households": st.one_of(st.integers(min_value=-10, max_value=500).map(str), st.text(max_size=5)),
    "--months": st.one_of(st.integers(min_value=-5, max_value=250).map(str), st.text(max_size=5)),
    "--seed": st.one_of(st.integers(min_value=-(2**65), max_value=2**65).map(str), st.text(max_size=5)),
    "--set": set_texts,
    "--out": st.one_of(st.text(alphabet=SAFE, max_size=12), st.sampled_from(["", ".", "..", "o/sub", "/dev/null"])),
    "--scenarios": st.sampled_from([".", "/no/such/folder", ""]),
}
plausible_options = {
    "--households": st.integers(min_value=100, max_value=500).map(str),
    "--months": st.integers(min_value=1, max_value=36).map(str),
    "--seed": st.integers(min_value=0, max_value=2**63 - 1).map(str),
    "--set": key_and_value(wild=False).map(lambda kv: f"{kv[0]}={toml_value(kv[1])}"),
    "--out": st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
}
flags = st.sampled_from(["--keep-agents", "--no-keep-agents", "--allow-outside-paths", "--bogus", "-x", "--help"])


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """`infosim run SCENARIO <options>` with options, values and stray words drawn at random."""
    scenario = draw(st.sampled_from(["baseline", "vouchers_only", "jiangsu_2020", "nope", "", "x" * 300]))
    argv = ["run", scenario, *SMALL]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.integers(min_value=0, max_value=6))
        if kind <= 2:
            option = draw(st.sampled_from(sorted(plausible_options)))
            argv += [option, draw(plausible_options[option])]
        elif kind <= 4:
            option = draw(st.sampled_from(sorted(option_values)))
            argv += [option, draw(option_values[option])]
        elif kind == 4:
            argv.append(draw(flags))
        else:
            argv.append(draw(st.text(max_size=6)))
    return argv


def effective_out(argv: list[str], folder: Path, scenario: str) -> Path:
    outs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--out"]
    return folder / outs[-1] if outs else folder / "results" / scenario


@given(command_lines())
def test_any_command_line_runs_validly_or_is_one_clean_error(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = None if "--help" in argv else effective_out(argv, folder, argv[1])
        outcome = invoke(argv, cwd=folder, timeout_s=600)
        event("valid run" if outcome.code == 0 else "clean error" if outcome.code == 2 else f"exit {outcome.code}")
        if outcome.code == 0 and out is not None and (out / "summary.json").exists():
            assert run_output_problems(out) == [], (argv, outcome.stderr[-500:])
        elif outcome.code == 0:
            assert out is None or "wrote:" in outcome.stderr, (argv, outcome.stderr[-500:])
        else:
            assert is_clean_error(outcome.code, outcome.stderr), (argv, outcome.code, outcome.stderr[-1500:])
