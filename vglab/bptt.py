"""Backpropagation through time for the SRN: local gradients, Jacobian products, the Q-factor.

Paper (SOURCES.md §1.3) sections 2-3. With δ(k) ≡ ∂E/∂a(k) (row vectors, (…, B, T, K)):

    δ(n−1) = δ(n) W_recᵀ diag(f′(a(n−1)))                    (6)
    J(n)   ≡ W_recᵀ diag(f′(a(n−1))),   δ(n−1) = δ(n) J(n)    (7)-(8)
    δ(n−h) = δ(n) J(n) J(n−1) … J(n−h+1)                      (10)
    ∂E/∂W_rec(n) = z(n−1)ᵀ δ(n)                                (4)
    Q(δ, h) = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖                    (25)

The paper's index form (5) sums w_rec^{ij} δ_i(n); with a(n) = z(n−1) W_rec that index order is
transposed, and the matrix form (6) is the one that matches autograd (tested). J(n) is the
Jacobian ∂a(n)/∂a(n−1); the paper calls it ∂z(n)/∂z(n−1), which would carry f′(a(n)) instead.
Use float64: in the vanishing settings the squares inside ‖δ‖ underflow float32 (below ~1e-45).
"""
from __future__ import annotations

import torch

from . import _args, _checked
from ._args import is_int

from .srn import SRN, _check_loss_args, loss


def _check_model(model) -> None:
    _checked.model("model", model, SRN, "a vglab.srn.SRN")


def _check_plain(model, what: str) -> None:
    """Eq. (6)-(8) hold without LayerNorm only (``rnn_fixes.RNN(layer_norm=True)`` has its own Jacobian)."""
    _check_model(model)
    if getattr(model, "layer_norm", False):
        raise ValueError(f"{what}: model has layer_norm=True; eq. (6)-(8) do not hold with LayerNorm "
                         "(use local_gradients, which is autograd)")


def local_gradients(model: SRN, x, y, lengths=None) -> torch.Tensor:
    """δ(k) = ∂E/∂a(k) for every step k by autograd, (…, B, T, K); E = ``srn.loss`` (summed)."""
    _check_model(model)
    out, a_steps, _ = model.unroll(x, lengths)
    E = loss(model, out, y).sum()  # networks are independent: summing over M keeps each δ
    grads = torch.autograd.grad(E, a_steps)
    return torch.stack(grads, dim=-2).detach()


def manual_local_gradients(model: SRN, x, y, lengths=None) -> torch.Tensor:
    """δ(k) by hand: the output error at the last step, then eq. (6) backwards, (…, B, T, K).

    Row form: δ(n−1) = (δ(n) W_recᵀ) ⊙ f′(a(n−1)). The loss sits at the last step T only, so
    δ(T) = e W_outᵀ ⊙ f′(a(T)) with e = ∂E/∂o the gradient at the output layer's input
    o = z(T) W_out + b_out: e = softmax(o) − onehot(y) (cross-entropy) or ŷ − y (linear).
    """
    _check_plain(model, "manual_local_gradients")
    with torch.no_grad():
        out, a, _ = model(x, lengths, return_states=True)  # a: (…, B, T, K)
        _check_loss_args(model, out, y)
        mask = model.step_mask(lengths, x)  # (T, B, 1) or None: δ = 0 on padded steps
        if model.output == "softmax":
            e = torch.softmax(out, dim=-1)
            e = e - torch.nn.functional.one_hot(y.expand(out.shape[:-1]), out.shape[-1]).to(e)
        else:
            e = out - y  # ∂(½‖ŷ − y‖²)/∂ŷ
        W_out_T, W_rec_T = model.W_out.transpose(-1, -2), model.W_rec.transpose(-1, -2)
        T = a.shape[-2]
        delta = [None] * T
        delta[-1] = (e @ W_out_T) * model.f_prime(a[..., -1, :])  # (…, B, K)
        for n in range(T - 1, 0, -1):  # explicit loop, no recursion
            delta[n - 1] = (delta[n] @ W_rec_T) * model.f_prime(a[..., n - 1, :])  # (6)
            if mask is not None:
                delta[n - 1] = delta[n - 1] * mask[n - 1]
        return torch.stack(delta, dim=-2)


def delta_norms(delta: torch.Tensor) -> torch.Tensor:
    """Mean over the minibatch of each sequence's Euclidean norm ‖δ(k)‖, per step: (…, T)."""
    _checked.tensor("delta", delta, min_dim=3)  # (…, B, T, K)
    return delta.norm(dim=-1).mean(dim=-2)


def weight_grad_norms(z: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """‖∂E/∂W_rec(n)‖_F = ‖z(n−1)ᵀ δ(n)‖_F per step n, eq. (4); z, delta (…, B, T, K) → (…, T).

    z(0) = 0, so the first step's gradient is 0. The sum over the minibatch is inside the product.
    """
    _checked.tensor("z", z, min_dim=3), _checked.tensor("delta", delta, min_dim=3)
    if z.shape != delta.shape:
        raise ValueError(f"z and delta must have one shape (…, B, T, K), got {tuple(z.shape)} and {tuple(delta.shape)}")
    z_prev = torch.cat([torch.zeros_like(z[..., :1, :]), z[..., :-1, :]], dim=-2)
    norms = [torch.einsum("...bi,...bj->...ij", zp, d).flatten(-2).norm(dim=-1)
             for zp, d in zip(z_prev.unbind(-2), delta.unbind(-2))]
    return torch.stack(norms, dim=-1)


def q_factor(delta: torch.Tensor, h: int):
    """Q(δ, h) = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖, eq. (25), k the last step; float, or (M,).

    Norms are minibatch means of per-sequence Euclidean norms. Q > 0: ‖δ‖ shrinks (vanishing if
    Q ≫ 0); Q < 0: it grows; Q ∈ [−1, 1] is the paper's safe zone. Raises on h out of [1, T) and on a zero or
    non-finite norm (use float64 before concluding that a gradient is 0).
    """
    if not isinstance(delta, torch.Tensor) or delta.ndim < 3:
        raise ValueError("delta must be a tensor of shape (…, B, T, K)")
    T = delta.shape[-2]
    if not is_int(h):
        raise TypeError(f"h must be an int in [1, T), got {type(h).__name__}")
    if not 1 <= h < T:
        raise ValueError(f"h must be in [1, T) = [1, {T}) (T: delta's steps), got {h}: δ(k−h) must exist")
    if not bool(torch.isfinite(delta).all()):
        raise ValueError("q_factor: a norm of delta is inf or NaN (the gradient exploded past float range)")
    norms = delta_norms(delta.detach()).double()  # (…, T)
    pair = torch.stack([norms[..., -1], norms[..., -1 - h]], dim=-1)
    if not bool(torch.isfinite(pair).all()):
        raise ValueError("q_factor: a norm of delta is inf or NaN (the gradient exploded past float range)")
    if bool((pair == 0).any()):
        hint = ("underflow even in float64: its norm squares each component, so components below about 1e-162 "
                "give 0" if delta.dtype == torch.float64 else f"underflow? compute in float64, dtype here is {delta.dtype}")
        raise ValueError(f"q_factor: ‖δ‖ is exactly 0 at the last step or {h} steps before ({hint})")
    Q = torch.log10(pair[..., 0]) - torch.log10(pair[..., 1])
    return float(Q) if Q.ndim == 0 else Q


def jacobians(model: SRN, a: torch.Tensor) -> torch.Tensor:
    """J(n) = W_recᵀ diag(f′(a(n−1))) for n = 1 … T−1 (0-based), paper eq. (8).

    a: (…, T, K) pre-activations of real (unpadded) steps; returns (…, T−1, K, K), entry i
    being J(i+1) = ∂a(i+1)/∂a(i). With n_networks=M, a's first axis is M. Memory grows as
    T·K² per sequence: pass a few sequences, not a whole minibatch.
    """
    _check_plain(model, "jacobians")
    if _checked.tensor("a", a, min_dim=2).shape[-1] != model.n_hidden:
        raise ValueError(f"a must have shape (…, T, {model.n_hidden}) (the model's units last), got {tuple(a.shape)}")
    W_T = model.W_rec.detach().transpose(-1, -2)  # (…, K, K)
    if model.n_networks is not None:
        W_T = W_T.reshape(W_T.shape[:1] + (1,) * (a.ndim - 2) + W_T.shape[1:])  # (M, 1…, K, K)
    d = model.f_prime(a[..., :-1, :].detach())  # (…, T−1, K)
    return W_T * d.unsqueeze(-2)  # column j scaled by f′(a_j(n−1))


def jacobian_product_norms(J: torch.Tensor, h_max: int | None = None):
    """‖J(n) J(n−1) … J(n−h+1)‖₂ from the last step n, for h = 1 … h_max, and its bound.

    J: (…, T−1, K, K) from ``jacobians``. Returns ``(norms, bound)``, each (…, h_max):
    the spectral norm of the product, and ∏ σ_max(J(·)) over the same factors, which it never
    exceeds (the spectral norm is submultiplicative).
    """
    n = _checked.tensor("J", J, min_dim=3).shape[-3]
    if J.shape[-1] != J.shape[-2]:
        raise ValueError(f"J must hold square Jacobians (…, T−1, K, K) from jacobians(), got {tuple(J.shape)}")
    h_max = n if h_max is None else _args.integer("h_max", h_max)
    if not 1 <= h_max <= n:
        raise ValueError(f"h_max must be in [1, {n}], got {h_max}")
    sigma_max = torch.linalg.matrix_norm(J, ord=2)  # (…, T−1)
    P = J[..., -1, :, :]
    norms = [torch.linalg.matrix_norm(P, ord=2)]
    for i in range(2, h_max + 1):  # δ(n−h) = δ(n) J(n) … J(n−h+1): multiply on the right
        P = P @ J[..., -i, :, :]
        norms.append(torch.linalg.matrix_norm(P, ord=2))
    bound = torch.cumprod(sigma_max.flip(-1)[..., :h_max], dim=-1)
    return torch.stack(norms, dim=-1), bound


def delta_profile(delta: torch.Tensor, h_max: int | None = None) -> torch.Tensor:
    """‖δ(k−h)‖ for h = 0 … h_max back from the last step k (minibatch mean), (…, h_max+1)."""
    norms = delta_norms(delta)  # (…, T)
    h_max = norms.shape[-1] - 1 if h_max is None else _args.integer("h_max", h_max, 0, norms.shape[-1] - 1)
    return norms.flip(-1)[..., : h_max + 1]


def norm_bound(model: SRN, delta_last_norm, h_max: int) -> torch.Tensor:
    """The classic bound ‖δ(k−h)‖ ≤ ‖δ(k)‖ (σ_max(W_rec) · max f′)^h, h = 0 … h_max.

    max f′ = 1 for tanh and ReLU, 1/4 for the logistic sigmoid (the paper's text names "tanh" twice
    there; the second is the sigmoid). Bengio et al. 1994, Pascanu et al. 2013; paper §3.
    """
    _check_plain(model, "norm_bound")
    delta_last_norm, h_max = _args.reals("delta_last_norm", delta_last_norm, 0, tensor=True), _args.integer("h_max", h_max, 0, 10**4)
    gamma = 0.25 if model.activation == "sigmoid" else 1.0
    s = torch.linalg.matrix_norm(model.W_rec.detach(), ord=2)  # (…,)
    h = torch.arange(h_max + 1, dtype=s.dtype, device=s.device)
    return torch.as_tensor(delta_last_norm, dtype=s.dtype)[..., None] * (s[..., None] * gamma) ** h



def step_factor(model: SRN, x, lengths=None) -> dict:
    """The per-step factor that predicts the slope of ‖δ(k−h)‖: c = g·√E[f′(a)²] (notebook 03's eq. sat-rate).

    g = RMS(W_rec)·√K is the weight gain (std·√K at init): multiplying by a random W_recᵀ scales a typical
    vector's norm by about g. For Gaussian entries the spectral radius tends to g as K grows (Geman 1986;
    Bai & Yin 1986; the circular law alone does not bound the largest |λ|), but for one finite matrix
    it sits a little off, and over h steps that gap matters (notebook 04 prints both predictions);
    E[f′(a)²] is averaged over every real step, sequence and unit of the forward pass on ``x``. Each
    step back multiplies ‖δ‖ by about c, so Q(δ, h) ≈ −h·log10 c (``predicted_q``). Unlike the bound's
    σ_max·max f′, c uses the slopes the units actually have: tanh's f′ < 1 once inputs move a off 0,
    the sigmoid's output, centred on ½ (σ(0) = ½), shifts every a. Returns
    ``{"gain", "rms_f_prime", "factor"}``: floats, or (M,) tensors for ``n_networks=M``.
    """
    _check_plain(model, "step_factor")
    with torch.no_grad():
        _, a, _ = model(x, lengths, return_states=True)  # (…, B, T, K)
        fp2 = model.f_prime(a) ** 2
        mask = model.step_mask(lengths, x)  # (T, B, 1): padded steps do not count
        if mask is None:
            rms = fp2.mean(dim=(-3, -2, -1)).sqrt()
        else:
            w = mask.transpose(0, 1).expand(fp2.shape[-3:])  # (B, T, K)
            rms = ((fp2 * w).sum(dim=(-3, -2, -1)) / w.sum()).sqrt()
        K = model.n_hidden
        gain = model.W_rec.detach().flatten(-2).pow(2).mean(dim=-1).sqrt() * K ** 0.5
    out = {"gain": gain, "rms_f_prime": rms, "factor": gain * rms}
    return {k: (float(v) if v.ndim == 0 else v) for k, v in out.items()}


def predicted_q(factor, h: int):
    """Q(δ, h) ≈ −h·log10(c) for a per-step factor c (``step_factor``); float or tensor like ``factor``."""
    if not is_int(h) or h < 1:
        raise ValueError(f"h must be an int >= 1, got {h!r}")
    c = torch.as_tensor(_args.reals("factor", factor, 0, lo_open=True, tensor=True), dtype=torch.float64)
    if not bool((c > 0).all()) or not bool(torch.isfinite(c).all()):
        raise ValueError(f"factor must be finite and > 0, got {factor!r}")
    q = -h * torch.log10(c)
    return float(q) if q.ndim == 0 else q


def q_per_step(delta: torch.Tensor, edges) -> torch.Tensor:
    """Q per step over stretches of h: (log10 ‖δ(k−a)‖ − log10 ‖δ(k−b)‖) / (b − a) for each
    consecutive pair (a, b) of ``edges`` (increasing ints in [0, T)), shape (…, len(edges) − 1).

    A geometric decay ‖δ(k−h)‖ = cʰ‖δ(k)‖ gives −log10 c on every stretch; stretches that differ
    show where along h the norm changes. Edges 0 and h give ``q_factor(delta, h) / h``.
    """
    if not isinstance(delta, torch.Tensor) or delta.ndim < 3:
        raise ValueError("delta must be a tensor of shape (…, B, T, K)")
    if isinstance(edges, (str, bytes)) or getattr(edges, "ndim", 1) != 1 or not hasattr(edges, "__len__") \
            or not all(is_int(e) for e in edges):
        raise TypeError(f"edges must be a sequence of ints, got {edges!r}")
    T = delta.shape[-2]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] < 0 or edges[-1] >= T:
        raise ValueError(f"edges must be at least 2 increasing ints in [0, T) = [0, {T}) (T: delta's steps), got {list(edges)}")
    logs = delta_profile(delta.detach()).double().log10()  # (…, T), h = 0 first
    e = torch.as_tensor(list(edges))
    return (logs[..., e[:-1]] - logs[..., e[1:]]) / (e[1:] - e[:-1]).to(logs)
