"""Outputs: the monthly province totals (the series of ``infosim.outcomes``), end-of-run group
breakdowns, scalar summaries and agent-level records.

The collector reduces the agent arrays to aggregates each month; it never stores agent-level
frames per month, so memory stays flat however long the run. Which series exist, their units
and whether they are stocks or flows come from the outcome registry; public money comes from the
ledger, under one name per lever (``fiscal_spend_<lever>_yuan``) in the series, the breakdowns
and the agent records alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from infosim.calendar import month_labels
from infosim.data import load_table, values
from infosim.levers import LEVER_NAMES, Ledger, lever_outcomes, levers_paying
from infosim.outcomes import Outcome, series_outcomes, slug
from infosim.results import RunResult
from infosim.world.context import MonthContext
from infosim.world.geography import CITIES
from infosim.world.state import CLOUD_STAGES, HOUSEHOLD_PRODUCTS

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel

QUINTILES = ("Q1", "Q2", "Q3", "Q4", "Q5")
SIZE_CLASSES = ("large", "medium", "small", "micro")
HORIZONS = {"2020_12": "2020-12", "2021_12": "2021-12", "2021_03": "2021-03"}


class OutputCollector:
    """Collects one row of province totals per month and assembles the :class:`RunResult`."""

    def __init__(self, model: InfoConsumptionModel) -> None:
        self.model = model
        self.rows: list[dict[str, float]] = []
        self.sectors = tuple(values(load_table("enterprises"))["sectors"]["names"])
        self.outcomes: tuple[Outcome, ...] = series_outcomes(
            LEVER_NAMES, [op.name for op in model.operators], lever_outcomes(), levers_paying("household")
        )

    def collect(self, ctx: MonthContext) -> None:
        """Append this month's province totals (one value per series of the registry)."""
        m = self.model
        hh, s = m.households, m.households.state
        ent = m.enterprises.state
        wh, we = m.household_weight, m.enterprise_weight
        sold, sold_5g = hh.phones_sold
        users, plan_users = float(hh.active_users.sum()), float(hh.count_plan.sum(dtype=np.int64))
        row: dict[str, float] = {
            "base_stations_5g": float(m.network.stations.sum()),
            "new_base_stations_5g": float(ctx.new_stations_by_area.sum()),
            "coverage_5g_households": _share(hh.covered),
            "users_mobile": users * wh,
            "users_4g": (users - plan_users) * wh,
            "users_5g_handset": float(hh.count_5g.sum(dtype=np.int64)) * wh,
            "users_5g_plan": plan_users * wh,
            "users_5g_network": float(np.multiply(hh.count_both, hh.covered, dtype=np.int32).sum(dtype=np.int64)) * wh,
            "phones_sold": sold * wh,
            "share_5g_of_phone_sales": sold_5g / sold if sold else 0.0,
            "share_5g_handset_households": _share(s.phone5g),
            "share_gigabit_households": _share(s.gigabit),
            "share_smart_home_households": _share(s.smart_home),
            "share_tv4k_households": _share(s.tv4k),
            "awareness_mean": float(s.awareness.mean()),
            "firms_cloud_basic": float(np.count_nonzero(ent.stage >= 1)) * we,
            "firms_core_cloud": float(np.count_nonzero(ent.stage >= 2)) * we,
            "firms_star_cloud": float(np.count_nonzero(ent.stage >= 3)) * we,
            "info_consumption_households_yuan": float(hh.month_spend.sum(dtype=np.float64)) * wh,
            "info_consumption_enterprises_yuan": float(m.enterprises.month_spend.sum(dtype=np.float64)) * we,
            "plan_premium_yuan": ctx.plan_premium,
            "price_5g_phone_yuan": ctx.price_5g,
        }
        row["info_consumption_yuan"] = (
            row["info_consumption_households_yuan"] + row["info_consumption_enterprises_yuan"]
        )
        ledger = m.government.ledger
        spent = ledger.spent_in_month(ctx.month)
        row["fiscal_spend_yuan"] = float(sum(spent.values()))
        row["operator_cofund_yuan"] = float(ledger.operator_cofund[ctx.month])
        for op in m.operators:
            row[f"base_stations_5g_{slug(op.name)}"] = float(m.network.stations[op.index].sum())
        for lever in LEVER_NAMES:
            row[f"fiscal_spend_{lever}_yuan"] = spent[lever]
        for lever in levers_paying("household"):
            row[f"induced_spending_{lever}_yuan"] = hh.induced.get(lever, 0.0)
        row.update(m.government.outputs())
        self.rows.append({o.name: row[o.name] for o in self.outcomes})

    # ------------------------------------------------------------------ assembly
    def timeseries(self) -> pd.DataFrame:
        """One row per month; 'month' first."""
        m = self.model
        frame = pd.DataFrame(self.rows, columns=[o.name for o in self.outcomes])
        frame.insert(0, "month", month_labels(len(self.rows), m.start))
        return frame

    def summary(self, ts: pd.DataFrame) -> dict[str, float]:
        """Scalars: each series at end-2020, end-2021 and the end; flows summed per year and in total."""
        out: dict[str, float] = {}
        months = ts["month"].to_numpy()
        horizon_rows = {tag: np.flatnonzero(months == label)[:1] for tag, label in HORIZONS.items()}
        year_rows = {year: np.flatnonzero(np.char.startswith(months.astype(str), year)) for year in ("2020", "2021")}
        for outcome in self.outcomes:
            col = outcome.name
            values = ts[col].to_numpy()
            out[f"{col}_end"] = float(values[-1])
            for tag, hit in horizon_rows.items():
                if hit.size:
                    out[f"{col}_{tag}"] = float(values[hit[0]])
            if outcome.is_flow:
                out[f"{col}_total"] = float(values.sum())
                for year, rows in year_rows.items():
                    if rows.size:
                        out[f"{col}_{year}"] = float(values[rows].sum())
        ledger = self.model.government.ledger
        for lever in LEVER_NAMES:
            month = ledger.exhausted_month[lever]
            out[f"budget_exhausted_month_{lever}"] = float(month) if month is not None else float("nan")
        out.update(self.model.government.summary())
        out["household_weight"] = self.model.household_weight
        out["enterprise_weight"] = self.model.enterprise_weight
        return out

    def breakdowns(self) -> pd.DataFrame:
        """End-of-run values by household group and by enterprise group (long format).

        Sums are taken over the cells of all dimensions at once (e.g. quintile x urban x elderly
        x city), block by block, then added up to each dimension's groups: no agent-level
        temporaries the size of the population.
        """
        m = self.model
        hh, s = m.households, m.households.state
        ledger = m.government.ledger
        wh = m.household_weight
        u, month = hh.users, m.month - 1
        active = u.active_from <= month
        per_household = {
            "users_mobile": active,
            "users_5g_handset": active & u.phone5g,
            "users_5g_network": active & u.phone5g & u.plan5g & hh.covered[u.household],
        }
        counts = {k: np.bincount(u.household[v], minlength=s.n) * wh for k, v in per_household.items()}
        hh_metrics: dict[str, Metric] = {
            "households": lambda b: np.full(b.stop - b.start, wh),
            **{k: (lambda b, c=c: c[b]) for k, c in counts.items()},
            "info_consumption_yuan": lambda b: s.spend_total[b] * wh,
            **_money_metrics(ledger, "household", wh),
        }
        shares = {f"share_{p}": getattr(s, p) for p in HOUSEHOLD_PRODUCTS}
        dims = {
            "income_quintile": (s.quintile, QUINTILES),
            "urban_rural": (s.urban.view(np.int8), ("rural", "urban")),
            "elderly": (s.elderly.view(np.int8), ("non_elderly", "elderly")),
            "city": (s.city, CITIES),
        }
        cells = _CellSums(dims, s.n, hh_metrics, {**shares, "coverage_5g": hh.covered})
        parts = [cells.table(dims, hh_metrics, shares)]
        ent = m.enterprises.state
        we = m.enterprise_weight
        ent_metrics: dict[str, Metric] = {
            "firms": lambda b: np.full(b.stop - b.start, we),
            "info_consumption_yuan": lambda b: ent.spend_total[b] * we,
            **_money_metrics(ledger, "enterprise", we),
        }
        ent_shares = {f"share_{CLOUD_STAGES[k]}_or_above": ent.stage >= k for k in (1, 2, 3)}
        ent_dims = {
            "size_class": (ent.size_class, SIZE_CLASSES),
            "sector": (ent.sector, self.sectors),
            "firm_city": (ent.city, CITIES),
        }
        parts.append(_CellSums(ent_dims, ent.n, ent_metrics, ent_shares).table(ent_dims, ent_metrics, ent_shares))
        stations = m.network.total.reshape(-1, 2).sum(axis=1)
        count, covered = cells.by("city", "_count"), cells.by("city", "coverage_5g")
        cover = covered / np.maximum(count, 1)
        parts.append(
            pd.DataFrame(
                {
                    "dimension": "city",
                    "group": list(CITIES) * 2,
                    "metric": ["base_stations_5g"] * len(CITIES) + ["coverage_5g"] * len(CITIES),
                    "value": np.concatenate([stations, cover]),
                }
            )
        )
        return pd.concat(parts, ignore_index=True)

    def agents(self) -> pd.DataFrame:
        """Agent-level records: one row per household and enterprise agent."""
        m = self.model
        s, e = m.households.state, m.enterprises.state
        ledger = m.government.ledger
        hh = pd.DataFrame(
            {
                "kind": "household",
                "agent_id": np.arange(s.n, dtype=np.int32),
                "weight": m.household_weight,
                "city": s.city,
                "urban": s.urban,
                "elderly": s.elderly,
                "income_quintile": s.quintile,
                **{f"m_{p}": getattr(s, f"m_{p}") for p in HOUSEHOLD_PRODUCTS},
                "spend_total": s.spend_total,
                **{f"fiscal_spend_{lv}_yuan": ledger.received("household", lv) for lv in levers_paying("household")},
            }
        )
        firms = pd.DataFrame(
            {
                "kind": "enterprise",
                "agent_id": np.arange(e.n, dtype=np.int32),
                "weight": m.enterprise_weight,
                "city": e.city,
                "sector": e.sector,
                "size_class": e.size_class,
                "m_basic": e.m_basic,
                "m_core": e.m_core,
                "m_star": e.m_star,
                "spend_total": e.spend_total,
                **{
                    f"fiscal_spend_{lv}_yuan": ledger.received("enterprise", lv)
                    for lv in levers_paying("enterprise")
                },
            }
        )
        return pd.concat([hh, firms], ignore_index=True)

    def result(self) -> RunResult:
        """Everything the run produced."""
        m = self.model
        ts = self.timeseries()
        ledger = m.government.ledger
        return RunResult(
            scenario=m.config.name,
            seed=m.seed,
            timeseries=ts,
            summary=self.summary(ts),
            breakdowns=self.breakdowns(),
            ledger=ledger.frame(list(ts["month"]), CITIES),
            agents=self.agents() if m.keep_agents else None,
            payments=ledger.log.frame() if ledger.log is not None else None,
            meta={
                "households": m.households.state.n,
                "enterprises": m.enterprises.state.n,
                "months": m.n_months,
                "start": m.start,
            },
        )


def _money_metrics(ledger: Ledger, kind: str, weight: float) -> dict[str, Callable[[slice], np.ndarray]]:
    """Public money each group received, per lever paying agents of `kind` (province totals)."""

    def metric(received: np.ndarray) -> Callable[[slice], np.ndarray]:
        return lambda b: received[b].astype(np.float64) * weight

    return {f"fiscal_spend_{lv}_yuan": metric(ledger.received(kind, lv)) for lv in levers_paying(kind)}


def _share(flags: np.ndarray) -> float:
    """Share of true values (same value as ``flags.mean()``)."""
    return np.count_nonzero(flags) / flags.size if flags.size else float("nan")


Metric = Callable[[slice], np.ndarray]  # an agent-level value, evaluated on a block of rows
GROUP_BLOCK = 1 << 18  # agents per block while summing by group


class _CellSums:
    """Sums of agent-level metrics and counts of flags over the cells of several dimensions.

    Args:
        dims: dimension -> (group code of each agent, group names).
        n: number of agents.
        totals: metric name -> its per-agent values on a block of rows.
        flags: flag name -> boolean array (counted per cell).
    """

    def __init__(self, dims: dict[str, tuple[np.ndarray, tuple[str, ...]]], n: int,
                 totals: dict[str, Metric], flags: dict[str, np.ndarray]) -> None:
        self.names = list(dims)
        self.shape = tuple(len(names) for _, names in dims.values())
        cells = int(np.prod(self.shape))
        strides = np.cumprod((1, *self.shape[:0:-1]))[::-1]
        self.sums = {key: np.zeros(cells) for key in ("_count", *totals, *flags)}
        for lo in range(0, n, GROUP_BLOCK):
            b = slice(lo, min(lo + GROUP_BLOCK, n))
            cell = np.zeros(b.stop - b.start, dtype=np.intp)
            for (codes, _), stride in zip(dims.values(), strides, strict=True):
                cell += codes[b].astype(np.intp) * int(stride)
            self.sums["_count"] += np.bincount(cell, minlength=cells)
            for key, metric in totals.items():
                self.sums[key] += np.bincount(cell, weights=metric(b), minlength=cells)
            for key, flag in flags.items():
                self.sums[key] += np.bincount(cell[flag[b]], minlength=cells)

    def by(self, dim: str, key: str) -> np.ndarray:
        """Sum of `key` in each group of `dim`."""
        axis = self.names.index(dim)
        others = tuple(a for a in range(len(self.shape)) if a != axis)
        return self.sums[key].reshape(self.shape).sum(axis=others)

    def table(self, dims: dict[str, tuple[np.ndarray, tuple[str, ...]]], totals: dict[str, Metric],
              shares: dict[str, np.ndarray]) -> pd.DataFrame:
        """Long table: for each dimension, each total summed and each share averaged by group."""
        rows = []
        for dim, (_, names) in dims.items():
            count = self.by(dim, "_count")
            for metric in totals:
                rows.append((dim, metric, self.by(dim, metric), names))
            for metric in shares:
                rows.append((dim, metric, self.by(dim, metric) / np.maximum(count, 1), names))
        return pd.DataFrame(
            [
                {"dimension": dim, "group": names[g], "metric": metric, "value": float(vals[g])}
                for dim, metric, vals, names in rows
                for g in range(len(names))
            ]
        )
