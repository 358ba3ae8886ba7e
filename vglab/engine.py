"""The fast batched recurrent engine: one training step for ALL networks of a Table-1 run.

Same numbers as ``vglab.ds_train`` (tested in float64 on the CPU), written for speed:

* every network of every reading (plain, dS, ...) and, fused, of every task trains in ONE batched
  step with its own accept/skip decision: M = tasks × readings × seeds networks;
* forward (paper eq. (1)-(2)), BPTT by hand (eq. (6), (4)), the dS sweep (SPEC §F, eq. (20)-(24),
  D fixed, = ``ds_sampling.ds``), the Q-factor (25), the accept rule (``ds_sampling.accept``) and
  the momentum update, all without autograd and with no host synchronisation inside a step;
* the per-step launch overhead goes away on CUDA by capturing the step in a CUDA graph
  (``mode="cuda_graph"``) or compiling it (``"compile"``, ``"compile_cuda_graph"``); the CPU runs
  it eagerly. ``mode="auto"``: ``cuda_graph`` on CUDA, ``eager`` elsewhere.

Tasks are fused by padding (SPEC §G): inputs to the widest task's channels, outputs to the most
classes with masked logits, sequences left-padded to the longest (a padded step holds a = z = 0,
exactly as starting later). The padded weights see zero gradients and never move.
Speed tricks that keep the numbers: u·W_in + b for all steps in one matmul before the loop;
δ masked once after the recursion (only padded steps, which feed nothing, differ); the dS sweep
carries (δ, dδ) as one row [δ, dδ] through the block matrix [[W_recᵀ, dW_recᵀ], [0, W_recᵀ]]
(``sweep="reuse"``: dδ alone, from the backward's δ). The math of a step is in ``engine_step``.

    runs = engine.compare(model, data, ("plain", "ds"), 1000)   # = ds_train.compare, one pass
    eng = engine.Engine({"addition": (m1, d1), "temporal_order": (m2, d2)}, ("plain", "ds"))
    eng.run(100_000, max_seconds=120); state = eng.state_dict()   # resumable between epochs
"""
from __future__ import annotations

import contextlib
import copy
import time
import warnings
from dataclasses import asdict

import numpy as np
import torch

from . import engine_step as S
from . import tasks as _tasks
from .ds_sampling import accept
from .ds_train import READINGS, Config, Run, train
from .runtime import cpu_threads
from .train import DivergenceError, progress

MODES = ("auto", "eager", "compile", "cuda_graph", "compile_cuda_graph")
METHODS = ("plain", "ds", "ds_as_printed", "clipping")  # what the engine runs (not "pascanu")
PARAMS = ("W_in", "W_rec", "b", "W_out", "b_out")


def resolve_mode(mode: str, device) -> str:
    """``auto`` → ``cuda_graph`` on CUDA, ``eager`` elsewhere; CUDA graphs need a CUDA device."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    cuda = torch.device(device).type == "cuda"
    if mode == "auto":
        return "cuda_graph" if cuda else "eager"
    if "cuda_graph" in mode and not cuda:
        raise ValueError(f"mode={mode!r} needs a CUDA device, got {device}; use 'eager' or 'auto'")
    return mode


def compare(model, data, readings=("plain", "ds", "ds_as_printed"), n_updates: int = 1000, *, seed: int = 0,
            device=None, mode: str = "auto", progress_bar: bool = True, **config) -> dict:
    """``ds_train.compare`` on the engine: ``{reading: Run}``, every reading in one batched pass."""
    eng = Engine({data.task: (model, data)}, readings, Config(**config), seed=seed, device=device, mode=mode)
    eng.run(n_updates, progress_bar=progress_bar)
    return eng.runs()[data.task]


def compare_tasks(problems: dict, readings=("plain", "ds"), n_updates: int = 1000, *, seed: int = 0, device=None,
                  mode: str = "auto", progress_bar: bool = True, **config) -> dict:
    """Several tasks fused in one pass: ``problems = {task: (model, data)}`` → ``{task: {reading: Run}}``."""
    eng = Engine(problems, readings, Config(**config), seed=seed, device=device, mode=mode)
    eng.run(n_updates, progress_bar=progress_bar)
    return eng.runs()


class _Stream:
    """Minibatch indices, exactly ``ds_train._Batches``: a seeded permutation consumed in slices."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.B = n, batch_size
        self.g = torch.Generator().manual_seed(seed)
        self.order, self.pos = torch.randperm(n, generator=self.g), 0

    def next(self) -> torch.Tensor:
        if self.pos + self.B > self.n:
            self.order, self.pos = torch.randperm(self.n, generator=self.g), 0
        self.pos += self.B
        return self.order[self.pos - self.B:self.pos]

    def state(self):
        return {"g": self.g.get_state(), "order": self.order.clone(), "pos": self.pos}

    def load(self, s):
        self.g.set_state(s["g"])
        self.order, self.pos = s["order"].clone(), s["pos"]


def _pad_split(split, L: int, C: int, N: int, device, dtype):
    """(x, y, lengths) of one task padded to width L (on the left), C channels, N rows."""
    x, y, lengths = split
    n, Lx, c = x.shape
    xp = torch.zeros(N, L, C, dtype=dtype, device=device)
    xp[:n, L - Lx:, :c] = x.to(device, dtype)
    lp = torch.ones(N, dtype=torch.long, device=device)
    lp[:n] = lengths.to(device)
    return xp, y.to(device), lp


class Engine:
    """All networks of ``problems = {task: (SRN with M networks, ds_train.Data)}`` × ``readings``.

    Every reading starts from a copy of the SAME M initial networks of its task, every task's
    networks see the same minibatch order (``seed``), as in ``ds_train.compare``. ``run`` may be
    called again to continue; ``state_dict``/``load_state_dict`` checkpoint between epochs.
    ``sweep_dtype``: the dS sweep's precision (float64 as ``ds_sampling``; None: the model's).
    ``sweep``: "recompute" carries [δ, dδ] from δ(k) like ``ds_sampling`` (the reference's numbers);
    "reuse" takes δ(n) from the backward pass, a quarter of the arithmetic (``engine_step.sweep_reuse``).
    ``with_ds=False`` (plain-type readings only): no dS sweep; Q from the backward pass, dS = NaN.
    ``threads``: torch CPU threads while it computes on the CPU (``runtime.cpu_threads``; a second
    thread made the float64 sweep 10× slower on the busy 2-core machine); None leaves torch's setting.
    """

    def __init__(self, problems: dict, readings=("plain", "ds"), config: Config | None = None, *, seed: int = 0,
                 device=None, mode: str = "auto", sweep_dtype=torch.float64, with_ds: bool = True,
                 sweep: str = "recompute", threads: int | None = 1):
        self.cfg = cfg = config or Config()
        readings = list(readings)
        bad = [r for r in readings if r not in READINGS or READINGS[r][0] not in METHODS]
        if bad or not readings:
            raise ValueError(f"readings {bad or readings} not supported by the engine; choose from "
                             f"{[r for r in READINGS if READINGS[r][0] in METHODS]} (use ds_train for the others)")
        if not problems:
            raise ValueError("problems must name at least one task: {task: (model, data)}")
        models = [m for m, _ in problems.values()]
        m0 = models[0]
        dev = torch.device(device) if device is not None else m0.W_rec.device
        self.device, self.mode, self.requested_mode = dev, resolve_mode(mode, dev), mode
        self.tasks, self.readings, self.seed, self.threads = list(problems), readings, seed, threads
        for m in models:
            if m.n_networks is None or m.n_networks != m0.n_networks or m.n_hidden != m0.n_hidden \
                    or m.activation != m0.activation or m.W_rec.dtype != m0.W_rec.dtype:
                raise ValueError("every model must be an SRN with the same n_networks, n_hidden, activation, dtype")
        datas = [d for _, d in problems.values()]
        if len({d.T for d in datas}) != 1:
            raise ValueError(f"every task must have the same T, got {[d.T for d in datas]}")
        self.T, self.h = datas[0].T, cfg.h if cfg.h is not None else datas[0].T - 1
        self.dtype, self.K, self.Mt = m0.W_rec.dtype, m0.n_hidden, m0.n_networks
        self.sweep_dtype = sweep_dtype or self.dtype
        self.activation, self.f_prime = m0.activation, m0.f_prime
        self.G, R = len(problems), len(readings)
        self.m = R * self.Mt  # networks per task
        M = self.M = self.G * self.m
        self.n_in = [m.n_in for m in models]
        self.n_out = [m.n_out for m in models]
        self.soft = [m.output == "softmax" for m in models]
        C, O = max(self.n_in), max(self.n_out)
        L = max(d.train.x.shape[1] for d in datas)
        L = max([L] + [max(d.val.x.shape[1], d.test.x.shape[1]) for d in datas])
        self.L = L
        if not 1 <= self.h < min(int(d.train.lengths.min()) for d in datas):
            raise ValueError(f"h = {self.h} must be below every training sequence's length")
        kw = dict(device=dev, dtype=self.dtype)
        # parameters (M, ...) padded; network j = g·m + r·Mt + i (task g, reading r, seed i)
        self.p = {}
        for name in PARAMS:
            shape = {"W_in": (C, self.K), "W_rec": (self.K, self.K), "b": (self.K,), "W_out": (self.K, O),
                     "b_out": (O,)}[name]
            t = torch.zeros((M,) + shape, **kw)
            for g, mod in enumerate(models):
                v = getattr(mod, name).detach().to(**kw)
                sl = t[g * self.m:(g + 1) * self.m]
                sl[(slice(None),) + tuple(slice(0, s) for s in v.shape[1:])] = v.repeat((R,) + (1,) * (v.ndim - 1))
            self.p[name] = t
        self.v = {k: torch.zeros_like(t) for k, t in self.p.items()}
        # per-network flags
        meth = [READINGS[r][0] for r in readings]
        over = [READINGS[r][1] for r in readings]
        per = lambda f: torch.tensor([f(meth[r], over[r]) for g in range(self.G) for r in range(R)  # noqa: E731
                                      for _ in range(self.Mt)], device=dev)
        self.use_ds = per(lambda me, ov: me.startswith("ds"))
        self.printed = per(lambda me, ov: me == "ds_as_printed")
        self.clip = per(lambda me, ov: me == "clipping")
        self.dw_own = per(lambda me, ov: ov.get("dw", cfg.dw) == "own")
        self.thr_loss = per(lambda me, ov: ov.get("threshold", cfg.threshold) == "loss")
        self.any_clip, self.any_own = bool(self.clip.any()), bool(self.dw_own.any())
        self.any_loss = bool(self.thr_loss.any())
        self.with_ds = with_ds
        if sweep not in ("recompute", "reuse"):
            raise ValueError(f"sweep must be 'recompute' or 'reuse', got {sweep!r}")
        self.sweep = sweep
        if not with_ds and bool(self.use_ds.any()):
            raise ValueError("with_ds=False needs readings that do not decide by dS (plain, clipping)")
        self.configs = [asdict(Config(**{**asdict(cfg), **o})) for o in over]
        self.valid_out = torch.zeros(M, 1, O, dtype=torch.bool, device=dev)
        self.is_soft = torch.zeros(M, 1, dtype=torch.bool, device=dev)
        for g in range(self.G):
            self.valid_out[g * self.m:(g + 1) * self.m, :, :self.n_out[g]] = True
            self.is_soft[g * self.m:(g + 1) * self.m] = self.soft[g]
        self.mixed = len(set(self.soft)) > 1 or len(set(self.n_out)) > 1
        # data, padded and resident on the device
        self.data = {}
        for split in ("train", "val", "test"):
            N = max(len(getattr(d, split).y) for d in datas)
            parts = [_pad_split(getattr(d, split), L, C, N, dev, self.dtype) for d in datas]
            x = torch.stack([p[0] for p in parts])  # (G, N, L, C)
            lengths = torch.stack([p[2] for p in parts])  # (G, N)
            y_lab = torch.zeros(self.G, N, dtype=torch.long, device=dev)
            y_val = torch.zeros(self.G, N, O, dtype=self.dtype, device=dev)
            for g, (_, y, _) in enumerate(parts):
                if self.soft[g]:
                    y_lab[g, :len(y)] = y
                else:
                    y_val[g, :len(y), :y.shape[-1]] = y.to(self.dtype)
            self.data[split] = (x, y_lab, y_val, lengths, [len(getattr(d, split).y) for d in datas])
        self.n_train = [len(d.train.y) for d in datas]
        self.has_padding = bool((self.data["train"][3] < L).any())
        self.streams = [_Stream(n, cfg.batch_size, seed) for n in self.n_train]
        B = cfg.batch_size
        self.idx = torch.zeros(self.G, B, dtype=torch.long, device=dev)  # static input of a step
        self.out = torch.zeros(4, M, dtype=torch.float64, device=dev)  # static output: E, q, dS, applied
        self.step_count, self.n_val, self.history, self.records = 0, 0, [], []
        self.best = {k: t.clone() for k, t in self.p.items()}
        score, self.best_sel = self._evaluate("val", self.p)
        self.best_score, self.best_epoch = score, torch.zeros(M, dtype=torch.long, device=dev)
        self._fn, self.compile_s, self.train_s = None, 0.0, 0.0
        self.gi = torch.arange(self.G, device=dev)[:, None]

    # ---- the step ------------------------------------------------------------------------------
    def _step(self):
        """One update of all M networks; reads ``self.idx``, writes ``self.out``; no host sync."""
        cfg, p, G, m, M = self.cfg, self.p, self.G, self.m, self.M
        x_all, y_lab, y_val, len_all, _ = self.data["train"]
        x, lengths = x_all[self.gi, self.idx], len_all[self.gi, self.idx]  # (G, B, L, C), (G, B)
        B, L = x.shape[1], x.shape[2]
        A, Z, mask = S.forward(x, lengths if self.has_padding else None, p, m, self.activation)
        out = torch.baddbmm(p["b_out"][:, None], Z[L - 1], p["W_out"])  # (M, B, O), eq. (3) before g
        lab = y_lab[self.gi, self.idx][:, None].expand(G, m, B).reshape(M, B)
        val = y_val[self.gi, self.idx][:, None].expand(G, m, B, -1).reshape(M, B, -1)
        kind = "softmax" if all(self.soft) and not self.mixed else "linear" if not any(self.soft) else "mixed"
        E, e = S.loss_and_error(out, lab, val, kind, self.valid_out, self.is_soft)
        if cfg.reduction == "mean":
            E, e = E / B, e / B
        D, delta_k = S.backward(Z, e, p["W_out"], p["W_rec"], self.activation, mask, m)
        grads = S.weight_grads(x, Z, D, e, m)
        if self.any_clip:  # per-network global-norm clipping (pascanu.clip_by_global_norm), clipping nets only
            sq = sum((g_ ** 2).reshape(M, -1).sum(-1) for g_ in grads.values())
            scale = torch.where(self.clip, torch.clamp(cfg.clip / (sq.sqrt() + 1e-12), max=1.0), torch.ones_like(sq))
            grads = {k: g_ * scale.view((M,) + (1,) * (g_.ndim - 1)) for k, g_ in grads.items()}
        new_v = {k: cfg.momentum * self.v[k] - cfg.lr * grads[k] for k in PARAMS}
        dW = new_v["W_rec"]
        if self.any_own:
            dW = torch.where(self.dw_own[:, None, None], -cfg.lr * grads["W_rec"], dW)
        if self.with_ds and self.sweep == "reuse":
            ds, q = S.sweep_reuse(p["W_rec"], dW, A, D, self.h, self.f_prime, self.sweep_dtype)
        elif self.with_ds:
            ds, q = S.sweep(p["W_rec"], dW, A, delta_k, self.h, self.f_prime, self.sweep_dtype)
        else:  # Q (25) from the backward pass itself; no third sweep
            nk, nkh = delta_k.norm(dim=-1).mean(-1), D[L - 1 - self.h].norm(dim=-1).mean(-1)
            q, ds = (torch.log10(nk) - torch.log10(nkh)).double(), torch.full_like(nk, torch.nan, dtype=torch.float64)
        ds_rule = ds
        if self.any_loss:  # |dS| / |dE|, dE = Σ⟨∂E/∂w, step⟩ (ds_train._loss_change)
            dE = sum((grads[k] * new_v[k]).reshape(M, -1).sum(-1) for k in PARAMS).double()
            ds_rule = torch.where(self.thr_loss, ds / dE.abs(), ds)
        ok_c = accept(q, ds_rule, cfg.q_min, cfg.q_max, cfg.ds_max, rule="corrected")
        ok_p = accept(q, ds_rule, cfg.q_min, cfg.q_max, cfg.ds_max, rule="as_printed")
        ok = torch.where(self.use_ds, torch.where(self.printed, ok_p, ok_c), torch.ones_like(ok_c))
        for k in PARAMS:  # applied: w += v', v = v'; skipped: both untouched
            mk = ok.view((M,) + (1,) * (new_v[k].ndim - 1))
            p[k].add_(torch.where(mk, new_v[k], torch.zeros_like(new_v[k])))
            self.v[k].copy_(torch.where(mk, new_v[k], self.v[k]))
        self.out.copy_(torch.stack([E.double(), q, ds, ok.double()]))

    # ---- modes -----------------------------------------------------------------------------------
    def _prepare(self):
        """Build the step function for ``self.mode`` (compiling/capturing once, state restored).

        Warm-up steps run on a side stream before the capture (CUDA graphs need it) and are undone.
        Under ``mode="auto"`` a capture that fails falls back to eager with a warning (the mode
        actually used is ``self.mode``); an explicitly requested mode raises.
        """
        if self._fn is not None:
            return
        t0 = time.time()
        fn = self._step
        if self.mode in ("compile", "compile_cuda_graph", "cuda_graph"):
            saved = {k: (t.clone(), self.v[k].clone()) for k, t in self.p.items()}
            try:
                fn = self._build(self.mode)
            except Exception as e:  # noqa: BLE001 -- any capture failure: eager is always correct
                if self.requested_mode != "auto":
                    raise
                warnings.warn(f"engine: {self.mode} failed ({type(e).__name__}: {e}); running eagerly")
                self.mode, fn = "eager", self._step
            finally:
                for k, (pv, vv) in saved.items():  # warm-up steps must not count
                    self.p[k].copy_(pv)
                    self.v[k].copy_(vv)
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
        self._fn, self.compile_s = fn, time.time() - t0

    def _build(self, mode: str):
        fn = torch.compile(self._step, dynamic=False) if mode.startswith("compile") else self._step
        if mode == "compile":
            fn()  # compiles
            return fn
        s = torch.cuda.Stream(self.device)
        s.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(s):
            for _ in range(2):
                fn()
        torch.cuda.current_stream(self.device).wait_stream(s)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            fn()
        self._graph = graph  # keep it (and its memory pool) alive
        return graph.replay

    # ---- the loop --------------------------------------------------------------------------------
    def run(self, n_updates: int, *, max_seconds: float | None = None, progress_bar: bool = True) -> bool:
        """Train up to ``n_updates`` minibatches in all (counting earlier calls); True when done.

        With ``max_seconds`` it stops at the first epoch boundary after that time (resumable).
        Every ``cfg.epoch`` updates (and at the last): validate, keep the best, reset the momentum.
        """
        if isinstance(n_updates, bool) or not isinstance(n_updates, int) or n_updates < 1:
            raise ValueError(f"n_updates must be an int >= 1, got {n_updates!r}")
        with self._threads():
            self._prepare()
            t0, ep = time.time(), self.cfg.epoch
            try:
                return self._loop(n_updates, max_seconds, progress_bar, t0, ep)
            finally:
                self.train_s += time.time() - t0

    def _threads(self):
        return cpu_threads(self.threads, self.device) if self.threads else contextlib.nullcontext()

    def _loop(self, n_updates, max_seconds, progress_bar, t0, ep) -> bool:
        bar = progress(total=n_updates, initial=self.step_count, desc="engine", enabled=progress_bar)
        while self.step_count < n_updates:
            n = min(ep - self.step_count % ep, n_updates - self.step_count)
            idx = torch.stack([torch.stack([s.next() for s in self.streams]) for _ in range(n)]).to(self.device)
            rec = torch.empty(n, 4, self.M, dtype=torch.float64, device=self.device)
            for j in range(n):
                self.idx.copy_(idx[j])
                self._fn()
                rec[j].copy_(self.out)
            rec = rec.cpu().numpy()
            bad = ~np.isfinite(rec[:, 0])
            if bad.any():
                j = int(np.argwhere(bad.any(1))[0, 0])
                raise DivergenceError(f"training diverged at step {self.step_count + j}: loss = "
                                      f"{rec[j, 0, bad[j]][:4].tolist()} (networks {np.flatnonzero(bad[j])[:8]})")
            self.records.append(rec)
            self.step_count += n
            bar.update(n)
            if self.step_count % ep == 0 or self.step_count == n_updates:
                self._validate()
                if self.cfg.reset_momentum:
                    for v in self.v.values():
                        v.zero_()
            if max_seconds is not None and time.time() - t0 > max_seconds and self.step_count < n_updates:
                break
        bar.close()
        return self.step_count >= n_updates

    # ---- validation, save best, test -------------------------------------------------------------
    @torch.no_grad()
    def forward_last(self, split: str, params: dict, chunk: int = 2000) -> torch.Tensor:
        """The output (M, N, O) at the last step on a fixed set, eq. (1)-(3) as ``SRN.forward``."""
        x_all, _, _, len_all, _ = self.data[split]
        G, m, K = self.G, self.m, self.K
        outs = []
        for i in range(0, x_all.shape[1], chunk):
            x, lengths = x_all[:, i:i + chunk], len_all[:, i:i + chunk]
            N, L = x.shape[1], x.shape[2]
            mask = (torch.arange(L, device=x.device) >= (L - lengths)[..., None]).to(x.dtype)  # (G, N, L)
            mask = mask[:, None].expand(G, m, N, L).reshape(self.M, N, L, 1)
            W_in = params["W_in"].view(G, m, -1, K)
            z = x.new_zeros(self.M, N, K)
            f = torch.tanh if self.activation == "tanh" else torch.sigmoid
            for t in range(L):
                a = (x[:, None, :, t] @ W_in).reshape(self.M, N, K) + z @ params["W_rec"] + params["b"][:, None]
                z = f(a * mask[:, :, t]) * mask[:, :, t]
            outs.append(z @ params["W_out"] + params["b_out"][:, None])
        return torch.cat(outs, dim=1)

    def _evaluate(self, split: str, params: dict):
        """(score, selection value) per network (M,), float64, on the device."""
        with self._threads():
            out = self.forward_last(split, params)
        _, y_lab, y_val, _, ns = self.data[split]
        score, sel = [], []
        for g, task in enumerate(self.tasks):
            o = out[g * self.m:(g + 1) * self.m, :ns[g], :self.n_out[g]]
            y = y_lab[g, :ns[g]] if self.soft[g] else y_val[g, :ns[g], :1]
            sc = torch.as_tensor(_tasks.score(task, o, y, criterion=self.cfg.criterion)).to(out.device).double()
            score.append(sc)
            if self.cfg.select_by == "loss":
                if self.soft[g]:
                    loss = -torch.log_softmax(o, -1).gather(-1, y.expand(o.shape[:-1])[..., None])[..., 0].sum(-1)
                else:
                    loss = 0.5 * ((o - y) ** 2).sum(dim=(-2, -1))
                sel.append(-(loss / ns[g]).double())
            else:
                sel.append(sc)
        return torch.cat(score), torch.cat(sel)

    def _validate(self):
        self.n_val += 1
        score, sel = self._evaluate("val", self.p)
        self.history.append(score.cpu().numpy())
        better = sel > self.best_sel
        self.best_sel, self.best_score = torch.where(better, sel, self.best_sel), torch.where(better, score,
                                                                                             self.best_score)
        self.best_epoch = torch.where(better, torch.full_like(self.best_epoch, self.n_val), self.best_epoch)
        for k, t in self.p.items():
            self.best[k] = torch.where(better.view((-1,) + (1,) * (t.ndim - 1)), t, self.best[k])

    # ---- results and checkpoints -----------------------------------------------------------------
    def runs(self) -> dict:
        """``{task: {reading: ds_train.Run}}`` (the same fields and shapes as ``ds_train.train``)."""
        rec = np.concatenate(self.records) if self.records else np.zeros((0, 4, self.M))
        test = self._evaluate("test", self.best)[0].cpu().numpy()
        hist = np.array(self.history).reshape(len(self.history), self.M)
        np_dtype = torch.empty(0, dtype=self.dtype).numpy().dtype
        out = {}
        for g, task in enumerate(self.tasks):
            out[task] = {}
            for r, name in enumerate(self.readings):
                sl = slice(g * self.m + r * self.Mt, g * self.m + (r + 1) * self.Mt)
                shapes = {"W_in": (self.n_in[g], self.K), "W_out": (self.K, self.n_out[g]), "b_out": (self.n_out[g],)}
                state = {}
                for k, t in self.best.items():
                    v = t[sl]
                    if k in shapes:
                        v = v[(slice(None),) + tuple(slice(0, s) for s in shapes[k])]
                    state[k] = v.clone()
                out[task][name] = Run(READINGS[name][0], copy.deepcopy(self.configs[r]),
                                      rec[:, 0, sl].astype(np_dtype), rec[:, 1, sl], rec[:, 2, sl],
                                      rec[:, 3, sl].astype(bool), hist[:, sl], self.best_score[sl].cpu().numpy(),
                                      self.best_epoch[sl].cpu().numpy(), test[sl], state)
        return out

    def params(self, task: str, reading: str) -> dict:
        """The current (last) weights of one task's networks under one reading, unpadded."""
        g, r = self.tasks.index(task), self.readings.index(reading)
        sl = slice(g * self.m + r * self.Mt, g * self.m + (r + 1) * self.Mt)
        shapes = {"W_in": (self.n_in[g], self.K), "W_out": (self.K, self.n_out[g]), "b_out": (self.n_out[g],)}
        return {k: (t[sl][(slice(None),) + tuple(slice(0, s) for s in shapes[k])] if k in shapes else t[sl]).clone()
                for k, t in self.p.items()}

    def state_dict(self) -> dict:
        """Everything needed to continue exactly: weights, momentum, save-best, streams, records."""
        cpu = lambda d: {k: t.detach().cpu().clone() for k, t in d.items()}  # noqa: E731
        return {"step": self.step_count, "n_val": self.n_val, "p": cpu(self.p), "v": cpu(self.v),
                "best": cpu(self.best), "best_sel": self.best_sel.cpu(), "best_score": self.best_score.cpu(),
                "best_epoch": self.best_epoch.cpu(), "history": list(self.history),
                "records": list(self.records), "streams": [s.state() for s in self.streams],
                "tasks": self.tasks, "readings": self.readings, "M": self.M}

    def load_state_dict(self, s: dict) -> None:
        if s["tasks"] != self.tasks or s["readings"] != self.readings or s["M"] != self.M:
            raise ValueError("checkpoint is for other tasks/readings/networks: "
                             f"{s['tasks']}, {s['readings']}, M={s['M']}")
        for k in PARAMS:  # copy_ in place: a captured CUDA graph keeps its buffers
            self.p[k].copy_(s["p"][k])
            self.v[k].copy_(s["v"][k])
        self.best = {k: t.to(self.device) for k, t in s["best"].items()}
        self.best_sel, self.best_score = s["best_sel"].to(self.device), s["best_score"].to(self.device)
        self.best_epoch = s["best_epoch"].to(self.device)
        self.step_count, self.n_val = s["step"], s["n_val"]
        self.history, self.records = list(s["history"]), list(s["records"])
        for st, ss in zip(self.streams, s["streams"]):
            st.load(ss)


def verify(model, data, readings=("plain", "ds"), n_updates: int = 200, *, seed: int = 0, device=None,
           mode: str = "auto", dtype=torch.float64, sweep: str = "recompute", **config) -> dict:
    """Run the engine and ``ds_train.train`` side by side from the same networks; the max differences.

    Both in ``dtype`` (float64: differences are rounding, not the engine) on ``device``. Returns
    ``{"updates", "dtype", "mode", "decisions_equal", "max_abs": {weights, loss_rel, q, ds}, "test_equal"}``.
    """
    dev = torch.device(device) if device is not None else model.W_rec.device
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
        ref = train(ref_model, data, method, n_updates, Config(**{**asdict(cfg), **over}), seed=seed, device=dev,
                    progress_bar=False)
        g = got[name]
        last = eng.params(data.task, name)
        worst["weights"] = max(worst["weights"], max(float((getattr(ref_model, k).detach() - last[k]).abs().max())
                                                     for k in PARAMS))
        worst["loss_rel"] = max(worst["loss_rel"], float(np.max(np.abs(ref.loss - g.loss) / np.abs(ref.loss).clip(1e-300))))
        worst["q"] = max(worst["q"], float(np.nanmax(np.abs(ref.q - g.q))))
        worst["ds_rel"] = max(worst["ds_rel"], float(np.nanmax(np.abs(ref.ds - g.ds) / np.abs(ref.ds).clip(1e-300))))
        same = same and bool((ref.accepted == g.accepted).all())
        test_equal = test_equal and bool((ref.test_score == g.test_score).all())
    return {"updates": n_updates, "dtype": str(dtype).replace("torch.", ""), "mode": eng.mode, "sweep": sweep,
            "readings": list(readings), "decisions_equal": same, "test_equal": test_equal,
            "max_abs": {k: float(f"{v:.3g}") for k, v in worst.items()}}

