"""The text of every checked cell (tag ``nbval-check-output``): read it, run notebooks for it, compare.

A checked cell states a teaching claim and must print the same text in quick and learner mode,
in every run, on CPU and GPU. nbval proves quick == committed (learner) in the test command;
``.ci/binder-check`` runs every notebook a second time in another venv with one thread and compares
here too. On a GPU machine::

    VGLAB_QUICK=1 python -m tools.checked_outputs run notebooks/*.ipynb --out gpu.json
    python -m tools.checked_outputs committed notebooks/*.ipynb --out cpu.json     # the committed text
    python -m tools.checked_outputs compare cpu.json gpu.json                         # exit 1 on a difference

Texts are sanitized with the same rules as nbval (``nbval-sanitize.cfg``: device names, tqdm
timings, memory addresses).
"""
from __future__ import annotations

import argparse
import configparser
import json
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
TAG = "nbval-check-output"


def _rules():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "nbval-sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def sanitize(text: str) -> str:
    for rx, rep in _rules():
        text = rx.sub(rep, text)
    return text


def checked_texts(nb) -> dict[str, str]:
    """{'cell <index>': sanitized text of its stdout and text/plain outputs} for every checked cell."""
    out = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                parts.append(o.get("text", ""))
            elif "data" in o and "text/plain" in o["data"]:
                parts.append(o["data"]["text/plain"])
            elif o.get("output_type") == "error":
                parts.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
        out[f"cell {i}"] = sanitize("".join(p if isinstance(p, str) else "".join(p) for p in parts))
    return out


def read(path: Path):
    """A notebook from its .ipynb, or from its jupytext source (.md, MyST)."""
    if Path(path).suffix == ".md":
        import jupytext

        return jupytext.read(path)
    return nbformat.read(path, as_version=4)


def execute(path: Path, timeout: int = 180):
    """Execute a copy of the notebook (.ipynb or its .md source) with nbclient, in its folder (the
    environment decides quick mode and device); returns ``(executed notebook, wall seconds, the
    kernel's peak RSS in MB)``. No per-cell timing metadata is recorded (it would only churn diffs)."""
    from nbclient import NotebookClient

    nb = read(path)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import resource; print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"))
    t = time.time()
    # iopub_timeout: on a loaded machine a cell's last outputs can arrive seconds after its reply;
    # nbclient's default (4 s) then drops them silently, so wait longer and fail loudly instead.
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False, iopub_timeout=60,
                   raise_on_iopub_timeout=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    wall = time.time() - t
    last = nb.cells.pop()
    text = "".join(o.get("text", "") for o in last.outputs)  # a loaded kernel may send it in pieces
    if not re.search(r"RSS \d+", text):
        raise RuntimeError(f"{Path(path).name}: the kernel's peak-memory line did not arrive "
                           f"(outputs: {last.outputs!r:.200}); run it again on a less loaded machine")
    rss_mb = int(re.search(r"RSS (\d+)", text).group(1)) / 1024  # ru_maxrss is in kB on Linux
    return nb, wall, rss_mb


def errors(nb) -> list[str]:
    """``ename: evalue`` of every error output."""
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def run(path: Path, timeout: int = 180) -> tuple[dict[str, str], float]:
    """Execute a copy of the notebook; its checked texts and the wall time."""
    nb, wall, _ = execute(path, timeout)
    return checked_texts(nb), wall


def compare(a: dict, b: dict, label_a="a", label_b="b") -> list[str]:
    """Human-readable differences between two {notebook: {cell: text}} maps (empty list: identical)."""
    diffs = []
    for name in sorted(set(a) | set(b)):
        ca, cb = a.get(name), b.get(name)
        if ca is None or cb is None:
            diffs.append(f"{name}: only in {label_a if cb is None else label_b}")
            continue
        for cell in sorted(set(ca) | set(cb), key=lambda c: int(c.split()[1])):
            if ca.get(cell) != cb.get(cell):
                diffs.append(f"{name} {cell}:\n  {label_a}: {ca.get(cell)!r}\n  {label_b}: {cb.get(cell)!r}")
    return diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for cmd in ("run", "committed"):
        p = sub.add_parser(cmd)
        p.add_argument("notebooks", nargs="+", type=Path)
        p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "compare":
        diffs = compare(json.loads(args.a.read_text()), json.loads(args.b.read_text()), str(args.a), str(args.b))
        print("\n".join(diffs) if diffs else "checked outputs identical")
        return 1 if diffs else 0
    result = {}
    for path in args.notebooks:
        if args.cmd == "run":
            result[path.name], wall = run(path)
            print(f"{path.name}: {len(result[path.name])} checked cells, ran in {wall:.1f} s")
        else:
            result[path.name] = checked_texts(nbformat.read(path, as_version=4))
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
