"""Notebook 08's saved run: every recurrent remedy on the SRN testbed at T = 100 (``capstone.run_srn``).

    python -m vglab.experiments.capstone --T 100 --networks 10 --updates 100000 --adam-steps 20000 \\
        --n-train 20000 --n-val 1000 --n-test 10000 --out capstone_T100       # the paper's size: a GPU job
    python -m vglab.experiments.capstone --T 100 --networks 2 --updates 1000 --adam-steps 300 \\
        --n-train 2000 --n-val 200 --n-test 500 --reduced --out capstone_T100  # a CPU run of a few minutes

Plain SGD, clipping, Pascanu's Ω and dS sampling train copies of the same initial SRNs in the paper's
regime (momentum SGD, lr 1e-5, summed loss, minibatch 10); the SRN control and the LSTMs (forget-gate
bias 0 and 1) train with Adam as in notebook 04. Writes ``results/<out>.json`` via
``vglab.results.save``: the rows (score, Q at init and after, % saturated, wall time, device, verdict),
the settings and the provenance.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .. import capstone, results
from ..runtime import device as _device


def parse(argv=None):
    p = argparse.ArgumentParser(prog="python -m vglab.experiments.capstone", description=__doc__.split("\n")[0])
    p.add_argument("--T", type=int, default=100, help="sequence length of temporal order (default 100)")
    p.add_argument("--networks", type=int, default=10, help="networks per remedy (paper: 10)")
    p.add_argument("--updates", type=int, default=100_000, help="minibatches, paper-regime rows (paper: 100 000)")
    p.add_argument("--adam-steps", type=int, default=20_000, help="Adam steps, SRN control and LSTM rows")
    p.add_argument("--n-train", type=int, default=20_000)
    p.add_argument("--n-val", type=int, default=1_000)
    p.add_argument("--n-test", type=int, default=10_000)
    p.add_argument("--remedies", default=",".join(capstone.SRN_REMEDIES),
                   help="comma-separated, from: %s" % ", ".join(capstone.SRN_REMEDIES))
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: vglab.device())")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="results/<out>.json (default capstone_T<T>)")
    p.add_argument("--results-dir", default=None, help="where to write (default: the repo's results/)")
    p.add_argument("--reduced", action="store_true", help="label the run as smaller than the paper's")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    a.remedies = [r for r in a.remedies.split(",") if r]
    for r in a.remedies:
        if r not in capstone.SRN_REMEDIES:
            p.error(f"--remedies: {r!r} is not one of {list(capstone.SRN_REMEDIES)}")
    for name in ("T", "networks", "updates", "adam_steps", "n_train", "n_val", "n_test"):
        if getattr(a, name) < (10 if name == "T" else 1):
            p.error(f"--{name.replace('_', '-')} is too small")
    a.out = a.out or f"capstone_T{a.T}"
    return a


def run(args, command: str | None = None) -> Path:
    dev = _device(args.device)
    t0 = time.time()
    rows = capstone.run_srn(args.remedies, T=args.T, n_networks=args.networks, updates=args.updates,
                            adam_steps=args.adam_steps, n_train=args.n_train, n_val=args.n_val,
                            n_test=args.n_test, seed=args.seed, device=dev, progress_bar=not args.no_progress)
    settings = {k: getattr(args, k) for k in ("T", "networks", "updates", "adam_steps", "n_train", "n_val",
                                              "n_test", "seed", "remedies")}
    path = results.save(args.out, {"settings": settings, "rows": rows},
                        results.provenance(dev, time.time() - t0, command=command), reduced=args.reduced,
                        directory=Path(args.results_dir) if args.results_dir else None)
    print(capstone.format_table(rows, markdown=False))
    print(f"wrote {path}")
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run(parse(argv), command="python -m vglab.experiments.capstone " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
