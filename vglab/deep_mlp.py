"""Deep MLPs to watch gradients vanish: a builder with the classic inits, a per-layer gradient
profile, and a training loop on the digits that logs every layer's gradient norm.

Initialisations (weights W of shape (fan_in, fan_out) in the row form z_l = f(z_{l-1} W_l + b_l)):

* ``"default"``  -- PyTorch's nn.Linear: U(−1/√fan_in, 1/√fan_in), variance 1/(3 fan_in), biases too;
* ``"normal"``   -- N(0, gain²/fan_in), biases 0 (gain 1: "LeCun"; tanh is critical at gain 1);
* ``"xavier"``   -- N(0, gain² · 2/(fan_in + fan_out)) (Glorot & Bengio 2010, eq. 16, normal form);
* ``"kaiming"``  -- N(0, gain² · 2/fan_in) (He et al. 2015, eq. 10: keeps ReLU's variance).

``gain`` multiplies the standard deviation of every scheme. Residual (He et al. 2016; SOURCES.md §4):
z_l = z_{l-1} + f(z_{l-1} W_l + b_l)/√depth -- the identity path keeps ∂z_l/∂z_{l-1} = I + …, so
the backward product cannot vanish; the 1/√depth keeps the forward variance bounded.

Normalisation (``norm="batch"`` or ``"layer"``) sits between the linear map and the activation,
z_l = f(N(z_{l-1} W_l + b_l)), as Ioffe & Szegedy (2015) place BatchNorm: torch's nn.BatchNorm1d
(each unit standardised over the batch; running statistics in eval mode) or nn.LayerNorm (each
example standardised over its units; no batch dependence). Either resets every layer's
pre-activation to unit scale, so the gain no longer sets RMS f′ (``normalised_slope``).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _args, _checked
from ._args import device as _device, fraction, int_at_least, is_int, is_real, period, positive_real
from .data import Split
from .runtime import cpu_threads
from .saturation import ACTIVATIONS, DEFAULT_ALPHA, Probe, derivative, layer_factor, probe
from .train import History, check_finite, progress

__all__ = ["INITS", "NORMS", "INIT_GAIN", "make_norm", "make_activation", "Block", "DeepMLP", "init_weights",
           "build_mlp", "critical_gain", "predicted_slope", "normalised_slope", "gradient_profile", "log_slope",
           "run_stats", "momentum_step_ratio", "accuracy", "train_digits"]

INITS = ("default", "normal", "xavier", "kaiming")
NORMS = (None, "batch", "layer")
# std · √fan_in of each init on square layers at gain 1: the g of eq. (sat-rate)
INIT_GAIN = {"default": 1 / math.sqrt(3.0), "normal": 1.0, "xavier": 1.0, "kaiming": math.sqrt(2.0)}


def make_norm(norm: str | None, width: int) -> nn.Module | None:
    """nn.BatchNorm1d(width) for ``"batch"``, nn.LayerNorm(width) for ``"layer"``, None for None."""
    if norm is not None and not isinstance(norm, str) or norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    int_at_least("width", width)
    return {None: None, "batch": lambda: nn.BatchNorm1d(width), "layer": lambda: nn.LayerNorm(width)}[norm]() \
        if norm is not None else None


def make_activation(name: str) -> nn.Module:
    """The torch module for ``name`` (what ``saturation.probe`` recognises)."""
    mods = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(DEFAULT_ALPHA["leaky_relu"]),
            "prelu": lambda: nn.PReLU(init=DEFAULT_ALPHA["prelu"]), "elu": nn.ELU}
    if not isinstance(name, str) or name not in mods:
        raise ValueError(f"activation must be one of {ACTIVATIONS} (argument 'name'), got {name!r:.60}")
    return mods[name]()


class _Linear(nn.Linear):
    """nn.Linear without torch's own init (``init_weights`` sets W and b; saves time in widgets)."""

    def reset_parameters(self) -> None:
        pass


class Block(nn.Module):
    """z ↦ f(N(z W + b)), or z + f(N(z W + b))/√depth when ``residual`` (needs fan_in == fan_out);
    N is ``make_norm(norm, n_out)`` (BatchNorm1d, LayerNorm) or the identity for ``norm=None``."""

    @_checked.checked(n_in=_args.size, n_out=(_args.size, 1, 4096), residual=_args.boolean)
    def __init__(self, n_in: int, n_out: int, activation: str, residual: bool = False, scale: float = 1.0,
                 norm: str | None = None):
        super().__init__()
        self.linear = _Linear(n_in, n_out)
        self.norm = make_norm(norm, n_out)  # registered between linear and act: probe pairs act with linear
        self.act = make_activation(activation)
        self.residual, self.scale = residual and n_in == n_out, scale

    def forward(self, z):
        u = self.linear(z)  # (B, width)
        h = self.act(self.norm(u) if self.norm is not None else u)  # (B, width)
        return z + self.scale * h if self.residual else h


class DeepMLP(nn.Module):
    """n_in → width (block 1) → … (block ``depth``) → n_out logits; blocks 2..depth may be residual."""

    @_checked.checked(depth=(_args.size, 1, 1000), width=(_args.size, 1, 4096), n_in=_args.size, n_out=_args.size,
                   residual=_args.boolean)
    def __init__(self, depth: int, width: int, activation: str, *, n_in: int = 64, n_out: int = 10,
                 residual: bool = False, norm: str | None = None):
        super().__init__()
        scale = 1.0 / math.sqrt(depth)
        self.blocks = nn.ModuleList(
            Block(n_in if l == 0 else width, width, activation, residual, scale, norm) for l in range(depth))
        self.head = _Linear(width, n_out)
        self.config = dict(depth=depth, width=width, activation=activation, residual=residual, norm=norm)

    def forward(self, x):
        z = x  # (B, n_in)
        for block in self.blocks:
            z = block(z)  # (B, width)
        return self.head(z)  # (B, n_out)


def init_weights(model: nn.Module, init: str = "default", gain: float = 1.0, seed: int | None = 0) -> nn.Module:
    """Re-initialise every nn.Linear of ``model`` in place by ``init`` (module docstring), times ``gain``."""
    _checked.instance("model", model, nn.Module, "a torch nn.Module")
    _args.choice("init", init, INITS)
    if not (is_real(gain) and gain >= 0 and math.isfinite(gain)):
        raise ValueError(f"gain must be a finite number >= 0, got {gain!r}")
    if seed is not None and not (is_int(seed) and 0 <= seed < 2 ** 63):
        raise ValueError(f"seed must be an int in [0, 2**63) or None, got {seed!r}")
    g = torch.Generator().manual_seed(int(seed)) if seed is not None else None
    with torch.no_grad():
        for m in model.modules():
            if not isinstance(m, nn.Linear):
                continue
            fan_out, fan_in = m.weight.shape  # torch stores W transposed: (out, in)
            w = torch.empty(m.weight.shape)
            if init == "default":
                bound = 1 / math.sqrt(fan_in)
                w.uniform_(-bound, bound, generator=g).mul_(gain)
                b = torch.empty(fan_out).uniform_(-bound, bound, generator=g)
            else:
                std = {"normal": 1 / math.sqrt(fan_in), "xavier": math.sqrt(2 / (fan_in + fan_out)),
                       "kaiming": math.sqrt(2 / fan_in)}[init]
                w.normal_(0.0, gain * std, generator=g)
                b = torch.zeros(fan_out)
            m.weight.copy_(w)
            m.bias.copy_(b)
    return model


def build_mlp(depth: int = 20, width: int = 64, activation: str = "sigmoid", *, init: str = "default",
              gain: float = 1.0, residual: bool = False, n_in: int = 64, n_out: int = 10,
              seed: int | None = 0, device=None, norm: str | None = None) -> DeepMLP:
    """A ``depth``-block MLP, initialised on the CPU from ``seed`` (same numbers on every device).
    ``norm``: None, ``"batch"`` (nn.BatchNorm1d) or ``"layer"`` (nn.LayerNorm) between each block's
    linear map and its activation (Ioffe & Szegedy 2015); γ = 1, β = 0 at initialisation. A
    BatchNorm net needs ``model.eval()`` to predict from running statistics."""
    for name, v in (("depth", depth), ("width", width), ("n_in", n_in), ("n_out", n_out)):
        int_at_least(name, v)
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if norm is not None and not isinstance(norm, str) or norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if not isinstance(residual, (bool, np.bool_)):
        raise TypeError(f"residual must be a bool, got {type(residual).__name__}")
    model = DeepMLP(depth, width, activation, n_in=n_in, n_out=n_out, residual=bool(residual), norm=norm)
    init_weights(model, init, gain, seed)
    return model.to(_device("device", device)) if device is not None else model


def critical_gain(activation: str, init: str = "normal") -> float:
    """The gain that keeps ‖∂L/∂a‖ flat in the linear regime: 1/√(mean of f′(0⁻)², f′(0⁺)²), divided by
    the init's own std in units of 1/√fan_in (square layers): tanh 1, sigmoid 4, ReLU √2 (He et al.
    2015), PReLU(0.25) 1.37, ELU 1. The gain that keeps a deep net's gradient flat in practice can differ
    from this linear-regime value (notebook 03 measures it)."""
    # measured flat gains, kept out of the docstring a learner can open with shift-tab (notebook 03's
    # exercise 4 asks for the tanh one): normal init, 30 layers, width 64: tanh 1.06, ReLU 1.43,
    # PReLU 1.37, ELU 1.16. The sigmoid's lies far above its linear-regime 4 (between 8 and 12 at
    # 20 layers, 3 seeds): as the gain grows, so does % saturated, and c grows more slowly than g.
    _args.choice("activation", activation, ACTIVATIONS)
    _args.choice("init", init, INITS)
    d = derivative(activation, torch.tensor([-1e-9, 1e-9], dtype=torch.float64))  # f′(0⁻), f′(0⁺)
    c = math.sqrt(2.0 / float((d * d).sum()))
    return c / INIT_GAIN[init]


def predicted_slope(p: Probe, init: str = "default", gain: float = 1.0) -> float:
    """Eq. (sat-rate)'s slope for a plain (not residual) stack of square layers: the mean over layers
    l = 1..D−1 (D layers) of log10 c_l, c_l = g·√E[f′(a_l)²] (``saturation.layer_factor``) with g = gain ·
    INIT_GAIN[init] and a_l the probe's recorded pre-activations (``probe(..., keep=True)``).
    Same sign as ``log_slope``: negative = the gradient shrinks towards the input."""
    if not isinstance(p, Probe):
        raise TypeError(f"p must be a saturation.Probe, got {type(p).__name__}")
    _args.choice("init", init, INITS)
    if len(p.a) < 2:
        raise ValueError("p must hold the pre-activations of >= 2 layers: probe(..., keep=True)")
    g = _args.positive_real("gain", gain) * INIT_GAIN[init]
    return sum(math.log10(layer_factor(k, a, g)) for k, a in zip(p.kinds, p.a[:-1])) / (len(p.a) - 1)


def normalised_slope(p: Probe, norm: str) -> float:
    """Eq. (sat-rate)'s slope for a plain stack with ``norm`` ("batch" or "layer") before every
    activation. The next layer's normaliser divides by its input's std, ≈ g·s(z_l), so the gain cancels and
    c_l = √E[f′(a_l)²] / s(z_l), with a_l the (unit-scale) normalised pre-activations and s(z_l) the
    scale N sees: "batch" -- the RMS over units of z_l's std over the batch (BatchNorm removes each
    unit's batch mean); "layer" -- the RMS of z_l itself (LayerNorm's per-example std over units of
    z W includes what z's mean contributes through W). Returns the mean over l = 1..D−1 (D layers) of log10 c_l
    (sign as ``log_slope``); ``p`` from ``probe(..., keep=True)`` of a ``build_mlp(norm=norm)``."""
    if not isinstance(p, Probe):
        raise TypeError(f"p must be a saturation.Probe, got {type(p).__name__}")
    if not isinstance(norm, str) or norm not in NORMS[1:]:
        raise ValueError(f"norm must be one of {NORMS[1:]}, got {norm!r}")
    if len(p.a) < 2 or len(p.z) != len(p.a) or p.z[0].dim() != 2 or p.z[0].shape[0] < 2:
        raise ValueError("p must hold the (B >= 2, width) pre-activations and activations of >= 2 layers: "
                         "probe(..., keep=True)")
    logs = []
    for k, a, z in zip(p.kinds, p.a[:-1], p.z[:-1]):
        z = z.double()
        s = z.std(0).pow(2).mean().sqrt() if norm == "batch" else z.pow(2).mean().sqrt()
        logs.append(math.log10(layer_factor(k, a, 1.0)) - math.log10(max(float(s), 1e-300)))
    return sum(logs) / len(logs)


def gradient_profile(x: torch.Tensor, y: torch.Tensor, *, keep: bool = False, lr: float = 0.1,
                     **mlp) -> Probe:
    """Build ``build_mlp(**mlp)`` and probe one forward+backward of cross-entropy on (x, y)."""
    x, lr = _checked.tensor("x", x, dims=2), _args.learning_rate("lr", lr)
    with cpu_threads(1, x.device):
        model = build_mlp(n_in=x.shape[-1], device=x.device, **mlp)
        return probe(model, x, y, lr=lr, keep=keep)


def log_slope(norms) -> tuple[float, float]:
    """Least-squares fit log10 ‖g_l‖ ≈ c + s·l (l numbered from the input): returns (−s, R²).

    −s is the change in log10 ‖g‖ per layer going *backwards*, from the output towards the input:
    negative when the gradient shrinks on its way down (vanishing), positive when it grows.
    """
    v = _checked.tensor("norms", norms, dims=1, convert=True).to(torch.float64)
    if v.numel() < 2 or not bool((v > 0).all()):
        raise ValueError("norms must hold >= 2 positive values")
    y = v.log10()
    l = torch.arange(len(y), dtype=torch.float64)
    lc, yc = l - l.mean(), y - y.mean()
    s = float((lc * yc).sum() / (lc * lc).sum())
    ss = float((yc * yc).sum())
    r2 = 1.0 - float(((yc - s * lc) ** 2).sum()) / ss if ss > 0 else 1.0
    return -s, r2  # sign: per layer going *backwards* (from the output towards the input)


def run_stats(h: History, tail: int = 50) -> dict:
    """One ``train_digits`` run in numbers: ``acc`` (final test accuracy), ``tail_loss`` (mean loss of
    the last ``tail`` steps), ``acc_lo``/``acc_hi`` (test accuracy range over the second half of the
    probes), ``loss_max`` (largest loss in the second half of the steps), ``sat_max`` / ``dead_max``
    (largest % saturated / % dead of any layer at the last probe), ``sat_peak`` / ``dead_peak`` (the
    same over every probe of the run), ``update`` (median update:data over layers and probes)."""
    if not isinstance(h, History) or not h.get("probe_step"):
        raise TypeError(f"h must be a History from train_digits, got {type(h).__name__}")
    int_at_least("tail", tail)
    loss = torch.tensor([float(v) for v in h["loss"]], dtype=torch.float64)
    acc = torch.tensor(h["test_acc"], dtype=torch.float64)
    half = acc[len(acc) // 2:]
    return dict(acc=float(acc[-1]), tail_loss=float(loss[-tail:].mean()), acc_lo=float(half.min()),
                acc_hi=float(half.max()), loss_max=float(loss[len(loss) // 2:].max()),
                sat_max=float(h["pct_saturated"][-1].max()), dead_max=float(h["pct_dead"][-1].max()),
                sat_peak=max(float(t.max()) for t in h["pct_saturated"]),
                dead_peak=max(float(t.max()) for t in h["pct_dead"]),
                update=float(torch.quantile(torch.stack(list(h["update_ratio"])).double().flatten(), 0.5)))  # the true median (Tensor.median takes the lower middle value)


def momentum_step_ratio(h: History) -> torch.Tensor:
    """(n_probes, L) float64: the step SGD actually took over the plain step lr·‖∂L/∂W‖ at each probe
    and layer, ``update_ratio / plain_update`` (both are divided by the same ‖W‖). With torch's SGD
    momentum μ the step is lr·v, v = g + μ v_prev, so this is ‖v‖/‖g‖: 1 at step 0 and with μ = 0;
    (1 − μ^(k+1))/(1 − μ) → 1/(1 − μ) after k steps of one unchanging gradient; less when successive
    gradients disagree, more right after the gradient shrinks. NaN where the plain step is 0."""
    if not isinstance(h, History) or not h.get("plain_update"):
        raise TypeError(f"h must be a History from train_digits (with plain_update), got {type(h).__name__}")
    actual = torch.stack([torch.as_tensor(t, dtype=torch.float64).reshape(-1) for t in h["update_ratio"]])
    plain = torch.stack([torch.as_tensor(t, dtype=torch.float64).reshape(-1) for t in h["plain_update"]])
    return torch.where(plain > 0, actual / plain.clamp_min(1e-300), torch.full_like(actual, float("nan")))


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of x whose arg-max logit is y, in eval mode (a BatchNorm net then uses its
    running statistics and does not update them); the model's mode is restored afterwards."""
    x = _checked.tensor("x", x, dims=2)
    y = _checked.labels("y", y, n=len(x))
    was = _checked.instance("model", model, nn.Module, "a torch nn.Module").training
    model.eval()
    try:
        return float((_checked.forward(model, x).argmax(-1) == y.to(x.device)).double().mean())
    finally:
        model.train(was)


@_checked.checked(model=(_checked.instance, nn.Module, "a torch nn.Module"), data=(_checked.instance, Split, "a vglab.data.Split"),
               batch_size=_args.size, seed=_args.seed, progress_bar=_args.boolean)
def train_digits(model: nn.Module, data, *, steps: int = 1000, lr: float = 0.1, momentum: float = 0.9,
                 batch_size: int = 64, probe_every: int = 50, seed: int = 0, device=None,
                 desc: str = "training", progress_bar: bool = True) -> History:
    """SGD with momentum on the digits (a ``vglab.data.Split``), cross-entropy.

    Every ``probe_every`` steps the step is taken through ``saturation.probe`` and the History gets
    per-layer (L,) tensors ``grad_a``, ``grad_W``, ``pct_saturated``, ``pct_dead``, the measured
    ``update_ratio`` ‖ΔW‖/‖W‖ of that step and ``plain_update`` lr·‖∂L/∂W‖/‖W‖ (the plain SGD step
    ``probe`` reports; ``momentum_step_ratio`` divides the two), plus ``train_acc``/``test_acc``; ``loss`` every step.
    A NaN/Inf loss raises ``DivergenceError``.
    """
    int_at_least("steps", steps)
    lr, momentum, probe_every = _args.learning_rate("lr", lr), fraction("momentum", momentum), period("probe_every", probe_every)
    if not 1 <= batch_size <= len(data.x_train):
        raise ValueError(f"batch_size must be in [1, {len(data.x_train)}], got {batch_size}")
    device = device if device is not None else data.x_train.device
    with cpu_threads(1, device):
        return _train(model, data, steps, lr, momentum, batch_size, probe_every, seed, device, desc,
                      progress_bar)


def _train(model, data, steps, lr, momentum, batch_size, probe_every, seed, device, desc, progress_bar):
    model.to(device)
    d = data.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    g = torch.Generator().manual_seed(seed)
    hist, n = History(), len(d.x_train)
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)][:-1]  # not the head
    for step in progress(range(steps), desc=desc, enabled=progress_bar):
        idx = torch.randint(n, (batch_size,), generator=g).to(device)
        xb, yb = d.x_train[idx], d.y_train[idx]
        if step % probe_every == 0 or step == steps - 1:
            before = [w.detach().clone() for w in weights]
            p = probe(model, xb, yb, lr=lr)
            check_finite(p.loss, step)
            opt.step()
            upd = torch.tensor([float((w.detach() - w0).norm() / w0.norm().clamp_min(1e-30))
                                for w, w0 in zip(weights, before)], dtype=torch.float64)
            hist.log(probe_step=step, grad_a=p.grad_a, grad_W=p.grad_W, pct_saturated=p.pct_saturated,
                     pct_dead=p.pct_dead, update_ratio=upd, plain_update=p.update_ratio, train_acc=accuracy(model, d.x_train, d.y_train),
                     test_acc=accuracy(model, d.x_test, d.y_test))
            loss = p.loss
        else:
            opt.zero_grad(set_to_none=True)
            loss_t = F.cross_entropy(model(xb), yb)
            loss_t.backward()
            opt.step()
            loss = loss_t.detach()
        check_finite(loss, step)
        hist.log(step=step, loss=loss)
    return hist
