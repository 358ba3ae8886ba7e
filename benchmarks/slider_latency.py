"""Slider redraw latency of every panel: the callback plus rendering the figure to PNG.

Each panel module ``benchmarks/panels_<topic>.py`` defines ``PANELS = [(name, factory, moves)]``;
here every panel is built once and moved through its ``moves`` (>= 30 realistic slider values)
with ``panel.update(**move)``, which is exactly what a slider move costs in the browser minus the
websocket. Reports median and p95 per panel against the targets (median <= 100 ms, p95 <= 250 ms).

    .venv/bin/python benchmarks/slider_latency.py            # all panels
    .venv/bin/python benchmarks/slider_latency.py optim      # only benchmarks/panels_optim.py
    .venv/bin/python benchmarks/slider_latency.py --no-blit  # every move a full render (for comparison)
    .venv/bin/python benchmarks/slider_latency.py --no-cache # panels with a PNG cache draw every move

"full" counts the moves that needed a full render (axes, ticks, labels); the others were blits
(only the changing artists drawn over a kept background) or, for panels with a PNG cache, lookups.
"""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _intro_panels():
    from vglab.widgets.intro import chain_panel

    moves = [{"factor": 0.1 * 1.07**i, "depth": 10 + 2 * i} for i in range(32)]
    return [("00 chain gain (factor, depth)", chain_panel, moves)]


def load_panels(only=None):
    panels = _intro_panels() if not only or "intro" in only else []
    for path in sorted(HERE.glob("panels_*.py")):
        topic = path.stem.removeprefix("panels_")
        if only and topic not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        panels += list(mod.PANELS)
    return panels


def time_panel(factory, moves, warmup: int = 2, png_cache: bool = True):
    t0 = time.perf_counter()
    panel = factory()
    build = time.perf_counter() - t0
    if not png_cache and hasattr(panel, "png_cache_size"):
        panel.png_cache_size = 0  # every move draws (what a first visit of each value costs)
    for move in moves[:warmup]:
        panel.update(**move)
    full0 = getattr(panel, "n_full_renders", 0)
    times = []
    for move in moves:
        t = time.perf_counter()
        panel.update(**move)
        times.append(1000 * (time.perf_counter() - t))
    bad = panel.message.value
    full = getattr(panel, "n_full_renders", None)
    return build, times, bad, (None if full is None else full - full0)


def main(argv):
    import torch

    no_blit = "--no-blit" in argv
    if no_blit:
        from vglab.widgets.panel import Panel

        Panel.blit_default = False
    only = set(a for a in argv if not a.startswith("--")) or None
    rows = []
    for name, factory, moves in load_panels(only):
        if len(moves) < 30:
            print(f"warning: {name} has only {len(moves)} moves (want >= 30)")
        build, times, msg, full = time_panel(factory, moves, png_cache="--no-cache" not in argv)
        q = statistics.quantiles(times, n=20)
        rows.append({"panel": name, "moves": len(times), "build_s": round(build, 2),
                     "median_ms": round(statistics.median(times), 1), "p95_ms": round(q[18], 1),
                     "max_ms": round(max(times), 1), "full_renders": full, "message_after_last_move": msg})
        r = rows[-1]
        ok = "OK " if r["median_ms"] <= 100 and r["p95_ms"] <= 250 else "MISS"
        print(f"{ok} {name:55s} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
              f"(build {r['build_s']:.1f} s, {r['moves']} moves, full renders {full})", flush=True)
    env = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
           "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
           "torch": torch.__version__, "date": time.strftime("%Y-%m-%d %H:%M"), "blit": not no_blit, "png_cache": "--no-cache" not in argv,
           "load_average": os.getloadavg()}
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / ("slider_latency_no_blit.json" if no_blit else "slider_latency.json")).write_text(json.dumps({"env": env, "rows": rows}, indent=1))
    print("\n| panel | median ms | p95 ms | moves | full renders |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['panel']} | {r['median_ms']} | {r['p95_ms']} | {r['moves']} | {r['full_renders']} |")
    print(f"\n{env}")


if __name__ == "__main__":
    main(sys.argv[1:])
