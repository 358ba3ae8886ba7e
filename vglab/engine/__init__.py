"""The fast batched recurrent engine: one training step for ALL networks of a Table-1 run.

Same numbers as ``vglab.ds_train`` (tested in float64 on the CPU), written for speed:

* every network of every reading (plain, dS, ...) and, fused, of every task trains in ONE
  batched step with its own accept/skip decision: M = tasks × readings × seeds networks;
* forward (paper eq. (1)-(2)), BPTT by hand (eq. (6), (4)), the dS sweep (SOURCES.md §1.3, §1.6, eq. (20)-(24),
  D fixed, = ``ds_sampling.ds``), the Q-factor (25), the accept rule (``ds_sampling.accept``) and
  the momentum update, all without autograd and with no host synchronisation inside a step;
* the per-step launch overhead goes away on CUDA by capturing the step in a CUDA graph
  (``mode="cuda_graph"``) or compiling it (``"compile"``, ``"compile_cuda_graph"``); the CPU runs
  it eagerly. ``mode="auto"``: ``cuda_graph`` on CUDA, ``eager`` elsewhere.

Tasks are fused by padding (SOURCES.md §1.4, §1.6): inputs to the widest task's channels, outputs to the most
classes with masked logits, sequences left-padded to the longest (a padded step holds a = z = 0,
exactly as starting later). The padded weights see zero gradients and never move.
Speed tricks that keep the numbers: u·W_in + b for all steps in one matmul before the loop;
δ masked once after the recursion (only padded steps, which feed nothing, differ); the dS sweep
carries (δ, dδ) as one row [δ, dδ] through the block matrix [[W_recᵀ, dW_recᵀ], [0, W_recᵀ]]
(``sweep="reuse"``: dδ alone, from the backward's δ). The math of a step is in ``engine.step``,
the ``Engine`` class (step, modes, loop, save-best) in ``engine.core``, the padded layout of tasks
and networks, ``Run``s and checkpoints in ``engine.pack``; this module: the run-level drivers.

    runs = engine.compare(model, data, ("plain", "ds"), 1000)   # = ds_train.compare, one pass
    eng = engine.Engine({"addition": (m1, d1), "temporal_order": (m2, d2)}, ("plain", "ds"))
    eng.run(100_000, max_seconds=120); state = eng.state_dict()   # resumable between epochs

For long runs (the stable API): ``Engine(..., dtype=torch.float32, threads=n, records="epoch",
test_at=engine.every(100_000, 0.1))`` keeps per-epoch summaries instead of per-update records
(``summaries()``, fields ``engine.FIELDS``; a checkpoint of 30 networks × 100 000 updates: 6.0 MB),
scores every kept ("save best") network on the test set at every 10 % (``test_curve()``), and
``state_dict()``/``load_state_dict()`` resume to the same numbers as a straight run. Q never
becomes inf/NaN (``engine.step.q_factor``: a vanished norm reads as strongly vanishing).
"""
from __future__ import annotations

import copy
from dataclasses import asdict

import numpy as np
import torch

from .. import _args, _checked
from ..ds_train import READINGS, Config, train
from .core import METHODS, MODES, Engine, resolve_mode, supported
from .pack import PARAMS
from .records import FIELDS, every

__all__ = ["FIELDS", "METHODS", "MODES", "PARAMS", "Engine", "compare", "compare_tasks", "every", "resolve_mode",
           "supported", "verify"]


def compare(model, data, readings=("plain", "ds", "ds_as_printed"), n_updates: int = 1000, *, seed: int = 0,
            device=None, mode: str = "auto", progress_bar: bool = True, **config) -> dict:
    """``ds_train.compare`` on the engine: ``{reading: Run}``, every reading in one batched pass."""
    _checked.srn_model("model", model, networks=True, task=_checked.data("data", data).task)
    return compare_tasks({data.task: (model, data)}, readings, n_updates, seed=seed, device=device, mode=mode,
                         progress_bar=progress_bar, **config)[data.task]


def compare_tasks(problems: dict, readings=("plain", "ds"), n_updates: int = 1000, *, seed: int = 0,
                  device=None, mode: str = "auto", progress_bar: bool = True, **config) -> dict:
    """Several tasks fused in one pass: ``problems = {task: (model, data)}`` → ``{task: {reading: Run}}``."""
    n_updates, _ = _args.integer("n_updates", n_updates, lo=1), _args.boolean("progress_bar", progress_bar)
    eng = Engine(problems, readings, Config(**config), seed=seed, device=device, mode=mode)
    eng.run(n_updates, progress_bar=progress_bar)
    return eng.runs()


def verify(model, data, readings=("plain", "ds"), n_updates: int = 200, *, seed: int = 0, device=None,
           mode: str = "auto", dtype=torch.float64, sweep: str = "recompute", **config) -> dict:
    """Run the engine and ``ds_train.train`` side by side from the same networks; the max differences.

    Both in ``dtype`` (float64: differences are rounding, not the engine) on ``device``. Returns
    ``{"updates", "dtype", "mode", "sweep", "readings", "decisions_equal", "test_equal",
    "max_abs": {weights, loss_rel, q, ds_rel}}``.
    """
    _checked.srn_model("model", model, networks=True, task=_checked.data("data", data).task)
    readings, n_updates = _args.names("readings", readings, READINGS), _args.integer("n_updates", n_updates, lo=1)
    dtype = _args.torch_dtype("dtype", dtype)
    dev = _args.device("device", device) if device is not None else model.W_rec.device
    base = copy.deepcopy(model).to(device=dev, dtype=dtype)
    cfg = Config(**config)
    eng = Engine({data.task: (base, data)}, readings, cfg, seed=seed, device=dev, mode=mode, sweep=sweep)
    eng.run(n_updates, progress_bar=False)
    got = eng.runs()[data.task]
    worst = {"weights": 0.0, "loss_rel": 0.0, "q": 0.0, "ds_rel": 0.0}
    same, test_equal = True, True
    for name in readings:
        method, over = READINGS[name]
        ref_model = copy.deepcopy(base)
        ref = train(ref_model, data, method, n_updates, Config(**{**asdict(cfg), **over}), seed=seed,
                    device=dev, progress_bar=False)
        g, last = got[name], eng.params(data.task, name)
        weights = max(float((getattr(ref_model, k).detach() - last[k]).abs().max()) for k in PARAMS)
        worst["weights"] = max(worst["weights"], weights)
        worst["loss_rel"] = max(worst["loss_rel"], float(np.max(np.abs(ref.loss - g.loss)
                                                                / np.abs(ref.loss).clip(1e-300))))
        worst["q"] = max(worst["q"], float(np.nanmax(np.abs(ref.q - g.q))))
        worst["ds_rel"] = max(worst["ds_rel"], float(np.nanmax(np.abs(ref.ds - g.ds)
                                                               / np.abs(ref.ds).clip(1e-300))))
        same = same and bool((ref.accepted == g.accepted).all())
        test_equal = test_equal and bool((ref.test_score == g.test_score).all())
    return {"updates": n_updates, "dtype": str(dtype).replace("torch.", ""), "mode": eng.mode, "sweep": sweep,
            "readings": list(readings), "decisions_equal": same, "test_equal": test_equal,
            "max_abs": {k: float(f"{v:.3g}") for k, v in worst.items()}}
