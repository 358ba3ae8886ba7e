"""Table 1 of the paper (SOURCES.md §1.4): plain SGD vs dS sampling on the same initial networks.

Per task, M networks are drawn once (init variance 0.01); every reading trains a copy of the SAME
networks on the same data and minibatch order; the kept ("save best" by validation) network is
scored on the test set. Writes ``results/<out>.json`` (``vglab.results.save``): per-network test
scores, best/mean per task and reading, the paper's numbers and the provenance.

Two engines, the same numbers (tests/test_engine.py compares them in float64):

* ``--engine fast`` (``vglab.engine``): all tasks × readings × networks in ONE batched step
  (4 × 2 × 10 = 80 networks for the paper's table), CUDA-graph captured on a GPU
  (``--mode auto``). Resumable: with ``--max-minutes N`` a call stops cleanly after about N
  minutes at an epoch boundary, writing ``checkpoints/<out>.fast.pt``; it also checkpoints every
  ``--checkpoint-minutes`` (default 2), so a killed call loses at most that much. Rerun the same
  command to go on; the exit status is 3 while unfinished, 0 once the JSON is written.
* ``--engine reference`` (``vglab.ds_train``): one (task, reading) after another, checkpointed
  after each; any reading (also "pascanu").

Every run file goes through ``vglab.runfiles``: written atomically, the previous checkpoint kept as
``.prev``, a resume with other settings (or other engine code) refused, one run per ``--out`` (a lock).

``--engine auto`` (the default) takes the fast engine on CUDA and the reference on the CPU.
``--verify`` first runs both engines side by side for ``--verify-updates`` (200) updates in float64
on the run's device and stores the largest differences in the JSON ("verify").

On a GPU, the paper's Table 1 (T = 100) and Table 2 (T = 150), each call under 10 minutes::

    python -m vglab.experiments.table1 --full --T 100 --out table1_T100 --verify --max-minutes 8 --no-progress
    # exit status 3: not finished, run the SAME command again (it resumes); 0: results/table1_T100.json
    python -m vglab.experiments.table1 --full --T 150 --out table1_T150 --verify --max-minutes 8 --no-progress

or unattended: ``until <the command>; do [ $? -eq 3 ] || break; done``. Reduced CPU runs are
committed for the notebooks; their commands are in their JSON's provenance. The readings of
``ds_train.OWN_REGIME`` (Pascanu's regime) train his own network, ``ds_train.PASCANU_MODEL``.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import sys
import time
from pathlib import Path

import torch

from .. import _args, _checked, ds_train, engine, pascanu, results, runfiles, srn, tasks
from ..ds_tables import PAPER_T100, PAPER_T150, epoch_trace, summarise, summarise_epochs, table  # noqa: F401
from ..runtime import cpu_threads, device as _device

READINGS = ds_train.READINGS
SETTINGS = ("tasks", "T", "networks", "updates", "methods", "n_train", "n_val", "n_test", "hidden", "seed")
ARGS = SETTINGS + ("full", "reduced", "max_minutes", "checkpoint_minutes", "out", "test_every", "device", "engine",
                   "verify_updates", "threads")  # what check/use_fast read of parse()'s Namespace



def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m vglab.experiments.table1", description=__doc__.split("\n")[0])
    p.add_argument("--tasks", default=",".join(tasks.TASKS), help="comma-separated, from %s" % (tasks.TASKS,))
    p.add_argument("--T", type=int, default=100, help="sequence length (paper: 100; Table 2: 150)")
    p.add_argument("--networks", type=int, default=10, help="networks per task (paper: 10)")
    p.add_argument("--updates", type=int, default=100_000, help="minibatches drawn (paper: 100 000)")
    p.add_argument("--methods", default="plain,ds", help="comma-separated readings: %s" % ", ".join(READINGS))
    p.add_argument("--n-train", type=int, default=20_000)
    p.add_argument("--n-val", type=int, default=1_000)
    p.add_argument("--n-test", type=int, default=10_000)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: vglab.device())")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="table1", help="results/<out>.json")
    p.add_argument("--results-dir", default=None, help="where to write (default: the repo's results/)")
    p.add_argument("--checkpoint-dir", default="checkpoints")
    p.add_argument("--reduced", action="store_true", help="label the run as smaller than the paper's")
    p.add_argument("--max-minutes", "--chunk-minutes", dest="max_minutes", type=float, default=None,
                   help="stop cleanly after about this many minutes (rerun the same command to resume)")
    p.add_argument("--checkpoint-minutes", type=float, default=2.0,
                   help="fast engine: also checkpoint every this many minutes (default 2)")
    p.add_argument("--engine", choices=("auto", "fast", "reference"), default="auto",
                   help="fast: vglab.engine (all networks in one batched step); reference: vglab.ds_train; "
                        "auto: fast on CUDA, reference elsewhere")
    p.add_argument("--mode", choices=engine.MODES, default="auto",
                   help="fast engine: eager, compile, cuda_graph, compile_cuda_graph (auto: cuda_graph on CUDA)")
    p.add_argument("--no-fuse", action="store_true", help="fast engine: one task at a time instead of all fused")
    p.add_argument("--sweep", choices=("recompute", "reuse"), default="recompute",
                   help="fast engine's dS sweep: recompute δ in float64 like ds_sampling (default), or reuse the "
                        "backward pass's δ (a quarter of the arithmetic; equal in float64, ~1e-7 in float32)")
    p.add_argument("--threads", type=int, default=1, help="fast engine: torch CPU threads (default 1)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                   help="fast engine: the precision of every step (float32; float64 equals the reference)")
    p.add_argument("--records", choices=("full", "epoch"), default="full",
                   help="fast engine: keep every update's records (full) or per-epoch summaries only (epoch: a "
                        "small checkpoint for long runs; the JSON's traces are per epoch)")
    p.add_argument("--test-every", type=float, default=None,
                   help="fast engine: score the kept networks on the test set every this fraction of the run "
                        "(0.1: every 10 %%); with --records epoch it also writes <checkpoint-dir>/<out>.progress.json")
    p.add_argument("--full", action="store_true",
                   help="the paper's size: all 4 tasks, 10 networks, 100 000 updates, 20 000/1 000/10 000 "
                        "sequences, 100 units, plain and ds (T from --T)")
    p.add_argument("--verify", action="store_true",
                   help="first run both engines side by side (float64) and record the largest differences")
    p.add_argument("--verify-updates", type=int, default=200)
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(_args.argv("argv", argv))
    with _args.cli_errors(p):  # every argument checked before any data or training: exit 2, message
        check(a)
    return a


def check(a) -> None:
    """Check (and normalise) parsed arguments; ValueError/TypeError naming the flag and what is allowed."""
    _args.namespace("a", a, ARGS, "table1")
    if a.full:
        if a.reduced:
            raise ValueError("--full and --reduced contradict each other")
        a.tasks, a.methods = ",".join(tasks.TASKS), "plain,ds"
        a.networks, a.updates, a.n_train, a.n_val, a.n_test, a.hidden = 10, 100_000, 20_000, 1_000, 10_000, 100
    a.tasks = _args.names("--tasks", a.tasks, tasks.TASKS)
    a.methods = _args.names("--methods", a.methods, READINGS)
    for flag, lo in (("T", 10), ("networks", 1), ("updates", 1), ("n_train", ds_train.Config.batch_size),
                     ("n_val", 1), ("n_test", 1), ("hidden", 1), ("seed", 0), ("verify_updates", 1)):
        _args.integer("--" + flag.replace("_", "-"), getattr(a, flag), lo=lo)
    _args.threads("--threads", a.threads)
    _args.optional(_args.real, "--max-minutes", a.max_minutes, lo=0)
    _args.positive_real("--checkpoint-minutes", a.checkpoint_minutes)  # a period: 0 would never finish
    _args.file_stem("--out", a.out)
    _args.optional(_args.real, "--test-every", a.test_every, lo=0)
    if a.test_every is not None and not 0 < a.test_every <= 1:
        raise ValueError(f"--test-every must be a fraction in (0, 1], got {a.test_every}")
    _args.optional(_args.device_name, "--device", a.device)
    if a.engine == "fast" and not all(engine.supported(m) for m in a.methods):
        raise ValueError(f"--engine fast runs {[r for r in READINGS if engine.supported(r)]}, got --methods "
                         f"{','.join(a.methods)} (use --engine reference)")


def run(args, command: str | None = None) -> Path | None:
    """Train (or resume) and save the JSON when all is done; None when stopped by --max-minutes."""
    dev = _device(args.device)
    if use_fast(args, dev):
        return run_fast(args, dev, command)
    return run_reference(args, dev, command)


def use_fast(args, dev) -> bool:
    """--engine fast, or auto on CUDA; the fast engine runs plain, ds, ds_* and clipping readings."""
    _args.namespace("args", args, ARGS, "table1"), _checked.instance("dev", dev, torch.device, "a torch.device")
    supported = all(engine.supported(m) for m in args.methods)  # --engine fast: checked in check()
    return args.engine == "fast" or (args.engine == "auto" and dev.type == "cuda" and supported)


def run_reference(args, dev, command: str | None = None) -> Path | None:
    """Train every (task, method) not in the checkpoint yet; save the JSON when all are done."""
    ckpt_path = Path(args.checkpoint_dir) / f"{args.out}.pt"
    with runfiles.lock(_result_path(args), ckpt_path):  # a second run into this --out refuses
        return _run_reference(args, dev, command, ckpt_path)


def _run_reference(args, dev, command, ckpt_path):
    settings = _settings(args, "reference")
    ckpt = runfiles.load_checkpoint(ckpt_path) or {"settings": settings, "done": {}, "wall": 0.0}
    runfiles.check_settings(ckpt_path, ckpt.get("settings"), settings)  # never mix rows of other settings
    t0 = t_start = time.time()
    out_of_time, n_new = False, 0
    for ti, task in enumerate(args.tasks):
        if all(f"{task}/{name}" in ckpt["done"] for name in args.methods):
            continue
        data = ds_train.make_data(task, args.T, args.n_train, args.n_val, args.n_test, seed=args.seed + ti, device=dev)
        init = initial_networks(task, args, dev, seed=args.seed + 1000 + ti)
        init_own = initial_networks(task, args, dev, seed=args.seed + 1000 + ti, own=True)
        for name in args.methods:
            key = f"{task}/{name}"
            if key in ckpt["done"]:
                continue
            if args.max_minutes is not None and n_new and time.time() - t_start > 60 * args.max_minutes:
                out_of_time = True  # at least one (task, method) per call, so every call makes progress
                break
            method, overrides = READINGS[name]
            own = name in ds_train.OWN_REGIME  # Pascanu's regime: his 50-unit smart_tanh network
            model = (init_own if own else init)()
            r = ds_train.train(model, data, method, args.updates, ds_train.Config(**overrides), seed=args.seed,
                               device=dev, progress_bar=not args.no_progress, desc=key)
            ckpt["done"][key] = {**summarise(r), "model": (dict(ds_train.PASCANU_MODEL) if own else
                                                           {"hidden": args.hidden, "init": "N(0, 0.01)"})}
            n_new += 1
            ckpt["wall"] += time.time() - t0
            t0 = time.time()
            runfiles.save_checkpoint(ckpt_path, ckpt)
        if out_of_time:
            break
    if out_of_time:
        print(f"stopped after --max-minutes; rerun the same command to resume from {ckpt_path}")
        return None
    data = table(args, ckpt["done"])
    data["engine"] = {"engine": "reference"}
    return _save(args, data, dev, ckpt["wall"] + time.time() - t0, command)


def _result_path(args) -> Path:
    return (Path(args.results_dir) if args.results_dir else results.results_dir()) / f"{args.out}.json"


def _save(args, data, dev, wall, command):
    with cpu_threads(args.threads, dev) if use_fast(args, dev) else contextlib.nullcontext():
        prov = results.provenance(dev, wall, command=command)  # names the threads the engine trained with
    path = results.save(args.out, data, prov, reduced=args.reduced or not paper_size(args),
                        directory=Path(args.results_dir) if args.results_dir else None)
    print(f"wrote {path}")
    return path


def paper_size(args) -> bool:
    """True when every task run is at the paper's size (10 networks, 100 000 updates, its set sizes, 100
    hidden units, plain and dS): one column of Table 1 at full size counts, as the whole table does."""
    _args.namespace("args", args, ARGS, "table1")
    return (set(args.tasks) <= set(tasks.TASKS) and args.networks >= 10 and args.updates >= 100_000
            and args.n_train >= 20_000 and args.n_val >= 1_000 and args.n_test >= 10_000 and args.hidden == 100
            and {"plain", "ds"} <= set(args.methods))


def run_fast(args, dev, command: str | None = None) -> Path | None:
    """The fast engine: all tasks fused (or one after another with --no-fuse), resumable per epoch."""
    ckpt_path = Path(args.checkpoint_dir) / f"{args.out}.fast.pt"
    with runfiles.lock(_result_path(args), ckpt_path):  # a second run into this --out refuses
        return _run_fast(args, dev, command, ckpt_path)


def _run_fast(args, dev, command, ckpt_path):
    settings = _settings(args, "fast")
    ckpt = runfiles.load_checkpoint(ckpt_path) or {
        "settings": settings, "done": {}, "wall": 0.0, "train_s": 0.0, "updates_run": 0, "verify": None,
        "state": None, "group": 0}
    runfiles.check_settings(ckpt_path, ckpt.get("settings"), settings)
    t_start, wall0, eng = time.time(), ckpt["wall"], None

    def save():
        ckpt["wall"] = wall0 + time.time() - t_start
        runfiles.save_checkpoint(ckpt_path, ckpt)  # atomic, the previous one kept as .prev
        if args.records == "epoch" and eng is not None:  # the run so far, readable without torch
            runfiles.write_json(ckpt_path.with_name(f"{args.out}.progress.json"), _progress(args, eng, ckpt))

    problems = {}
    for ti, task in enumerate(args.tasks):
        data = ds_train.make_data(task, args.T, args.n_train, args.n_val, args.n_test, seed=args.seed + ti, device=dev)
        problems[task] = (initial_networks(task, args, dev, seed=args.seed + 1000 + ti)(), data)
    if args.verify and ckpt["verify"] is None:
        task = args.tasks[0]
        ckpt["verify"] = {"task": task, **engine.verify(problems[task][0], problems[task][1], args.methods,
                                                        args.verify_updates, seed=args.seed, device=dev,
                                                        mode=args.mode, sweep=args.sweep)}
        print("verify:", ckpt["verify"])
        save()
    groups = [list(args.tasks)] if not args.no_fuse else [[t] for t in args.tasks]
    deadline = None if args.max_minutes is None else t_start + 60 * args.max_minutes
    while ckpt["group"] < len(groups):
        group = groups[ckpt["group"]]
        eng = engine.Engine({t: problems[t] for t in group}, args.methods, ds_train.Config(), seed=args.seed,
                            device=dev, mode=args.mode, sweep=args.sweep, threads=args.threads,
                            dtype=getattr(torch, args.dtype), records=args.records,
                            test_at=engine.every(args.updates, args.test_every) if args.test_every else ())
        if ckpt["state"] is not None:
            eng.load_state_dict(ckpt["state"])
        done = ran = False
        while not done:  # every call runs at least one epoch, so every call makes progress
            left = None if deadline is None else deadline - time.time()
            if left is not None and left <= 0 and ran:
                break
            budget = 60 * args.checkpoint_minutes if left is None else max(0.0, min(left, 60 * args.checkpoint_minutes))
            ran = True
            s0, t0 = eng.step_count, eng.train_s
            done = eng.run(args.updates, max_seconds=budget, progress_bar=not args.no_progress)
            ckpt["train_s"] += eng.train_s - t0
            ckpt["updates_run"] += eng.step_count - s0
            ckpt["compile_s"], ckpt["mode"] = eng.compile_s, eng.mode
            ckpt["state"] = eng.state_dict()
            save()
        if not done:
            print(f"stopped after --max-minutes at update {eng.step_count} of {args.updates}; "
                  f"rerun the same command to resume from {ckpt_path}")
            return None
        summ, curve = eng.summaries(), eng.test_curve()
        for task, by_reading in eng.runs().items():
            for name, r in by_reading.items():
                ckpt["done"][f"{task}/{name}"] = summarise(r) if args.records == "full" else \
                    summarise_epochs(r, summ[task][name], curve[task][name])
        ckpt["group"], ckpt["state"] = ckpt["group"] + 1, None
        save()
    data = table(args, ckpt["done"])
    data["engine"] = {"engine": "fast", "mode": ckpt.get("mode", args.mode), "fused": not args.no_fuse,
                      "networks_per_step": len(groups[0]) * len(args.methods) * args.networks,
                      "ms_per_update": round(1000 * ckpt["train_s"] / max(1, ckpt["updates_run"]), 3),
                      "groups": len(groups), "compile_s": round(ckpt.get("compile_s", 0.0), 1), "sweep": args.sweep}
    if ckpt["verify"] is not None:
        data["verify"] = ckpt["verify"]
    return _save(args, data, dev, ckpt["wall"], command)


def _progress(args, eng, ckpt) -> dict:
    """The run so far: updates, wall time, per (task, reading) the kept networks' test scores at each
    point reached and ``ds_tables.epoch_trace`` of the run so far (``table1 --records epoch``)."""
    summ, curve = eng.summaries(), eng.test_curve()
    out = {"settings": ckpt["settings"], "updates_done": eng.step_count, "wall_s": round(ckpt["wall"], 1), "rows": {}}
    for task in eng.tasks:
        for name in eng.readings:
            s, c = summ[task][name], curve[task][name]
            out["rows"][f"{task}/{name}"] = {"test_at": list(c["at"]), "test_score": c["test_score"].round(4).tolist(),
                                             "trace": epoch_trace(s)}
    return out


def _settings(args, which: str) -> dict:
    """What a checkpoint must agree on: the table's settings, the engine (its layout) and its code."""
    keys = SETTINGS + (("no_fuse", "sweep", "dtype", "records", "test_every") if which == "fast" else ())
    here = Path(__file__).resolve().parents[1]
    files = [here / f"{m}.py" for m in ("ds_train", "ds_sampling", "srn", "tasks", "pascanu")]
    files += sorted((here / "engine").glob("*.py")) if which == "fast" else []
    return {**{k: getattr(args, k) for k in keys}, "engine": which, "code": runfiles.code_hash(files)}


def initial_networks(task, args, dev, seed, own: bool = False):
    """A factory of fresh copies of the SAME M initial networks: init variance 0.01, ``args.hidden``
    units; ``own=True``: Pascanu's network (``ds_train.PASCANU_MODEL``: 50 units, smart_tanh)."""
    g = torch.Generator().manual_seed(seed)
    out = "softmax" if tasks.is_classification(task) else "linear"
    hidden = ds_train.PASCANU_MODEL["hidden"] if own else args.hidden
    base = srn.SRN(tasks.n_inputs(task), hidden, tasks.n_outputs(task), sigma2=0.01,
                   n_networks=args.networks, output=out, generator=g)
    if own:
        pascanu.smart_tanh_(base, g)

    def fresh():
        return copy.deepcopy(base).to(dev)
    return fresh


def main(argv=None) -> int:
    """Exit status 0: done; 2: a bad argument; 3: stopped by --max-minutes; 1: a run file refused (message)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    try:
        path = run(args, command="python -m vglab.experiments.table1 " + " ".join(argv))
    except runfiles.RunFileError as e:
        raise SystemExit(f"table1: {e}") from None
    return 0 if path is not None else 3


if __name__ == "__main__":
    sys.exit(main())
