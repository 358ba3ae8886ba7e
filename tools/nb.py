"""Build a notebook from a Python list of cells, then execute it at learner size.

Usage inside a builder script ``tools/notebooks/NN_topic.py``::

    from tools.nb import md, code, build
    cells = [md("# Title ..."), code("import vglab as vg", tags=["nbval-ignore-output"]), ...]
    build("notebooks/NN_topic.ipynb", cells)          # writes, then executes in place

Run from the repository root: ``.venv/bin/python -m tools.notebooks.NN_topic``.
Tags: ``nbval-check-output`` (a teaching claim, same text in quick and learner mode),
``nbval-ignore-output`` (machine- or mode-dependent output: timings, widgets, progress bars).
Execution happens without VGLAB_QUICK (learner size), as notebooks are committed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]


def md(text: str):
    return nbf.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(src: str, tags=()):
    cell = nbf.v4.new_code_cell(textwrap.dedent(src).strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def build(path: str, cells, *, execute: bool = True, timeout: int = 600) -> Path:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = list(cells)
    out = ROOT / path
    nbf.write(nb, out)
    if execute:
        env = {k: v for k, v in os.environ.items() if k not in ("VGLAB_QUICK", "MPLBACKEND")}
        t0 = time.time()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                        "--inplace", f"--ExecutePreprocessor.timeout={timeout}", str(out)],
                       check=True, env=env, cwd=ROOT / "notebooks")
        print(f"executed {path} at learner size in {time.time() - t0:.1f} s")
    return out
