"""Build a notebook from a Python list of cells, then execute it at learner size.

Usage inside a builder script ``tools/notebooks/NN_topic.py``::

    from tools.nb import md, code, build
    cells = [md("# Title ..."), code("import vglab as vg", tags=["nbval-ignore-output"]), ...]
    build("notebooks/NN_topic.ipynb", cells)          # writes, then executes in place

Run from the repository root: ``.venv/bin/python -m tools.notebooks.NN_topic``.
Tags: ``nbval-check-output`` (a teaching claim, same text in quick and learner mode),
``nbval-ignore-output`` (machine- or mode-dependent output: timings, widgets, progress bars).
Execution happens without VGLAB_QUICK (learner size), as notebooks are committed.

The opening set-up cell: ``setup(imports)`` appends ``vg.seed(0)``, ``dev = vg.device()`` and the
device line to the notebook's imports (tagged ``nbval-ignore-output``).

Exercise solutions (one worked answer per exercise): ``solution(src)`` right after the exercise's
cell gives a code cell tagged ``solution`` and ``nbval-check-output`` whose source is collapsed in
JupyterLab (``metadata.jupyter.source_hidden``): a stuck learner clicks the "..." to see it. It ends
by calling the exercise's checker with the worked answer, so nbval proves each answer right in CI
(the checker prints the same "Correct: ..." line in quick and learner mode). Instructors strip
every solution cell with ``python -m tools.strip_solutions notebooks/*.ipynb``.
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


SETUP_TAIL = """
vg.seed(0)
dev = vg.device()
print("device:", vg.describe(dev), "| quick mode:", vg.QUICK)"""


def setup(imports: str):
    """The set-up cell most notebooks open with: ``imports``, then one seed and the device line
    (tagged ``nbval-ignore-output``: the device and the mode depend on the machine)."""
    return code(textwrap.dedent(imports).strip("\n") + "\n" + SETUP_TAIL, tags=["nbval-ignore-output"])


def solution(src: str):
    """A worked answer: collapsed source, tagged ``solution`` + ``nbval-check-output`` (see above)."""
    cell = code("# Worked answer (solution). Try the exercise first; instructors may strip these cells.\n"
                + textwrap.dedent(src).strip("\n"), tags=["solution", "nbval-check-output"])
    cell.metadata["jupyter"] = {"source_hidden": True}
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
