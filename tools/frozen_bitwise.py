"""Prove that a change to the frozen modules keeps every number: run short fixed ``table1`` runs with two
code trees and compare their saved results bit for bit.

    python -m tools.frozen_bitwise /path/to/old/tree /path/to/new/tree [--out /tmp/frozen_bitwise]

Each tree runs ``python -m vglab.experiments.table1`` (``PYTHONPATH=<tree>``, one thread, CPU) on both
engines and a few settings (classification and a padded regression; plain, dS, dS own, clipping); the
results JSON (``data``: every number of the run) and the fast engine's checkpoint tensors must be equal,
NaN included. Provenance (date, wall time, commit, command, paths) is not compared. Nothing is written
inside either tree: results and checkpoints go under ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RUNS = {  # name: table1 arguments
    "to_fast": "--tasks temporal_order --T 20 --networks 2 --updates 200 --methods plain,ds,ds_own --engine fast",
    "to_ref": "--tasks temporal_order --T 20 --networks 2 --updates 200 --methods plain,ds,ds_own --engine reference",
    "add_fast": "--tasks addition --T 20 --networks 2 --updates 200 --methods plain,ds,clipping --engine fast",
    "add_ref": "--tasks addition --T 20 --networks 2 --updates 200 --methods plain,ds,clipping,pascanu "
               "--engine reference",
}
TIMINGS = ("ms_per_update", "compile_s")
SKIP = ("provenance", "settings", "code", "saved_at", "wall", "wall_s", "train_s", "compile_s")
COMMON = ("--n-train 200 --n-val 50 --n-test 100 --hidden 8 --seed 0 --device cpu --threads 1 --no-progress "
          "--checkpoint-minutes 0.0001")


def run(tree: Path, name: str, args: str, out: Path) -> float:
    res, ck = out / "results", out / "runs"
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "VGLAB_DEVICE": "cpu",
           "PYTHONDONTWRITEBYTECODE": "1"}  # nothing written inside either tree
    cmd = [sys.executable, "-m", "vglab.experiments.table1", *args.split(), *COMMON.split(), "--out", name,
           "--results-dir", str(res), "--checkpoint-dir", str(ck)]
    t0 = time.time()
    p = subprocess.run(cmd, env=env, cwd=out, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{tree} {name} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    return time.time() - t0


def same(a, b, where="") -> list:
    """Paths where a and b differ (floats bitwise: NaN == NaN, -0.0 != 0.0 is checked by repr)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in same(a[k], b[k], f"{where}[{k!r}]")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{where}: lengths {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if repr(a) == repr(b) else [f"{where}: {a!r} != {b!r}"]
    return [] if type(a) is type(b) and a == b else [f"{where}: {a!r} != {b!r}"]


def tensors(path: Path) -> dict:
    """Every tensor and array of a checkpoint, flattened to {path: bytes}."""
    import numpy as np
    import torch
    flat = {}

    def walk(x, where):
        if isinstance(x, torch.Tensor):
            flat[where] = (str(x.dtype), tuple(x.shape), x.detach().cpu().contiguous().numpy().tobytes())
        elif isinstance(x, np.ndarray):
            flat[where] = (str(x.dtype), x.shape, x.tobytes())
        elif isinstance(x, dict):
            for k, v in x.items():
                if k not in SKIP:
                    walk(v, f"{where}[{k!r}]")
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, f"{where}[{i}]")
        elif isinstance(x, (int, float, str, bool)) or x is None:
            flat[where] = repr(x)
    walk(torch.load(path, map_location="cpu", weights_only=False), "")
    return flat


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--out", type=Path, default=Path("/tmp/frozen_bitwise"))
    ap.add_argument("--only", default=",".join(RUNS), help="comma-separated run names")
    a = ap.parse_args(argv)
    bad = 0
    for name in a.only.split(","):
        outs = {}
        for label, tree in (("old", a.old), ("new", a.new)):
            out = a.out / label
            out.mkdir(parents=True, exist_ok=True)
            for f in list((out / "results").glob(f"{name}.*")) + list((out / "runs").glob(f"{name}.*")):
                f.unlink()
            secs = run(tree.resolve(), name, RUNS[name], out)
            outs[label] = out
            print(f"{name} {label}: {secs:.1f} s", flush=True)
        ra, rb = (json.loads((outs[k] / "results" / f"{name}.json").read_text()) for k in ("old", "new"))
        for r in (ra, rb):  # timings, not results
            for k in TIMINGS:
                r["data"].get("engine", {}).pop(k, None)
        diffs = same(ra["data"], rb["data"], "data")
        cks = sorted(p.name for p in (outs["old"] / "runs").glob(f"{name}*.pt"))
        for ck in cks:
            ta, tb = tensors(outs["old"] / "runs" / ck), tensors(outs["new"] / "runs" / ck)
            diffs += [f"{ck}{k}" for k in sorted(set(ta) | set(tb)) if ta.get(k) != tb.get(k)]
        n_num = json.dumps(ra["data"]).count(",")
        print(f"{name}: {'IDENTICAL' if not diffs else f'{len(diffs)} DIFFERENCES'} (results data ~{n_num} values; "
              f"checkpoints compared: {cks or 'none'})", flush=True)
        for d in diffs[:10]:
            print("   ", d)
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
