"""ms per update of the SRN training step, five ways, in one run on one device (the GPU checklist: benchmarks/gpu_issue7.sh).

    .venv/bin/python benchmarks/recurrent_engine.py --device cuda --T 100 --updates 2000
    .venv/bin/python benchmarks/recurrent_engine.py --device cpu --T 20 --updates 100 --repeats 3   # small

Rows (K = 100 tanh units, minibatch 10, summed loss, momentum SGD, the paper's settings):
  naive loop (1 net)      an SRN stepped in a python loop over time, autograd backward, no dS
  torch.nn.RNN (1 net)    nn.RNN + Linear, autograd (cuDNN on a GPU), torch.optim.SGD momentum
  batched eager (80 nets) one SRN holding 80 networks, the same python/autograd loop, no dS
  engine, no dS (80 nets) vglab.engine, Q from the backward pass, no third sweep (plain readings)
  engine, dS (80 nets)    vglab.engine with the dS sweep and per-network accept/skip (float64 sweep on
                          CUDA, the model's float32 on the CPU; see benchmarks/cpu_floor.py for the CPU floor):
                          the real Table-1 workload, 4 tasks × {plain, ds} × 10 networks fused
  engine, dS, reuse δ     the same with ``sweep="reuse"`` (δ from the backward pass, K×K per step)
The engine rows run for every ``--modes`` entry (eager on the CPU; eager, cuda_graph on CUDA);
their time includes validation every 50 updates, as in training. Each row: the median over
``--repeats`` of (wall time of ``--updates`` updates) / updates, after warm-up, synchronised.
Prints a table, the dS overhead (dS row / no-dS row) and the projected time of the full Table 1
(4 tasks × 2 methods × 10 networks × 100 000 updates), and writes JSON to benchmarks/results/.
``--profile`` also writes a torch.profiler table of 20 engine updates (with dS) per mode there, and
its Chrome trace to benchmarks/out/ (not committed).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vglab import ds_train, engine, srn, tasks  # noqa: E402
from vglab.runtime import describe  # noqa: E402
from vglab.runtime import device as _device  # noqa: E402

TABLE1_UPDATES = 100_000
TABLE1_NETWORK_UPDATES = 4 * 2 * 10 * TABLE1_UPDATES


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def timed(fn, n, repeats, dev, warmup=3):
    """Median over ``repeats`` of the wall time of n calls of fn, per call, in ms."""
    for _ in range(warmup):
        fn()
    sync(dev)
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync(dev)
        per.append(1000 * (time.perf_counter() - t0) / n)
    return statistics.median(per), per


def naive_step_fn(M, T, dev, K=100, B=10, lr=1e-5, mu=0.9):
    """The plain python loop over time with autograd (srn.SRN.unroll), M = None or 80 networks."""
    model = srn.SRN(6, K, 4, sigma2=0.01, n_networks=M, device=dev)
    x, y = tasks.make_batch("temporal_order", B, T, device=dev)
    params = list(model.parameters())
    vel = [torch.zeros_like(p) for p in params]

    def step():
        E = srn.loss(model, model(x), y).sum()
        grads = torch.autograd.grad(E, params)
        with torch.no_grad():
            for p, v, g in zip(params, vel, grads):
                v.mul_(mu).sub_(lr * g)
                p.add_(v)
    return step


def cudnn_step_fn(T, dev, K=100, B=10):
    rnn = torch.nn.RNN(6, K, nonlinearity="tanh", batch_first=True).to(dev)
    head = torch.nn.Linear(K, 4).to(dev)
    opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=1e-5, momentum=0.9)
    x, y = tasks.make_batch("temporal_order", B, T, device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        torch.nn.functional.cross_entropy(head(out[:, -1]), y, reduction="sum").backward()
        opt.step()
    return step


def make_engine(T, dev, mode, with_ds, n_train, n_val, K=100, sweep="recompute", threads=1):
    """80 networks: 4 tasks × {plain, ds} × 10 (with dS) or 4 tasks × plain × 20 (without)."""
    per_task, readings = (10, ("plain", "ds")) if with_ds else (20, ("plain",))
    problems = {}
    for i, task in enumerate(tasks.TASKS):
        data = ds_train.make_data(task, T, n_train, n_val, n_val, seed=i, device=dev)
        model = srn.SRN(tasks.n_inputs(task), K, tasks.n_outputs(task), sigma2=0.01, n_networks=per_task,
                        output="softmax" if tasks.is_classification(task) else "linear",
                        generator=torch.Generator().manual_seed(100 + i))
        problems[task] = (model.to(dev), data)
    return engine.Engine(problems, readings, ds_train.Config(), device=dev, mode=mode, with_ds=with_ds, sweep=sweep,
                         threads=threads)


def time_engine(eng, n, repeats, dev):
    t0 = time.perf_counter()
    eng.run(eng.step_count + 3, progress_bar=False)  # compile / capture + warm-up
    sync(dev)
    setup = time.perf_counter() - t0
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        eng.run(eng.step_count + n, progress_bar=False)
        sync(dev)
        per.append(1000 * (time.perf_counter() - t0) / n)
    return statistics.median(per), per, setup


def profile(eng, dev, out: Path):
    from torch.profiler import ProfilerActivity, profile as prof
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    eng.run(eng.step_count + 3, progress_bar=False)
    with prof(activities=acts) as p:
        eng.run(eng.step_count + 20, progress_bar=False)
        sync(dev)
    out.parent.mkdir(parents=True, exist_ok=True)
    key = "self_cuda_time_total" if dev.type == "cuda" else "self_cpu_time_total"
    out.with_suffix(".txt").write_text(p.key_averages().table(sort_by=key, row_limit=40))
    trace = ROOT / "benchmarks" / "out" / (out.name + ".trace.json")  # megabytes: benchmarks/out/ is not committed
    trace.parent.mkdir(parents=True, exist_ok=True)
    p.export_chrome_trace(str(trace))
    return [str(out.with_suffix(".txt").relative_to(ROOT)), str(trace.relative_to(ROOT))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--T", type=int, default=100)
    ap.add_argument("--updates", type=int, default=2000, help="updates per timed repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--naive-updates", type=int, default=None, help="updates per repeat of the 1-net rows "
                    "(default: --updates, at most 200)")
    ap.add_argument("--modes", default=None, help="engine modes, comma-separated (default: eager on the CPU, "
                    "eager,cuda_graph on CUDA; add compile_cuda_graph to measure torch.compile, minutes to compile)")
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--n-val", type=int, default=1000, help="validation set (paper: 1000), scored every 50 updates")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (the engine's too; default 1 there)")
    ap.add_argument("--profile", action="store_true", help="torch.profiler of 20 engine updates (dS), every mode")
    ap.add_argument("--note", default="", help="free text stored with the results (e.g. 'shared CPU, load 5')")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = _device(a.device)
    modes = a.modes.split(",") if a.modes else (["eager", "cuda_graph"] if dev.type == "cuda" else ["eager"])
    n1 = a.naive_updates or min(a.updates, 200)
    rows = []

    def add(name, nets, ms, per, **extra):
        rows.append({"row": name, "networks": nets, "ms_per_update": round(ms, 3),
                     "ms_per_network_update": round(ms / nets, 4), "repeats_ms": [round(v, 3) for v in per], **extra})
        print(f"{name:34s} {nets:3d} nets  {ms:9.3f} ms/update  {ms / nets:8.4f} ms/net-update", flush=True)

    print(f"device: {describe(dev)}, torch {torch.__version__}, T = {a.T}, K = 100, B = 10")
    ms, per = timed(naive_step_fn(None, a.T, dev), n1, a.repeats, dev)
    add("naive loop", 1, ms, per)
    ms, per = timed(cudnn_step_fn(a.T, dev), n1, a.repeats, dev)
    add("torch.nn.RNN" + (" (cuDNN)" if dev.type == "cuda" else ""), 1, ms, per)
    ms, per = timed(naive_step_fn(80, a.T, dev), max(1, n1 // 2), a.repeats, dev)
    add("batched eager (autograd)", 80, ms, per)
    ratio, prof_files = {}, []
    for mode in modes:
        res = {}
        for variant in ("no dS", "dS", "dS, reuse δ"):
            name = f"engine {mode}, {variant}"
            try:
                eng = make_engine(a.T, dev, mode, variant != "no dS", a.n_train, a.n_val,
                                  sweep="reuse" if "reuse" in variant else "recompute", threads=a.threads or 1)
                ms, per, setup = time_engine(eng, a.updates, a.repeats, dev)
            except Exception as e:  # a mode that fails here is reported, not fatal
                print(f"{name}: failed: {type(e).__name__}: {e}")
                rows.append({"row": name, "error": str(e)[:300]})
                continue
            res[variant] = ms
            add(name, 80, ms, per, setup_s=round(setup, 1), mode_used=eng.mode)
            if variant == "dS" and a.profile:  # every mode: eager shows each kernel's GPU time, the graph the gaps
                stamp = datetime.now(timezone.utc).strftime("%Y%m%d_%H%M")
                prof_files += profile(eng, dev, ROOT / "benchmarks" / "results" / f"profile_{dev.type}_{mode}_{stamp}")
        for variant in ("dS", "dS, reuse δ"):
            if variant in res and "no dS" in res:
                ratio[f"{mode}, {variant}"] = round(res[variant] / res["no dS"], 2)
                print(f"dS overhead ({mode}, {variant}): {ratio[f'{mode}, {variant}']:.2f}x a plain update")
    best = min((r for r in rows if ", dS" in r.get("row", "") and "ms_per_update" in r),
               key=lambda r: r["ms_per_update"], default=None)
    naive = rows[0]["ms_per_update"]
    proj = {"table1_updates": TABLE1_UPDATES, "T": a.T,
            "naive_1net_hours": round(TABLE1_NETWORK_UPDATES * naive / 1000 / 3600, 1)}
    if best:
        proj.update(engine_row=best["row"], engine_minutes=round(TABLE1_UPDATES * best["ms_per_update"] / 1000 / 60, 1))
        print(f"projected full Table 1 at this T: {proj['engine_minutes']} min with {best['row']} "
              f"(naive 1-net loop: {proj['naive_1net_hours']} h)")
    out = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "device": describe(dev),
           "torch": torch.__version__, "args": vars(a), "rows": rows, "ds_overhead": ratio, "projection": proj,
           "profile_files": prof_files}
    d = ROOT / "benchmarks" / "results"
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"recurrent_engine_{dev.type}_T{a.T}_{datetime.now(timezone.utc).strftime('%Y%m%d_%H%M')}.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
