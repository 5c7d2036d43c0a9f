"""The decision space: lever settings encoded on the unit cube, the budget constraint, candidates.

The search works on ``[0, 1]^n`` (one coordinate per decision variable); :class:`DecisionSpace`
maps a point to lever settings and a point's settings to a scenario:

* ``values`` and ``range`` variables map their coordinate through
  :class:`infosim.experiments.params.ParamSpec` (equal-width bins for a list, uniform or
  log-uniform for a range); whole numbers and listed values are *snapped* to the centre of their
  bin, and other numbers rounded to 4 significant digits, so two points that give the same
  settings are the same point (duplicates are never evaluated twice);
* ``share`` variables are the levers' shares of the total budget B. The constraint is handled
  explicitly by a repair (:meth:`DecisionSpace.repair`, a pymoo ``Repair``): shares above the
  budget are scaled down towards their lower bounds until they sum to 1 (``spend = "at_most"``),
  or moved to sum exactly 1 (``spend = "all"``), always within their bounds; each lever's
  budget is then ``floor(share * B)`` yuan, so the budgets never sum to more than B;
* ``shift_months`` variables move a lever's start, end and voucher waves together.

A :class:`Candidate` is the scenario the settings give (the base scenario with the settings
applied), the settings as written back to a scenario file, and a key that identifies it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infosim.errors import ScenarioError
from infosim.experiments.experiment import column_names, sha256_json
from infosim.optimise.spec import BUDGET_KEY, START_KEY, OptimiseSpec, Variable
from infosim.scenario import Scenario, apply_overrides

#: Significant digits continuous settings are rounded to (readable scenario files, fewer duplicates).
DIGITS = 4
#: Budget shares are multiples of this (0.1% of the budget), as long as their bounds allow.
SHARE_STEP = 0.001


def _round(value: float, digits: int = DIGITS) -> float:
    return float(f"{value:.{digits}g}") if value != 0 and math.isfinite(value) else float(value)


def lever_of(key: str) -> str:
    """``levers.vouchers.waves[*].face_value_yuan`` -> ``vouchers``."""
    return key.split(".")[1]


def variable_label(key: str, var: Variable) -> str:
    """The short name of a decision variable in tables and figures."""
    if var.label:
        return var.label
    if var.kind == "share":
        return f"budget share: {lever_of(key)}"
    if var.kind == "shift":
        return f"{lever_of(key)}: start shift (months)"
    return key.removeprefix("levers.")


def variable_columns(spec: OptimiseSpec) -> dict[str, str]:
    """Decision variable key -> its column name in the tables (``share_vouchers``, ...)."""
    plain = column_names([k for k, v in spec.variables.items() if v.kind in ("values", "range")])
    out = {}
    for key, var in spec.variables.items():
        if var.kind == "share":
            out[key] = f"share_{lever_of(key)}"
        elif var.kind == "shift":
            out[key] = f"shift_{lever_of(key)}_months"
        else:
            out[key] = plain[key]
    return out


def _lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (no list indexes) of a nested dict."""
    for part in path.split("."):
        data = data[part]
    return data


def written_path(key: str) -> str:
    """The scenario path a write-back file sets for `key`: a list is written whole."""
    return key.split("[", 1)[0]


@dataclass(frozen=True)
class Candidate:
    """A policy the search proposed.

    Attributes:
        values: decision variable key -> its setting (shares as shares of B, shifts in months).
        overrides: what a scenario file must set, by scenario path (lists whole), in order.
        key: SHA-256 of `overrides`: the candidate's identity (two points giving the same
            scenario are one candidate).
        scenario: the candidate's scenario (None when the settings do not give a valid one).
        error: why the settings are not a valid scenario (None if they are).
        share_sum: sum of the budget shares (<= 1).
    """

    values: dict[str, Any]
    overrides: dict[str, Any]
    key: str
    scenario: Scenario | None
    error: str | None = None
    share_sum: float = 0.0

    @property
    def valid(self) -> bool:
        """True if the settings give a valid scenario."""
        return self.scenario is not None


@dataclass
class DecisionSpace:
    """The decision variables of a spec over its base scenario.

    Args:
        spec: the optimisation spec.
        base: the base scenario with the spec's constants applied.
        total_yuan: the total budget B (None without share variables).
    """

    spec: OptimiseSpec
    base: Scenario
    total_yuan: float | None = None
    keys: list[str] = field(init=False)
    params: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.keys = list(self.spec.variables)
        self.params = {k: v.param() for k, v in self.spec.variables.items()}

    # ------------------------------------------------------------------ shape
    @property
    def n_var(self) -> int:
        """Number of decision variables (coordinates of the unit cube)."""
        return len(self.keys)

    @property
    def share_keys(self) -> list[str]:
        """The budget share variables."""
        return self.spec.share_keys()

    def variable(self, key: str) -> Variable:
        """The declaration of a decision variable."""
        return self.spec.variables[key]

    def _share_bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = np.array([self.keys.index(k) for k in self.share_keys], dtype=int)
        lo = np.array([self.variable(k).share[0] for k in self.share_keys])  # type: ignore[index]
        hi = np.array([self.variable(k).share[1] for k in self.share_keys])  # type: ignore[index]
        return idx, lo, hi

    # ------------------------------------------------------------------ unit cube <-> settings
    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """The settings of a point of the unit cube (budget shares as they are; repair first)."""
        out: dict[str, Any] = {}
        for j, key in enumerate(self.keys):
            var, u = self.variable(key), float(np.clip(x[j], 0.0, 1.0))
            if var.kind == "share":
                lo, hi = var.share  # type: ignore[misc]
                out[key] = round(lo + u * (hi - lo), 9)
                continue
            value = self.params[key].from_unit(np.array([u]))[0]
            if var.kind == "range" and not var.integer:
                value = _round(float(value))
            out[key] = value
        return out

    def unit_of(self, key: str, value: Any) -> float:
        """The coordinate of a setting: the centre of its bin for listed values and whole numbers."""
        var = self.variable(key)
        if var.kind == "values":
            values = var.values or []
            return (values.index(value) + 0.5) / len(values)
        lo, hi = var.share or var.shift_months or var.range  # type: ignore[misc]
        if var.kind == "shift" or (var.kind == "range" and var.integer and var.scale == "linear"):
            return (int(value) - lo + 0.5) / (hi - lo + 1)
        if var.kind == "range" and var.scale == "log":
            return (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (float(value) - lo) / (hi - lo)

    def repair(self, X: np.ndarray) -> np.ndarray:
        """Points of the unit cube moved onto the constraint and onto the settings they give.

        Budget shares are projected onto ``sum <= 1`` (``spend = "at_most"``) or ``sum == 1``
        (``spend = "all"``) within their bounds; every other coordinate is moved to the point
        of its (snapped or rounded) setting.
        """
        X = np.clip(np.array(X, dtype=float, copy=True), 0.0, 1.0)
        if X.ndim == 1:
            return self.repair(X[None, :])[0]
        if self.share_keys:
            idx, lo, hi = self._share_bounds()
            for row in X:
                s = lo + row[idx] * (hi - lo)
                all_of_it = self.spec.budget is not None and self.spec.budget.spend == "all"
                s = round_shares(project_shares(s, lo, hi, all_of_it=all_of_it), lo, hi, all_of_it=all_of_it)
                row[idx] = np.clip((s - lo) / (hi - lo), 0.0, 1.0)
        snapped = [j for j, key in enumerate(self.keys) if self.variable(key).kind != "share"]
        for row in X:
            settings = self.decode(row)
            for j in snapped:
                row[j] = self.unit_of(self.keys[j], settings[self.keys[j]])
        return X

    # ------------------------------------------------------------------ settings -> scenario
    def candidate(self, values: Mapping[str, Any]) -> Candidate:
        """The candidate of a set of settings (a valid scenario, or the reason it is not)."""
        shares = {k: float(values[k]) for k in self.share_keys}
        share_sum = float(sum(shares.values()))
        touched: list[str] = []
        try:
            sc = self._apply_plain(values, touched)
            sc = self._apply_shifts(sc, values, touched)
            sc = self._apply_budgets(sc, shares, touched)
        except ScenarioError as exc:
            text = " ".join(str(exc).split())
            plain = {k: values[k] for k in self.keys}
            return Candidate(dict(values), {}, "invalid:" + sha256_json(plain), None, text, share_sum)
        data = sc.model_dump(mode="json")
        paths = list(dict.fromkeys(touched))
        overrides = {p: _lookup(data, p) for p in paths}
        return Candidate(dict(values), overrides, sha256_json(overrides), sc, None, share_sum)

    def _apply_plain(self, values: Mapping[str, Any], touched: list[str]) -> Scenario:
        plain = {k: values[k] for k in self.keys if self.variable(k).kind in ("values", "range")}
        touched.extend(written_path(k) for k in plain)
        return apply_overrides(self.base, plain) if plain else self.base

    def _apply_shifts(self, sc: Scenario, values: Mapping[str, Any], touched: list[str]) -> Scenario:
        from infosim.calendar import month_label

        over: dict[str, Any] = {}
        for key in self.keys:
            if self.variable(key).kind != "shift":
                continue
            lever = START_KEY.match(key).group(1)  # type: ignore[union-attr]
            cfg = getattr(sc.levers, lever)
            n = int(values[key])
            over[f"levers.{lever}.start"] = month_label(n, cfg.start)
            if cfg.end is not None:
                over[f"levers.{lever}.end"] = month_label(n, cfg.end)
            if getattr(cfg, "waves", None):
                waves = [w.model_dump(mode="json") for w in cfg.waves]
                for w in waves:
                    w["month"] = month_label(n, w["month"])
                over[f"levers.{lever}.waves"] = waves
        touched.extend(over)
        return apply_overrides(sc, over) if over else sc

    def _apply_budgets(self, sc: Scenario, shares: Mapping[str, float], touched: list[str]) -> Scenario:
        if not shares:
            return sc
        total = float(self.total_yuan or 0.0)
        over: dict[str, Any] = {k: float(math.floor(s * total)) for k, s in shares.items()}
        budget = self.spec.budget
        vouchers_key = "levers.vouchers.budget_yuan"
        if vouchers_key in over and budget is not None and budget.voucher_counts == "follow_budget":
            waves = voucher_waves_for_budget(sc, over[vouchers_key])
            if waves is not None:
                over["levers.vouchers.waves"] = waves
        touched.extend(over)
        return apply_overrides(sc, over)

    # ------------------------------------------------------------------ the reference policy
    def reference(self) -> Scenario:
        """The base policy at the total budget: the base itself when its budgets of the share
        levers add up to B; else its split of the budget scaled to B (same voucher rule as the
        candidates), every other setting as in the base."""
        if not self.share_keys:
            return self.base
        budgets = {k: _lookup(self.base.model_dump(mode="json"), k) or 0.0 for k in self.share_keys}
        total = float(sum(budgets.values()))
        if total <= 0 or abs(total - float(self.total_yuan or 0.0)) <= 1.0:
            return self.base
        return self._apply_budgets(self.base, {k: v / total for k, v in budgets.items()}, [])

    def settings_of(self, scenario: Scenario) -> dict[str, Any]:
        """The decision settings a scenario has (e.g. the base policy), for comparison tables:
        shares of B, shift 0, the value of a list element when all elements agree (else None)."""
        from infosim.scenario.loader import EVERY, key_parts

        data = scenario.model_dump(mode="json")
        out: dict[str, Any] = {}
        for key, var in self.spec.variables.items():
            if var.kind == "share":
                budget = _lookup(data, key)
                out[key] = budget / self.total_yuan if budget is not None and self.total_yuan else None
            elif var.kind == "shift":
                out[key] = 0
            else:
                found = _values_at(data, key_parts(key), EVERY)
                out[key] = found[0] if found and all(v == found[0] for v in found) else None
        return out


def _values_at(node: Any, parts: list[Any], every: Any) -> list[Any]:
    """Every value a key (with ``[N]`` / ``[*]`` parts) addresses in a nested dict."""
    if not parts:
        return [node]
    part, rest = parts[0], parts[1:]
    if part is every:
        return [v for item in node or [] for v in _values_at(item, rest, every)]
    if isinstance(part, int):
        return _values_at(node[part], rest, every) if isinstance(node, list) and part < len(node) else []
    if not isinstance(node, dict) or part not in node:
        return []
    return _values_at(node[part], rest, every)


def round_shares(s: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, all_of_it: bool,
                 step: float = SHARE_STEP) -> np.ndarray:
    """Shares rounded to `step` (within bounds) and still on the budget: a step is taken from the
    largest share above its lower bound while they sum to more than 1, and (`all_of_it`) given
    to the share with the most room while they sum to less."""
    r = np.clip(np.round(s / step) * step, lo, hi)
    for _ in range(4 * len(r) + 4):
        total = r.sum()
        if total > 1.0 + 1e-12:
            room = np.where(r - step >= lo - 1e-12, r, -np.inf)
            if not np.isfinite(room).any():
                break
            r[int(np.argmax(room))] -= step
        elif all_of_it and total < 1.0 - step / 2:
            room = np.where(r + step <= hi + 1e-12, hi - r, -np.inf)
            if not np.isfinite(room).any():
                break
            r[int(np.argmax(room))] += step
        else:
            break
    r = np.clip(r, lo, hi)
    return r if r.sum() <= 1.0 + 1e-9 else project_shares(r, lo, hi, all_of_it=False)


def project_shares(s: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, all_of_it: bool) -> np.ndarray:
    """Budget shares moved onto the budget within their bounds ``lo <= s <= hi``.

    ``sum(s) <= 1`` (or ``== 1`` with `all_of_it`): too much is taken from each share in
    proportion to how far it is above its lower bound; too little (`all_of_it`) is given to each
    in proportion to how far it is below its upper bound. Both keep every share in its bounds
    (the spec checks that ``sum(lo) <= 1`` and, for `all_of_it`, ``sum(hi) >= 1``).
    """
    s = np.clip(np.asarray(s, dtype=float), lo, hi)
    total = s.sum()
    if total > 1.0:
        above = s - lo
        s = lo + above * (1.0 - lo.sum()) / above.sum()
    elif all_of_it and total < 1.0:
        room = hi - s
        s = s + room * (1.0 - total) / room.sum()
    return np.clip(s, lo, hi)


def voucher_waves_for_budget(scenario: Scenario, budget_yuan: float) -> list[dict[str, Any]] | None:
    """Voucher waves that issue `budget_yuan` in all, split between the waves as the scenario's
    waves split their money (vouchers x face value; equally if they issue nothing).

    Returns:
        The waves with their ``vouchers`` set (None when the lever has no waves).
    """
    waves = [w.model_dump(mode="json") for w in scenario.levers.vouchers.waves]
    if not waves:
        return None
    money = np.array([w["vouchers"] * w["face_value_yuan"] for w in waves], dtype=float)
    weights = money / money.sum() if money.sum() > 0 else np.full(len(waves), 1.0 / len(waves))
    for w, share in zip(waves, weights, strict=True):
        w["vouchers"] = math.floor(budget_yuan * share / w["face_value_yuan"])
    return waves


def total_budget(spec: OptimiseSpec, base: Scenario, source: str) -> float | None:
    """The total budget B: the spec's, or the base scenario's budgets of the share levers.

    Raises:
        SpecError: ``total_yuan = "base"`` and a share lever has no budget in the base scenario,
            or a share lever is switched off in the base scenario.
    """
    from infosim.errors import SpecError

    if spec.budget is None:
        return None
    lines = []
    budgets = []
    for key in spec.share_keys():
        lever = BUDGET_KEY.match(key).group(1)  # type: ignore[union-attr]
        cfg = getattr(base.levers, lever)
        if not cfg.enabled:
            lines.append(f'{source}: key variables."{key}": levers.{lever} is off in the base scenario {base.name!r}, '
                         f"so its budget would change nothing; set constants.\"levers.{lever}.enabled\" = true or "
                         "choose a base where it is on")
        budgets.append(cfg.budget_yuan)
        if cfg.enabled and spec.budget.total_yuan == "base" and cfg.budget_yuan is None:
            lines.append(f"{source}: key budget.total_yuan: 'base' needs a budget of levers.{lever} in the base "
                         f"scenario {base.name!r} (it has none); give total_yuan in yuan")
    if lines:
        raise SpecError("\n".join(lines))
    if spec.budget.total_yuan == "base":
        return float(sum(budgets))
    return float(spec.budget.total_yuan)
