"""dS sampling: the change dS of the backpropagated gradient norm under an update (SOURCES.md §1.3; the paper's §5-6).

SOURCES.md §1.3, §1.6. For the proposed update dW_rec of the current minibatch, with D(n) = diag(f′(a(n))),
δ(k) held fixed and h the horizon:

    G  = δ(k−h)ᵀ = D(k−h) W_rec D(k−h+1) W_rec … D(k−1) W_rec δ(k)ᵀ         (20)
    S  = ‖G‖²_F, summed over the minibatch                                 (21)
    dS = 2 (G, dG)                                                          (22)
    dG = the h products in which one W_rec is replaced by dW_rec           (23)-(24)

dS > 0: to first order (D fixed) the update makes ‖δ(k−h)‖ grow; dS < 0: shrink. The paper's
eq. (14) drops the factor 2; we use the true derivative 2(G, dG).

``ds`` computes it in ONE forward-mode sweep through the backward recursion (row form):

    δ(n−1)  = (δ(n) W_recᵀ) ⊙ f′(a(n−1))
    dδ(n−1) = (dδ(n) W_recᵀ + δ(n) dW_recᵀ) ⊙ f′(a(n−1)),     dδ(k) = 0

then dS = 2 Σ_examples ⟨δ(k−h), dδ(k−h)⟩. ``ds_exact`` (D and δ(k) recomputed, by
``torch.func.jvp``) and ``ds_finite_difference`` are there for teaching and testing.
``accept`` is the algorithm's accept/skip rule; the training loop lives in ``vglab.ds_train``.
"""
from __future__ import annotations

import warnings
from typing import NamedTuple

import torch

from . import _args, _checked
from . import srn as _srn

RULES = ("corrected", "as_printed")


class Sweep(NamedTuple):
    """What one sweep gives: dS, the Q-factor and the two minibatch-mean norms (floats or (M,))."""
    ds: torch.Tensor | float
    q: torch.Tensor | float
    norm_k: torch.Tensor | float
    norm_kh: torch.Tensor | float


def sweep(W_rec, a, delta_k, dW_rec, h: int, f_prime):
    """The forward-mode sweep (SOURCES.md §1.3, §1.6): returns ``(delta_kh, d_delta_kh)``, each (…, B, K).

    ``W_rec``, ``dW_rec`` (…, K, K); ``a`` (…, B, T, K) the pre-activations with k = T − 1 the
    last step; ``delta_k`` (…, B, K) = ∂E/∂a(k); D = diag(f′(a)) is held fixed. ``h``: 1 ≤ h < T
    (h = 0 would return δ(k) and dδ = 0: Q = dS = 0, dS sampling turned into plain SGD).
    """
    h = _check_sweep(W_rec, a, delta_k, dW_rec, h, f_prime)
    return _sweep(W_rec, a, delta_k, dW_rec, h, f_prime)


def _sweep(W_rec, a, delta_k, dW_rec, h, f_prime):
    """``sweep`` without its argument checks (for ``sweep_q_ds`` inside a training loop)."""
    Wt, dWt = W_rec.transpose(-1, -2), dW_rec.transpose(-1, -2)
    delta = delta_k  # δ(k)
    d_delta = torch.zeros_like(delta_k)  # dδ(k) = 0
    k = a.shape[-2] - 1
    fp = f_prime(a[..., k - h:k, :])  # f′(a(n)) for n = k−h … k−1, (…, B, h, K)
    for n in range(k, k - h, -1):  # n = k, …, k−h+1 gives δ(n−1) down to δ(k−h)
        D = fp[..., n - 1 - (k - h), :]  # f′(a(n−1)), (…, B, K)
        d_delta = (d_delta @ Wt + delta @ dWt) * D  # uses δ(n), so update dδ first
        delta = (delta @ Wt) * D
    return delta, d_delta


def ds(model, x, y, dW_rec, h: int, lengths=None, *, reduction: str = "sum"):
    """dS = 2(G, dG), paper eq. (20)-(24), D held fixed, in one forward-mode sweep.

    ``model`` an ``SRN``; ``x``, ``y`` a minibatch; ``dW_rec`` the proposed update of W_rec,
    shape (K, K) or (M, K, K); ``h`` the horizon, 1 ≤ h < T (h = T − 1 in training).
    Returns a float, or a tensor (M,) for an M-network SRN.
    """
    return ds_and_q(model, x, y, dW_rec, h, lengths, reduction=reduction).ds


def ds_and_q(model, x, y, dW_rec, h: int, lengths=None, *, reduction: str = "sum",
             dtype=torch.float64) -> Sweep:
    """dS and the Q-factor (25) from the same sweep; the sweep runs in ``dtype`` (float64).

    Q = log10 mean_b ‖δ_b(k)‖ − log10 mean_b ‖δ_b(k−h)‖ (equals ``bptt.q_factor``); a zero norm
    gives Q = ±inf here (training treats it as far outside the safe zone) instead of raising.
    """
    _args.torch_dtype("dtype", dtype)
    dW = _check_dW(dW_rec, _check_model(model).W_rec)
    a, delta_k = last_step_delta(model, x, y, lengths, reduction=reduction)
    h = _check_h(h, a.shape[-2], lengths)
    return _sweep_q_ds(model.W_rec, a, delta_k, dW, h, model.f_prime, dtype=dtype)


def sweep_q_ds(W_rec, a, delta_k, dW_rec, h: int, f_prime, *, dtype=torch.float64) -> Sweep:
    """``Sweep(ds, q, norm_k, norm_kh)`` from the states of a forward pass already done (the
    arguments as ``sweep``'s; ``dtype`` the sweep's precision)."""
    h = _check_sweep(W_rec, a, delta_k, dW_rec, h, f_prime)
    _args.torch_dtype("dtype", dtype)
    return _sweep_q_ds(W_rec, a, delta_k, dW_rec, h, f_prime, dtype=dtype)


def _sweep_q_ds(W_rec, a, delta_k, dW_rec, h, f_prime, *, dtype=torch.float64) -> Sweep:
    """``sweep_q_ds`` without its argument checks: what ``ds_train.train`` calls every update."""
    with torch.no_grad():
        W = W_rec.detach().to(dtype)
        d_kh, dd_kh = _sweep(W, a.to(dtype), delta_k.to(dtype), dW_rec.detach().to(dtype), h, f_prime)
        dS = 2 * (d_kh * dd_kh).sum(dim=(-2, -1))  # Σ over examples and units
        nk, nkh = delta_k.to(dtype).norm(dim=-1).mean(-1), d_kh.norm(dim=-1).mean(-1)
        q = torch.log10(nk) - torch.log10(nkh)
    return Sweep(*(_out(t) for t in (dS, q, nk, nkh)))


def last_step_delta(model, x, y, lengths=None, *, reduction: str = "sum"):
    """``(a, delta_k)``: pre-activations (…, B, T, K), detached, and δ(k) = ∂E/∂a(k) (…, B, K).

    δ(k) comes from one ordinary backward from E to the last step's a(k) (no double backward).
    ``reduction="mean"`` divides E by the minibatch size (the paper sums; SOURCES.md §1.3, §1.6).
    """
    _args.choice("reduction", reduction, ("sum", "mean"))
    _check_model(model)
    with torch.enable_grad():
        out, a_steps, _ = model.unroll(x, lengths)
        E = _srn.loss(model, out, y)
        if reduction == "mean":
            E = E / out.shape[-2]
        (delta_k,) = torch.autograd.grad(E.sum(), a_steps[-1])
    return torch.stack([s.detach() for s in a_steps], dim=-2), delta_k.detach()


# ---- for teaching and testing: the same number two other ways ---------------------------------
def s_fixed_d(model, x, y, W_rec, h: int, lengths=None, *, reduction: str = "sum"):
    """S(W_rec) = Σ_examples ‖δ(k−h)‖² with D and δ(k) taken at the model's own W_rec (eq. (21))."""
    _check_W(W_rec, _check_model(model))
    return _s_fixed_d(model, x, y, W_rec, h, lengths, reduction=reduction)


def _s_fixed_d(model, x, y, W_rec, h, lengths=None, *, reduction="sum"):
    a, delta_k = last_step_delta(model, x, y, lengths, reduction=reduction)
    _check_h(h, a.shape[-2], lengths)
    W = W_rec.to(a.dtype)
    delta = delta_k
    for n in range(a.shape[-2] - 1, a.shape[-2] - 1 - h, -1):
        delta = (delta @ W.transpose(-1, -2)) * model.f_prime(a[..., n - 1, :])
    return (delta**2).sum(dim=(-2, -1))


def s_full(model, x, y, W_rec, h: int, lengths=None, *, reduction: str = "sum"):
    """S(W_rec) = Σ_examples ‖δ(k−h)‖² with EVERYTHING recomputed at ``W_rec`` (D, δ(k), forward).

    δ(k−h) by autograd (``create_graph`` so it can be differentiated again); differentiable in W_rec.
    """
    _check_W(W_rec, _check_model(model))
    return _s_full(model, x, y, W_rec, h, lengths, reduction=reduction)


def _s_full(model, x, y, W_rec, h, lengths=None, *, reduction="sum"):
    _args.choice("reduction", reduction, ("sum", "mean"))
    with torch.enable_grad():
        out, a_steps, _ = _unroll_with(model, W_rec, x, lengths)
        _check_h(h, len(a_steps), lengths)
        E = _srn.loss(model, out, y)
        if reduction == "mean":
            E = E / out.shape[-2]
        (d_kh,) = torch.autograd.grad(E.sum(), a_steps[-1 - h], create_graph=True)
    return (d_kh**2).sum(dim=(-2, -1))


def ds_exact(model, x, y, dW_rec, h: int, lengths=None, *, reduction: str = "sum"):
    """The exact directional derivative of S = Σ‖δ(k−h)‖² along dW_rec, D and δ(k) varying.

    By forward-over-reverse: forward-mode AD (dual numbers, ``torch.autograd.forward_ad``) through
    a function that backpropagates with autograd.
    Compare its sign with ``ds``: the theorem's condition is first order with D held fixed.
    """
    import torch.autograd.forward_ad as fwAD

    dW = _check_dW(dW_rec, _check_model(model).W_rec)
    W0 = model.W_rec.detach().clone().requires_grad_(True)  # in the graph, so autograd reaches a(k−h)
    with warnings.catch_warnings(), fwAD.dual_level():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch loads its jvp rules via torch.jit once
        S = _s_full(model, x, y, fwAD.make_dual(W0, dW.to(W0)), h, lengths, reduction=reduction)
        tangent = fwAD.unpack_dual(S).tangent
    return _out(tangent.detach())


def ds_finite_difference(model, x, y, dW_rec, h: int, lengths=None, *, eps: float = 1e-6,
                         d_fixed: bool = True, reduction: str = "sum"):
    """(S(W + ε dW) − S(W − ε dW)) / 2ε; ``d_fixed=True`` keeps D and δ(k) (equals ``ds``)."""
    dW = _check_dW(dW_rec, _check_model(model).W_rec)
    eps, d_fixed = _args.real("eps", eps, 0, 1, lo_open=True), _args.boolean("d_fixed", d_fixed)  # a small step
    S = _s_fixed_d if d_fixed else _s_full
    W0 = model.W_rec.detach()
    with torch.no_grad() if d_fixed else torch.enable_grad():
        plus = S(model, x, y, W0 + eps * dW, h, lengths, reduction=reduction)
        minus = S(model, x, y, W0 - eps * dW, h, lengths, reduction=reduction)
    fd = ((plus - minus) / (2 * eps)).detach()
    if not bool(torch.isfinite(fd).all()):
        raise ValueError(f"eps = {eps:g} is too large for this network: S(W ± eps·dW) overflowed; take a smaller eps")
    return _out(fd)


# ---- the algorithm's decision -------------------------------------------------------------------
class Factor(NamedTuple):
    """Notebook 03's eq. sat-rate for a recurrent step: c ≈ g·√E[f′(a)²] (floats or (M,))."""
    gain: torch.Tensor | float        # g = ‖W_rec‖_F / √K, the RMS gain of W_rec (σ√K for N(0, σ²) entries)
    rms_fprime: torch.Tensor | float  # √E[f′(a)²] over the examples, steps and units of the forward pass
    c: torch.Tensor | float           # their product: the factor each step back multiplies ‖δ‖ by, roughly


def step_factor(model, x, lengths=None) -> Factor:
    """The per-step factor c = g·RMS f′ of the SRN ``model`` on the inputs ``x`` (one or M networks).

    Each step back multiplies δ by W_recᵀ and by f′(a) (eq. 6); for a random direction that scales
    its norm by about g·RMS f′. So over h steps ‖δ‖ changes by about c^h, and the Q-factor (25)
    is predicted as Q ≈ −h·log10(c): c < 1 vanishes (Q > 0), c > 1 explodes (Q < 0). A rough,
    random-direction prediction: it ignores the alignment of δ with W_rec's singular vectors.
    """
    _check_model(model)
    if not isinstance(x, torch.Tensor) or x.ndim != 3:
        raise ValueError(f"x must be a tensor (B, T, n_in), got {getattr(x, 'shape', type(x).__name__)}")
    with torch.no_grad():
        _, a, _ = model(x.to(model.W_rec.dtype), lengths, return_states=True)  # (…, B, T, K)
        K = model.W_rec.shape[-1]
        gain = model.W_rec.double().pow(2).sum((-2, -1)).sqrt() / K**0.5
        rms = model.f_prime(a).double().pow(2).mean((-3, -2, -1)).sqrt()
    return Factor(_out(gain), _out(rms), _out(gain * rms))


def accept(q, ds, q_min: float = -1.0, q_max: float = 1.0, ds_max: float = 1.0, rule: str = "corrected"):
    """Apply the minibatch's update or skip it: the rule of SOURCES.md §1.3, §1.6, elementwise.

    1. |dS| > ds_max: skip;  2. q_min ≤ Q ≤ q_max: apply;
    3. ``rule="corrected"``: Q > q_max (vanishing): apply iff dS > 0; Q < q_min (exploding): iff dS < 0.
       ``rule="as_printed"``: the paper's printed step 4, whose signs are the opposite of its prose's
       (they fit only a dS of the raw gradient dw = ∂E/∂w; SOURCES.md §1.5):
       apply iff (Q < q_min and dS > 0) or (Q > q_max and dS < 0).
    A NaN in q or ds skips. Floats in → bool; tensors → bool tensor; arrays → numpy bool array.
    """
    _args.choice("rule", rule, RULES)
    q_min, q_max, ds_max = _args.real("q_min", q_min), _args.real("q_max", q_max), _args.real("ds_max", ds_max)
    if not ds_max > 0:
        raise ValueError(f"ds_max must be > 0, got {ds_max}")
    if not q_min <= q_max:
        raise ValueError(f"need q_min <= q_max, got q_min={q_min}, q_max={q_max}")
    return _accept(q, ds, q_min, q_max, ds_max, rule)


def _accept(q, ds, q_min, q_max, ds_max, rule):
    """``accept`` without its checks of q_min, q_max, ds_max and rule (taken from a checked ``Config``):
    what the training loops call every update."""
    tensor = isinstance(q, torch.Tensor) or isinstance(ds, torch.Tensor)
    qt, dst = _as_float64("q", q), _as_float64("ds", ds)
    try:
        torch.broadcast_shapes(qt.shape, dst.shape)
    except RuntimeError:
        raise ValueError(f"q and ds must have the same shape (one value per network), got "
                         f"{tuple(qt.shape)} and {tuple(dst.shape)}") from None
    inside = (qt >= q_min) & (qt <= q_max)
    vanishing, exploding = qt > q_max, qt < q_min
    if rule == "corrected":
        toward = (vanishing & (dst > 0)) | (exploding & (dst < 0))
    else:
        toward = (exploding & (dst > 0)) | (vanishing & (dst < 0))
    ok = (dst.abs() <= ds_max) & (inside | toward)  # NaN fails every comparison: skipped
    if tensor:
        return ok
    return bool(ok) if ok.ndim == 0 else ok.numpy()  # numpy arrays in → numpy bool array out


# ---- internals ------------------------------------------------------------------------------------
def _as_float64(name, v) -> torch.Tensor:
    try:
        return torch.as_tensor(v, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a number, a tensor or an array of numbers, got {type(v).__name__}") from None


def _unroll_with(model, W_rec, x, lengths):
    """``model.unroll`` with W_rec swapped for a tensor (for ``s_full``), restored after."""
    saved = model._parameters["W_rec"]
    model._parameters["W_rec"] = W_rec  # same slot, so the parameter order is kept
    try:
        return model.unroll(x, lengths)
    finally:
        model._parameters["W_rec"] = saved


def _check_h(h, T, lengths) -> int:
    if not _args.is_int(h):
        raise TypeError(f"h must be an int, got {type(h).__name__}")
    shortest = T if lengths is None else int(torch.as_tensor(lengths).min())
    if not 1 <= h < shortest:
        raise ValueError(f"h must be in [1, {shortest - 1}] (below the shortest sequence length "
                         f"{shortest}), got {h}")
    return int(h)


def _check_model(model):
    return _checked.srn_model("model", model)


def _check_W(W_rec, model):
    """A finite W_rec shaped like the model's (for ``s_fixed_d``/``s_full``)."""
    _checked.tensor("W_rec", W_rec, shape=tuple(model.W_rec.shape))
    return W_rec


def _check_sweep(W_rec, a, delta_k, dW_rec, h, f_prime) -> int:
    """The sweep's arguments (finite float tensors of matching shapes, 1 ≤ h < T, f′ a function) -> h."""
    a = _checked.tensor("a", a, min_dim=3)  # (…, B, T, K)
    K, lead = a.shape[-1], tuple(a.shape[:-3])
    by_a = f"(its shape follows a, of shape {tuple(a.shape)} = (…, B, T, K))"  # a mismatch may be a's fault
    _checked.tensor(f"W_rec {by_a}", W_rec, shape=lead + (K, K))
    _checked.tensor(f"dW_rec {by_a}", dW_rec, shape=lead + (K, K))
    _checked.tensor(f"delta_k {by_a}", delta_k, shape=tuple(a.shape[:-2]) + (K,))
    _checked.function("f_prime", f_prime)
    return _check_h(h, a.shape[-2], None)


def _check_dW(dW_rec, W_rec):
    if not isinstance(dW_rec, torch.Tensor):
        raise TypeError(f"dW_rec must be a tensor shaped like W_rec {tuple(W_rec.shape)}, "
                        f"got {type(dW_rec).__name__}")
    if dW_rec.shape != W_rec.shape:
        raise ValueError(f"dW_rec must have W_rec's shape {tuple(W_rec.shape)}, got {tuple(dW_rec.shape)}")
    if not bool(torch.isfinite(dW_rec).all()):
        raise ValueError("dW_rec contains NaN or Inf: the proposed update must be finite")
    return dW_rec.detach().to(W_rec.device)


def _out(t: torch.Tensor):
    return float(t) if t.ndim == 0 else t
