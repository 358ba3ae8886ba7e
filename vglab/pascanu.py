"""Baselines for dS sampling: Pascanu et al. 2013's regulariser Ω and gradient clipping.

Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks" (ICML 2013,
SOURCES.md §6), eq. (9), in the row form of vglab's SRN, over the steps k = 1…T of a sequence:

    Ω = mean_(k, example) ( ‖ g(k) ∂z(k)/∂z(k−1) ‖² / ‖ g(k) ‖² − 1 )²,   g(k) = dE/dz(k) (total)

with g(k) ∂z(k)/∂z(k−1) = (g(k) ⊙ f′(a(k))) W_recᵀ and z(0) = 0. What the authors' code does
(SOURCES.md §6, pascanur/trainingRNNs RNN.py @3f5df3f, L183-217), restated here as the defaults:

* squared norms; the mean over the (step, example) pairs that count; T terms per sequence, the
  step out of the zero initial state included;
* a pair counts only if ‖g(k)‖² ≥ ``OMEGA_BOUND`` = 1e-20 (their ``state['bound']``); here also
  only on real steps of a left-padded sequence (``lengths``); none counting gives Ω = 0 (theirs:
  0/0 = NaN);
* ∂Ω/∂W_rec with g(k) AND f′(a(k)) held constant: only the explicit W_recᵀ is differentiated
  (``hold="pascanu"``). ``hold="none"`` also differentiates f′(a(k)) through a(k) = … + z(k−1) W_rec
  (z(k−1) held): the lab's earlier reading, kept so that a learner can compare the two;
* clipping: if ‖g‖ > θ then g := g θ/‖g‖ (the lecture, SOURCES.md §3), per network over all its
  parameters, θ = 1; ``nonfinite="pascanu"`` adds the code's rule for a NaN, Inf or > 1e10 norm.
"""
from __future__ import annotations

import torch

from . import _args, _checked

OMEGA_BOUND = 1e-20
"""A (step, example) pair enters Ω only if ‖dE/dz(k)‖² ≥ this (Pascanu's ``bound``, RNN.py L66-67)."""
HOLDS = ("pascanu", "none")
HUGE_NORM = 1e10
"""A gradient norm above this (or NaN, Inf) is not trusted by Pascanu's code (RNN.py L234-237)."""
NONFINITE_SHRINK = 0.02
"""Pascanu's rule for an untrusted norm: W_rec's gradient := 0.02·W_rec, the others 0 (RNN.py L239-243)."""
NONFINITE = ("propagate", "pascanu")


def omega(W_rec, a, z, dz, f_prime, *, lengths=None, bound: float = OMEGA_BOUND, hold: str = "pascanu",
          return_fraction: bool = False):
    """Pascanu's Ω (eq. (9), SOURCES.md §6), differentiable in ``W_rec`` only.

    ``a``, ``z``, ``dz`` (…, B, T, K): pre-activations, states and the total dE/dz(k), all
    detached; ``lengths`` (B,) marks sequence i's first T − lengths[i] steps as padding (never
    counted). ``bound``: the least ‖dE/dz(k)‖² that counts. ``hold``: ``"pascanu"`` (g and
    f′(a) constant, as the authors' code) or ``"none"`` (f′(a(k)) differentiated too).
    Returns a scalar per network, shape () or (M,); with ``return_fraction`` also the fraction of
    real (step, example) pairs that counted (Pascanu's printed "steps in the past").
    A NaN in ``dz`` marks a step that does not count; ``W_rec``, ``a`` and ``z`` must be finite.
    """
    _args.choice("hold", hold, HOLDS)
    bound = _args.real("bound", bound, 0)
    _checked.tensor("a", a, min_dim=3)
    by_a = f"(its shape follows a, of shape {tuple(a.shape)} = (…, B, T, K))"  # a mismatch may be a's fault
    for name, t in (("z", z), ("dz", dz)):
        _checked.tensor(f"{name} {by_a}", t, shape=tuple(a.shape), finite=name == "z")
    K, lead = a.shape[-1], tuple(a.shape[:-3])
    _checked.tensor(f"W_rec {by_a}", W_rec, shape=lead + (K, K))
    _checked.function("f_prime", f_prime)
    _args.boolean("return_fraction", return_fraction)
    return _omega(W_rec, a, z, dz, f_prime, lengths=lengths, bound=bound, hold=hold,
                  return_fraction=return_fraction)


def _omega(W_rec, a, z, dz, f_prime, *, lengths=None, bound=OMEGA_BOUND, hold="pascanu", return_fraction=False):
    """``omega`` without its argument checks: what ``ds_train`` calls every update."""
    W = W_rec if W_rec.ndim == 2 else W_rec[:, None]  # (…, 1, K, K) to broadcast over B
    den = (dz**2).sum(-1)  # (…, B, T); NaN fails the test below, so a NaN step never counts
    used = den >= bound
    B, T = a.shape[-3], a.shape[-2]
    if lengths is not None:
        lengths = torch.as_tensor(lengths, device=a.device)
        if lengths.shape != (B,) or lengths.dtype.is_floating_point:
            raise ValueError(f"lengths must be an integer tensor of shape ({B},), got {tuple(lengths.shape)}")
        real = torch.arange(T, device=a.device)[None, :] >= (T - lengths)[:, None]  # (B, T)
    else:
        real = torch.ones(B, T, dtype=torch.bool, device=a.device)
    used = used & real
    g = torch.where(used[..., None], dz, torch.zeros_like(dz))  # unused steps: no NaN into the graph
    if hold == "pascanu":
        fp = f_prime(a).detach()
    else:  # a(k) rebuilt to depend on W_rec through z(k−1) W_rec, its value unchanged; z(0) = 0
        z_prev = torch.cat([torch.zeros_like(z[..., :1, :]), z[..., :-1, :]], dim=-2)
        fp = f_prime(a + z_prev @ W - (z_prev @ W).detach())
    back = (g * fp) @ W.transpose(-1, -2)  # g(k) ∂z(k)/∂z(k−1), (…, B, T, K)
    num = (back**2).sum(-1)
    ratio = num / torch.where(used, den, torch.ones_like(den))
    terms = torch.where(used, (ratio - 1) ** 2, torch.zeros_like(num))
    n_used = used.sum(dim=(-2, -1))
    value = terms.sum(dim=(-2, -1)) / n_used.clamp_min(1)
    if return_fraction:
        return value, n_used.to(value.dtype) / real.sum()
    return value


def clip_by_global_norm(grads: list, threshold: float, networks: bool, *, nonfinite: str = "propagate",
                        W_rec=None, rec_index: int | None = None) -> list:
    """Scale the gradients so that their global L2 norm is at most ``threshold`` (θ > 0).

    ``networks=True``: every tensor has a leading network axis M and each network is clipped on
    its own (its norm over all its parameters). ``nonfinite``: ``"propagate"`` (a NaN or Inf
    stays in the result: the caller stops) or ``"pascanu"``: where a network's norm is NaN, Inf
    or > ``HUGE_NORM``, its W_rec gradient (``grads[rec_index]``) becomes ``NONFINITE_SHRINK``·``W_rec``
    and every other gradient 0, so the step only shrinks W_rec (SOURCES.md §6, RNN.py L219-243).
    A negative or zero θ (it would flip or kill the gradient) is refused.
    """
    threshold = _args.positive_real("threshold", threshold)
    networks = _args.boolean("networks", networks)
    _args.choice("nonfinite", nonfinite, NONFINITE)
    if not isinstance(grads, (list, tuple)) or not grads:
        raise TypeError(f"grads must be a non-empty list of gradient tensors, got {type(grads).__name__} "
                        f"{grads!r:.60}")
    for i, g in enumerate(grads):
        _checked.tensor(f"grads[{i}]", g, finite=False, min_dim=1 if networks else 0)
        if networks and g.shape[0] != grads[0].shape[0]:
            raise ValueError(f"grads: with networks=True every tensor needs the same leading network axis M, "
                             f"got {tuple(grads[0].shape)} and {tuple(g.shape)}")
    if nonfinite == "pascanu" and (not isinstance(W_rec, torch.Tensor) or not _args.is_int(rec_index)
                                   or not 0 <= rec_index < len(grads) or W_rec.shape != grads[rec_index].shape):
        raise ValueError("nonfinite='pascanu' needs W_rec (shaped like grads[rec_index]) and rec_index, "
                         "the position of W_rec's gradient in grads")
    return _clip(grads, threshold, networks, nonfinite=nonfinite, W_rec=W_rec, rec_index=rec_index)


def _clip(grads, threshold, networks, *, nonfinite="propagate", W_rec=None, rec_index=None) -> list:
    """``clip_by_global_norm`` without its argument checks: what the training loops call every update."""
    if networks:
        sq = sum((g.reshape(g.shape[0], -1) ** 2).sum(-1) for g in grads)  # (M,)
    else:
        sq = sum((g**2).sum() for g in grads)
    norm = sq.sqrt()
    scale = torch.clamp(threshold / (norm + 1e-12), max=1.0)
    out = [g * _per(scale, g) for g in grads]
    if nonfinite == "propagate":
        return out
    bad = ~torch.isfinite(norm) | (norm > HUGE_NORM)
    out = [torch.where(_per(bad, g), torch.zeros_like(g), g) for g in out]
    out[rec_index] = torch.where(_per(bad, W_rec), NONFINITE_SHRINK * W_rec.detach().to(out[rec_index]),
                                 out[rec_index])
    return out


def smart_tanh_(model, generator: torch.Generator | None = None, *, nonzero: int = 15, radius: float = 0.95):
    """Pascanu's default initialisation ``smart_tanh``, in place (SOURCES.md §6, RNN.py L125-138).

    W_in, W_out ~ N(0, 0.01²); W_rec ~ N(0, 0.01²) with all but ``nonzero`` random entries of each
    row set to 0, then scaled to spectral radius ``radius``; biases 0. Returns ``model``.
    """
    _checked.srn_model("model", model, finite=False)  # its weights are all overwritten
    _checked.generator("generator", generator)
    nonzero, radius = _args.integer("nonzero", nonzero, lo=1), _args.positive_real("radius", radius)
    gdev = torch.device("cpu") if generator is None else generator.device
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        for name in ("W_in", "W_out", "W_rec"):
            p = getattr(model, name)
            p.copy_((0.01 * torch.randn(p.shape, generator=generator, device=gdev, dtype=torch.float64)).to(p))
        W = model.W_rec.detach().to("cpu", torch.float64)
        K = W.shape[-1]
        keep = torch.rand(W.shape, generator=generator, device=gdev).to("cpu").argsort(-1) < min(nonzero, K)
        W = W * keep  # each row keeps `nonzero` entries chosen at random
        rho = torch.linalg.eigvals(W).abs().amax(-1)
        model.W_rec.copy_((radius * W / rho[..., None, None]).to(model.W_rec))
    return model


def _per(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Broadcast a per-network (M,) or scalar ``v`` over ``like``'s trailing axes."""
    return v.reshape(v.shape + (1,) * (like.ndim - v.ndim))
