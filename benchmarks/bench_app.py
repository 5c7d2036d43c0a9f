"""How long one model month takes in the explorer (``infosim app``), at the default scale.

Renders the explorer page headless in a Solara kernel (as the server does for a browser tab)
and presses Step repeatedly; each press steps the scenario and its comparison run one month and
redraws everything (headline table, four charts, city panel). Reports, per month:

* ``model``: the two model steps alone (``ExplorerModel.step``);
* ``city panel data``: the 13 cities' figures of both runs (``ExplorerModel.cities``, which reads
  each run's ``results()``);
* ``charts``: building the four charts' Vega-Lite specs with their data (what the server sends;
  the browser draws them);
* ``step click``: the whole Step press, model + page update, as the server does it.

Wall-clock and CPU seconds of this process are both reported (CPU time is what a month costs
when the machine is shared). The browser's own drawing is not included.

    python benchmarks/bench_app.py                   # 100,000 households, 12 months, 2 rounds
    python benchmarks/bench_app.py --households 20000 --months 6

Writes benchmarks/output/app.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _median(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


class Clock:
    """Wall-clock and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def measure(households: int, months: int) -> dict:
    """Time model steps, chart rendering and whole Step presses for `months` months."""
    os.environ["INFOSIM_APP_HOUSEHOLDS"] = str(households)
    import ipyvuetify as v
    import solara
    import solara.server.app  # widgets in a virtual kernel, as under `solara run`
    from solara.server.kernel import Kernel
    from solara.server.kernel_context import VirtualKernelContext

    from infosim.interfaces.app import charts
    from infosim.interfaces.app.explorer import ExplorerModel

    # 1. model alone and charts alone
    model = ExplorerModel("jiangsu_2020", households=households)
    times: dict[str, list[Clock]] = {"model": [], "city panel data": [], "charts": [], "step click": []}
    for _ in range(months):
        with Clock() as c:
            model.step()
        times["model"].append(c)
        with Clock() as c:
            model.cities()
        times["city panel data"].append(c)
        with Clock() as c:
            for make in (charts.adoption_chart, charts.consumption_chart, charts.spend_chart, charts.city_chart):
                make(model).to_dict(validate=False)
        times["charts"].append(c)

    # 2. the whole Step press in the rendered page
    from infosim.interfaces.app import page

    context = VirtualKernelContext(id="bench", kernel=Kernel(), session_id="bench")
    with context:
        _, rc = solara.render(solara.AppLayout(children=[page.Page()]), handle_error=False)
        step = rc.find(v.Btn, children=["Step"]).widget
        for _ in range(months):
            with Clock() as c:
                step.click()
            times["step click"].append(c)
    return {
        name: {"wall": _median([c.wall for c in clocks]), "cpu": _median([c.cpu for c in clocks])}
        for name, clocks in times.items()
    }


def main() -> None:
    """Run the measurement and write benchmarks/output/app.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12, help="months stepped per round")
    ap.add_argument("--output", type=Path, default=HERE / "output" / "app.json")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    result = {
        "households": args.households,
        "months": args.months,
        "load_average_at_start": load,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "seconds_per_month": measure(args.households, args.months),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"explorer, jiangsu_2020 vs baseline, {args.households:,} households, {args.months} months "
          f"(load average at start {load:.2f}):")
    for name, s in result["seconds_per_month"].items():
        w, c = s["wall"], s["cpu"]
        print(f"  {name:<16} wall median {w['median']:.3f} s (min {w['min']:.3f}, max {w['max']:.3f}); "
              f"CPU median {c['median']:.3f} s (min {c['min']:.3f}, max {c['max']:.3f}); n={w['n']}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
