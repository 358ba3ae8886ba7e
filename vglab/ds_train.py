"""The paper's training loop: momentum SGD that applies or skips each minibatch (SOURCES.md §1).

The paper's sections 6 and 8. Per minibatch (one "update" = one minibatch drawn, applied or not):
1) forward/backward: E, ∂E/∂w, δ(k); the proposed momentum step v' = μ v − lr ∂E/∂w;
2) Q(δ, h) (25) and dS (22) along dW_rec from one forward-mode sweep (``ds_sampling``);
3) ``accept`` decides (methods "ds", "ds_as_printed"); "plain", "clipping", "pascanu" always apply;
4) applied: w += v', v = v'; skipped: weights AND momentum stay untouched.
Every ``epoch`` updates: validate, keep the best network ("save best"), reset the momentum.
``n_networks=M`` SRNs train in one batched pass and each network accepts or skips on its own;
all networks see the same minibatches, so a network trained alone follows the same path.

The choices the paper leaves open are ``Config`` fields; the defaults are the authors' sibling
code's where the lab's specification names it, else the reading closest to the printed text.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from . import _args, _checked
from . import srn as _srn
from . import tasks as _tasks
from .ds_sampling import _accept, _sweep_q_ds
from .pascanu import HOLDS, _clip, _omega
from .train import check_finite, progress

METHODS = ("plain", "ds", "ds_as_printed", "clipping", "pascanu")
PASCANU_REGIME = {"lr": 0.01, "momentum": 0.0, "batch_size": 20, "reduction": "pascanu", "clip": 1.0,
                  "nonfinite": "pascanu"}
READINGS = {
    # name: (method, Config overrides) -- the readings of the paper's open choices (SOURCES.md §1)
    "plain": ("plain", {}),
    "ds": ("ds", {}),                                   # dW_rec = full momentum step, |dS| as printed
    "ds_own": ("ds", {"dw": "own"}),                    # dW_rec = the minibatch's own −lr ∂E/∂W_rec
    "ds_loss": ("ds", {"threshold": "loss"}),           # |dS| threshold scaled to the loss change
    "ds_own_loss": ("ds", {"dw": "own", "threshold": "loss"}),
    "ds_as_printed": ("ds_as_printed", {}),             # the paper's printed (swapped) step 4
    # baselines (Pascanu et al. 2013, SOURCES.md §6) in the paper's regime, with Pascanu's rule
    # for a NaN/Inf/huge gradient norm (W_rec's gradient := 0.02 W_rec, others 0; training goes on)
    "clipping": ("clipping", {"nonfinite": "pascanu"}),
    "pascanu": ("pascanu", {"nonfinite": "pascanu"}),
    # the same baselines in Pascanu's own regime (RNN.py @3f5df3f L449-495): plain SGD lr 0.01, no
    # momentum, batch 20, the batch-mean loss without ½, α = 2, θ = 1; model: 50 hidden units,
    # ``pascanu.smart_tanh_``. "clipping_own" is their code with α = 0 (method "pascanu", so the
    # engine, which runs the paper's regime only, refuses both)
    "pascanu_own": ("pascanu", {**PASCANU_REGIME, "omega_weight": 2.0}),
    "clipping_own": ("pascanu", {**PASCANU_REGIME, "omega_weight": 0.0}),
    # their own plain baseline: plain SGD in the same regime (lr 0.01, no momentum, batch 20, the
    # batch-mean loss), no clipping, no Ω; a NaN/Inf stops it (DivergenceError) like every plain run
    "plain_own": ("plain", {k: v for k, v in PASCANU_REGIME.items() if k not in ("clip", "nonfinite")}),
}
OWN_REGIME = ("plain_own", "clipping_own", "pascanu_own")
"""The readings in Pascanu's own regime; their model is ``PASCANU_MODEL`` (``own_regime_model``)."""
PASCANU_MODEL = {"hidden": 50, "init": "smart_tanh"}
"""Pascanu's network (RNN.py @3f5df3f L449, L465): 50 tanh units, ``pascanu.smart_tanh_`` init."""


@dataclass
class Config:
    """Hyper-parameters (paper §8 defaults, SOURCES.md §1) and the paper's unspecified choices;
    the Pascanu baselines' options follow SOURCES.md §6."""
    lr: float = 1e-5            # paper: α = 1e-5
    momentum: float = 0.9       # paper: μ = 0.9
    batch_size: int = 10        # paper: minibatches of 10
    epoch: int = 50             # paper: 2 000 epochs × 50 iterations
    reset_momentum: bool = True  # sibling code: momentum buffer reset every epoch
    reduction: str = "sum"      # "sum" (sibling code; what makes lr = 1e-5 sensible), "mean", or
    #                             "pascanu": the batch mean without ½ (MSE), as Pascanu's code
    dw: str = "momentum"        # dW_rec for dS: "momentum" (the full step v') or "own" (−lr ∂E/∂W_rec)
    threshold: str = "absolute"  # |dS| > ds_max as printed, or "loss": |dS| / |dE| > ds_max,
    #                              dE = Σ⟨∂E/∂w, step⟩ the step's first-order loss change
    q_min: float = -1.0
    q_max: float = 1.0
    ds_max: float = 1.0
    h: int | None = None        # horizon; None: T − 1
    select_by: str = "score"    # "save best" by validation "score" or "loss" (sibling: MSE)
    criterion: str = "lstm"     # success criterion of the regressions (tasks.CRITERIA)
    clip: float = 1.0           # clipping threshold ("clipping", "pascanu")
    omega_weight: float = 1.0   # Pascanu's λ (untuned; their code: α = 2 on the batch-mean loss)
    omega_hold: str = "pascanu"  # ∂Ω/∂W_rec: f′(a) held constant ("pascanu") or differentiated ("none")
    nonfinite: str = "raise"    # NaN/Inf loss or gradient: DivergenceError ("raise"), or for the
    #                             clipping methods Pascanu's rule ("pascanu", pascanu.clip_by_global_norm)

    def __post_init__(self):
        for name, allowed in (("reduction", ("sum", "mean", "pascanu")), ("dw", ("momentum", "own")),
                              ("omega_hold", HOLDS), ("nonfinite", ("raise", "pascanu")),
                              ("threshold", ("absolute", "loss")), ("select_by", ("score", "loss")),
                              ("criterion", _tasks.CRITERIA)):
            _args.choice(f"Config.{name}", getattr(self, name), allowed)
        _args.fields(self, lr=(_args.positive_real,), momentum=(_args.fraction,),
                     batch_size=(_args.integer, 1), epoch=(_args.period,), reset_momentum=(_args.boolean,),
                     q_min=(_args.real,), q_max=(_args.real,), ds_max=(_args.positive_real,),
                     h=(lambda n, v: _args.optional(_args.integer, n, v, 1),), clip=(_args.positive_real,),
                     omega_weight=(_args.real, 0))
        if not self.q_min < self.q_max:
            raise ValueError(f"Config.q_min must be < Config.q_max, got {self.q_min} and {self.q_max}")


class Split(NamedTuple):
    x: torch.Tensor
    y: torch.Tensor
    lengths: torch.Tensor


class Data(NamedTuple):
    """Fixed train/validation/test sets of one task (the paper: 20 000 / 1 000 / 10 000)."""
    task: str
    T: int
    train: Split
    val: Split
    test: Split


def make_data(task: str, T: int, n_train=20_000, n_val=1_000, n_test=10_000, seed=0, device=None) -> Data:
    """Three fixed sets from one seeded generator (SOURCES.md §1.4, §1.6), moved to ``device``."""
    _tasks._check_args(task, 1, T, None, "paper", device)
    n_train, n_val, n_test = (_args.integer(k, v, lo=1, hi=_tasks.MAX_STEPS // T) for k, v in zip(
        ("n_train", "n_val", "n_test"), (n_train, n_val, n_test)))
    g = torch.Generator().manual_seed(_args.seed("seed", seed))
    splits = [Split(*_tasks.make_dataset(task, n, T, generator=g, device=device)) for n in (n_train, n_val, n_test)]
    return Data(task, T, *splits)


@dataclass
class Run:
    """One training run of M networks: per-update records (n_updates, M) and the scores."""
    method: str
    config: dict
    loss: np.ndarray
    q: np.ndarray
    ds: np.ndarray
    accepted: np.ndarray
    val_score: np.ndarray      # (n_epochs, M)
    best_val: np.ndarray       # (M,)
    best_epoch: np.ndarray     # (M,) epoch of the kept network (0 = the initial one)
    test_score: np.ndarray     # (M,) of the kept network
    best_state: dict = field(repr=False, default_factory=dict)


def train(model, data: Data, method: str = "ds", n_updates: int = 1000, config: Config | None = None,
          *, seed: int = 0, device=None, progress_bar: bool = True, desc: str | None = None) -> Run:
    """Train ``model`` (an SRN, one or M networks) in place by ``method``; returns a ``Run``.

    ``seed`` fixes the order of minibatches. The model ends at its LAST weights; the kept
    ("save best") weights are in ``run.best_state`` and produced ``run.test_score``.
    """
    _args.choice("method", method, METHODS)
    _args.optional(_checked.instance, "config", config, Config, "a ds_train.Config or None")
    cfg = config or Config()
    n_updates, seed = _args.integer("n_updates", n_updates, lo=1), _args.seed("seed", seed)
    _args.boolean("progress_bar", progress_bar), _args.optional(_args.text, "desc", desc)
    _checked.srn_model("model", model, task=_checked.data("data", data).task)
    h = _check_h(cfg, data)
    device = _args.device("device", device) if device is not None else model.W_rec.device
    model.to(device)
    data = _to(data, device)
    params = list(model.parameters())
    i_rec = [n for n, _ in model.named_parameters()].index("W_rec")
    vel = [torch.zeros_like(p) for p in params]
    M = model.n_networks
    rec = {k: [] for k in ("loss", "q", "ds", "accepted")}
    best = _Best(model, data, cfg)
    stream = _Batches(data.train, cfg.batch_size, seed)
    for step in progress(range(n_updates), desc=desc or method, enabled=progress_bar):
        x, y, lengths = stream.next()
        E, grads, a, delta_k = _forward_backward(model, x, y, lengths, cfg, method)
        if cfg.nonfinite == "raise" or method not in ("clipping", "pascanu"):
            check_finite(E, step)
            check_finite(sum((g**2).sum() for g in grads), step, "squared gradient norm")
        new_vel = [cfg.momentum * v - cfg.lr * g for v, g in zip(vel, grads)]
        dW = new_vel[i_rec] if cfg.dw == "momentum" else -cfg.lr * grads[i_rec]
        sw = _sweep_q_ds(model.W_rec, a, delta_k, dW, h, model.f_prime)
        q, ds = torch.as_tensor(sw.q), torch.as_tensor(sw.ds)
        if method.startswith("ds"):
            ds_rule = ds if cfg.threshold == "absolute" else ds / _loss_change(grads, new_vel, M).abs()
            ok = _accept(q, ds_rule, cfg.q_min, cfg.q_max, cfg.ds_max,
                         "as_printed" if method == "ds_as_printed" else "corrected")
        else:
            ok = torch.ones_like(q, dtype=torch.bool)
        with torch.no_grad():
            for p, v, nv in zip(params, vel, new_vel):
                m = ok.to(p.device).reshape(ok.shape + (1,) * (p.ndim - ok.ndim))
                p.add_(torch.where(m, nv, torch.zeros_like(nv)))
                v.copy_(torch.where(m, nv, v))
        for k, val in (("loss", E), ("q", q), ("ds", ds), ("accepted", ok)):
            rec[k].append(val.detach().reshape(-1))  # kept on the device: no sync per update
        if (step + 1) % cfg.epoch == 0 or step + 1 == n_updates:
            best.validate()
            if cfg.reset_momentum:
                for v in vel:
                    v.zero_()
    arr = {k: torch.stack([t.to(q.device) for t in v]).cpu().numpy() for k, v in rec.items()}
    test = best.test_score()
    return Run(method, asdict(cfg), arr["loss"], arr["q"], arr["ds"], arr["accepted"].astype(bool),
               np.array(best.history).reshape(len(best.history), -1), best.score.cpu().numpy().reshape(-1),
               best.epoch.cpu().numpy().reshape(-1), test.reshape(-1), best.state)


def compare(model, data: Data, readings=("plain", "ds", "ds_as_printed"), n_updates: int = 1000, *,
            seed: int = 0, device=None, progress_bar: bool = True, **config) -> dict:
    """Train a copy of the SAME initial ``model`` per reading (``READINGS``); ``{name: Run}``.

    Extra keyword arguments go to every reading's ``Config`` (a reading's own choices win).
    """
    readings = _args.names("readings", readings, READINGS)
    _checked.srn_model("model", model, task=_checked.data("data", data).task)
    seed, _ = _args.seed("seed", seed), _args.boolean("progress_bar", progress_bar)
    _args.optional(_args.device, "device", device), _check_h(Config(**config), data)  # before the first run
    runs = {}
    for name in readings:
        method, overrides = READINGS[name]
        runs[name] = train(copy.deepcopy(model), data, method, n_updates, Config(**{**config, **overrides}),
                           seed=seed, device=device, progress_bar=progress_bar, desc=name)
    return runs


def _forward_backward(model, x, y, lengths, cfg, method):
    """E (per network), gradients of every parameter (clipped/regularised per method), a, δ(k)."""
    out, a_steps, z_steps = model.unroll(x, lengths)
    E = _srn.loss(model, out, y)
    if cfg.reduction != "sum":  # "pascanu": MSE without ½ (twice the lab's ½ e²); CE unchanged
        E = E / out.shape[-2] * (2 if cfg.reduction == "pascanu" and model.output == "linear" else 1)
    params = list(model.parameters())
    i_rec = [n for n, _ in model.named_parameters()].index("W_rec")
    wrt = params + [a_steps[-1]] + (list(z_steps) if method == "pascanu" else [])
    g = torch.autograd.grad(E.sum(), wrt)
    grads, delta_k = list(g[:len(params)]), g[len(params)]
    a = torch.stack([s.detach() for s in a_steps], dim=-2)  # (…, B, T, K)
    if method == "pascanu" and cfg.omega_weight != 0:  # α = 0: no Ω at all (Pascanu's code, L216)
        z = torch.stack([s.detach() for s in z_steps], dim=-2)
        dz = torch.stack(g[len(params) + 1:], dim=-2)
        with torch.enable_grad():
            W = model.W_rec.detach().requires_grad_(True)
            om = _omega(W, a, z, dz, model.f_prime, lengths=lengths, hold=cfg.omega_hold)
            (dOmega,) = torch.autograd.grad(om.sum(), W)
        grads[i_rec] = grads[i_rec] + cfg.omega_weight * dOmega
    if method in ("clipping", "pascanu"):
        grads = _clip(grads, cfg.clip, networks=model.n_networks is not None,
                      nonfinite="pascanu" if cfg.nonfinite == "pascanu" else "propagate",
                      W_rec=model.W_rec.detach(), rec_index=i_rec)
    return E.detach(), grads, a, delta_k


def _loss_change(grads, steps, M):
    """dE = Σ_params ⟨∂E/∂w, step⟩ per network: the step's first-order change of the loss."""
    if M is None:
        return sum((g * s).sum() for g, s in zip(grads, steps)).double()
    return sum((g * s).reshape(M, -1).sum(-1) for g, s in zip(grads, steps)).double()


class Stream:
    """Minibatch indices from n items: a seeded permutation consumed in slices of ``batch_size``,
    reshuffled when fewer than a slice are left. Shared by ``_Batches`` and ``vglab.engine``
    (which checkpoints it: ``state``/``load``)."""

    def __init__(self, n: int, batch_size: int, seed: int):
        # a permutation of n indices is held in memory: n up to 2**24 (16.7 M items, 134 MB)
        n, batch_size = _args.size("n", n, 1, 1 << 24), _args.integer("batch_size", batch_size, lo=1)
        seed = _args.seed("seed", seed)
        self.n, self.B = n, batch_size
        self.g = torch.Generator().manual_seed(seed)
        self.order, self.pos = torch.randperm(n, generator=self.g), 0

    def next(self) -> torch.Tensor:
        if self.pos + self.B > self.n:
            self.order, self.pos = torch.randperm(self.n, generator=self.g), 0
        self.pos += self.B
        return self.order[self.pos - self.B:self.pos]

    def state(self) -> dict:
        return {"g": self.g.get_state(), "order": self.order.clone(), "pos": self.pos}

    def load(self, s: dict) -> None:
        self.g.set_state(s["g"])
        self.order, self.pos = s["order"].clone(), s["pos"]


class _Batches:
    """Minibatches drawn from a fixed set in the order of a ``Stream``."""

    def __init__(self, split: Split, batch_size: int, seed: int):
        self.split, self.stream = split, Stream(len(split.y), batch_size, seed)

    def next(self):
        idx = self.stream.next().to(self.split.y.device)
        x, y, lengths = (t[idx] for t in self.split)
        L = int(lengths.max())  # drop the padding no sequence of this minibatch needs
        return x[:, x.shape[1] - L:], y, lengths


class _Best:
    """'Save best': validate after each epoch, keep each network's best weights."""

    def __init__(self, model, data, cfg):
        self.model, self.data, self.cfg = model, data, cfg
        self.state = copy.deepcopy({k: v.detach() for k, v in model.state_dict().items()})
        self.score, self.sel = self._evaluate(data.val)
        self.epoch = torch.zeros_like(self.score, dtype=torch.long)
        self.history, self.n = [], 0

    @torch.no_grad()
    def _evaluate(self, split):
        out = self.model(split.x, split.lengths)
        score = torch.as_tensor(_tasks.score(self.data.task, out, split.y, criterion=self.cfg.criterion))
        loss = _srn.loss(self.model, out, split.y) / len(split.y)
        return score.to(out.device).double(), (score.to(out.device).double() if self.cfg.select_by == "score"
                                               else -loss.double())

    def validate(self):
        self.n += 1
        score, sel = self._evaluate(self.data.val)
        self.history.append(score.cpu().numpy())
        better = sel > self.sel
        self.sel, self.score = torch.where(better, sel, self.sel), torch.where(better, score, self.score)
        self.epoch = torch.where(better, torch.full_like(self.epoch, self.n), self.epoch)
        for k, v in self.model.state_dict().items():
            m = better.reshape(better.shape + (1,) * (v.ndim - better.ndim))
            self.state[k] = torch.where(m, v.detach(), self.state[k])

    def test_score(self) -> np.ndarray:
        last = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.model.load_state_dict(self.state)
        out = self.model(self.data.test.x, self.data.test.lengths).detach()
        self.model.load_state_dict(last)
        score = _tasks.score(self.data.task, out, self.data.test.y, criterion=self.cfg.criterion)
        return np.asarray(torch.as_tensor(score, dtype=torch.float64).cpu())


def _check_h(cfg: Config, data: Data) -> int:
    """The horizon h (``cfg.h``, None: T − 1) must lie in [1, shortest training sequence): h ≥ T
    would sweep outside the sequence, h = 0 makes Q = dS = 0 (dS sampling = plain SGD)."""
    h, shortest = cfg.h if cfg.h is not None else data.T - 1, int(data.train.lengths.min())
    if not 1 <= h < shortest:
        raise ValueError(f"Config.h (the horizon) must be in [1, {shortest - 1}], below the shortest training "
                         f"sequence ({shortest} steps), got {h}")
    return h


def _to(data: Data, device) -> Data:
    return Data(data.task, data.T, *(Split(*(t.to(device) for t in s)) for s in (data.train, data.val, data.test)))
