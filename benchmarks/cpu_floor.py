"""The CPU floor of a Table-1 step (the matrix products it cannot avoid) beside the engine, interleaved.

    .venv/bin/python benchmarks/cpu_floor.py                       # T = 100, 80 networks, 1 and 2 threads, f32 and f64
    .venv/bin/python benchmarks/cpu_floor.py --T 20 --repeats 3    # small

The floor of one update of the paper's Table 1 with dS (M = 4 tasks × {plain, ds} × 10 = 80 networks,
K = 100, minibatch B = 10, h = T − 1), each product at its real shape, as torch's ``bmm`` runs it
here (preallocated outputs, nothing else):

  forward chain    T products (B, K)·(K, K) per network, one after another (z(k−1)·W_rec)
  backward chain   T products (B, K)·(K, K) per network (δ(n)·W_recᵀ)
  dS chain         h products (B, K)·(K, K) per network (dδ(n)·W_recᵀ)
  dS inputs        ONE product (h·B, K)·(K, K) per network: δ(n)·dW_recᵀ for every n
  weight grads     ∂W_rec: (K, (T−1)·B)·((T−1)·B, K); ∂W_in: (C, T·B)·(T·B, K), C = 6; per network
  validation       T products (1000, K)·(K, K) per network every 50 updates (the paper's 1 000
                   sequences per epoch of 50 updates), counted as 1/50 per update

The engine row: ``vglab.engine.Engine`` on the same 80 networks (T-step sequences; addition and
multiplication up to 1.1 T, as in the paper), one training step (median of ``--steps``) plus one
validation of 1 000 sequences divided by 50 — what an update costs in a run. Engine and floor are
measured in the same process, interleaved per repeat and configuration (threads × dtype), so that
other jobs on the machine load both alike; the load average is recorded before and after.
Writes ``benchmarks/results/cpu_floor_T<T>_<stamp>.json``; ratios go to benchmarks/README.md.

``--decisions N``: instead, train the same networks (4 tasks × dS × ``--per-task``, the paper's
settings and set sizes, T = ``--T``) for N updates in float32 and in float64 from the same float64
initial weights and minibatches, and report how many accept/skip decisions differ (and where the
first differs: after that the two runs follow different weights). Validation does not feed back into
training, so a 10-sequence validation set stands in for the paper's 1 000 there.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vglab import ds_train, engine, srn, tasks  # noqa: E402

DT = {"float32": torch.float32, "float64": torch.float64}


def _ms(fn, n=1):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return 1000 * (time.perf_counter() - t0) / n


def floor_parts(T, M, K, B, dtype, n_val=1000, val_every=50, C=6):
    """{part: ms per update}: the unavoidable products of one update, each timed once (after a warm-up)."""
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g, dtype=dtype)  # noqa: E731
    W, h = r(M, K, K) * 0.1, T - 1
    z, out = r(M, B, K), torch.empty(M, B, K, dtype=dtype)

    def chain(n):
        def f():
            for _ in range(n):
                torch.bmm(z, W, out=out)
        return f
    big, TB = r(M, h * B, K), r(M, T * B, K)
    u, v = r(M, C, T * B), r(M, K, h * B)
    zv, ov = r(M, n_val, K), torch.empty(M, n_val, K, dtype=dtype)

    def val():
        for _ in range(T):
            torch.bmm(zv, W, out=ov)
    parts = {"forward chain": chain(T), "backward chain": chain(T), "dS chain": chain(h),
             "dS inputs": lambda: torch.bmm(big, W), "weight grads": lambda: (torch.bmm(v, big), torch.bmm(u, TB)),
             "validation": val}
    res = {}
    for name, fn in parts.items():
        fn()  # warm-up
        res[name] = _ms(fn) / (val_every if name == "validation" else 1)
    return res


def make_engine(T, dtype, threads, n_train=2000, n_val=1000, K=100, sweep="auto"):
    problems = {}
    for i, task in enumerate(tasks.TASKS):
        data = ds_train.make_data(task, T, n_train, n_val, n_val, seed=i)
        model = srn.SRN(tasks.n_inputs(task), K, tasks.n_outputs(task), sigma2=0.01, n_networks=10,
                        output="softmax" if tasks.is_classification(task) else "linear",
                        generator=torch.Generator().manual_seed(100 + i))
        problems[task] = (model, data)
    return engine.Engine(problems, ("plain", "ds"), ds_train.Config(), dtype=dtype, threads=threads, sweep=sweep)


def engine_ms(eng, steps):
    """(median ms of one training step, ms of one validation) at the engine's thread count."""
    per = []
    with eng._threads():
        for _ in range(steps):
            eng.idx.copy_(torch.stack([s.next() for s in eng.streams]))
            per.append(_ms(eng._step))
        val = _ms(lambda: eng._evaluate("val", eng.p))
    return statistics.median(per), val


def decisions(T, n, per_task, threads):
    """float32 and float64 engines on the same networks and minibatches: their accept/skip decisions."""
    runs = {}
    for d in ("float64", "float32"):
        problems = {}
        for i, task in enumerate(tasks.TASKS):
            data = ds_train.make_data(task, T, 20_000, 10, 10, seed=i)
            model = srn.SRN(tasks.n_inputs(task), 100, tasks.n_outputs(task), sigma2=0.01, n_networks=per_task,
                            output="softmax" if tasks.is_classification(task) else "linear", dtype=torch.float64,
                            generator=torch.Generator().manual_seed(100 + i))
            problems[task] = (model, data)
        eng = engine.Engine(problems, ("ds",), ds_train.Config(), dtype=DT[d], threads=threads)
        t0 = time.time()
        eng.run(n, progress_bar=False)
        runs[d] = (eng.runs(), time.time() - t0)
        print(f"{d}: {n} updates of {eng.M} networks in {runs[d][1]:.0f} s (sweep {eng.sweep})", flush=True)
    out = {}
    for task in tasks.TASKS:
        a, b = runs["float64"][0][task]["ds"], runs["float32"][0][task]["ds"]
        diff = a.accepted != b.accepted
        first = [int(c.argmax()) if c.any() else None for c in diff.T]
        out[task] = {"differ_fraction": round(float(diff.mean()), 5), "differ": int(diff.sum()),
                     "decisions": int(diff.size), "first_difference_per_network": first,
                     "accept_rate_f64": round(float(a.accepted.mean()), 4),
                     "accept_rate_f32": round(float(b.accepted.mean()), 4),
                     "q_f64_range": [round(float(a.q.min()), 3), round(float(a.q.max()), 3)],
                     "max_abs_q_diff_before_first_difference": float("%.3g" % float(max(
                         (abs(a.q[:f or n, j] - b.q[:f or n, j]).max() for j, f in enumerate(first)), default=0)))}
        print(task, out[task], flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3, help="engine steps per repeat (median)")
    ap.add_argument("--sweep", default="auto", choices=("auto", "recompute", "reuse"))
    ap.add_argument("--note", default="")
    ap.add_argument("--decisions", type=int, default=0, help="float32 vs float64 decisions over this many updates")
    ap.add_argument("--per-task", type=int, default=3, help="--decisions: dS networks per task")
    a = ap.parse_args(argv)
    if a.decisions:
        load0 = os.getloadavg()
        res = decisions(a.T, a.decisions, a.per_task, int(a.threads.split(",")[0]))
        out = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": "this machine",
               "load_before": load0, "load_after": os.getloadavg(), "args": vars(a), "decisions": res}
        path = ROOT / "benchmarks" / "results" / f"f32_vs_f64_decisions_T{a.T}_{datetime.now(timezone.utc):%Y%m%d_%H%M}.json"
        path.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
        return 0
    configs = [(int(t), d) for t in a.threads.split(",") for d in a.dtypes.split(",")]
    M, K, B = 80, 100, 10
    load0 = os.getloadavg()
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, this machine, load {load0}, torch {torch.__version__}")
    engines = {}
    for th, d in configs:
        torch.set_num_threads(th)
        engines[th, d] = make_engine(a.T, DT[d], th, sweep=a.sweep)
        with engines[th, d]._threads():
            engines[th, d]._step()  # warm-up
    rows = {c: {"floor": [], "parts": [], "step": [], "val": [], "load": []} for c in configs}
    for rep in range(a.repeats):
        for c in configs:  # interleaved: each configuration's floor and engine back to back
            th, d = c
            torch.set_num_threads(th)
            parts = floor_parts(a.T, M, K, B, DT[d])
            step, val = engine_ms(engines[c], a.steps)
            rw = rows[c]
            rw["parts"].append(parts)
            rw["floor"].append(sum(parts.values()))
            rw["step"].append(step)
            rw["val"].append(val)
            rw["load"].append(os.getloadavg()[0])
            print(f"rep {rep} threads {th} {d}: floor {rw['floor'][-1]:.1f} ms, engine step {step:.1f} ms "
                  f"+ validation {val:.0f} ms / 50, load {rw['load'][-1]:.2f}", flush=True)
    table = []
    for (th, d), rw in rows.items():
        eng = [s + v / 50 for s, v in zip(rw["step"], rw["val"])]
        ratio = [e / f for e, f in zip(eng, rw["floor"])]
        med = lambda xs: round(statistics.median(xs), 2)  # noqa: E731
        table.append({"threads": th, "dtype": d, "engine_ms": med(eng), "floor_ms": med(rw["floor"]),
                      "ratio": med(ratio), "engine_step_ms": med(rw["step"]), "engine_val_ms_per_update":
                      med([v / 50 for v in rw["val"]]), "floor_parts_ms": {k: med([p[k] for p in rw["parts"]])
                                                                           for k in rw["parts"][0]},
                      "load": [round(x, 2) for x in rw["load"]], "engine_runs_ms": [round(x, 1) for x in eng],
                      "floor_runs_ms": [round(x, 1) for x in rw["floor"]],
                      "sweep": engines[th, d].sweep})
    print(f"\n{'threads':>7} {'dtype':>8} {'engine ms':>10} {'floor ms':>9} {'ratio':>6}")
    for t in table:
        print(f"{t['threads']:>7} {t['dtype']:>8} {t['engine_ms']:>10.1f} {t['floor_ms']:>9.1f} {t['ratio']:>6.2f}")
    out = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": "this machine (2-core CPU)",
           "load_before": load0, "load_after": os.getloadavg(), "torch": torch.__version__, "args": vars(a),
           "shapes": {"T": a.T, "M": M, "K": K, "B": B, "n_val": 1000, "val_every": 50}, "table": table}
    d = ROOT / "benchmarks" / "results"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"cpu_floor_T{a.T}_{datetime.now(timezone.utc):%Y%m%d_%H%M}.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
