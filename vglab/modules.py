"""Backprop through modules by hand: forward and backward of each module.

Source: the NYU lecture, SOURCES.md §5. Equation labels (01.k) are those of notebook 01.

Every module caches in ``forward`` what its ``backward`` needs and maps dC/dY to dC/dX. Row vectors throughout:
a minibatch is X of shape (B, n), one example per row, and dC/dX = dC/dY @ J with J = dY/dX of shape
(n_out, n_in). Parameter gradients accumulate in ``Param.grad`` (``+=``): a weight used twice gets the sum of both.
"""

from __future__ import annotations

import torch

from . import _args, _checked
from ._checked import CheckedForward

HEADS = ("softmax+log", "softmax+mse", "log_softmax+ce")


class Param:
    """A weight with its accumulated gradient dC/dW (``grad`` starts at zero)."""

    def __init__(self, value: torch.Tensor):
        self.value, self.grad = _checked.tensor("value", value), torch.zeros_like(value)

    def accumulate(self, g: torch.Tensor) -> None:
        self.grad = self.grad + g  # a weight used twice: dC/dW = sum over its uses


class Module(CheckedForward):
    """Base: ``forward`` caches, ``backward(dY)`` returns dX, ``jacobian()``: dY/dX of one row."""

    params: tuple = ()

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = torch.zeros_like(p.value)

    def __repr__(self) -> str:
        return type(self).__name__


class Linear(Module):
    """Linear, eq. (01.2)/(01.2r).

    Lecture (column form): Y = W X, dC/dX = Wᵀ dC/dY, dC/dW = dC/dY Xᵀ.

    Row form used here: Y = X W + b, X (B, n_in), W (n_in, n_out);
    dC/dX = dC/dY Wᵀ, dC/dW = Xᵀ dC/dY, dC/db = Σ_rows dC/dY. Pass ``W``/``b`` as ``Param`` to share
    them between modules. Default init: W ~ N(0, 1/n_in), LeCun's variance 1/fan-in (gain 1;
    Kaiming's is 2/fan-in, for ReLU).
    """

    def __init__(self, n_in: int, n_out: int, *, W: Param | None = None, b: Param | None = None,
                 bias: bool = True, generator=None, dtype=torch.float64):
        n_in, n_out, bias = _args.size("n_in", n_in), _args.size("n_out", n_out), _args.boolean("bias", bias)
        self.W = W or Param(torch.randn(n_in, n_out, generator=generator, dtype=dtype) / n_in**0.5)
        if bias and b is None:
            b = Param(torch.zeros(n_out, dtype=self.W.value.dtype))
        self.b = b
        if (shape := tuple(self.W.value.shape)) != (n_in, n_out):
            raise ValueError(f"Linear: W must have shape ({n_in}, {n_out}), got {shape}")
        self.params = (self.W,) if self.b is None else (self.W, self.b)

    def forward(self, X):
        self.X = X  # (B, n_in)
        Y = X @ self.W.value  # (B, n_out)
        return Y if self.b is None else Y + self.b.value

    def backward(self, dY):
        self.W.accumulate(self.X.T @ dY)  # (n_in, n_out)
        if self.b is not None:
            self.b.accumulate(dY.sum(0))
        return dY @ self.W.value.T  # (B, n_in)

    def jacobian(self):
        return self.W.value.T  # dY/dX: (n_out, n_in)

    def __repr__(self):
        return f"Linear({self.W.value.shape[0]}→{self.W.value.shape[1]})"


class ReLU(Module):
    """ReLU, eq. (01.3), lecture: y = (x)⁺, dC/dX = 0 where x < 0, else dC/dY. At x = 0 exactly
    the lecture passes dC/dY, this code (like torch) 0: both are valid subgradients."""

    def forward(self, X):
        self.mask = (X > 0).to(X.dtype)  # 1 where the unit is on, else 0
        return X * self.mask

    def backward(self, dY):
        return dY * self.mask

    def jacobian(self):
        return torch.diag(self.mask[0])


class _Squash(Module):
    """Elementwise y = f(x): dC/dX = dC/dY ⊙ f′(x), Jacobian diag f′(x); ``forward`` sets ``slope``."""

    def backward(self, dY):
        return dY * self.slope

    def jacobian(self):
        return torch.diag(self.slope[0])


class Sigmoid(_Squash):
    """σ(x) = 1 / (1 + e^−x); σ′ = σ(1 − σ) ≤ 1/4, the largest value at x = 0."""

    def forward(self, X):
        Y = torch.sigmoid(X)
        self.slope = Y * (1 - Y)
        return Y


class Tanh(_Squash):
    """tanh x; tanh′ = 1 − tanh² ≤ 1, the largest value at x = 0."""

    def forward(self, X):
        Y = torch.tanh(X)
        self.slope = 1 - Y * Y
        return Y


class Branch(Module):
    """Branch (copy), eq. (01.4), lecture: Y1 = X, Y2 = X (n copies); dC/dX = dC/dY1 + dC/dY2."""

    def __init__(self, n: int = 2):
        self.n = _args.size("n", n, 2)  # the number of copies

    def forward(self, X):
        return (X,) * self.n

    def backward(self, *dYs):
        if len(dYs) != self.n:
            raise ValueError(f"Branch.backward: expected {self.n} gradients, got {len(dYs)}")
        return sum(dYs[1:], dYs[0])


class Add(Module):
    """Add, eq. (01.5), lecture: Y = X1 + X2; dC/dX1 = dC/dY · 1 and dC/dX2 = dC/dY · 1."""

    def forward(self, X1, X2):
        return X1 + X2

    def backward(self, dY):
        return dY, dY


class Max(Module):
    """Max, eq. (01.6), lecture: Y = max(X1, X2); dC/dX1 = dC/dY where X1 > X2, else 0. Ties go
    to X2, as the lecture's "else" says; ``torch.maximum`` splits a tie half-and-half (same sum)."""

    def forward(self, X1, X2):
        self.first = X1 > X2
        return torch.where(self.first, X1, X2)

    def backward(self, dY):
        return dY * self.first, dY * ~self.first


class Softmax(Module):
    """Softmax, eq. (01.8), lecture: y_i = exp(x_i) / Σ_j exp(x_j). Jacobian diag(p) − pᵀp (p a row);
    dC/dX = p ⊙ (dC/dY − ⟨dC/dY, p⟩): the diagonal p(1 − p) vanishes when p is near 0 or 1."""

    def forward(self, X):
        self.p = torch.softmax(X, dim=-1)  # (B, K); no overflow at large logits: SOURCES.md §6.11
        return self.p

    def backward(self, dY):
        return self.p * (dY - (dY * self.p).sum(-1, keepdim=True))

    def jacobian(self):
        p = self.p[0]
        return torch.diag(p) - torch.outer(p, p)


class LogSoftmax(Module):
    """Log-softmax, §6 and eq. (01.10): y = x − log Σ_j exp(x_j) (two classes: s − log(1 + e^s)).
    Jacobian δ_ij − p_j, so dC/dX = dC/dY − p · Σ_i dC/dY_i: no p(1 − p) factor and no overflow (p may underflow to 0, which does no harm here)."""

    def forward(self, X):
        self.p = torch.softmax(X, dim=-1)
        return X - torch.logsumexp(X, dim=-1, keepdim=True)

    def backward(self, dY):
        return dY - self.p * dY.sum(-1, keepdim=True)

    def jacobian(self):
        p = self.p[0]
        return torch.eye(len(p), dtype=p.dtype) - p.expand(len(p), -1)


class Log(Module):
    """Elementwise y = log x; dC/dX = dC/dY / x (infinite once 1/x overflows, x < 1/max float)."""

    def forward(self, X):
        self.X = X
        return torch.log(X)

    def backward(self, dY):
        return dY / self.X

    def jacobian(self):
        return torch.diag(1 / self.X[0])


class NLL(Module):
    """Negative log-likelihood of log-probabilities: C_row = −logp[y]; dC/dlogp = −onehot(y)."""

    def forward(self, logp, y):
        self.onehot = _onehot(y, logp)
        return -(logp * self.onehot).sum(-1)  # (B,) per-row loss; C is their sum

    def backward(self, dC=1.0):
        return -dC * self.onehot


class CrossEntropy(Module):
    """Cross-entropy from logits (log-softmax + NLL, fused): dC/dx = p − onehot(y), eq. (01.9)."""

    def forward(self, X, y):
        self.p, self.onehot = torch.softmax(X, dim=-1), _onehot(y, X)
        return -((X - torch.logsumexp(X, -1, keepdim=True)) * self.onehot).sum(-1)  # (B,)

    def backward(self, dC=1.0):
        return dC * (self.p - self.onehot)


class MSE(Module):
    """Squared error to the one-hot target: C_row = ½ ‖x − onehot(y)‖²; dC/dx = x − onehot(y)."""

    def forward(self, X, y):
        self.diff = X - _onehot(y, X)
        return 0.5 * (self.diff**2).sum(-1)

    def backward(self, dC=1.0):
        return dC * self.diff


def _onehot(y, like):
    y = _checked.tensor("y", y, floating=False, convert=True).to(like.device)
    if y.shape != like.shape[:-1] or y.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"y must be integer class labels of shape {tuple(like.shape[:-1])} (one per row of X / logp), "
                         f"got {y.dtype} of shape {tuple(y.shape)}")
    if ((y < 0) | (y >= like.shape[-1])).any():
        raise ValueError(f"y must be in [0, {like.shape[-1] - 1}]")
    return torch.nn.functional.one_hot(y.long(), like.shape[-1]).to(like.dtype)


class Sequential(Module):
    """A chain of one-input modules: forward left to right, backward right to left."""

    def __init__(self, *modules: Module):
        self.modules = [_checked.instance("modules", m, Module, "a vglab.modules Module") for m in modules]
        self.params = tuple(p for m in self.modules for p in m.params)

    def forward(self, X):
        for m in self.modules:
            X = m.forward(X)
        return X

    def backward(self, dY):
        for m in reversed(self.modules):
            dY = m.backward(dY)
        return dY

    def __repr__(self):
        return " → ".join(map(repr, self.modules))


def jacobian_chain(net: Sequential, x: torch.Tensor):
    """The chain of Jacobians, eq. (01.7): dy/dx = J_L ⋯ J_2 J_1 (row form: dC/dx = dC/dy J_L ⋯ J_1).

    ``x``: (n,) or (1, n). Runs ``net.forward``; returns ``(Js, product)``: ``Js`` a list of
    ``(name, J_k)``, J_k = dY_k/dX_k of shape (n_out, n_in), and their product J_L ⋯ J_1."""
    if not isinstance(net, Sequential):
        raise TypeError(f"jacobian_chain: net must be a Sequential, got {type(net).__name__}")
    x = _checked.tensor("x", x, convert=True).reshape(1, -1).to(net.params[0].value.dtype if net.params else torch.float64)
    _checked.forward(net.forward, x)
    Js = [(repr(m), m.jacobian()) for m in net.modules]
    product = Js[0][1]
    for _, J in Js[1:]:
        product = J @ product
    return Js, product


def format_chain(Js) -> str:
    """One line: ``dy/dx = J3 (3×5 Softmax) · J2 (5×5 ReLU) · J1 (5×4 Linear(4→5))``."""
    if not isinstance(Js, (list, tuple)) or not all(isinstance(p, tuple) and len(p) == 2
                                                    and getattr(p[1], "ndim", 0) == 2 for p in Js):
        raise TypeError(f"Js must be jacobian_chain's list of (name, J) pairs, got {type(Js).__name__} {Js!r:.60}")
    parts = [f"J{k} ({J.shape[0]}×{J.shape[1]} {name})" for k, (name, J) in enumerate(Js, 1)]
    return "dy/dx = " + " · ".join(reversed(parts))


def head_gradient(logits: torch.Tensor, y, head: str):
    """Per-row loss and dC/dlogits through one classifier head, by the modules' backward.

    ``head``: ``"softmax+log"`` (Softmax → Log → NLL), ``"softmax+mse"`` (Softmax → MSE) or
    ``"log_softmax+ce"`` (the fused CrossEntropy, p − onehot(y)).
    """
    logits, head = _checked.tensor("logits", logits, dims=2), _args.choice("head", head, HEADS)
    if head == "softmax+log":
        sm, log, nll = Softmax(), Log(), NLL()
        loss = nll.forward(log.forward(sm.forward(logits)), y)
        return loss, sm.backward(log.backward(nll.backward()))
    if head == "softmax+mse":
        sm, mse = Softmax(), MSE()
        loss = mse.forward(sm.forward(logits), y)
        return loss, sm.backward(mse.backward())
    if head == "log_softmax+ce":
        ce = CrossEntropy()
        return ce.forward(logits, y), ce.backward()
    raise ValueError(f"head must be one of {HEADS}, got {head!r}")


def confident_logits(margin, n_classes: int = 3, dtype=torch.float64):
    """Logits (N, K) and labels (N,): the true class 0 has logit 0, every other class ``margin``
    (> 0: confidently wrong by that much; < 0: confidently right); p_true = 1 / (1 + (K − 1) e^margin)."""
    n_classes = _args.size("n_classes", n_classes, 2)
    m = _checked.tensor("margin", margin, dims=(0, 1), convert=True).to(dtype).reshape(-1)
    logits = torch.zeros(len(m), n_classes, dtype=dtype)
    logits[:, 1:] = m[:, None]
    return logits, torch.zeros(len(m), dtype=torch.long)


def log_sigmoid(s):
    """The lecture's two-class form, eq. (01.10): log σ(s) = s − log(1 + e^s) = s − softplus(s)."""
    s = _checked.tensor("s", s, convert=True)
    return s - torch.nn.functional.softplus(s)


def as_autograd(module: Module):
    """Wrap a one-input module's hand-written backward in an ``autograd.Function`` (gradcheck)."""

    class _Hand(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X):
            ctx.save_for_backward(X)
            return module.forward(X.detach())

        @staticmethod
        def backward(ctx, dY):
            (X,) = ctx.saved_tensors
            module.forward(X)  # refresh the cache: gradcheck calls forward again in between
            return module.backward(dY)

    return _Hand.apply
