"""Wall time of every notebook: under nbval in quick mode (the test command's way), and optionally
executed at learner size (how notebooks are committed), plus the kernel's peak memory.

    .venv/bin/python benchmarks/notebook_times.py               # nbval, quick mode, each notebook
    .venv/bin/python benchmarks/notebook_times.py --learner     # also learner size (slow)
    .venv/bin/python benchmarks/notebook_times.py 02 03         # only notebooks starting with 02, 03

Targets: <= 45 s per notebook under nbval in quick mode; <= 3 min at learner size (2 cores).
Peak memory is the kernel process's maximum RSS (Binder allows 2 GB; our target is 1.5 GB).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def nbval_time(nb: Path) -> tuple[float, str]:
    env = dict(os.environ, VGLAB_QUICK="1")
    t = time.perf_counter()
    p = subprocess.run([PY, "-m", "pytest", "-q", str(nb)], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    tail = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr[-200:]
    return wall, ("ok " if p.returncode == 0 else "FAIL ") + tail


def learner_time(nb: Path) -> tuple[float, float]:
    """Execute a copy at learner size (a fresh process without VGLAB_QUICK, as the notebooks are
    committed); returns (seconds, kernel peak RSS in MB) from ``tools.checked_outputs.execute``."""
    env = {k: v for k, v in os.environ.items() if k != "VGLAB_QUICK"}
    code = ("from tools.checked_outputs import execute\n"
            f"_, wall, rss = execute({str(nb)!r}, timeout=900)\n"
            "print('WALL', wall, 'RSS', rss)\n")
    p = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    m = re.search(r"WALL ([\d.]+) RSS ([\d.]+)", p.stdout)
    return float(m.group(1)), float(m.group(2))


def main(argv):
    learner = "--learner" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    nbs = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if prefixes:
        nbs = [n for n in nbs if any(n.name.startswith(p) for p in prefixes)]
    rows = []
    for nb in nbs:
        wall, status = nbval_time(nb)
        row = {"notebook": nb.stem, "nbval_quick_s": round(wall, 1), "status": status}
        if learner:
            lw, rss = learner_time(nb)
            row.update(learner_s=round(lw, 1), learner_peak_rss_mb=round(rss))
        rows.append(row)
        print(row, flush=True)
    (ROOT / "benchmarks" / "out").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "out" / "notebook_times.json").write_text(json.dumps(rows, indent=1))
    print("\n| notebook | nbval quick (s) | learner size (s) | kernel peak RSS (MB) |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['notebook']} | {r['nbval_quick_s']} | {r.get('learner_s', '–')} | {r.get('learner_peak_rss_mb', '–')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
