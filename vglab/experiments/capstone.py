"""Notebook 08's saved runs: every recurrent remedy on the SRN testbed (``capstone.run_srn``).

    python -m vglab.experiments.capstone --T 20 --networks 10 --updates 600 --adam-steps 200 \\
        --n-train 2000 --n-val 200 --n-test 500 --reduced --out capstone_T20       # notebook 08 §6, a few CPU minutes
    python -m vglab.experiments.capstone --T 100 --networks 5 --updates 1500 --adam-steps 400 \\
        --n-train 2000 --n-val 200 --n-test 500 --reduced --out capstone_T100      # notebook 08 §7
    python -m vglab.experiments.capstone --testbed mlp --seeds 5 --steps 600 --out capstone_mlp
                                          # notebook 08 §4: the deep MLP, every remedy × 5 seeds
    python -m vglab.experiments.capstone --T 100 --networks 10 --updates 100000 --adam-steps 20000 \\
        --n-train 20000 --n-val 1000 --n-test 10000 --out capstone_T100       # the paper's size: a GPU job

Plain SGD, clipping, Pascanu's Ω and dS sampling train copies of the same initial SRNs in the paper's
regime (momentum SGD, lr 1e-5, summed loss, minibatch 10); the SRN control and the LSTMs (forget-gate
bias 0 and 1) train with Adam as in notebook 04. ``--cost-repeats`` updates per paper-regime row are
timed computing only what that method needs (``capstone.paper_update_seconds``). Writes
``results/<out>.json`` via ``vglab.results.save``: the rows (scores per network, Q at init and after,
% saturated, time per update and cost against the baseline, verdict), the settings and the provenance.

``--seed-rows-from NAME``: start from the rows of ``results/NAME.json`` made with the same settings (the
remedy list aside) and compute only the remedies it lacks -- for adding rows to a long saved run. The rows
taken from it carry the saved run's ``commit`` (or their own, where they record one).

Every row this program computes carries ``commit``, the commit of the code that computed it.
A remedy whose training diverges (``train.DivergenceError``) gets no row; its message is saved under
``data["diverged"]``.

Resumable: remedies are independent (each starts from the same seeded data and networks), so the
run checkpoints after every remedy to ``results/<out>.partial.json`` (atomically, the one before kept as
``.prev``; ``vglab.runfiles``) and, started again with the
same settings and the same commit (another commit is refused), skips the remedies already done; ``--max-minutes M`` stops after the remedy that
passes M minutes (exit code 3: run the same command again). The granularity is one remedy.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .. import _args, capstone, ds_train, results, runfiles
from ..train import DivergenceError
from ..runtime import device as _device


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m vglab.experiments.capstone", description=__doc__.split("\n")[0])
    p.add_argument("--testbed", default="srn", help="srn (default: the recurrent rows) or mlp (the deep MLP rows)")
    p.add_argument("--seeds", type=int, default=5, help="--testbed mlp: seeds 0..N-1 per remedy (default 5)")
    p.add_argument("--steps", type=int, default=600, help="--testbed mlp: momentum-SGD steps (default 600)")
    p.add_argument("--T", type=int, default=100, help="sequence length of temporal order (default 100)")
    p.add_argument("--networks", type=int, default=10, help="networks per remedy (paper: 10)")
    p.add_argument("--updates", type=int, default=100_000, help="minibatches, paper-regime rows (paper: 100 000)")
    p.add_argument("--adam-steps", type=int, default=20_000, help="Adam steps, SRN control and LSTM rows")
    p.add_argument("--n-train", type=int, default=20_000, help="training sequences (paper: 20 000)")
    p.add_argument("--n-val", type=int, default=1_000, help="validation sequences (paper: 1 000)")
    p.add_argument("--n-test", type=int, default=10_000, help="test sequences (paper: 10 000)")
    p.add_argument("--cost-repeats", type=int, default=20,
                   help="timed updates per paper-regime row for its cost (default 20)")
    p.add_argument("--remedies", default=None,
                   help="comma-separated (default: all of the testbed), from: %s; or, for mlp: %s"
                   % (", ".join(capstone.SRN_REMEDIES), ", ".join(capstone.MLP_REMEDIES)))
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: vglab.device())")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="results/<out>.json (default capstone_T<T>)")
    p.add_argument("--results-dir", default=None, help="where to write (default: the repo's results/)")
    p.add_argument("--reduced", action="store_true", help="label the run as smaller than the paper's")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop after the remedy that passes this many minutes (exit 3; run again to resume)")
    p.add_argument("--seed-rows-from", default=None,
                   help="start from the rows of results/<NAME>.json (same settings but the remedy list); "
                        "compute only the missing remedies; each row keeps the commit that computed it")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(_args.argv("argv", argv))
    with _args.cli_errors(p):  # every argument checked before any data or training: exit 2, message
        check(a)
    return a


def check(a) -> None:
    """Check (and normalise) parsed arguments; ValueError/TypeError naming the flag and what is allowed."""
    _args.namespace("a", a, SETTINGS + MLP_SETTINGS + ("max_minutes", "out", "device", "seed_rows_from"), "capstone")
    _args.choice("--testbed", a.testbed, ("srn", "mlp"))
    table = capstone.MLP_REMEDIES if a.testbed == "mlp" else capstone.SRN_REMEDIES
    a.remedies = _args.names("--remedies", a.remedies if a.remedies is not None else ",".join(table), table)
    for name in ("seeds", "steps"):
        _args.integer("--" + name, getattr(a, name), lo=1)
    lows = {"T": 10, "networks": 1, "updates": 1, "adam_steps": 1, "n_train": ds_train.Config.batch_size,
            "n_val": 1, "n_test": 1, "seed": 0, "cost_repeats": 1}  # n_train: at least one minibatch of the paper's regime
    for name, lo in lows.items():
        _args.integer("--" + name.replace("_", "-"), getattr(a, name), lo=lo)
    _args.optional(_args.real, "--max-minutes", a.max_minutes, lo=0)
    a.out = a.out or (f"capstone_T{a.T}" if a.testbed == "srn" else "capstone_mlp")
    _args.file_stem("--out", a.out)
    _args.optional(_args.device_name, "--device", a.device)
    _args.optional(_args.file_stem, "--seed-rows-from", a.seed_rows_from)


SETTINGS = ("T", "networks", "updates", "adam_steps", "n_train", "n_val", "n_test", "seed", "cost_repeats",
            "remedies")
MLP_SETTINGS = ("testbed", "seeds", "steps", "remedies")


def _partial_path(args) -> Path:
    d = Path(args.results_dir) if args.results_dir else results.results_dir()
    return d / f"{args.out}.partial.json"


def _seed_rows(args, settings) -> list:
    """The rows of ``--seed-rows-from`` that this run asks for, each with its commit (none: [])."""
    if not args.seed_rows_from:
        return []
    d = Path(args.results_dir) if args.results_dir else None
    old = results.load(args.seed_rows_from, d)
    mine = {k: v for k, v in settings.items() if k != "remedies"}
    theirs = {k: v for k, v in old["data"]["settings"].items() if k != "remedies"}
    if mine != theirs:
        raise runfiles.RunFileError(f"--seed-rows-from {args.seed_rows_from}: its settings {theirs} differ from "
                                    f"this run's {mine}")
    commit = old["provenance"].get("commit", "unknown")
    return [{**r, "commit": r.get("commit", commit)} for r in old["data"]["rows"] if r["remedy"] in args.remedies]


def run(args, command: str | None = None) -> Path | None:
    """Run the remedies not done yet (checkpoint after each); the results path when all are done,
    ``None`` when ``--max-minutes`` stopped it first. A second run into the same --out refuses."""
    partial = _partial_path(args)
    with runfiles.lock(partial.with_name(f"{args.out}.json")):
        return _run(args, command, partial)


def _run(args, command, partial):
    dev = _device(args.device)
    settings = {k: getattr(args, k) for k in (MLP_SETTINGS if args.testbed == "mlp" else SETTINGS)}
    commit = results.provenance(dev)["commit"]  # stamped on every row this run computes
    done = runfiles.load_checkpoint(partial, fmt="json")
    if done is not None:
        runfiles.check_settings(partial, done.get("settings"), settings)
        if done.get("commit", commit) != commit:  # a resume must run the code that computed the rows so far
            raise runfiles.RunFileError(f"{partial} holds a run computed by commit {done['commit']}, this code is "
                                        f"commit {commit}: finish it with that code, or delete {partial} (and its "
                                        ".prev) to start over")
        print(f"resuming: {len(done['rows'])} of {len(args.remedies)} remedies done")
    else:
        done = {"settings": settings, "rows": _seed_rows(args, settings), "wall_s": 0.0, "commit": commit}
    t_start = time.time()
    for name in args.remedies:
        if any(r["remedy"] == name for r in done["rows"]) or name in done.get("diverged", {}):
            continue
        t0 = time.time()
        try:
            new = _one(args, name, dev)
        except DivergenceError as e:  # the remedy's training blew up: no row, the message is kept
            done.setdefault("diverged", {})[name] = str(e)
            new = []
        for r in new:
            r["commit"] = commit
        done["rows"] += new
        done["wall_s"] += time.time() - t0
        runfiles.save_checkpoint(partial, done, fmt="json")  # atomic, the previous one kept as .prev
        if args.max_minutes is not None and time.time() - t_start > 60 * args.max_minutes \
                and len(done["rows"]) + len(done.get("diverged", {})) < len(args.remedies):
            print(f"stopped after {name} ({len(done['rows'])} of {len(args.remedies)} remedies): run again to resume")
            return None
    order = {n: i for i, n in enumerate(args.remedies)}
    rows = capstone.add_verdicts(sorted(done["rows"], key=lambda r: order[r["remedy"]]))
    data = {"settings": settings, "rows": rows, **({"diverged": done["diverged"]} if done.get("diverged") else {})}
    path = results.save(args.out, data,
                        results.provenance(dev, done["wall_s"], command=command), reduced=args.reduced,
                        directory=Path(args.results_dir) if args.results_dir else None)
    for p in (partial, partial.with_name(partial.name + ".prev")):
        p.unlink(missing_ok=True)
    print(capstone.format_table(rows, markdown=False))
    for name, msg in done.get("diverged", {}).items():
        print(f"{name}: no row, {msg}")
    print(f"wrote {path}")
    return path


def _one(args, name, dev) -> list:
    """The row(s) of one remedy."""
    return capstone.run_mlp([name], steps=args.steps, seeds=tuple(range(args.seeds)), device=dev,
                                         progress_bar=not args.no_progress) if args.testbed == "mlp" else \
            capstone.run_srn([name], T=args.T, n_networks=args.networks, updates=args.updates,
                                         adam_steps=args.adam_steps, n_train=args.n_train, n_val=args.n_val,
                                         n_test=args.n_test, seed=args.seed, cost_repeats=args.cost_repeats, device=dev,
                                         progress_bar=not args.no_progress)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    try:
        path = run(args, command="python -m vglab.experiments.capstone " + " ".join(argv))
    except (runfiles.RunFileError, FileNotFoundError) as e:
        raise SystemExit(f"capstone: {e}") from None
    return 0 if path is not None else 3


if __name__ == "__main__":
    sys.exit(main())
