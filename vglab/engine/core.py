"""``vglab.engine``'s ``Engine``: one batched training step for all networks, its modes and its loop.

``_step`` composes ``engine.step``'s maths: forward (paper eq. (1)-(2)), BPTT by hand (eq. (6),
(4)), the dS sweep (SOURCES.md §1.3, §1.6, eq. (20)-(24)), Q (25), the accept rule (``ds_sampling.accept``) and
the momentum update, with no host sync; eager, compiled or a CUDA graph (``_prepare``); ``run``
validates every epoch and keeps each network's best. The padded batch layout: ``engine.pack``.
"""
from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import asdict

import numpy as np
import torch

from . import pack as P
from . import records as RC
from . import step as S
from .. import _args, _checked
from ..ds_sampling import _accept
from ..ds_train import READINGS, Config, Stream, _loss_change, _check_h
from .pack import MODES, PARAMS, resolve_mode  # noqa: F401 -- re-exported
from ..pascanu import _clip
from ..runtime import cpu_threads
from ..train import DivergenceError, progress

METHODS = ("plain", "ds", "ds_as_printed", "clipping")  # what the engine runs (not "pascanu")
PER_READING = ("dw", "threshold", "nonfinite")  # the Config fields a reading may change in the engine


def supported(reading: str) -> bool:
    """True if the engine runs ``reading``: its method is in ``METHODS`` and it changes no shared
    setting (lr, momentum, batch size, loss reduction: all networks of a step share them), so
    e.g. "plain_own" (Pascanu's regime) runs on ``ds_train`` only."""
    if _args.text("reading", reading) not in READINGS:
        return False
    method, over = READINGS[reading]
    return method in METHODS and set(over) <= set(PER_READING)


class Engine:
    """All networks of ``problems = {task: (SRN with M networks, ds_train.Data)}`` × ``readings``.

    Every reading starts from a copy of the SAME M initial networks of its task, every task's
    networks see the same minibatch order (``seed``), as in ``ds_train.compare``. ``run`` may be
    called again to continue; ``state_dict``/``load_state_dict`` checkpoint between epochs.
    ``dtype``: the precision of every step (None: the models'; the CPU runs Table 1 in float32, a
    float64 engine equals ``ds_train`` to rounding). ``sweep_dtype``: the dS sweep's precision;
    "auto" (default): float64 on CUDA (as ``ds_sampling``), ``dtype`` on the CPU; None: ``dtype``.
    ``sweep``: "recompute" carries [δ, dδ] from δ(k) like ``ds_sampling`` (the reference's numbers);
    "reuse" takes δ(n) from the backward pass, a quarter of the arithmetic (``engine.step.sweep_reuse``);
    "auto" (default): reuse when the sweep runs in ``dtype`` (recomputing δ there gives the same δ),
    recompute otherwise (CUDA: a float64 sweep of a float32 model).
    ``with_ds=False`` (plain-type readings only): no dS sweep; Q from the backward pass, dS = NaN.
    ``threads``: torch CPU threads while it computes on the CPU (``runtime.cpu_threads``; a second
    thread made the float64 sweep 10× slower on the busy 2-core machine); None leaves torch's setting.
    ``records``: "full" keeps every update's (loss, Q, dS, applied) for ``runs()``; "epoch" keeps only
    the per-epoch summaries (``engine.records``; small checkpoints for long runs; ``runs()`` then has
    (0, Mt) per-update arrays). Both keep the summaries (``summaries()``).
    ``test_at``: update counts at which (at the first validation at or after each) every kept network
    is scored on the test set (``test_curve()``; ``engine.records.every(n, 0.1)``: every 10 %).
    """

    def __init__(self, problems: dict, readings=("plain", "ds"), config: Config | None = None, *,
                 seed: int = 0, device=None, mode: str = "auto", sweep_dtype="auto",
                 with_ds: bool = True, sweep: str = "auto", threads: int | None = 1, dtype=None,
                 records: str = "full", test_at=()):
        # every argument checked here, before any work (never inside the step: it is hot)
        self.cfg = cfg = _args.optional(_checked.instance, "config", config, Config, "a ds_train.Config or None") or Config()
        readings, seed = _args.names("readings", readings, READINGS), _args.seed("seed", seed)
        bad = [r for r in readings if not supported(r)]
        if bad:
            ok = [r for r in READINGS if supported(r)]
            raise ValueError(f"readings {bad} not supported by the engine; choose from {ok} "
                             "(use ds_train for the others)")
        datas = P.check_problems(problems)
        models = [m for m, _ in problems.values()]
        m0 = models[0]
        dev = _args.device("device", device) if device is not None else m0.W_rec.device
        self.device, self.mode, self.requested_mode = dev, resolve_mode(mode, dev), mode
        threads = _args.optional(_args.threads, "threads", threads)
        _args.boolean("with_ds", with_ds), _args.choice("sweep", sweep, ("auto", "recompute", "reuse"))
        _args.choice("records", records, ("full", "epoch"))
        self.tasks, self.readings, self.seed, self.threads = list(problems), readings, seed, threads
        self.T, self.h = datas[0].T, min(_check_h(cfg, d) for d in datas)
        if dtype is not None and not any(dtype is d for d in (torch.float32, torch.float64)):
            raise ValueError(f"dtype must be torch.float32, torch.float64 or None, got {dtype!r}")
        self.dtype, self.K, self.Mt = dtype or m0.W_rec.dtype, m0.n_hidden, m0.n_networks
        if isinstance(sweep_dtype, str) and sweep_dtype != "auto":
            raise ValueError(f"sweep_dtype must be 'auto', None or a torch dtype, got {sweep_dtype!r}")
        auto = torch.float64 if dev.type == "cuda" else self.dtype
        self.sweep_dtype = auto if sweep_dtype == "auto" else sweep_dtype or self.dtype
        self.activation, self.f_prime = m0.activation, m0.f_prime
        self.G, R = len(problems), len(readings)
        self.m = R * self.Mt  # networks per task
        M = self.M = self.G * self.m
        self.n_in, self.n_out = [m.n_in for m in models], [m.n_out for m in models]
        self.soft = [m.output == "softmax" for m in models]
        C, O = max(self.n_in), max(self.n_out)
        self.L = L = max(max(getattr(d, s).x.shape[1] for s in ("train", "val", "test")) for d in datas)
        self.p = P.pack_params(models, R, self.K, C, O, dev, self.dtype)  # network j = g·m + r·Mt + i
        self.v = {k: torch.zeros_like(t) for k, t in self.p.items()}
        self.use_ds, self.printed, self.clip, self.dw_own, self.thr_loss = P.network_flags(
            readings, cfg, self.G, self.Mt, dev)
        self.any_clip, self.any_own = bool(self.clip.any()), bool(self.dw_own.any())
        rules = {Config(**{**asdict(cfg), **READINGS[r][1]}).nonfinite for r in readings if READINGS[r][0] == "clipping"}
        if len(rules) > 1:  # one clipping rule per engine: a NaN/Inf/huge norm shrinks W_rec ("pascanu") or stops
            raise ValueError(f"the clipping readings must share Config.nonfinite, got {sorted(rules)}")
        self.clip_rule = "pascanu" if rules == {"pascanu"} else "propagate"
        self.stops = ~(self.clip.cpu().numpy() & (self.clip_rule == "pascanu"))  # whose NaN loss stops the run
        self.any_loss = bool(self.thr_loss.any())
        by_rule = (("corrected", self.use_ds & ~self.printed), ("as_printed", self.use_ds & self.printed))
        self.rules = [(rule, sel) for rule, sel in by_rule if bool(sel.any())]  # the rules in use
        self.with_ds = with_ds
        if sweep not in ("auto", "recompute", "reuse"):
            raise ValueError(f"sweep must be 'auto', 'recompute' or 'reuse', got {sweep!r}")
        self.sweep = sweep if sweep != "auto" else "reuse" if self.sweep_dtype == self.dtype else "recompute"
        if not with_ds and bool(self.use_ds.any()):
            raise ValueError("with_ds=False needs readings that do not decide by dS (plain, clipping)")
        self.configs = [asdict(Config(**{**asdict(cfg), **READINGS[r][1]})) for r in readings]
        self.valid_out, self.is_soft = P.output_masks(self.soft, self.n_out, self.m, O, dev)
        mixed = len(set(self.soft)) > 1 or len(set(self.n_out)) > 1  # the loss kind, once (not per step)
        self.kind = "softmax" if all(self.soft) and not mixed else "linear" if not any(self.soft) else "mixed"
        self.data = P.pack_data(datas, self.soft, L, C, O, dev, self.dtype)  # padded, on the device
        self.has_padding = bool((self.data["train"][3] < L).any())
        self.streams = [Stream(len(d.train.y), cfg.batch_size, seed) for d in datas]  # one order per task
        self.idx = torch.zeros(self.G, cfg.batch_size, dtype=torch.long, device=dev)  # static input of a step
        self.out = torch.zeros(4, M, dtype=torch.float64, device=dev)  # static output: E, q, dS, applied
        if records not in ("full", "epoch"):
            raise ValueError(f"records must be 'full' or 'epoch', got {records!r}")
        self.keep, self.test_at, self.test_points, self.epochs = records, RC.check_points(test_at), [], []
        self.step_count, self.n_val, self.history, self.records = 0, 0, [], []
        self.best = {k: t.clone() for k, t in self.p.items()}
        score, self.best_sel = self._evaluate("val", self.p)
        self.best_score, self.best_epoch = score, torch.zeros(M, dtype=torch.long, device=dev)
        self._fn, self.compile_s, self.train_s = None, 0.0, 0.0
        self.gi = torch.arange(self.G, device=dev)[:, None]
        self.ws = {} if dev.type == "cpu" else None  # the step's work tensors, kept (engine.step.buffer)

    # ---- the step ------------------------------------------------------------------------------
    def _step(self):
        """One update of all M networks; reads ``self.idx``, writes ``self.out``; no host sync."""
        cfg, p, G, m, M = self.cfg, self.p, self.G, self.m, self.M
        x_all, y_lab, y_val, len_all, _ = self.data["train"]
        x, lengths = x_all[self.gi, self.idx], len_all[self.gi, self.idx]  # (G, B, L, C), (G, B)
        B, L = x.shape[1], x.shape[2]
        ws = self.ws
        A, Z, mask = S.forward(x, lengths if self.has_padding else None, p, m, self.activation, ws)
        out = torch.baddbmm(p["b_out"][:, None], Z[L - 1], p["W_out"])  # (M, B, O), eq. (3) before g
        lab = y_lab[self.gi, self.idx][:, None].expand(G, m, B).reshape(M, B)
        val = y_val[self.gi, self.idx][:, None].expand(G, m, B, -1).reshape(M, B, -1)
        E, e = S.loss_and_error(out, lab, val, self.kind, self.valid_out, self.is_soft)
        if cfg.reduction == "mean":
            E, e = E / B, e / B
        Dn, delta_k, FP = S.backward(Z, e, p["W_out"], p["W_rec"], self.activation, mask, m, ws)
        grads = S.weight_grads(x, Z, Dn, e, m, ws)
        if self.any_clip:  # global-norm clipping per network, for the clipping readings' networks only
            clipped = _clip([grads[k] for k in PARAMS], cfg.clip, networks=True, nonfinite=self.clip_rule,
                            W_rec=p["W_rec"], rec_index=PARAMS.index("W_rec"))
            grads = {k: torch.where(S.per_network(self.clip, c), c, grads[k])
                     for k, c in zip(PARAMS, clipped)}
        new_v = {k: cfg.momentum * self.v[k] - cfg.lr * grads[k] for k in PARAMS}
        dW = new_v["W_rec"]
        if self.any_own:
            dW = torch.where(self.dw_own[:, None, None], -cfg.lr * grads["W_rec"], dW)
        if self.with_ds and self.sweep == "reuse":
            ds, q = S.sweep_reuse(p["W_rec"], dW, A, Dn, self.h, self.f_prime, self.sweep_dtype, FP, ws)
        elif self.with_ds:
            ds, q = S.sweep(p["W_rec"], dW, A, delta_k, self.h, self.f_prime, self.sweep_dtype, FP)
        else:  # Q (25) from the backward pass itself; no third sweep
            q = S.q_factor(S._norm(delta_k), S._norm(Dn[:, L - 1 - self.h]))
            ds = torch.full_like(q, torch.nan)
        ds_rule = ds
        if self.any_loss:  # |dS| / |dE|, dE = Σ⟨∂E/∂w, step⟩
            dE = _loss_change([grads[k] for k in PARAMS], [new_v[k] for k in PARAMS], M)
            ds_rule = torch.where(self.thr_loss, ds / dE.abs(), ds)
        ok = torch.ones_like(q, dtype=torch.bool)  # plain and clipping networks always apply
        for rule, sel in self.rules:  # only the rules some network decides by
            ok = torch.where(sel, _accept(q, ds_rule, cfg.q_min, cfg.q_max, cfg.ds_max, rule), ok)
        for k in PARAMS:  # applied: w += v', v = v'; skipped: both untouched
            mk = S.per_network(ok, new_v[k])
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
        n_updates = _args.integer("n_updates", n_updates, lo=1)
        _args.optional(_args.real, "max_seconds", max_seconds, 0), _args.boolean("progress_bar", progress_bar)
        with self._threads():
            self._prepare()
            t0 = time.time()
            try:
                return self._loop(n_updates, max_seconds, progress_bar, t0)
            finally:
                self.train_s += time.time() - t0

    def _threads(self):
        return cpu_threads(self.threads, self.device) if self.threads else contextlib.nullcontext()

    def _loop(self, n_updates, max_seconds, progress_bar, t0) -> bool:
        ep = self.cfg.epoch
        bar = progress(total=n_updates, initial=self.step_count, desc="engine", enabled=progress_bar)
        while self.step_count < n_updates:
            n = min(ep - self.step_count % ep, n_updates - self.step_count)
            idx = torch.stack([torch.stack([s.next() for s in self.streams]) for _ in range(n)])
            idx = idx.to(self.device)
            rec = torch.empty(n, 4, self.M, dtype=torch.float64, device=self.device)
            for j in range(n):
                self.idx.copy_(idx[j])
                self._fn()
                rec[j].copy_(self.out)
            rec = rec.cpu().numpy()
            bad = ~np.isfinite(rec[:, 0]) & self.stops  # as ds_train: "pascanu" clipping goes on (W_rec shrinks)
            if bad.any():
                j = int(np.argwhere(bad.any(1))[0, 0])
                raise DivergenceError(f"training diverged at step {self.step_count + j}: loss = "
                                      f"{rec[j, 0, bad[j]][:4].tolist()} "
                                      f"(networks {np.flatnonzero(bad[j])[:8]})")
            self.epochs.append(RC.summarise(rec))
            if self.keep == "full":
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
        """The output (M, N, O) at the last step on a fixed set (``engine.step.last_output``), by chunks."""
        x, _, _, lengths, _ = self.data[split]
        return torch.cat([S.last_output(x[:, i:i + chunk], lengths[:, i:i + chunk], params, self.m,
                                        self.activation) for i in range(0, x.shape[1], chunk)], dim=1)

    def _evaluate(self, split: str, params: dict):
        """(score, selection value) per network (M,), float64, on the device (``engine.pack.scores``)."""
        with self._threads():
            out = self.forward_last(split, params)
        return P.scores(self, out, split)

    def _validate(self):
        self.n_val += 1
        score, sel = self._evaluate("val", self.p)
        self.history.append(score.cpu().numpy())
        better = sel > self.best_sel
        self.best_sel = torch.where(better, sel, self.best_sel)
        self.best_score = torch.where(better, score, self.best_score)
        self.best_epoch = torch.where(better, torch.full_like(self.best_epoch, self.n_val), self.best_epoch)
        for k, t in self.p.items():
            self.best[k] = torch.where(S.per_network(better, t), t, self.best[k])
        due = RC.test_due(self)
        if due:  # the kept networks on the test set, once for every listed point reached
            test = self._evaluate("test", self.best)[0].cpu().numpy()
            self.test_points += [{"at": p, "update": self.step_count, "test_score": test} for p in due]

    # ---- results and checkpoints (engine.pack) -------------------------------------------------
    def runs(self) -> dict:
        """``{task: {reading: ds_train.Run}}`` (the same fields and shapes as ``ds_train.train``)."""
        return P.to_runs(self, self._evaluate("test", self.best)[0].cpu().numpy())

    def summaries(self) -> dict:
        """``{task: {reading: {field: (n_epochs, Mt)}}}`` (``engine.records.FIELDS``, + "update_end")."""
        return RC.summaries(self)

    def test_curve(self) -> dict:
        """``{task: {reading: {"at", "update", "test_score" (n_points, Mt)}}}`` (``engine.records``)."""
        return RC.test_curve(self)

    def params(self, task: str, reading: str) -> dict:
        """The current (last) weights of one task's networks under one reading, unpadded."""
        g, r = self.tasks.index(task), self.readings.index(reading)
        return P.unpad(self.p, P.block(g, r, self.m, self.Mt), self.n_in[g], self.n_out[g], self.K)

    def state_dict(self) -> dict:
        """Everything needed to continue exactly: weights, momentum, save-best, streams, records.

        With ``records="epoch"``: no per-update records, so it grows by ~50 bytes per network and
        epoch: 30 networks × 100 000 updates = 6.0 MB in float32, 8.6 MB in float64 (measured;
        weights and kept weights 2.7 MB of it; tests/test_engine.py holds it under 8 MB).
        """
        return P.state_dict(self)

    def load_state_dict(self, s: dict) -> None:
        """Continue from ``state_dict()`` (tasks, readings and networks must match)."""
        P.load_state_dict(self, s)
