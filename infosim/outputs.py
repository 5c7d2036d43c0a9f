"""Outputs: the monthly province totals (the output contract), end-of-run group breakdowns,
scalar summaries and agent-level records.

The collector reduces the agent arrays to aggregates each month; it never stores agent-level
frames per month, so memory stays flat however long the run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from infosim.agents.context import MonthContext
from infosim.agents.state import CLOUD_STAGES, HOUSEHOLD_PRODUCTS
from infosim.calendar import month_labels
from infosim.data import load_table, values
from infosim.run import RunResult
from infosim.scenario.schema import CITIES, LEVER_NAMES

if TYPE_CHECKING:
    from infosim.model import InfoConsumptionModel

QUINTILES = ("Q1", "Q2", "Q3", "Q4", "Q5")
SIZE_CLASSES = ("large", "medium", "small", "micro")
FLOW_COLUMNS = ("info_consumption", "fiscal_spend", "new_base_stations", "operator_cofund")


def slug(name: str) -> str:
    """'China Mobile' -> 'china_mobile'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


class OutputCollector:
    """Collects one row of province totals per month and assembles the :class:`RunResult`."""

    def __init__(self, model: InfoConsumptionModel) -> None:
        self.model = model
        self.rows: list[dict[str, float]] = []
        self.sectors = tuple(values(load_table("enterprises"))["sectors"]["names"])

    def collect(self, ctx: MonthContext) -> None:
        """Append this month's province totals."""
        m = self.model
        hh, s = m.households, m.households.state
        ent = m.enterprises.state
        wh, we = m.household_weight, m.enterprise_weight
        users = hh.users
        network_user = s.phone5g & s.plan5g & hh.covered
        row: dict[str, float] = {
            "base_stations_5g": float(m.network.stations.sum()),
            "new_base_stations_5g": float(m.new_stations_by_area.sum()),
            "coverage_5g_households": float(hh.covered.mean()),
            "users_5g_handset": float(users[s.phone5g].sum()) * wh,
            "users_5g_plan": float(users[s.plan5g].sum()) * wh,
            "users_5g_network": float(users[network_user].sum()) * wh,
            "share_5g_handset_households": float(s.phone5g.mean()),
            "share_gigabit_households": float(s.gigabit.mean()),
            "share_smart_home_households": float(s.smart_home.mean()),
            "share_tv4k_households": float(s.tv4k.mean()),
            "awareness_mean": float(s.awareness.mean()),
            "firms_cloud_basic": float((ent.stage >= 1).sum()) * we,
            "firms_core_cloud": float((ent.stage >= 2).sum()) * we,
            "firms_star_cloud": float((ent.stage >= 3).sum()) * we,
            "info_consumption_households_yuan": float(hh.month_spend.sum(dtype=np.float64)) * wh,
            "info_consumption_enterprises_yuan": float(m.enterprises.month_spend.sum(dtype=np.float64)) * we,
            "plan_premium_yuan": ctx.plan_premium,
            "price_5g_phone_yuan": ctx.price_5g,
        }
        row["info_consumption_yuan"] = (
            row["info_consumption_households_yuan"] + row["info_consumption_enterprises_yuan"]
        )
        for op in m.operators:
            row[f"base_stations_5g_{slug(op.name)}"] = float(m.network.stations[op.index].sum())
        spent = m.government.ledger.spent_in_month(ctx.month)
        row["fiscal_spend_yuan"] = float(sum(spent.values()))
        for lever in LEVER_NAMES:
            row[f"fiscal_spend_{lever}_yuan"] = spent[lever]
        row["operator_cofund_yuan"] = float(m.government.ledger.operator_cofund[ctx.month])
        row["vouchers_held"] = float((s.voucher_face > 0).sum()) * wh
        row["vouchers_issued_cumulative"] = m.government.vouchers.issued
        row["vouchers_redeemed_cumulative"] = m.government.vouchers.redeemed
        self.rows.append(row)

    # ------------------------------------------------------------------ assembly
    def timeseries(self) -> pd.DataFrame:
        """One row per month; 'month' first."""
        m = self.model
        frame = pd.DataFrame(self.rows)
        frame.insert(0, "month", month_labels(len(self.rows), m.start))
        return frame

    def summary(self, ts: pd.DataFrame) -> dict[str, float]:
        """Scalars: each column at end-2020, end-2021 and the end; flows summed per year and in total."""
        out: dict[str, float] = {}
        numeric = [c for c in ts.columns if c != "month"]
        horizons = {"2020_12": "2020-12", "2021_12": "2021-12", "2021_03": "2021-03"}
        for col in numeric:
            out[f"{col}_end"] = float(ts[col].iloc[-1])
            for tag, label in horizons.items():
                hit = ts.index[ts["month"] == label]
                if len(hit):
                    out[f"{col}_{tag}"] = float(ts.loc[hit[0], col])
            if col.startswith(FLOW_COLUMNS):
                out[f"{col}_total"] = float(ts[col].sum())
                for year in ("2020", "2021"):
                    sel = ts["month"].str.startswith(year)
                    if sel.any():
                        out[f"{col}_{year}"] = float(ts.loc[sel, col].sum())
        ledger = self.model.government.ledger
        for lever in LEVER_NAMES:
            month = ledger.exhausted_month[lever]
            out[f"budget_exhausted_month_{lever}"] = float(month) if month is not None else float("nan")
            out[f"budget_spent_{lever}_yuan"] = ledger.spent_total[lever]
        out["household_weight"] = self.model.household_weight
        out["enterprise_weight"] = self.model.enterprise_weight
        return out

    def breakdowns(self) -> pd.DataFrame:
        """End-of-run values by household group and by enterprise group (long format)."""
        m = self.model
        hh, s = m.households, m.households.state
        wh = m.household_weight
        hh_metrics = {
            "households": np.ones(s.n) * wh,
            "persons_5g_handset": hh.users * s.phone5g * wh,
            "persons_5g_network": hh.users * (s.phone5g & s.plan5g & hh.covered) * wh,
            "info_consumption_yuan": s.spend_total * wh,
            "fiscal_vouchers_yuan": s.received_vouchers.astype(np.float64) * wh,
            "fiscal_terminal_subsidy_yuan": s.received_terminal_subsidy.astype(np.float64) * wh,
        }
        shares = {f"share_{p}": getattr(s, p) for p in ("phone5g", "plan5g", "gigabit", "smart_home", "tv4k")}
        dims = {
            "income_quintile": (s.quintile, QUINTILES),
            "urban_rural": (s.urban.astype(np.int8), ("rural", "urban")),
            "elderly": (s.elderly.astype(np.int8), ("non_elderly", "elderly")),
            "city": (s.city, CITIES),
        }
        parts = [_group_table(dims, hh_metrics, shares)]
        ent = m.enterprises.state
        we = m.enterprise_weight
        ent_metrics = {
            "firms": np.ones(ent.n) * we,
            "info_consumption_yuan": ent.spend_total * we,
            "fiscal_cloud_incentive_yuan": ent.received_cloud_incentive.astype(np.float64) * we,
        }
        ent_shares = {f"share_{CLOUD_STAGES[k]}_or_above": ent.stage >= k for k in (1, 2, 3)}
        ent_dims = {
            "size_class": (ent.size_class, SIZE_CLASSES),
            "sector": (ent.sector, self.sectors),
            "firm_city": (ent.city, CITIES),
        }
        parts.append(_group_table(ent_dims, ent_metrics, ent_shares))
        stations = m.network.total.reshape(-1, 2).sum(axis=1)
        cover = np.bincount(s.city, weights=hh.covered, minlength=len(CITIES)) / np.maximum(
            np.bincount(s.city, minlength=len(CITIES)), 1
        )
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
                "yuan_vouchers": s.received_vouchers,
                "yuan_terminal_subsidy": s.received_terminal_subsidy,
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
                "yuan_cloud_incentive": e.received_cloud_incentive,
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


def _group_table(
    dims: dict[str, tuple[np.ndarray, tuple[str, ...]]],
    totals: dict[str, np.ndarray],
    shares: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Sum `totals` and average `shares` within each group of each dimension."""
    rows = []
    for dim, (codes, names) in dims.items():
        k = len(names)
        codes = codes.astype(np.int64)
        count = np.bincount(codes, minlength=k).astype(np.float64)
        for metric, arr in totals.items():
            rows.append((dim, metric, np.bincount(codes, weights=arr, minlength=k), names))
        for metric, flag in shares.items():
            rows.append((dim, metric, np.bincount(codes, weights=flag, minlength=k) / np.maximum(count, 1), names))
    return pd.DataFrame(
        [
            {"dimension": dim, "group": names[g], "metric": metric, "value": float(vals[g])}
            for dim, metric, vals, names in rows
            for g in range(len(names))
        ]
    )
