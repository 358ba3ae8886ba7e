"""Baselines for dS sampling: Pascanu et al. 2013's regulariser Ω and plain gradient clipping.

SPEC §F ("Related"). Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent
neural networks" (ICML 2013), eq. (9), in the row form of vglab's SRN:

    Ω = mean_k ( ‖ g(k+1) ∂z(k+1)/∂z(k) ‖² / ‖ g(k+1) ‖² − 1 )²,   g(k+1) = ∂E/∂z(k+1)

with g(k+1) ⊙ f′(a(k+1)) W_recᵀ the product, ∂E/∂z(k+1) and z(k) held constant, and only W_rec
regularised (their code squares the norms and averages over the steps, as here; the seed's
eq. (13) restates it garbled). Clipping: if ‖g‖ > θ then g := g θ/‖g‖ (lecture, SPEC §A),
per network over all its parameters, θ = 1 as in Pascanu et al.
"""
from __future__ import annotations

import torch


def omega(W_rec, a, z, dz, f_prime):
    """Pascanu's Ω, differentiable in ``W_rec`` only.

    ``a``, ``z``, ``dz`` (…, B, T, K): pre-activations, states and ∂E/∂z(k), all detached.
    Returns a scalar per network: shape () or (M,). Steps where g(k+1) = 0 (padding) are left out.
    """
    z_prev, a_next, g_next = z[..., :-1, :], a[..., 1:, :], dz[..., 1:, :]  # (…, B, T−1, K)
    W = W_rec if W_rec.ndim == 2 else W_rec[:, None]  # (…, 1, K, K) to broadcast over B
    # a(k+1) recomputed so that its value is unchanged but it depends on W_rec (z(k) held constant)
    a_rec = a_next + z_prev @ W - (z_prev @ W).detach()
    back = (g_next * f_prime(a_rec)) @ W.transpose(-1, -2)  # g(k+1) ∂z(k+1)/∂z(k), (…, B, T−1, K)
    num, den = (back**2).sum(-1), (g_next**2).sum(-1)  # (…, B, T−1)
    used = den > 0
    ratio = torch.where(used, num / den.clamp_min(torch.finfo(den.dtype).tiny), torch.ones_like(num))
    terms = torch.where(used, (ratio - 1) ** 2, torch.zeros_like(num))
    return terms.sum(dim=(-2, -1)) / used.sum(dim=(-2, -1)).clamp_min(1)


def clip_by_global_norm(grads: list, threshold: float, networks: bool) -> list:
    """Scale the gradients so that their global L2 norm is at most ``threshold``.

    ``networks=True``: every tensor has a leading network axis M and each network is clipped on
    its own (its norm over all its parameters).
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    if networks:
        sq = sum((g.reshape(g.shape[0], -1) ** 2).sum(-1) for g in grads)  # (M,)
    else:
        sq = sum((g**2).sum() for g in grads)
    scale = torch.clamp(threshold / (sq.sqrt() + 1e-12), max=1.0)
    return [g * scale.reshape(scale.shape + (1,) * (g.ndim - scale.ndim)) for g in grads]
