"""Saved runs: full-scale experiments write JSON with provenance; notebooks load and label them.

A notebook never presents a saved number as computed live: ``load(name)`` returns the data with
its provenance (command, device, torch version, date, commit, wall time), and ``label(run)``
gives the one-line caption a figure or table should carry.
"""
from __future__ import annotations

import datetime as _dt
import platform
import re
import subprocess
import sys
from pathlib import Path

import torch

from . import runfiles

_PKG = Path(__file__).resolve().parent


def results_dir() -> Path:
    """The repository's ``results/`` folder (next to the installed package, or above the cwd)."""
    candidates = [_PKG.parent / "results"] + [p / "results" for p in (Path.cwd(), *Path.cwd().parents)]
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=_PKG, capture_output=True,
                             text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=_PKG,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu() -> str:
    try:
        cap = torch.backends.cpu.get_cpu_capability()
    except Exception:  # an old torch or an unusual build: say so rather than guess
        cap = "capability unknown"
    return f"{platform.machine() or 'unknown'} {cap}"


def provenance(device=None, wall_time_s: float | None = None, command: str | None = None) -> dict:
    """Where a result came from: command, device, CPU kind, versions, date (UTC), commit, wall time.

    ``cpu`` names the architecture and the vector instructions torch's CPU kernels use (e.g. ``x86_64 AVX2``):
    float rounding, and so a long training run's bits, can differ between an AVX2 and an AVX-512 machine.
    """
    from . import _args
    from .runtime import describe
    _args.optional(_args.real, "wall_time_s", wall_time_s, lo=0)
    _args.optional(_args.text, "command", command)
    device = _args.device("device", device)

    return {
        "command": command if command is not None else " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "device": describe(device),
        "cpu": _cpu(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "wall_time_s": None if wall_time_s is None else round(float(wall_time_s), 1),
    }


def save(name: str, data: dict, provenance: dict, *, reduced: bool, directory: Path | None = None) -> Path:
    """Write ``results/<name>.json`` = {"name", "reduced", "provenance", "data"}; returns the path.

    ``reduced=True`` marks a run smaller than the paper's, so notebooks label it as such.
    """
    from . import _args
    _check_name(name)
    for what, v in (("data", data), ("provenance", provenance)):
        if not isinstance(v, dict):
            raise TypeError(f"{what} must be a dict, got {type(v).__name__}")
        runfiles._json(what, v)  # TypeError naming it when it is not JSON data
    reduced = _args.boolean("reduced", reduced)
    d = _args.path_like("directory", directory) if directory is not None else results_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.json"
    payload = {"name": name, "reduced": bool(reduced), "provenance": provenance, "data": data}
    return runfiles.write_json(path, payload, indent=1)  # atomic: a kill leaves the old file or the new


def load(name: str, directory: Path | None = None) -> dict:
    """A saved run: ``{"name", "reduced", "provenance", "data"}`` from ``results/<name>.json``."""
    from . import _args
    _check_name(name)
    d = _args.path_like("directory", directory) if directory is not None else results_dir()
    path = d / f"{name}.json"
    if not path.is_file():
        have = sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []
        raise FileNotFoundError(f"no saved run named {name!r} in {d}; available: {have or 'none'}")
    run = runfiles.read_json(path)  # an unreadable file: RunFileError naming it and what to do
    if not isinstance(run, dict):
        raise ValueError(f"{path} is not a vglab result: it holds a {type(run).__name__}, not an object")
    for key in ("provenance", "data"):
        if key not in run:
            raise ValueError(f"{path} is not a vglab result: the key {key!r} is missing")
    return run


def label(run: dict) -> str:
    """One-line caption: 'saved run (reduced): `cmd` on cpu (2 threads), 2026-11-23, commit abc123' (with
    ", CPU x86_64 AVX2" after the device where the run recorded its CPU kind)."""
    if not isinstance(run, dict) or not isinstance(run.get("provenance"), dict):
        raise TypeError(f"run must be a saved run from vglab.results.load (a dict with 'provenance'), "
                        f"got {type(run).__name__}")
    p = run["provenance"]
    size = "reduced, not the paper's size" if run.get("reduced") else "full size"
    wall = f", {p['wall_time_s']:.0f} s" if p.get("wall_time_s") else ""
    device = str(p.get('device')).replace('(1 threads)', '(1 thread)')  # runs saved before describe() said so
    # a temporary folder of the machine that ran it (a checkpoint dir) means nothing to a reader
    command = re.sub(r"(?<=\s)/tmp/\S+", "<a temporary folder>", str(p.get('command')))
    cpu = f", CPU {p['cpu']}" if p.get("cpu") else ""  # recorded from 2026-12-03 on: rounding differs by CPU kind
    return (f"saved run ({size}): `{command}` on {device}{cpu}, "
            f"{p.get('date')}, commit {p.get('commit')}{wall}")


def rows(name: str, v, keys=(), *, what: str = "rows", optional: bool = False):
    """The shared check for plots and widgets that draw saved or fresh result rows: ``v`` must be a
    non-empty list/tuple of dicts that hold ``keys``; a loaded run (``load(...)``) whose ``data["rows"]``
    is such a list is taken as its rows (the plain meaning). Anything else -- a dict, a run of another
    experiment, None, a tensor -- is refused with a TypeError/ValueError naming ``name``. ``optional``:
    None passes (returns None)."""
    if v is None and optional:
        return None
    src = v
    if isinstance(v, dict) and isinstance(v.get("data"), dict) and isinstance(v["data"].get("rows"), (list, tuple)):
        v = v["data"]["rows"]
    if not isinstance(v, (list, tuple)) or not all(isinstance(r, dict) for r in v):
        kind = f"a saved run named {src.get('name')!r}" if isinstance(src, dict) and "name" in src else type(src).__name__
        raise TypeError(f"{name} must be a list of {what} (dicts with {', '.join(map(repr, keys))}), got {kind}")
    if not v:
        raise ValueError(f"{name} is empty: it must hold at least one of the {what}")
    missing = sorted({k for r in v for k in keys if k not in r})
    if missing:
        raise ValueError(f"{name} must hold {what} with {', '.join(map(repr, keys))}; these rows lack {missing} "
                         f"(rows of another experiment?)")
    return list(v)


def _check_name(name) -> None:
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(f"name must be a plain file stem such as 'table1_reduced', got {name!r}")
