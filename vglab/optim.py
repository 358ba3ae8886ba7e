"""The lecture's optimizers (SOURCES.md §3, the lecture slides) as ``torch.optim.Optimizer`` subclasses.

Symbols as on the slides: g the minibatch gradient, k the iteration (from 1), η = ``lr``,
γ = ``gamma`` (momentum), α = ``alpha`` (the squared-gradient average), ε = ``eps``; ⊙ and ⊘
elementwise product and division. ``clip_norm=θ`` is the lecture's clipping over ALL of the
optimizer's parameters (if ‖g‖ > θ then g := g θ/‖g‖, computed exactly as
``torch.nn.utils.clip_grad_norm_``); after each step ``opt.grad_norm`` holds ‖g‖ before
clipping and ``opt.clipped_norm`` after it (0-dim tensors; None without ``clip_norm``).

Where the slides slip (SOURCES.md §3), the default is what is right, the printed form an option:
Adam/Nadam ``as_printed=True`` multiply by (√Ĝ + ε) instead of dividing; AdaDelta follows the
lecture (ε outside the roots) and ``eps_inside=True`` gives torch's/Zeiler's form.
"""
from __future__ import annotations

import inspect
import math

import torch

from ._args import F32_MAX, is_real

__all__ = ["SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "Nadam",
           "OPTIMIZERS", "make", "hyper_names", "path", "train_digits_mlp"]


def _number(name, value):
    if not is_real(value) or not math.isfinite(value):  # numpy scalars (np.float32) are numbers too
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check(hp: dict, clip_norm) -> None:
    """Bad hyper-parameters raise ValueError naming the argument and the allowed range."""
    if "lr" in hp and not 0 < _number("lr", hp["lr"]) <= F32_MAX:
        raise ValueError(f"lr (η) must be in (0, {F32_MAX:.4g}] (float32's largest number), got {hp['lr']}")
    for name in ("gamma", "alpha"):
        if name in hp and not 0.0 <= _number(name, hp[name]) < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {hp[name]}")
    if "eps" in hp and not _number("eps", hp["eps"]) >= 0:
        raise ValueError(f"eps (ε) must be >= 0, got {hp['eps']}")
    if clip_norm is not None and not _number("clip_norm", clip_norm) > 0:
        raise ValueError(f"clip_norm (θ) must be > 0 or None, got {clip_norm}")


def _buf(st: dict, key: str, p):
    """The state buffer ``key`` (zeros on the first step)."""
    b = st.get(key)
    if b is None:
        b = st[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
    return b


class _Lecture(torch.optim.Optimizer):
    """Shared machinery: validation, the lecture's clipping, the step counter k."""

    def __init__(self, params, hp: dict, clip_norm=None):
        _check(hp, clip_norm)
        if isinstance(params, (torch.Tensor, str, bytes)) or not hasattr(params, "__iter__"):
            raise TypeError(f"params must be an iterable of tensors such as model.parameters(), got "
                            f"{type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("params is empty: pass model.parameters() of a model with weights")
        for p in params:
            if not isinstance(p, (torch.Tensor, dict)) or isinstance(p, torch.Tensor) and not p.is_floating_point():
                raise TypeError(f"params must hold float tensors (or parameter-group dicts), got {type(p).__name__}")
        super().__init__(params, hp)
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        self.grad_norm = self.clipped_norm = None

    def _clip_scale(self):
        """Clipping, lecture: if ‖g‖ > θ then g := g θ/‖g‖ (torch's clip_grad_norm_ arithmetic)."""
        if self.clip_norm is None:
            return None
        grads = [p.grad for grp in self.param_groups for p in grp["params"] if p.grad is not None]
        if not grads:
            return None
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        scale = torch.clamp(self.clip_norm / (norm + 1e-6), max=1.0)
        self.grad_norm, self.clipped_norm = norm, norm * scale
        return scale

    def _grads(self):
        scale = self._clip_scale()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                st["step"] = st.get("step", 0) + 1
                yield p, (p.grad if scale is None else p.grad * scale), st, group

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for p, g, st, group in self._grads():
            self._update(p, g, st, group)
        return loss

    def _update(self, p, g, st, group):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class SGD(_Lecture):
    """w := w − η g.  lecture: SGD."""

    def __init__(self, params, lr=0.01, clip_norm=None):
        super().__init__(params, dict(lr=lr), clip_norm)

    def _update(self, p, g, st, group):
        p.sub_(g, alpha=group["lr"])


class Momentum(_Lecture):
    """v := γ v + η g ; w := w − v.  lecture: Momentum (Polyak 1964)."""

    def __init__(self, params, lr=0.01, gamma=0.9, clip_norm=None):
        super().__init__(params, dict(lr=lr, gamma=gamma), clip_norm)

    def _update(self, p, g, st, group):
        v = _buf(st, "v", p)
        v.mul_(group["gamma"]).add_(g, alpha=group["lr"])
        p.sub_(v)


class NAG(_Lecture):
    """v := γ v + η ∇L(w − γ v) ; w := w − v.  lecture: NAG (Nesterov 1983).

    The parameter holds the lecture's w. ``step(closure)`` moves every parameter to the
    look-ahead point w − γv, calls ``closure()`` there (it must zero the grads, compute the loss
    and call backward), moves back and updates.
    """

    def __init__(self, params, lr=0.01, gamma=0.9, clip_norm=None):
        super().__init__(params, dict(lr=lr, gamma=gamma), clip_norm)

    def _shift(self, sign: float) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                v = self.state[p].get("v")
                if v is not None:
                    p.add_(v, alpha=sign * group["gamma"])

    @torch.no_grad()
    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("NAG needs the gradient at the look-ahead point w − γv: call "
                               "opt.step(closure) with a closure that zeroes the grads, computes "
                               "the loss and calls loss.backward()")
        self._shift(-1.0)  # to w − γv
        with torch.enable_grad():
            loss = closure()
        self._shift(+1.0)  # back to w
        for p, g, st, group in self._grads():
            v = _buf(st, "v", p)
            v.mul_(group["gamma"]).add_(g, alpha=group["lr"])
            p.sub_(v)
        return loss


class AdaGrad(_Lecture):
    """G := G + g⊙g ; w := w − η g ⊘ (√G + ε).  lecture: AdaGrad (Duchi et al. 2011)."""

    def __init__(self, params, lr=0.01, eps=1e-8, clip_norm=None):
        super().__init__(params, dict(lr=lr, eps=eps), clip_norm)

    def _update(self, p, g, st, group):
        G = _buf(st, "G", p)
        G.addcmul_(g, g)
        p.addcdiv_(g, G.sqrt().add_(group["eps"]), value=-group["lr"])


class RMSProp(_Lecture):
    """G := α G + (1−α) g⊙g ; w := w − η g ⊘ (√G + ε).  lecture: RMSProp (Tieleman & Hinton 2012)."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, clip_norm=None):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps), clip_norm)

    def _update(self, p, g, st, group):
        G, a = _buf(st, "G", p), group["alpha"]
        G.mul_(a).addcmul_(g, g, value=1 - a)
        p.addcdiv_(g, G.sqrt().add_(group["eps"]), value=-group["lr"])


class AdaDelta(_Lecture):
    """G := αG + (1−α) g⊙g ; δ := g ⊙ (√Δ + ε) ⊘ (√G + ε) ; Δ := αΔ + (1−α) δ⊙δ ; w := w − η δ.

    lecture: AdaDelta (Zeiler 2012), ε outside the roots as on the slide. ``eps_inside=True``
    gives Zeiler's and torch's δ := g ⊙ √(Δ + ε) ⊘ √(G + ε), whose first steps are ~1/√ε larger.
    """

    def __init__(self, params, lr=1.0, alpha=0.9, eps=1e-6, clip_norm=None, eps_inside=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, eps_inside=bool(eps_inside)), clip_norm)

    def _update(self, p, g, st, group):
        a, eps = group["alpha"], group["eps"]
        G, D = _buf(st, "G", p), _buf(st, "Delta", p)
        G.mul_(a).addcmul_(g, g, value=1 - a)
        if group["eps_inside"]:
            delta = g * (D + eps).sqrt() / (G + eps).sqrt()
        else:
            delta = g * (D.sqrt() + eps) / (G.sqrt() + eps)
        D.mul_(a).addcmul_(delta, delta, value=1 - a)
        p.sub_(delta, alpha=group["lr"])


class Adam(_Lecture):
    """v := γv + (1−γ)g ; G := αG + (1−α)g⊙g ; v̂ := v/(1−γ^k) ; Ĝ := G/(1−α^k) ; w := w − η v̂ ⊘ (√Ĝ + ε).

    lecture: Adam (Kingma & Ba 2015). The slide prints ⊙ in the last step; ``as_printed=True``
    reproduces that slip (a demonstration only: the step η v̂ ⊙ (√Ĝ + ε) then grows like the square of the
    gradient's scale, where the correct step stays about η whatever that scale).
    """

    def __init__(self, params, lr=1e-3, gamma=0.9, alpha=0.999, eps=1e-8, clip_norm=None, as_printed=False):
        super().__init__(params, dict(lr=lr, gamma=gamma, alpha=alpha, eps=eps,
                                      as_printed=bool(as_printed)), clip_norm)

    def _moments(self, p, g, st, group):
        """v̂ and √Ĝ + ε, shared by Adam and Nadam."""
        k, gam, a = st["step"], group["gamma"], group["alpha"]
        v, G = _buf(st, "v", p), _buf(st, "G", p)
        v.mul_(gam).add_(g, alpha=1 - gam)
        G.mul_(a).addcmul_(g, g, value=1 - a)
        return v / (1 - gam ** k), (G / (1 - a ** k)).sqrt_().add_(group["eps"])

    def _apply(self, p, num, den, group):
        p.sub_(num * den if group["as_printed"] else num / den, alpha=group["lr"])

    def _update(self, p, g, st, group):
        v_hat, den = self._moments(p, g, st, group)
        self._apply(p, v_hat, den, group)


class Nadam(Adam):
    """Adam's v̂, Ĝ ; w := w − η (γ v̂ + (1−γ)/(1−γ^k) g) ⊘ (√Ĝ + ε).

    lecture: Nadam (Dozat 2016), as the slide writes it. Not torch's NAdam, which adds a
    momentum-decay schedule μ_k and weights the momentum term by μ_{k+1}/(1 − μ_1⋯μ_{k+1}) where this
    has γ/(1 − γ^k) (torch/optim/nadam.py). ``as_printed=True`` reproduces the slide's ⊙ slip.
    """

    def _update(self, p, g, st, group):
        v_hat, den = self._moments(p, g, st, group)
        gam, k = group["gamma"], st["step"]
        self._apply(p, gam * v_hat + (1 - gam) / (1 - gam ** k) * g, den, group)


OPTIMIZERS = {c.__name__: c for c in (SGD, Momentum, NAG, AdaGrad, RMSProp, AdaDelta, Adam, Nadam)}


def _get(name_or_class, arg: str = "name"):
    if isinstance(name_or_class, type) and issubclass(name_or_class, _Lecture):
        return name_or_class
    if isinstance(name_or_class, str):
        for name, cls in OPTIMIZERS.items():
            if name.lower() == name_or_class.lower():
                return cls
    raise ValueError(f"{arg} (the optimizer) must be one of {list(OPTIMIZERS)}, got {name_or_class!r:.60}")


def hyper_names(name_or_class) -> tuple[str, ...]:
    """The hyper-parameters an optimizer takes, e.g. ``('lr', 'gamma', 'clip_norm')``."""
    sig = inspect.signature(_get(name_or_class, "name_or_class").__init__)
    return tuple(n for n in sig.parameters if n not in ("self", "params"))


def make(name, params, *, ignore_unused: bool = False, **hp):
    """``make("Adam", model.parameters(), lr=1e-3)``; ``ignore_unused=True`` drops hyper-parameters
    the optimizer does not take (so one slider set can drive all eight)."""
    cls = _get(name)
    if ignore_unused:
        hp = {k: v for k, v in hp.items() if k in hyper_names(cls)}
    return cls(params, **hp)


def path(make_opt, steps: int = 200, *, seed: int = 0, scale: float = 1.0, on_diverge: str = "raise") -> torch.Tensor:
    """The path (steps+1, 6) of w under ``make_opt([w])`` on a random float64 problem,
    L(w) = scale · (mean((A w − b)²) + 0.01 Σ w⁴) with A (40, 6): a yardstick to compare
    optimizers (any ``torch.optim.Optimizer``; ``step`` always gets a closure, as NAG needs).
    A NaN/Inf w raises DivergenceError (``on_diverge="raise"``); ``"keep"`` returns the whole path,
    non-finite values included, for a cell that shows the divergence itself."""
    from . import _args
    if not callable(make_opt):
        raise TypeError(f"make_opt must be a function params -> optimizer, got {type(make_opt).__name__}")
    steps, seed = _args.integer("steps", steps, lo=1, hi=100_000), _args.integer("seed", seed, lo=0)
    scale = _args.real("scale", scale, 0, 1e6, lo_open=True)
    _args.choice("on_diverge", on_diverge, ("raise", "keep"))
    g = torch.Generator().manual_seed(seed)
    A, b = torch.randn(40, 6, dtype=torch.float64, generator=g), torch.randn(40, dtype=torch.float64, generator=g)
    w = (0.5 * torch.randn(6, dtype=torch.float64, generator=g)).requires_grad_()
    opt, out = make_opt([w]), [w.detach().clone()]

    def closure():
        opt.zero_grad()
        loss = scale * (((A @ w - b) ** 2).mean() + 0.01 * (w ** 4).sum())
        loss.backward()
        return loss
    from .train import check_finite
    for k in range(steps):
        opt.step(closure)
        if on_diverge == "raise":
            check_finite(w.detach(), k, "w")  # a diverging optimizer stops with a message, not a NaN path
        out.append(w.detach().clone())
    return torch.stack(out)


def train_digits_mlp(name, *, steps=300, hidden=64, batch=128, device=None, seed=0, split=None,
                     progress_bar=True, **hp):
    """Train a 64-``hidden``-``hidden``-10 tanh MLP on scikit-learn's digits with one optimizer.

    ``split``: a ``vglab.data.digits(standardize=True)`` split to reuse (loaded if None).
    Minibatches of ``batch`` drawn uniformly with replacement by a generator seeded with ``seed``
    (which also sets the initial weights, and the split when ``split`` is None); cross-entropy
    (mean). Returns ``(history, test_accuracy)``; a NaN/Inf loss stops the run with a DivergenceError.
    """
    from . import _args, data, train  # compute-only imports
    from .runtime import cpu_threads

    _get(name)
    steps, hidden = _args.integer("steps", steps, lo=1), _args.size("hidden", hidden, 1, 4096)  # width² weights
    batch, seed = _args.size("batch", batch, 1), _args.integer("seed", seed, lo=0)
    dev = torch.device("cpu") if device is None else _args.device("device", device)
    split = (split or data.digits(standardize=True, seed=seed)).to(dev)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.Tanh(),
                                torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
                                torch.nn.Linear(hidden, 10)).to(dev)
    opt = make(name, model.parameters(), **hp)
    gen = torch.Generator().manual_seed(seed)
    n = len(split.x_train)

    def batches(_step):
        idx = torch.randint(0, n, (batch,), generator=gen).to(dev)
        return split.x_train[idx], split.y_train[idx]

    def loss_fn(m, b):
        return torch.nn.functional.cross_entropy(m(b[0]), b[1])

    # a 64-unit MLP is too small for intra-op threads: on CPU one thread costs ~10x less CPU time
    with cpu_threads(1, dev):
        hist = train.fit(model, opt, loss_fn, batches, steps, device=dev, desc=name,
                         progress_bar=progress_bar, closure_optimizer=True)
    with torch.no_grad():
        acc = (model(split.x_test).argmax(1) == split.y_test).float().mean().item()
    return hist, acc
