"""Activations, their derivatives, what "saturated" means, and a per-layer probe of any model.

Why gradients vanish in a deep feed-forward net (SOURCES.md §4, the wiki article; §3, the
lecture's "σ and th can paralyse the network"): backprop multiplies, layer by layer,

    δ_{l-1} = (δ_l W_lᵀ) ⊙ f′(a_{l-1})                                   (eq. sat-delta)

so each layer scales the gradient norm by about c = g·√E[f′(a)²] (eq. sat-rate, ``layer_factor``;
g = the weights' gain). f′ ≤ 1/4 (sigmoid) or ≤ 1 (tanh) near a = 0, and tiny once |a| is large:
saturation is what happens when the pre-activations grow, a second way for c to fall.

"Saturated" (one rule for every activation, eq. sat-def): a unit is saturated on an example when
its local derivative is below 5 % of the activation's largest derivative,

    f′(a) < 0.05 · max f′,

i.e. the unit passes back less than 1/20 of what it passes at its best. In numbers:
sigmoid |a| > 4.36 (σ outside [0.013, 0.987]); tanh |a| > 2.18 (|tanh| > 0.975, Karpathy's
"|h| > 0.97" rule); ELU (α = 1) a < ln 0.05 = −3.0; ReLU a ≤ 0; leaky ReLU (α = 0.01) a ≤ 0
as well (it passes only 1 % back), PReLU at its initial α = 0.25 never.
"Dead" (eq. sat-dead): a unit saturated on *every* example of the batch -- for ReLU exactly
"a ≤ 0 for every example": this batch sends no gradient to its weights and bias. It can still come
back on other inputs, or when the layers below it change its input (a first-layer unit on fixed
data cannot).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from . import _args, _checked

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu")
DEFAULT_ALPHA = {"leaky_relu": 0.01, "prelu": 0.25, "elu": 1.0}
SATURATION_LEVEL = 0.05  # f′ below 5 % of its maximum counts as saturated (eq. sat-def)

# Rules of thumb with numbers: healthy value, and when to worry. Only "update:data ≈ 1e-3" is
# Karpathy's (CS231n notes, "Neural Networks Part 3", ratio of weights:updates); the worry bands,
# the 5 % / 20 % saturation and dead-unit limits and the 10× / 100× gradient ratio are this lab's.
RULES_OF_THUMB = {
    "pct_saturated": {"healthy": 5.0, "worry": 20.0,
                      "text": "% saturated per layer (sigmoid, tanh, ELU): healthy ≤ 5 %, worry > 20 % (lab's limits)"},
    "pct_dead": {"healthy": 5.0, "worry": 20.0,
                 "text": "% dead units per layer (ReLU family): healthy ≤ 5 %, worry > 20 % (lab's limits)"},
    "update_ratio": {"healthy": 1e-3, "worry": (1e-4, 1e-2),
                     "text": "update:data lr·‖∂L/∂W‖/‖W‖ of the plain SGD step. Karpathy's ≈ 1e-3 is for the update; "
                             "the lab applies it to the step taken, which with momentum μ differs: about 1/(1 − μ) "
                             "times this number for a steady gradient, about 1/√(1 − μ²) for uncorrelated ones of equal size, "
                             "with no fixed upper bound; worry below 1e-4 or above 1e-2 (lab's limits)"},
    "grad_ratio": {"healthy": (0.1, 10.0), "worry": (1e-2, 1e2),
                   "text": "gradient norm layer 1 / last layer: healthy within 10×, worry beyond 100× (lab's limits)"},
}


def _check_name(name: str, arg: str = "name") -> str:
    """``name`` must be one of ACTIVATIONS (the refusal names the argument ``arg``, and says "activation")."""
    try:
        return _args.choice(arg, name, ACTIVATIONS)
    except ValueError:
        raise ValueError(f"activation must be one of {ACTIVATIONS} (argument {arg!r}), got {name!r:.60}") from None


def _alpha(name: str, alpha):
    if alpha is None:
        return DEFAULT_ALPHA.get(name)
    return _checked.tensor("alpha", alpha) if isinstance(alpha, torch.Tensor) else _args.real("alpha", alpha)


def activation(name: str, a: torch.Tensor, alpha=None) -> torch.Tensor:
    """f(a) for ``name`` in ACTIVATIONS (lecture: ReLU, PReLU = max(0,a) + α min(0,a); SOURCES.md §3).
    Elementwise, as torch's own activations: a NaN in ``a`` gives NaN there. Autograd through it
    gives ``derivative``'s value everywhere, the kink a = 0 included (the ReLU family's left slope)."""
    _check_name(name)
    _checked.tensor("a", a, finite=False)
    al = _alpha(name, alpha)
    if name == "sigmoid":
        return torch.sigmoid(a)  # 1 / (1 + e^{-a})
    if name == "tanh":
        return torch.tanh(a)
    if name == "relu":
        return torch.relu(a)  # autograd: 0 at a = 0 (a clamp would pass 1 there)
    if name in ("leaky_relu", "prelu"):
        return torch.where(a > 0, a, al * a)  # = max(0,a) + α min(0,a); autograd: α at a = 0, as F.prelu
    return torch.where(a > 0, a, al * torch.expm1(a))  # ELU (Clevert et al. 2016)


def derivative(name: str, a: torch.Tensor, alpha=None) -> torch.Tensor:
    """f′(a) in closed form: σ′ = σ(1−σ); tanh′ = 1 − tanh²;
    ReLU′ = [a > 0]; (P/leaky)ReLU′ = 1 or α; ELU′ = 1 or α eᵃ. At the kink a = 0 the ReLU family
    takes its left slope (0, or α), as autograd does through torch.relu, F.leaky_relu, F.prelu and
    through ``activation``.
    Elementwise: a NaN in ``a`` gives NaN there (a diverged net's probe reports it as such)."""
    _check_name(name)
    _checked.tensor("a", a, finite=False)
    al = _alpha(name, alpha)
    one = torch.ones_like(a)
    if name == "sigmoid":
        s = torch.sigmoid(a)
        return s * (1 - s)
    if name == "tanh":
        t = torch.tanh(a)
        return 1 - t * t
    if name == "relu":
        return (a > 0).to(a.dtype)
    if name in ("leaky_relu", "prelu"):
        return torch.where(a > 0, one, al * one)
    return torch.where(a > 0, one, al * torch.exp(a))


def max_derivative(name: str, alpha=None) -> float:
    """max over a of f′(a): 1/4 for sigmoid, max(1, |α|) for the ReLU family, 1 otherwise."""
    _check_name(name)
    if name == "sigmoid":
        return 0.25
    al = _alpha(name, alpha)
    if name in ("leaky_relu", "prelu", "elu"):
        return max(1.0, float(torch.as_tensor(al, dtype=torch.float64).abs().max()))
    return 1.0


def saturated(name: str, a: torch.Tensor, alpha=None) -> torch.Tensor:
    """Boolean mask, eq. (sat-def): f′(a) < 5 % of max f′."""
    return derivative(name, a, alpha) < SATURATION_LEVEL * max_derivative(name, alpha)


def layer_factor(name: str, a: torch.Tensor, gain: float, alpha=None) -> float:
    """Eq. (sat-rate): c = gain · √E[f′(a)²], the factor by which one layer scales the gradient norm,
    for pre-activations ``a`` (any shape; the mean runs over all of it) and weights of gain ``gain``
    (entries of std gain/√n on square layers). log10 c is the predicted slope in decades per layer."""
    if not isinstance(a, torch.Tensor) or not a.is_floating_point() or a.numel() == 0:
        raise TypeError(f"a must be a non-empty floating-point tensor of pre-activations, got "
                        f"{a.dtype if isinstance(a, torch.Tensor) else type(a).__name__}")
    if not bool(torch.isfinite(a).all()):  # a summary of the layer: NaN/Inf would make c NaN without a word
        raise ValueError("a (the pre-activations) holds NaN or Inf: the layer's factor c is undefined")
    if isinstance(gain, bool) or not isinstance(gain, (int, float)) or not (gain > 0 and math.isfinite(gain)):
        raise ValueError(f"gain must be a finite number > 0, got {gain!r}")
    d = derivative(name, a.double(), alpha)
    return float(gain * d.pow(2).mean().sqrt())


def dead_units(name: str, a: torch.Tensor, alpha=None) -> torch.Tensor:
    """Boolean (K,) mask, eq. (sat-dead): units saturated on every example of the batch a (B, K)."""
    _checked.tensor("a", a, dims=tuple(range(2, 9)), finite=False)
    return saturated(name, a, alpha).flatten(0, -2).all(dim=0)


# ---- probing any model: forward hooks on its activation modules -------------------------------
_KINDS = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu",
          nn.PReLU: "prelu", nn.ELU: "elu"}


def _module_alpha(m: nn.Module):
    if isinstance(m, nn.LeakyReLU):
        return m.negative_slope
    if isinstance(m, nn.PReLU):
        return m.weight.detach()
    return getattr(m, "alpha", None)


@dataclass
class Probe:
    """Per-layer statistics of one forward+backward (index l = the l-th activation module).

    Tensors of shape (L,): ``z_mean, z_std`` (activations), ``a_std`` (pre-activations),
    ``pct_saturated``, ``pct_dead``, ``grad_a`` = ‖∂L/∂a_l‖, ``grad_W`` = ‖∂L/∂W_l‖ of the
    Linear just before it, ``update_ratio`` = ‖lr·∂L/∂W_l‖ / ‖W_l‖ (NaN where unknown).
    With ``keep=True``: ``a``, ``z``, ``grads`` hold the raw per-layer tensors (for histograms).
    """
    kinds: list
    z_mean: torch.Tensor
    z_std: torch.Tensor
    a_std: torch.Tensor
    pct_saturated: torch.Tensor
    pct_dead: torch.Tensor
    grad_a: torch.Tensor
    grad_W: torch.Tensor
    update_ratio: torch.Tensor
    loss: float = math.nan
    a: list = field(default_factory=list, repr=False)
    z: list = field(default_factory=list, repr=False)
    grads: list = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return len(self.kinds)


def _pairs(model: nn.Module):
    """(activation module, the nn.Linear registered just before it or None), in module order."""
    last, out = None, []
    for m in model.modules():
        if isinstance(m, nn.Linear):
            last = m
        elif type(m) in _KINDS:
            out.append((m, last))
            last = None
    return out


def probe(model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *, lr: float | None = None,
          loss_fn=F.cross_entropy, keep: bool = False) -> Probe:
    """Forward ``x`` (and, with targets ``y``, backward ``loss_fn(model(x), y)``) recording every
    activation module (nn.Sigmoid/Tanh/ReLU/LeakyReLU/PReLU/ELU) of ``model``.

    Gradients are left in ``.grad`` (zeroed first), so a training loop can step right after.
    Without ``y`` only forward statistics are filled; gradient columns are NaN.
    """
    lr = _args.optional(_args.learning_rate, "lr", lr)
    _checked.instance("model", model, nn.Module, "a torch nn.Module")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() < 1:
        raise TypeError(f"x must be a floating-point tensor (B, n_in), got "
                        f"{x.dtype if isinstance(x, torch.Tensor) else type(x).__name__}")
    if y is not None and (not isinstance(y, torch.Tensor) or y.shape[:1] != x.shape[:1]):
        raise ValueError(f"y must be a tensor with one target per row of x ({x.shape[0]}), got "
                         f"{tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__}")
    pairs = _pairs(model)
    if not pairs:
        raise ValueError("model has no activation module (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, "
                         "nn.PReLU, nn.ELU) to probe")
    recs, handles, inplace = [], [], []

    def hook(m, inp, out):
        a = inp[0]
        recs.append({"m": m, "a": a.detach(), "z": out.detach()})
        if a.requires_grad:
            rec = recs[-1]
            a.register_hook(lambda g: rec.__setitem__("g", g.detach()))

    for m, _ in pairs:
        if getattr(m, "inplace", False):  # an in-place activation overwrites a; switch it off meanwhile
            m.inplace = False
            inplace.append(m)
        handles.append(m.register_forward_hook(hook))
    try:
        model.zero_grad(set_to_none=True)
        with torch.set_grad_enabled(y is not None):
            try:
                out = model(x)
            except RuntimeError as e:  # a shape/dtype/device mismatch deep in torch: say which argument
                raise ValueError(f"x of shape {tuple(x.shape)} ({x.dtype}, {x.device}) does not fit the "
                                 f"model: {e}") from e
            loss = loss_fn(out, y) if y is not None else None
            if loss is not None:
                loss.backward()
    finally:
        for h in handles:
            h.remove()
        for m in inplace:
            m.inplace = True
    return _summarise(recs, dict(pairs), lr, loss, keep)


def _wide(device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64


def _norm(t: torch.Tensor) -> torch.Tensor:
    """‖t‖₂ that does not underflow: scaled by max|t| first. A plain float32 norm sums squares, and
    entries below about 1e-23 square to below float32's smallest number (1.4e-45), so a small but
    non-zero gradient would read as 0 (a deep sigmoid stack's first layers reach that)."""
    w = _wide(t.device)
    m = t.detach().abs().amax()
    scaled = m.to(w) * torch.linalg.vector_norm(t / torch.where(m > 0, m, 1)).to(w)
    return torch.where((m > 0) & torch.isfinite(m), scaled, m.to(w))  # 0 stays 0, inf/NaN stay


def _summarise(recs, linear_of, lr, loss, keep) -> Probe:
    """Per-layer statistics, computed on the model's device and moved to the CPU once (kept in
    float64 where the device has it, so norms far below float32's range survive)."""
    rows, kinds = [], []
    for r in recs:
        m, a, z = r["m"], r["a"], r["z"]
        kind = _KINDS[type(m)]
        kinds.append(kind)
        al = _module_alpha(m)
        sat = saturated(kind, a, al)  # eq. (sat-def)
        lin = linear_of.get(m)
        gW = lin.weight.grad if lin is not None else None
        nan = a.new_tensor(math.nan)
        g_a = _norm(r["g"]) if "g" in r else nan
        g_W = _norm(gW) if gW is not None else nan
        ratio = lr * g_W / _norm(lin.weight.detach()).clamp_min(1e-30) if gW is not None and lr else nan
        rows.append(torch.stack([z.mean(), z.std() if z.numel() > 1 else 0 * nan, a.std() if a.numel() > 1
                                 else 0 * nan, 100 * sat.float().mean(),
                                 100 * sat.flatten(0, -2).all(0).float().mean(),  # eq. (sat-dead)
                                 g_a, g_W, ratio]).to(_wide(a.device)))
    t = torch.stack(rows).double().cpu().T  # (8, L): one transfer
    p = Probe(kinds, *t, loss=float(loss.detach()) if loss is not None else math.nan)
    if keep:
        p.a = [r["a"].cpu() for r in recs]
        p.z = [r["z"].cpu() for r in recs]
        p.grads = [r["g"].cpu() if "g" in r else None for r in recs]
    return p


# ---- rules of thumb a learner can run on their own model --------------------------------------
def _cell(v) -> str:
    return f"{float(v):8.1e}" if math.isfinite(float(v)) else f"{'-':>8}"


@dataclass
class Report:
    """What ``saturation_report`` returns: the probe, and the rules of thumb it breaks."""
    probe: Probe
    warnings: list

    def __repr__(self) -> str:
        p = self.probe
        lines = ["layer kind        std(z)  %sat   %dead  |dL/da|   upd:data"]
        for i, k in enumerate(p.kinds):
            lines.append(f"{i + 1:>5} {k:<10} {p.z_std[i]:7.3f} {p.pct_saturated[i]:6.1f} {p.pct_dead[i]:6.1f}"
                         f"  {_cell(p.grad_a[i])}  {_cell(p.update_ratio[i])}")
        if not (bool(torch.isfinite(p.grad_a).all()) and bool(torch.isfinite(p.update_ratio).all())):
            lines.append("  (-: |dL/da| needs targets y; upd:data needs y and lr)")
        lines += ["rules of thumb:"] + [f"  {r['text']}" for r in RULES_OF_THUMB.values()]
        lines += ["warnings:"] + ([f"  {w}" for w in self.warnings] or ["  none"])
        return "\n".join(lines)


def saturation_report(model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *,
                      lr: float | None = None, loss_fn=F.cross_entropy) -> Report:
    """Per layer: % saturated, % dead, ‖∂L/∂a‖, update:data (with ``y`` and ``lr``), checked
    against RULES_OF_THUMB (update:data ≈ 1e-3 is Karpathy's, CS231n; the other limits are the lab's)."""
    _checked.model("model", model)  # a NaN network is refused, not reported as healthy
    p = probe(model, x, y, lr=lr, loss_fn=loss_fn)
    warn = []
    for i, k in enumerate(p.kinds):
        sat, dead, ratio = float(p.pct_saturated[i]), float(p.pct_dead[i]), float(p.update_ratio[i])
        if k in ("sigmoid", "tanh", "elu") and sat > RULES_OF_THUMB["pct_saturated"]["worry"]:
            warn.append(f"layer {i + 1} ({k}): {sat:.0f} % saturated (> 20 %): {sat:.0f} % of its (unit, example) "
                        "pairs pass back less than 5 % of their best")
        if dead > RULES_OF_THUMB["pct_dead"]["worry"]:
            warn.append(f"layer {i + 1} ({k}): {dead:.0f} % dead units (> 20 %): they are saturated on every "
                        "example of this batch, so the batch sends (almost) no gradient to their weights")
        lo, hi = RULES_OF_THUMB["update_ratio"]["worry"]
        if math.isfinite(ratio) and not lo <= ratio <= hi:
            warn.append(f"layer {i + 1}: update:data {ratio:.1e} (aim ≈ 1e-3): "
                        + ("lr too small for this layer" if ratio < 1e-4 else "lr too large for this layer"))
    g = p.grad_a
    if len(g) > 1 and bool(torch.isfinite(g).all()) and float(g[-1]) > 0:
        r = float(g[0] / g[-1])
        lo, hi = RULES_OF_THUMB["grad_ratio"]["worry"]
        if not lo <= r <= hi:
            warn.append(f"gradient norm layer 1 / layer {len(g)} = {r:.1e}: "
                        + ("vanishing with depth" if r < 1 else "exploding with depth"))
    return Report(p, warn)
