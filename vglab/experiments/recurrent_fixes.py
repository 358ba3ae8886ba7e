"""Notebook 04's sections 7-8 at a fixed size, saved: the per-step-factor remedies and truncated BPTT.

    python -m vglab.experiments.recurrent_fixes --networks 10 --out recurrent_fixes_T40   # a few CPU minutes

Temporal order at length ``--T`` (default 40), ``--hidden`` units (32), ``--networks`` networks per
kind, Adam at learning rate 0.01, minibatch 32, gradient clipped at norm 1 per network,
``--steps`` steps (300), test accuracy on 500 held-out sequences (``lstm.train_on_task``), as in
notebook 04. Section 7: every kind of ``rnn_fixes.KINDS`` (``rnn_fixes.make_models``, seeded with
``--seed``) and an LSTM at forget-gate bias 1 (``lstm.MultiLSTM``, seeded with ``--seed`` + 1) train on
the same minibatches (``rnn_fixes.train_models``, seeded with ``--seed`` + 2). Section 8: that LSTM,
rebuilt from the same seed for each k of ``--truncations``, trains with truncated BPTT
(``rnn_fixes.train_on_task(..., truncate=k)``) on the same minibatches.

Writes ``results/<out>.json`` via ``vglab.results.save``: ``data["settings"]``, ``data["kinds"]``
(kind -> the final test accuracy of each network) and ``data["truncations"]`` (str(k) -> the same).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from .. import _args, lstm, results, rnn_fixes
from ..runtime import device as _device

LSTM = "LSTM f-bias 1"
SETTINGS = ("T", "hidden", "networks", "steps", "truncations", "seed")


def parse(argv=None):
    _args.argv("argv", argv)
    p = argparse.ArgumentParser(prog="python -m vglab.experiments.recurrent_fixes",
                                description=__doc__.split("\n")[0])
    p.add_argument("--T", type=int, default=40, help="sequence length of temporal order (default 40)")
    p.add_argument("--hidden", type=int, default=32, help="hidden units per network (default 32)")
    p.add_argument("--networks", type=int, default=10, help="networks per kind (default 10)")
    p.add_argument("--steps", type=int, default=300, help="Adam steps (default 300)")
    p.add_argument("--truncations", default="10,25,T",
                   help="comma-separated truncation lengths k, 'T' for full BPTT (default 10,25,T)")
    p.add_argument("--seed", type=int, default=5, help="seed of the networks; +1 the LSTM, +2 the minibatches")
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: vglab.device())")
    p.add_argument("--out", default=None, help="results/<out>.json (default recurrent_fixes_T<T>)")
    p.add_argument("--results-dir", default=None, help="where to write (default: the repo's results/)")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    with _args.cli_errors(p):  # every argument checked before any training: exit 2, message
        check(a)
    return a


def check(a) -> None:
    """Check (and normalise) parsed arguments; ValueError/TypeError naming the flag and what is allowed."""
    _namespace(a)
    lows = {"T": 10, "hidden": 1, "networks": 1, "steps": 1, "seed": 0}
    for name, lo in lows.items():
        _args.integer("--" + name, getattr(a, name), lo=lo)
    ks = []
    given = a.truncations
    if isinstance(given, list) and given and all(isinstance(k, int) and not isinstance(k, bool) for k in given):
        given = ",".join(map(str, given))  # already normalised by an earlier check
    for part in _args.text("--truncations", given, empty=False).split(","):
        part = part.strip()
        k = a.T if part == "T" else (int(part) if part.isdigit() else None)
        if k is None or not 1 <= k <= a.T:
            raise ValueError(f"--truncations must list whole numbers from 1 to --T ({a.T}) or 'T', got {part!r}")
        ks.append(k)
    a.truncations = sorted(set(ks))
    a.out = a.out or f"recurrent_fixes_T{a.T}"
    _args.file_stem("--out", a.out)
    _args.optional(_args.device_name, "--device", a.device)


def _namespace(a) -> None:
    _args.namespace("a", a, SETTINGS, "recurrent_fixes")


def _accuracy(hist) -> list:
    return [round(float(v), 4) for v in torch.as_tensor(hist["accuracy"][-1]).reshape(-1).tolist()]


def _lstm(a):
    return lstm.MultiLSTM(a.networks, 6, a.hidden, 4, forget_bias=1.0,
                          generator=torch.Generator().manual_seed(a.seed + 1))


def run(a, command: str | None = None) -> Path:
    """Train every kind, then every truncation; write the results JSON and return its path."""
    _namespace(a)
    if command is not None and not isinstance(command, str):
        raise TypeError(f"command must be a string or None, got {type(command).__name__}")
    dev = _device(a.device)
    prov = results.provenance(dev, command=command)  # the commit that runs, before any file changes meanwhile
    t0 = time.time()
    models = rnn_fixes.make_models(6, a.hidden, 4, n_networks=a.networks,
                                   generator=torch.Generator().manual_seed(a.seed))
    models[LSTM] = _lstm(a)
    hists = rnn_fixes.train_models(models, "temporal_order", a.T, a.steps, seed=a.seed + 2, device=dev,
                                   progress_bar=not a.no_progress)
    kinds = {name: _accuracy(h) for name, h in hists.items()}
    truncations = {}
    for k in a.truncations:
        h = rnn_fixes.train_on_task(_lstm(a), "temporal_order", a.T, a.steps, truncate=k, device=dev,
                                    generator=torch.Generator().manual_seed(a.seed + 2), desc=f"k = {k}",
                                    progress_bar=not a.no_progress)
        truncations[str(k)] = _accuracy(h)
    data = {"settings": {s: getattr(a, s) for s in SETTINGS} | {"lr": 0.01, "batch_size": 32, "clip": 1.0,
                                                                "n_eval": 500, "task": "temporal_order"},
            "kinds": kinds, "truncations": truncations}
    prov["wall_time_s"] = round(time.time() - t0, 1)
    path = results.save(a.out, data, prov, reduced=True,
                        directory=Path(a.results_dir) if a.results_dir else None)
    for name, acc in {**kinds, **{f"k = {k}": v for k, v in truncations.items()}}.items():
        print(f"{name}: {', '.join(f'{v:.3f}' for v in acc)}")
    print(f"wrote {path}")
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    run(a, command="python -m vglab.experiments.recurrent_fixes " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
