"""The math of one engine step, batched over M networks, time-major, without autograd.

``Engine._step`` (``vglab.engine.core``) composes these into one training update (and captures it);
each piece is the paper's equation written for speed, and the engine's tests compare the whole
update with ``vglab.ds_train`` (autograd) in float64. Shapes: G tasks × m networks each = M,
B minibatch, L steps, K hidden units, C input channels, O outputs; states time-major (L, M, B, K)
so that the slice of a step is contiguous.
"""
from __future__ import annotations

import torch


def forward(x, lengths, p: dict, m: int, activation: str = "tanh"):
    """Paper eq. (1)-(2) for all steps: ``(A, Z, mask)``; A, Z (L, M, B, K) pre-activations and states.

    u(k)·W_in + b for every step is one matmul before the loop; the loop adds z(k−1)·W_rec in
    place (``baddbmm_``) and applies f with ``out=`` — two kernels per step. ``lengths`` (G, B)
    or None: sequences are left-padded, and a padded step gets a = 0, so z stays exactly 0 until
    the sequence starts (SPEC §G: the same as starting later). ``mask`` (G, B, L) or None.
    """
    G, B, L, C = x.shape
    M, K = p["W_rec"].shape[0], p["W_rec"].shape[-1]
    xp = (x[:, None] @ p["W_in"].view(G, m, 1, C, K)).view(G, m, B, L, K) + p["b"].view(G, m, 1, 1, K)
    mask = None
    if lengths is not None:
        mask = start_mask(lengths, L, x.dtype)  # (G, B, L)
        xp = xp * mask.view(G, 1, B, L, 1)
    A = xp.permute(3, 0, 1, 2, 4).reshape(L, M, B, K).contiguous()  # (L, M, B, K)
    Z = torch.empty_like(A)
    f = torch.tanh if activation == "tanh" else torch.sigmoid
    f(A[0], out=Z[0])  # z(0) = 0: a(1) = u(1) W_in + b
    for t in range(1, L):
        A[t].baddbmm_(Z[t - 1], p["W_rec"])  # (1): a += z(k−1) W_rec
        f(A[t], out=Z[t])  # (2)
    return A, Z, mask


def start_mask(lengths, L: int, dtype):
    """1 where a left-padded sequence has started (step t ≥ L − length), else 0: (..., L) in ``dtype``."""
    return (torch.arange(L, device=lengths.device) >= (L - lengths)[..., None]).to(dtype)


def per_network(v, like):
    """A per-network (M,) vector shaped to broadcast over ``like`` (M, ...)."""
    return v.view((-1,) + (1,) * (like.ndim - 1))


def last_output(x, lengths, p: dict, m: int, activation: str = "tanh"):
    """The output (M, N, O) at the last step on a fixed set, eq. (1)-(3) as ``SRN.forward``.

    One state at a time, none kept (for validation and test sets, without the step's A, Z);
    ``x`` (G, N, L, C), ``lengths`` (G, N): a padded step has a = z = 0 (SPEC §G).
    """
    G, N, L, _ = x.shape
    M, K = p["W_rec"].shape[0], p["W_rec"].shape[-1]
    mask = start_mask(lengths, L, x.dtype)  # (G, N, L)
    mask = mask[:, None].expand(G, m, N, L).reshape(M, N, L, 1)
    W_in = p["W_in"].view(G, m, -1, K)
    z = x.new_zeros(M, N, K)
    f = torch.tanh if activation == "tanh" else torch.sigmoid
    for t in range(L):
        a = (x[:, None, :, t] @ W_in).reshape(M, N, K) + z @ p["W_rec"] + p["b"][:, None]  # (1)
        z = f(a * mask[:, :, t]) * mask[:, :, t]  # (2)
    return z @ p["W_out"] + p["b_out"][:, None]  # (3) before the output non-linearity


def one_hot(lab, out):
    """one_hot(lab) shaped and typed like ``out``, by comparison (no host sync inside a CUDA graph)."""
    return (torch.arange(out.shape[-1], device=out.device) == lab[..., None]).to(out.dtype)


def nll(out, lab):
    """−Σ_b log softmax(out)[y], summed over the minibatch (``srn.loss``): (M,) from (M, B, O), (M, B)."""
    return -torch.log_softmax(out, dim=-1).gather(-1, lab[..., None])[..., 0].sum(-1)


def loss_and_error(out, lab, val, kind: str, valid=None, is_soft=None):
    """E per network, SUMMED over the minibatch (``srn.loss``), and e = ∂E/∂out, (M,) and (M, B, O).

    Softmax: E = −Σ log softmax(out)[y], e = softmax(out) − onehot(y); linear: E = ½‖out − y‖²,
    e = out − y. ``kind="mixed"`` (tasks fused): ``valid`` (M, 1, O) masks the padded outputs
    (logits −∞, errors 0) and ``is_soft`` (M, 1) picks each network's loss.
    """
    if kind == "softmax":
        return nll(out, lab), torch.softmax(out, dim=-1) - one_hot(lab, out)
    e_l = out - val if valid is None else torch.where(valid, out - val, torch.zeros_like(out))
    E_l = 0.5 * (e_l ** 2).sum(dim=(-2, -1))
    if kind == "linear":
        return E_l, e_l
    logits = torch.where(valid, out, torch.full_like(out, -torch.inf))
    E_s = nll(logits, lab)
    e_s = torch.softmax(logits, dim=-1) - one_hot(lab, out)
    return torch.where(is_soft[:, 0], E_s, E_l), torch.where(is_soft[..., None], e_s, e_l)


def backward(Z, e, W_out, W_rec, activation: str, mask, m: int):
    """BPTT by hand, paper eq. (6): ``(D, delta_k)``, D (L, M, B, K) = δ(k) = ∂E/∂a(k) for every step.

    δ(L−1) = (e W_outᵀ) ⊙ f′(a(L−1)), then δ(n−1) = (δ(n) W_recᵀ) ⊙ f′(a(n−1)), two kernels per step,
    f′ from the states (1 − z² for tanh). δ is masked once at the end: only padded steps differ,
    and they feed nothing (their z and u are 0). ``delta_k`` = δ at the last step, unmasked.
    """
    L, M, B, K = Z.shape
    FP = 1 - Z * Z if activation == "tanh" else Z * (1 - Z)  # f′(a) from z = f(a)
    D = torch.empty_like(Z)
    torch.mul(e @ W_out.transpose(1, 2), FP[L - 1], out=D[L - 1])
    Wt = W_rec.transpose(1, 2)
    for n in range(L - 1, 0, -1):
        torch.bmm(D[n], Wt, out=D[n - 1])
        D[n - 1].mul_(FP[n - 1])
    delta_k = D[L - 1]
    if mask is not None:
        G = mask.shape[0]
        D = D * mask.permute(2, 0, 1)[:, :, None, :, None].expand(L, G, m, B, 1).reshape(L, M, B, 1)
    return D, delta_k


def weight_grads(x, Z, D, e, m: int) -> dict:
    """∂E/∂w for every parameter, eq. (4): sums over the steps and the minibatch, (M, …) each.

    ∂E/∂W_in = Σ u(n)ᵀ δ(n), ∂E/∂W_rec = Σ z(n−1)ᵀ δ(n) (z(0) = 0), ∂E/∂b = Σ δ(n),
    ∂E/∂W_out = z(L−1)ᵀ e, ∂E/∂b_out = Σ e.
    """
    L, M, B, K = D.shape
    G, C = x.shape[0], x.shape[-1]
    return {"W_in": torch.einsum("gblc,lgmbk->gmck", x, D.view(L, G, m, B, K)).reshape(M, C, K),
            "W_rec": torch.einsum("tmbi,tmbj->mij", Z[:-1], D[1:]),
            "b": D.sum(dim=(0, 2)),
            "W_out": Z[L - 1].transpose(1, 2) @ e,
            "b_out": e.sum(dim=1)}


def sweep(W_rec, dW, A, delta_k, h: int, f_prime, dtype=torch.float64):
    """``(dS, Q)`` per network: the forward-mode sweep of SPEC §F (= ``ds_sampling.sweep_q_ds``).

    δ(n−1) = (δ(n) W_recᵀ) ⊙ f′(a(n−1)), dδ(n−1) = (dδ(n) W_recᵀ + δ(n) dW_recᵀ) ⊙ f′(a(n−1)),
    dδ(k) = 0, D held fixed; dS = 2 Σ ⟨δ(k−h), dδ(k−h)⟩ (22), Q (25) from the minibatch-mean norms.
    Carried as one row [δ, dδ] times the block matrix [[W_recᵀ, dW_recᵀ], [0, W_recᵀ]] — one matmul
    and one product per step — in ``dtype`` (float64, as the reference), f′ from a in that dtype.
    """
    dtype = dtype or A.dtype
    L, M, B, K = A.shape
    k = L - 1
    Dm = f_prime(A[k - h:k].to(dtype))[:, :, :, None, :]  # f′(a(n)), n = k−h … k−1: (h, M, B, 1, K)
    Wt, dWt = W_rec.to(dtype).transpose(1, 2), dW.to(dtype).transpose(1, 2)
    BM = torch.cat([torch.cat([Wt, dWt], dim=2), torch.cat([torch.zeros_like(Wt), Wt], dim=2)], dim=1)
    dk = delta_k.to(dtype)
    s = torch.cat([dk, torch.zeros_like(dk)], dim=-1)  # [δ(k), dδ(k) = 0], (M, B, 2K)
    for j in range(h - 1, -1, -1):  # [δ, dδ] ⊙ [f′, f′] as a (M, B, 2, K) view: no copy
        s = torch.bmm(s, BM).view(M, B, 2, K).mul_(Dm[j]).view(M, B, 2 * K)
    d_kh, dd_kh = s[..., :K], s[..., K:]
    ds = 2 * (d_kh * dd_kh).sum(dim=(-2, -1))
    q = torch.log10(dk.norm(dim=-1).mean(-1)) - torch.log10(d_kh.norm(dim=-1).mean(-1))
    return ds.double(), q.double()


def sweep_reuse(W_rec, dW, A, D, h: int, f_prime, dtype=torch.float64):
    """The same ``(dS, Q)`` from the δ(n) the backward pass already has: one K×K matmul per step.

    dδ(n−1) = (dδ(n) W_recᵀ) ⊙ f′(a(n−1)) + R(n), R(n) = (δ(n) dW_recᵀ) ⊙ f′(a(n−1)) for all n in one
    matmul before the loop — a quarter of the block sweep's arithmetic. Equal to ``sweep`` up to the
    precision of the backward's δ (the model's dtype; float32 on a GPU: ~1e-7 relative).
    """
    dtype = dtype or A.dtype
    L, M, B, K = A.shape
    k = L - 1
    Dm = f_prime(A[k - h:k].to(dtype))  # f′(a(n−1)) for n = k−h+1 … k: (h, M, B, K)
    Wt, dWt = W_rec.to(dtype).transpose(1, 2), dW.to(dtype).transpose(1, 2)
    delta = D[k - h:k + 1].to(dtype)  # δ(k−h) … δ(k): (h+1, M, B, K)
    R = (delta[1:] @ dWt) * Dm  # R(n) for n = k−h+1 … k, index j = n − (k−h+1)
    x = R[h - 1]  # dδ(k−1) = R(k), since dδ(k) = 0
    for j in range(h - 2, -1, -1):  # n = k−1 … k−h+1
        x = torch.addcmul(R[j], torch.bmm(x, Wt), Dm[j])
    ds = 2 * (delta[0] * x).sum(dim=(-2, -1))
    q = torch.log10(delta[h].norm(dim=-1).mean(-1)) - torch.log10(delta[0].norm(dim=-1).mean(-1))
    return ds.double(), q.double()
