"""The simple recurrent network (SRN) of the paper, eq. (1)-(3) (SOURCES.md §1.3).

Row vectors, one step k (z(0) = 0):

    a(k) = u(k) W_in + z(k−1) W_rec + b        (1)
    z(k) = f(a(k)),  f = tanh                   (2)
    ỹ    = g(z(k) W_out + b_out)                (3)  g = softmax or linear, at the last step

Every weight matrix is drawn from N(0, σ²) with ``sigma2`` the *variance* (SOURCES.md §1.5 item 7 explains why),
biases start at 0. ``n_networks=M`` holds M independent networks in one module: every parameter
gains a leading axis M, so M networks train in one batched forward/backward.
"""
from __future__ import annotations

import math

import torch

from . import _args, _checked
from torch import nn

ACTIVATIONS = ("tanh", "sigmoid")
OUTPUTS = ("softmax", "linear")


def nonlinearity(name: str):
    """``(f, f_prime)`` for ``"tanh"`` or ``"sigmoid"``; f′ is written in terms of a."""
    _args.choice("name (the activation)", name, ACTIVATIONS)
    if name == "tanh":
        return torch.tanh, lambda a: 1 - torch.tanh(a) ** 2
    if name == "sigmoid":
        return torch.sigmoid, lambda a: torch.sigmoid(a) * (1 - torch.sigmoid(a))
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


class SRN(nn.Module):
    """Simple recurrent network, paper eq. (1)-(3); ``forward`` returns the last step's output.

    Shapes (B minibatch, T steps, K = n_hidden): one network: W_in (n_in, K), W_rec (K, K),
    b (K,), W_out (K, n_out), b_out (n_out,); x (B, T, n_in) → out (B, n_out).
    ``n_networks=M``: a leading M on every parameter; x (M, B, T, n_in) or shared (B, T, n_in)
    → out (M, B, n_out). ``output``: "softmax" (logits out) or "linear" (values out).
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, sigma2: float = 0.01,
                 n_networks: int | None = None, output: str = "softmax", *,
                 activation: str = "tanh", generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        for name, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            _check_size(name, v)
        if n_networks is not None:
            _check_size("n_networks", n_networks)
        n_weights = (n_networks or 1) * (n_in * n_hidden + n_hidden * n_hidden + n_hidden * n_out)
        if n_weights > MAX_WEIGHTS:
            raise ValueError(f"n_in, n_hidden, n_out and n_networks must give at most {MAX_WEIGHTS:,} weights, "
                             f"got {n_weights:,}")
        _args.positive_real("sigma2 (the init variance)", sigma2)
        _args.choice("output", output, OUTPUTS)
        _args.choice("activation", activation, ACTIVATIONS)
        _checked.generator("generator", generator)
        self.f, self.f_prime = nonlinearity(activation)
        self.activation, self.output, self.sigma2 = activation, output, float(sigma2)
        self.n_in, self.n_hidden, self.n_out = int(n_in), int(n_hidden), int(n_out)
        self.n_networks = None if n_networks is None else int(n_networks)
        lead = () if n_networks is None else (n_networks,)
        gdev = torch.device("cpu") if generator is None else generator.device
        dtype = dtype or torch.get_default_dtype()

        def weight(*shape):  # N(0, σ²): std = √σ²
            w = torch.randn(*lead, *shape, generator=generator, device=gdev, dtype=dtype)
            return nn.Parameter((w * math.sqrt(sigma2)).to(device))

        def zeros(*shape):
            return nn.Parameter(torch.zeros(*lead, *shape, dtype=dtype, device=device))

        self.W_in, self.W_rec, self.b = weight(n_in, n_hidden), weight(n_hidden, n_hidden), zeros(n_hidden)
        self.W_out, self.b_out = weight(n_hidden, n_out), zeros(n_out)

    def extra_repr(self) -> str:
        return (f"n_in={self.n_in}, n_hidden={self.n_hidden}, n_out={self.n_out}, sigma2={self.sigma2}, "
                f"n_networks={self.n_networks}, output={self.output!r}, activation={self.activation!r}")

    def unroll(self, x: torch.Tensor, lengths: torch.Tensor | None = None):
        """Run eq. (1)-(2) step by step; returns ``(out, a_steps, z_steps)``.

        ``a_steps``/``z_steps`` are lists of T tensors (…, B, K) that stay in the autograd graph
        (``bptt.local_gradients`` differentiates with respect to them). With ``lengths`` (B,),
        the first T − lengths[i] steps of sequence i are padding: a and z are held at 0 there.
        """
        return self._unroll(self._check_x(x), lengths)

    def _unroll(self, x: torch.Tensor, lengths: torch.Tensor | None = None):
        """``unroll`` without ``x``'s checks (no NaN scan, no host sync): for training loops whose
        minibatches come from ``tasks`` (valid by construction); the public entry points check."""
        x = x.to(self.W_rec.dtype)
        mask = self.step_mask(lengths, x)  # (T, B, 1) or None
        b = self.b if self.n_networks is None else self.b[:, None]  # (…, 1, K)
        z = x.new_zeros(self.W_rec.shape[:-2] + x.shape[-3:-2] + (self.n_hidden,))  # z(0) = 0, (…, B, K)
        a_steps, z_steps = [], []
        for k, u in enumerate(x.unbind(dim=-2)):  # explicit loop over time (no recursion); u (…, B, n_in)
            a = u @ self.W_in + z @ self.W_rec + b  # (1)
            if mask is not None:
                a = a * mask[k]
            z = self.f(a)  # (2)
            if mask is not None:
                z = z * mask[k]
            a_steps.append(a)
            z_steps.append(z)
        b_out = self.b_out if self.n_networks is None else self.b_out[:, None]
        out = z @ self.W_out + b_out  # (3) before g: logits or values, (…, B, n_out)
        return out, a_steps, z_steps

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, return_states: bool = False):
        """Logits (softmax) or values (linear) at the last step, (…, B, n_out).

        ``return_states=True``: ``(out, a, z)`` with a, z of shape (…, B, T, K).
        """
        out, a_steps, z_steps = self.unroll(x, lengths)
        if not return_states:
            return out
        return out, torch.stack(a_steps, dim=-2), torch.stack(z_steps, dim=-2)

    def step_mask(self, lengths, x):
        """(T, B, 1) float mask: 1 on each sequence's real steps, 0 on its leading padding."""
        if lengths is None:
            return None
        T, B = x.shape[-2], x.shape[-3]
        lengths = torch.as_tensor(lengths, device=x.device)
        if lengths.shape != (B,) or lengths.dtype.is_floating_point:
            raise ValueError(f"lengths must be an integer tensor of shape ({B},), got {tuple(lengths.shape)} "
                             f"{lengths.dtype}")
        if bool((lengths < 1).any()) or bool((lengths > T).any()):
            raise ValueError(f"lengths must lie in [1, T={T}], got min {int(lengths.min())}, max {int(lengths.max())}")
        steps = torch.arange(T, device=x.device)[:, None]  # (T, 1)
        return (steps >= (T - lengths)[None, :]).to(x.dtype)[..., None]  # (T, B, 1)

    def network(self, i: int) -> "SRN":
        """A single-network copy of network ``i`` of an M-network SRN (parameters copied)."""
        if self.n_networks is None:
            raise ValueError("network(i) needs an SRN built with n_networks=M")
        if not 0 <= i < self.n_networks:
            raise ValueError(f"i must be in [0, {self.n_networks}), got {i}")
        p = self.W_rec
        one = SRN(self.n_in, self.n_hidden, self.n_out, self.sigma2, None, self.output,
                  activation=self.activation, dtype=p.dtype, device=p.device)
        with torch.no_grad():
            for name, param in one.named_parameters():
                param.copy_(getattr(self, name)[i])
        return one

    def _check_x(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a tensor, got {type(x).__name__}")
        if not x.dtype.is_floating_point:
            raise TypeError(f"x must be a floating-point tensor (the inputs u(k)), got dtype {x.dtype}")
        M = self.n_networks
        ok_dims = (3,) if M is None else (3, 4)
        if x.ndim not in ok_dims or x.shape[-1] != self.n_in or (x.ndim == 4 and x.shape[0] != M):
            want = "(B, T, n_in)" if M is None else "(M, B, T, n_in) or (B, T, n_in)"
            raise ValueError(f"x must have shape {want} with n_in={self.n_in}"
                             f"{'' if M is None else f', M={M}'}; got {tuple(x.shape)}")
        if not bool(torch.isfinite(x).all()):
            raise ValueError("x contains NaN or Inf; the inputs must be finite")
        return x.to(self.W_rec.dtype)


def _check_loss_args(model, out, y) -> None:
    """Bad arguments of ``loss`` raise TypeError/ValueError naming the argument (not a torch error)."""
    if not isinstance(model, SRN):
        raise TypeError(f"model must be a vglab.srn.SRN, got {type(model).__name__}")
    for name, v in (("out", out), ("y", y)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"{name} must be a tensor, got {type(v).__name__}")
    lead = () if model.n_networks is None else (model.n_networks,)
    if out.ndim != 2 + len(lead) or out.shape[-1] != model.n_out or tuple(out.shape[:len(lead)]) != lead:
        raise ValueError(f"out must have shape {'(M, ' if lead else '('}B, n_out) with n_out={model.n_out}"
                         f"{f', M={lead[0]}' if lead else ''}, got {tuple(out.shape)}")
    B = out.shape[-2]
    if model.output == "softmax":
        if y.dtype.is_floating_point or y.dtype == torch.bool:
            raise TypeError(f"y must hold integer class labels for a softmax SRN, got dtype {y.dtype}")
        if y.shape not in ((B,), lead + (B,)):
            raise ValueError(f"y must have shape ({B},) (one label per sequence), got {tuple(y.shape)}")
        if bool(((y < 0) | (y >= model.n_out)).any()):  # one device sync
            raise ValueError(f"y must hold class labels in [0, {model.n_out}), got values in "
                             f"[{int(y.min())}, {int(y.max())}]")
    else:
        if not y.dtype.is_floating_point:
            raise TypeError(f"y must be a floating-point target for a linear SRN, got dtype {y.dtype}")
        if y.shape not in ((B, model.n_out), lead + (B, model.n_out)):
            raise ValueError(f"y must have shape ({B}, {model.n_out}) like out, got {tuple(y.shape)}")
        if not bool(torch.isfinite(y).all()):
            raise ValueError("y contains NaN or Inf; targets must be finite")


def loss(model: SRN, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """E: the SUM over the minibatch of cross-entropy (softmax) or ½‖ŷ − y‖² (linear).

    Shape () for one network, (M,) for M networks (y (B,) / (B, n_out) is shared, or carries M).
    The sum, not the mean, is what the paper's lr = 1e-5 assumes (SOURCES.md §1.3, §1.6).
    """
    _check_loss_args(model, out, y)
    return _loss(model, out, y)


def _loss(model: SRN, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``loss`` without its argument checks (no label scan, no host sync): for training loops
    whose targets come from ``tasks`` (valid by construction)."""
    if model.output == "softmax":
        logp = torch.log_softmax(out, dim=-1)  # (…, B, C)
        nll = -logp.gather(-1, y.expand(out.shape[:-1]).unsqueeze(-1)).squeeze(-1)  # (…, B)
        return nll.sum(dim=-1)
    return 0.5 * ((out - y) ** 2).sum(dim=(-2, -1))


def spectral_radius(W_rec: torch.Tensor) -> torch.Tensor:
    """max |eigenvalue| of W_rec (K, K) or (M, K, K); ≈ std·√K for Gaussian init (Geman 1986).
    A NaN/Inf matrix (a diverged network) is refused, not given a radius."""
    _check_square("W_rec", W_rec)
    return torch.linalg.eigvals(W_rec.detach()).abs().amax(dim=-1)


def sigma2_for_radius(rho: float, n_hidden: int) -> float:
    """The init variance whose limiting (large-K) spectral radius is ``rho``: σ² = ρ²/K (Geman 1986);
    one matrix at finite K has its own radius near it, often a little above."""
    rho, n_hidden = _args.real("rho", rho, 0, 1e100, lo_open=True), _args.integer("n_hidden", n_hidden, lo=1)
    return rho**2 / n_hidden


MAX_SIZE = 1_000_000
"""The largest n_in, n_hidden, n_out or n_networks accepted (a million: far beyond any lab run)."""
MAX_WEIGHTS = 2**30
"""The most weights an SRN may hold (4 GiB in float32), so that a typo is refused here instead of
failing to allocate inside torch."""


def _check_size(name, v):
    if _args.integer(name, v, lo=1) > MAX_SIZE:
        raise ValueError(f"{name} must be <= {MAX_SIZE:,}, got {v}")


def _check_square(name, W, K=None):
    """A finite float (K, K) or (M, K, K) tensor (``K``: the size it must have)."""
    _checked.tensor(name, W, dims=(2, 3))
    if W.shape[-1] != W.shape[-2] or (K is not None and W.shape[-1] != K):
        raise ValueError(f"{name} must be square (K, K) or (M, K, K){f' with K={K}' if K else ''}, "
                         f"got {tuple(W.shape)}")
    return W

