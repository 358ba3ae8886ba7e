"""Remove every worked-answer cell (tag ``solution``) from notebooks, in place or into a folder.

    python -m tools.strip_solutions notebooks/*.ipynb              # in place
    python -m tools.strip_solutions notebooks/*.ipynb --out handout/   # copies without solutions

Equivalent with stock Jupyter: ``jupyter nbconvert --to notebook
--TagRemovePreprocessor.remove_cell_tags=solution --output-dir handout/ notebooks/*.ipynb``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import nbformat


def strip(nb) -> int:
    """Drop the cells tagged ``solution``; return how many were dropped."""
    keep = [c for c in nb.cells if "solution" not in c.get("metadata", {}).get("tags", [])]
    n = len(nb.cells) - len(keep)
    nb.cells = keep
    return n


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="write stripped copies here instead of in place")
    args = ap.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        n = strip(nb)
        dest = path if args.out is None else args.out / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest)
        print(f"{path} -> {dest}: {n} solution cell(s) removed")


if __name__ == "__main__":
    main()
