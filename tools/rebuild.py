"""Re-execute notebooks from their sources at learner size: ``python -m tools.rebuild [NN ...]``.

Each notebook's source is ``notebooks/NN_topic.md`` (jupytext MyST, what you edit); this reads it,
executes it at learner size (``VGLAB_QUICK`` unset, as notebooks are committed) in ``notebooks/``
with nbclient, and writes the executed ``notebooks/NN_topic.ipynb`` beside it (outputs and widget
state, no per-cell timings). With no argument it rebuilds all of them, in order. It prints which
notebook it ran, how long it took and the kernel's peak memory, and stops at the first cell that
raises (naming it), leaving that .ipynb untouched.

    python -m tools.rebuild 05          # one notebook, by its number
    python -m tools.rebuild 03 04       # several
    python -m tools.rebuild             # all
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tools.checked_outputs import errors, execute

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUDGET_S = 180  # DESIGN.md: each notebook <= 3 min at learner size on 2 cores
ANSWERS = NOTEBOOKS / "accepted_answers.json"  # what each worked answer passed its checker (per notebook)


def sources(keys=()) -> list[Path]:
    """The .md sources whose names start with one of ``keys`` (e.g. "05"); all of them for none."""
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md"))
    if not keys:
        return every
    chosen = []
    for key in keys:
        hits = [p for p in every if p.name.startswith(key) or p.stem == key]
        if not hits:
            raise SystemExit(f"tools.rebuild: no notebook source matches {key!r}; "
                             f"choose from {', '.join(p.stem for p in every)}")
        chosen += [p for p in hits if p not in chosen]
    return chosen


def keep_ids(nb, old) -> None:
    """Give each cell the id of the unchanged cell it replaces (same type and source), so a rebuild's
    diff shows only what changed; new or edited cells keep their fresh ids."""
    free: dict[tuple, list[str]] = {}
    for c in old.cells:
        free.setdefault((c.cell_type, c.source), []).append(c.get("id"))
    for c in nb.cells:
        ids = free.get((c.cell_type, c.source))
        if ids:
            c["id"] = ids.pop(0)


def rebuild(md: Path, timeout: int = 600) -> tuple[float, float]:
    """Execute one source at learner size and write its .ipynb; ``(wall seconds, peak MB)``.

    While it runs, the kernel records the answers the worked-answer cells pass their checkers
    (``vglab.exercises._record``); they go to ``notebooks/accepted_answers.json`` under the
    notebook's name, for ``tests/test_exercise_design.py``."""
    fd, log = tempfile.mkstemp(prefix="vglab-answers-", suffix=".jsonl")
    os.close(fd)
    os.environ["VGLAB_ANSWERS"] = log  # the kernel inherits the environment
    try:
        nb, wall, rss = execute(md, timeout=timeout)
        with open(log, encoding="utf-8") as f:
            answers = [json.loads(line) for line in f if line.strip()]
    finally:
        os.environ.pop("VGLAB_ANSWERS", None)
        os.unlink(log)
    bad = errors(nb)
    if bad:
        raise SystemExit(f"tools.rebuild: {md.name} raised ({bad[0]}); {md.with_suffix('.ipynb').name} "
                         "left as it was")
    nb.metadata.pop("jupytext", None)  # the pairing lives in jupytext.toml, not in each notebook
    # No saved widget state: with it, static renderers (nbconvert, nbviewer) draw a panel through
    # widget JavaScript fetched from a CDN and show nothing offline; without it they show the PNG
    # each panel leaves beside its widget (vglab.widgets.panel). A live kernel draws the widgets.
    nb.metadata.pop("widgets", None)
    ipynb = md.with_suffix(".ipynb")
    if ipynb.exists():
        keep_ids(nb, nbformat.read(ipynb, as_version=4))
    nbformat.write(nb, ipynb)
    table = json.loads(ANSWERS.read_text(encoding="utf-8")) if ANSWERS.exists() else {}
    table[md.stem] = answers
    ANSWERS.write_text(json.dumps(dict(sorted(table.items())), indent=1, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    return wall, rss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="numbers or names of notebooks (default: all)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = ap.parse_args(argv)
    os.environ.pop("VGLAB_QUICK", None)  # learner size: the kernel inherits this environment
    todo = sources(args.notebooks)
    t0 = time.time()
    for md in todo:
        print(f"running {md.name} at learner size ...", flush=True)
        wall, rss = rebuild(md, args.timeout)
        over = f"  (over the {BUDGET_S} s budget)" if wall > BUDGET_S else ""
        print(f"wrote {md.with_suffix('.ipynb').name}: {wall:.1f} s, kernel peak {rss:.0f} MB{over}", flush=True)
    print(f"rebuilt {len(todo)} notebook(s) in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
