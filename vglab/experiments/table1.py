"""Table 1 of the paper (seed 001, §8): plain SGD vs dS sampling on the same initial networks.

    python -m vglab.experiments.table1                       # the paper's size (a GPU job)
    python -m vglab.experiments.table1 --reduced --tasks temporal_order --T 20 --networks 4 \\
        --updates 2000 --out table1_reduced                  # a CPU run of a few minutes

For every task, M networks are drawn once (init variance 0.01) and every method ("reading")
trains a copy of the SAME networks on the same fixed data and minibatch order; the kept
("save best" by validation) network of each is scored on the test set. Writes
``results/<out>.json`` via ``vglab.results.save`` with per-network test scores, best/mean per task
and method, the paper's numbers beside them and the provenance. A checkpoint after every
finished (task, method) in ``checkpoints/<out>.pt`` lets an interrupted run resume.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from .. import ds_train, results, srn, tasks
from ..runtime import device as _device

READINGS = ds_train.READINGS
PAPER_T100 = {  # Table 1, % correct, (best, mean) of 10 networks; ">99" kept as text
    "plain": {"addition": ("99", "68"), "multiplication": (">99", "72"),
              "temporal_order": ("96", "44"), "temporal_order_3bit": (">99", "50")},
    "ds": {"addition": (">99", "96"), "multiplication": (">99", "68"),
           "temporal_order": (">99", "60"), "temporal_order_3bit": (">99", "62")},
}
PAPER_T150 = {
    "plain": {"addition": ("34", "11"), "temporal_order": ("51", "30"), "temporal_order_3bit": ("32", "24")},
    "ds": {"addition": ("47", "13"), "temporal_order": ("72", "42"), "temporal_order_3bit": ("37", "30")},
}


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
    p.add_argument("--chunk-minutes", type=float, default=None,
                   help="stop cleanly after this many minutes (rerun to resume from the checkpoint)")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    a.tasks = [t for t in a.tasks.split(",") if t]
    a.methods = [m for m in a.methods.split(",") if m]
    for t in a.tasks:
        if t not in tasks.TASKS:
            p.error(f"--tasks: {t!r} is not one of {tasks.TASKS}")
    for m in a.methods:
        if m not in READINGS:
            p.error(f"--methods: {m!r} is not one of {list(READINGS)}")
    for name in ("T", "networks", "updates"):
        if getattr(a, name) < (10 if name == "T" else 1):
            p.error(f"--{name} is too small")
    return a


def run(args, command: str | None = None) -> Path | None:
    """Train every (task, method) not in the checkpoint yet; save the JSON when all are done."""
    dev = _device(args.device)
    ckpt_path = Path(args.checkpoint_dir) / f"{args.out}.pt"
    ckpt = torch.load(ckpt_path, weights_only=False) if ckpt_path.is_file() else {"done": {}, "wall": 0.0}
    t0 = t_start = time.time()
    out_of_time, n_new = False, 0
    for ti, task in enumerate(args.tasks):
        data = ds_train.make_data(task, args.T, args.n_train, args.n_val, args.n_test, seed=args.seed + ti, device=dev)
        init = initial_networks(task, args, dev, seed=args.seed + 1000 + ti)
        for name in args.methods:
            key = f"{task}/{name}"
            if key in ckpt["done"]:
                continue
            if args.chunk_minutes is not None and n_new and time.time() - t_start > 60 * args.chunk_minutes:
                out_of_time = True  # at least one (task, method) per call, so every call makes progress
                break
            method, overrides = READINGS[name]
            model = init()
            r = ds_train.train(model, data, method, args.updates, ds_train.Config(**overrides), seed=args.seed,
                               device=dev, progress_bar=not args.no_progress, desc=key)
            ckpt["done"][key] = summarise(r)
            n_new += 1
            ckpt["wall"] += time.time() - t0
            t0 = time.time()
            ckpt_path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(ckpt, ckpt_path)
        if out_of_time:
            break
    if out_of_time:
        print(f"stopped after --chunk-minutes; rerun the same command to resume from {ckpt_path}")
        return None
    data = table(args, ckpt["done"])
    prov = results.provenance(dev, ckpt["wall"] + time.time() - t0, command=command)
    path = results.save(args.out, data, prov, reduced=args.reduced,
                        directory=Path(args.results_dir) if args.results_dir else None)
    print(f"wrote {path}")
    return path


def initial_networks(task, args, dev, seed):
    """A factory of fresh copies of the SAME M initial networks (init variance 0.01)."""
    g = torch.Generator().manual_seed(seed)
    out = "softmax" if tasks.is_classification(task) else "linear"
    base = srn.SRN(tasks.n_inputs(task), args.hidden, tasks.n_outputs(task), sigma2=0.01,
                   n_networks=args.networks, output=out, generator=g)
    state = {k: v.clone() for k, v in base.state_dict().items()}

    def fresh():
        m = srn.SRN(tasks.n_inputs(task), args.hidden, tasks.n_outputs(task), sigma2=0.01,
                    n_networks=args.networks, output=out)
        m.load_state_dict(state)
        return m.to(dev)
    return fresh


def summarise(r: ds_train.Run) -> dict:
    """What the JSON keeps of one run: scores per network, acceptance and Q over training."""
    n = len(r.q)
    stride = max(1, n // 200)  # Q, dS and acceptance thinned to ~200 points per network
    return {"method": r.method, "config": r.config,
            "test_score": [round(float(s), 4) for s in r.test_score],
            "best_val": [round(float(s), 4) for s in r.best_val],
            "best_epoch": [int(e) for e in r.best_epoch],
            "accept_rate": [round(float(a), 4) for a in r.accepted.mean(0)],
            "trace": {"update": list(range(0, n, stride)),
                      "q": [[round(float(v), 3) for v in row] for row in r.q[::stride].T],
                      "ds": [[float(f"{v:.3g}") for v in row] for row in r.ds[::stride].T],
                      "accepted": [[round(float(v), 3) for v in row] for row in
                                   r.accepted.reshape(-1, stride, r.accepted.shape[1]).mean(1).T]
                      if n % stride == 0 else []}}


def table(args, done: dict) -> dict:
    """Per task and method: per-network test scores, best and mean (in %), the paper beside."""
    rows = {}
    for key, s in done.items():
        task, name = key.split("/")
        if task not in args.tasks or name not in args.methods:
            continue
        sc = [100 * v for v in s["test_score"]]
        rows.setdefault(task, {})[name] = {**s, "best": round(max(sc), 1), "mean": round(sum(sc) / len(sc), 1),
                                           "success": sum(v > 99 for v in sc)}
    paper = PAPER_T100 if args.T == 100 else PAPER_T150 if args.T == 150 else {}
    settings = {k: getattr(args, k) for k in ("tasks", "T", "networks", "updates", "methods", "n_train",
                                                  "n_val", "n_test", "hidden", "seed")}
    return {"settings": settings, "rows": rows, "paper": paper, "paper_T100": PAPER_T100,
            "paper_T150": PAPER_T150}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    run(args, command="python -m vglab.experiments.table1 " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
