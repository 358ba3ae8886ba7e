"""Many tasks and networks as one padded batch for ``vglab.engine``, and back out (SOURCES.md §1.4, §1.6).

Network j of the batch is j = g·m + r·Mt + i: task g, reading r, seed i (m = readings × Mt
networks per task, M = G·m in all). Tasks are fused by padding: inputs to the widest task's C
channels, outputs to the most classes O (the engine masks the padded logits), sequences
left-padded to the longest L (a padded step holds a = z = 0, exactly as starting later). The
padded weights are zeros, see zero gradients and never move; ``unpad`` cuts them off again.
Out: an ``Engine``'s scores (``scores``), its networks as ``ds_train.Run`` per task and reading
(``to_runs``) and its checkpoint (``state_dict``/``load_state_dict``, what the ``Engine`` methods
of those names call; the per-epoch summaries and test points: ``engine.records``).
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from . import records as RC
from . import step as S
from .. import _args, _checked
from .. import tasks as _tasks
from ..ds_train import READINGS, Run

PARAMS = ("W_in", "W_rec", "b", "W_out", "b_out")


def check_problems(problems: dict) -> list:
    """The tasks' data, after checking ``problems = {task: (SRN with M networks, Data of that task)}``
    (TypeError/ValueError naming ``problems``) and that every task's SRN and data fit one batch."""
    if not isinstance(problems, dict) or not problems:
        raise TypeError(f"problems must be a non-empty dict {{task: (model, data)}}, got {problems!r:.60}")
    for task, pair in problems.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"problems[{task!r}] must be a pair (model, data), got {pair!r:.60}")
        d = _checked.data(f"problems[{task!r}] data", pair[1])
        _checked.srn_model(f"problems[{task!r}] model", pair[0], networks=True, task=d.task)
        if d.task != task:
            raise ValueError(f"problems[{task!r}] holds data of the task {d.task!r}")
    models, datas = [m for m, _ in problems.values()], [d for _, d in problems.values()]
    m0 = models[0]
    for m in models:
        if m.n_networks is None or m.n_networks != m0.n_networks or m.n_hidden != m0.n_hidden \
                or m.activation != m0.activation or m.W_rec.dtype != m0.W_rec.dtype:
            raise ValueError("every model must be an SRN with the same n_networks, n_hidden, "
                             "activation, dtype")
    if len({d.T for d in datas}) != 1:
        raise ValueError(f"every task must have the same T, got {[d.T for d in datas]}")
    return datas


def _fit(shape) -> tuple:
    """The index of the unpadded corner ``[:s0, :s1, ...]`` of a padded tensor."""
    return tuple(slice(0, s) for s in shape)


def pack_params(models, R: int, K: int, C: int, O: int, device, dtype) -> dict:
    """Every parameter as one zero-padded (M, ...) tensor: each task's Mt networks repeated R times."""
    shapes = {"W_in": (C, K), "W_rec": (K, K), "b": (K,), "W_out": (K, O), "b_out": (O,)}
    m = R * models[0].n_networks  # networks per task
    p = {}
    for name in PARAMS:
        t = torch.zeros((len(models) * m,) + shapes[name], device=device, dtype=dtype)
        for g, mod in enumerate(models):
            v = getattr(mod, name).detach().to(device=device, dtype=dtype)
            t[g * m:(g + 1) * m][(slice(None),) + _fit(v.shape[1:])] = v.repeat((R,) + (1,) * (v.ndim - 1))
        p[name] = t
    return p


def pad_split(split, L: int, C: int, N: int, device, dtype):
    """(x, y, lengths) of one task padded to width L (on the left), C channels, N rows."""
    x, y, lengths = split
    n, Lx, c = x.shape
    xp = torch.zeros(N, L, C, dtype=dtype, device=device)
    xp[:n, L - Lx:, :c] = x.to(device, dtype)
    lp = torch.ones(N, dtype=torch.long, device=device)
    lp[:n] = lengths.to(device)
    return xp, y.to(device), lp


def pack_data(datas, soft, L: int, C: int, O: int, device, dtype) -> dict:
    """``{split: (x (G, N, L, C), y_lab (G, N), y_val (G, N, O), lengths (G, N), [n per task])}``.

    Resident on the device; N = the largest task's split. Classification tasks (``soft``) keep
    their labels in y_lab, regression tasks their targets in y_val (zero-padded to O).
    """
    G, out = len(datas), {}
    for split in ("train", "val", "test"):
        N = max(len(getattr(d, split).y) for d in datas)
        parts = [pad_split(getattr(d, split), L, C, N, device, dtype) for d in datas]
        x = torch.stack([p[0] for p in parts])  # (G, N, L, C)
        lengths = torch.stack([p[2] for p in parts])  # (G, N)
        y_lab = torch.zeros(G, N, dtype=torch.long, device=device)
        y_val = torch.zeros(G, N, O, dtype=dtype, device=device)
        for g, (_, y, _) in enumerate(parts):
            if soft[g]:
                y_lab[g, :len(y)] = y
            else:
                y_val[g, :len(y), :y.shape[-1]] = y.to(dtype)
        out[split] = (x, y_lab, y_val, lengths, [len(getattr(d, split).y) for d in datas])
    return out


def network_flags(readings, cfg, G: int, Mt: int, device) -> tuple:
    """Per-network (M,) booleans from each reading (``ds_train.READINGS``: method, config overrides).

    ``(use_ds, printed, clip, dw_own, thr_loss)``: decides by dS, by the rule as printed, clips,
    takes dW = −lr ∂E/∂W_rec ("own"), thresholds |dS| / |dE| ("loss").
    """
    meth, over = [READINGS[r][0] for r in readings], [READINGS[r][1] for r in readings]
    per = lambda f: torch.tensor([f(meth[r], over[r]) for _ in range(G)  # noqa: E731
                                  for r in range(len(readings)) for _ in range(Mt)], device=device)
    return (per(lambda me, ov: me.startswith("ds")), per(lambda me, ov: me == "ds_as_printed"),
            per(lambda me, ov: me == "clipping"), per(lambda me, ov: ov.get("dw", cfg.dw) == "own"),
            per(lambda me, ov: ov.get("threshold", cfg.threshold) == "loss"))


def output_masks(soft, n_out, m: int, O: int, device):
    """``(valid (M, 1, O), is_soft (M, 1))``: the outputs each network's task has; its softmax output."""
    valid = torch.zeros(len(soft) * m, 1, O, dtype=torch.bool, device=device)
    is_soft = torch.zeros(len(soft) * m, 1, dtype=torch.bool, device=device)
    for g in range(len(soft)):
        valid[g * m:(g + 1) * m, :, :n_out[g]] = True
        is_soft[g * m:(g + 1) * m] = soft[g]
    return valid, is_soft


def block(g: int, r: int, m: int, Mt: int) -> slice:
    """The Mt networks of task g under reading r."""
    return slice(g * m + r * Mt, g * m + (r + 1) * Mt)


def unpad(params: dict, sl: slice, n_in: int, n_out: int, K: int) -> dict:
    """Copies of the networks ``sl`` of padded (M, ...) parameters, cut to n_in inputs and n_out outputs."""
    shapes = {"W_in": (n_in, K), "W_out": (K, n_out), "b_out": (n_out,)}
    return {k: (t[sl][(slice(None),) + _fit(shapes[k])] if k in shapes else t[sl]).clone()
            for k, t in params.items()}


def scores(eng, out, split: str):
    """(score, selection value) per network (M,), float64, from the outputs ``out`` (M, N, O) on a split.

    Score: ``tasks.score`` (the config's criterion); selection: the score, or (``select_by="loss"``)
    minus the mean loss (``srn.loss``: cross-entropy, or ½‖out − y‖²), as ``ds_train``'s save-best.
    """
    _, y_lab, y_val, _, ns = eng.data[split]
    score, sel = [], []
    for g, task in enumerate(eng.tasks):
        o = out[g * eng.m:(g + 1) * eng.m, :ns[g], :eng.n_out[g]]
        y = y_lab[g, :ns[g]] if eng.soft[g] else y_val[g, :ns[g], :1]
        sc = torch.as_tensor(_tasks.score(task, o, y, criterion=eng.cfg.criterion)).to(out.device).double()
        score.append(sc)
        if eng.cfg.select_by == "loss":
            loss = S.nll(o, y.expand(o.shape[:-1])) if eng.soft[g] else 0.5 * ((o - y) ** 2).sum(dim=(-2, -1))
            sel.append(-(loss / ns[g]).double())
        else:
            sel.append(sc)
    return torch.cat(score), torch.cat(sel)


def to_runs(eng, test) -> dict:
    """``{task: {reading: ds_train.Run}}`` of an ``Engine``; ``test``: the kept networks' test scores (M,)."""
    rec = np.concatenate(eng.records) if eng.records else np.zeros((0, 4, eng.M))
    hist = np.array(eng.history).reshape(len(eng.history), eng.M)
    np_dtype = torch.empty(0, dtype=eng.dtype).numpy().dtype
    out = {}
    for g, task in enumerate(eng.tasks):
        out[task] = {}
        for r, name in enumerate(eng.readings):
            sl = block(g, r, eng.m, eng.Mt)
            state = unpad(eng.best, sl, eng.n_in[g], eng.n_out[g], eng.K)
            out[task][name] = Run(READINGS[name][0], copy.deepcopy(eng.configs[r]),
                                  rec[:, 0, sl].astype(np_dtype), rec[:, 1, sl], rec[:, 2, sl],
                                  rec[:, 3, sl].astype(bool), hist[:, sl], eng.best_score[sl].cpu().numpy(),
                                  eng.best_epoch[sl].cpu().numpy(), test[sl], state)
    return out


def state_dict(eng) -> dict:
    """Everything an ``Engine`` needs to continue exactly: weights, momentum, save-best, streams, records.

    Compact: the validation history as one (n_val, M) array, the momentum as None while it is all
    zero (after every epoch with ``reset_momentum``, i.e. whenever ``run`` returns), the per-epoch
    summaries stacked (``engine.records``); per-update records only with ``records="full"``.
    """
    cpu = lambda d: {k: t.detach().cpu().clone() for k, t in d.items()}  # noqa: E731
    zero_v = not any(bool(t.any()) for t in eng.v.values())
    return {"step": eng.step_count, "n_val": eng.n_val, "p": cpu(eng.p), "v": None if zero_v else cpu(eng.v),
            "best": cpu(eng.best), "best_sel": eng.best_sel.cpu(), "best_score": eng.best_score.cpu(),
            "best_epoch": eng.best_epoch.cpu(), "history": np.array(eng.history).reshape(len(eng.history), eng.M),
            "records": list(eng.records), "streams": [s.state() for s in eng.streams],
            "tasks": eng.tasks, "readings": eng.readings, "M": eng.M, "keep": eng.keep,
            "epochs": RC.stack(eng.epochs, eng.M), "test_points": [dict(d) for d in eng.test_points],
            "test_at": list(eng.test_at)}


def load_state_dict(eng, s: dict) -> None:
    """Restore ``state_dict(eng)`` into an ``Engine`` built for the same tasks, readings and networks."""
    if s["tasks"] != eng.tasks or s["readings"] != eng.readings or s["M"] != eng.M:
        raise ValueError("checkpoint is for other tasks/readings/networks: "
                         f"{s['tasks']}, {s['readings']}, M={s['M']}")
    for k in PARAMS:  # copy_ in place: a captured CUDA graph keeps its buffers
        eng.p[k].copy_(s["p"][k])
        eng.v[k].copy_(s["v"][k]) if s["v"] is not None else eng.v[k].zero_()
    eng.best = {k: t.to(eng.device) for k, t in s["best"].items()}
    eng.best_sel, eng.best_score = s["best_sel"].to(eng.device), s["best_score"].to(eng.device)
    eng.best_epoch = s["best_epoch"].to(eng.device)
    eng.step_count, eng.n_val = s["step"], s["n_val"]
    eng.history, eng.records = [np.asarray(h) for h in s["history"]], list(s["records"])
    ep = s.get("epochs")
    eng.epochs = [] if ep is None else [{k: ep[k][i] for k in ep} for i in range(len(ep["updates"]))]
    eng.test_points = [dict(d) for d in s.get("test_points", [])]
    for st, ss in zip(eng.streams, s["streams"]):
        st.load(ss)


MODES = ("auto", "eager", "compile", "cuda_graph", "compile_cuda_graph")


def resolve_mode(mode: str, device) -> str:
    """``auto`` → ``cuda_graph`` on CUDA, ``eager`` elsewhere; CUDA graphs need a CUDA device."""
    _args.choice("mode", mode, MODES)
    _checked.instance("device", device, (str, torch.device), "a device name or torch.device")
    cuda = _args.device("device", device).type == "cuda"
    if mode == "auto":
        return "cuda_graph" if cuda else "eager"
    if "cuda_graph" in mode and not cuda:
        raise ValueError(f"mode={mode!r} needs a CUDA device, got {device}; use 'eager' or 'auto'")
    return mode
