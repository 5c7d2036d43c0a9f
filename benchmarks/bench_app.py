"""How long one model month takes in the explorer (``infosim app``), at the default scale.

Renders the explorer page headless in a Solara kernel (as the server does for a browser tab)
and presses Step repeatedly; each press steps the scenario and its comparison run one month and
redraws everything (headline table, four charts, city panel). Reports, per month:

* ``model``: the two model steps alone (``ExplorerModel.step``);
* ``charts``: building and rendering the four figures to PNG (what the server sends);
* ``step click``: the whole Step press, model + page update, as the server does it.

The browser's own time to swap in the images is not included (a few milliseconds).

    python benchmarks/bench_app.py                   # 100,000 households, 12 months, 2 rounds
    python benchmarks/bench_app.py --households 20000 --months 6

Writes benchmarks/output/app.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _median(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


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
    model_s, chart_s = [], []
    for _ in range(months):
        t0 = time.perf_counter()
        model.step()
        model_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for make in (charts.adoption_chart, charts.consumption_chart, charts.spend_chart, charts.city_chart):
            make(model).savefig(io.BytesIO(), format="png")
        chart_s.append(time.perf_counter() - t0)

    # 2. the whole Step press in the rendered page
    from infosim.interfaces.app import page

    context = VirtualKernelContext(id="bench", kernel=Kernel(), session_id="bench")
    with context:
        _, rc = solara.render(solara.AppLayout(children=[page.Page()]), handle_error=False)
        step = rc.find(v.Btn, children=["Step"]).widget
        click_s = []
        for _ in range(months):
            t0 = time.perf_counter()
            step.click()
            click_s.append(time.perf_counter() - t0)
    return {"model": _median(model_s), "charts": _median(chart_s), "step click": _median(click_s)}


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
        print(f"  {name:<11} median {s['median']:.3f} s per month (min {s['min']:.3f}, max {s['max']:.3f}, n={s['n']})")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
