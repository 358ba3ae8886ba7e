"""The math of one engine step, batched over M networks, time-major, without autograd.

``Engine._step`` (``vglab.engine.core``) composes these into one training update (and captures it);
each piece is the paper's equation written for speed, and the engine's tests compare the whole
update with ``vglab.ds_train`` (autograd) in float64. Shapes: G tasks × m networks each = M,
B minibatch, L steps, K hidden units, C input channels, O outputs; states time-major (L, M, B, K)
so that the slice of a step is contiguous; the backward's δ also network-major (M, L, B, K), so that
the weight gradients and the dS sweep's δ(n)·dW_recᵀ are ONE batched matmul each (a broadcast
matmul over the time-major layout materialised h copies of dW_rec: 14× slower at T = 100).

The Q-factor (25) never becomes inf or NaN here (``q_factor``): a minibatch-mean norm below
``finfo(dtype).tiny`` (float32: 1.2e-38, float64: 2.2e-308) counts as that value, so a vanished
‖δ(k−h)‖ gives a large finite Q (float32: at most log10‖δ(k)‖ + 37.9) — "vanishing", and its dS is 0,
so the corrected rule skips the update (it needs dS > 0) and training goes on. Norms and dS are
summed in float64 whatever the sweep's dtype (a float32 sum of squares underflows near 1e-19).
"""
from __future__ import annotations

import torch


def buffer(ws, name: str, shape, like):
    """A work tensor of ``shape`` like ``like``: from the workspace dict ``ws`` (kept between steps), or new.

    The CPU engine passes a workspace: at T = 100 the step's (L, M, B, K) tensors are 32-35 MB, at or
    above glibc's 32 MB ceiling for keeping freed blocks, so fresh ones were mmapped and page-faulted
    every step (~10 of them: the forward and backward took 2-4× their matmuls). CUDA passes None (its
    caching allocator, and a captured graph, already reuse memory).
    """
    if ws is None:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    t = ws.get(name)
    if t is None or t.shape != torch.Size(shape) or t.dtype != like.dtype:
        t = ws[name] = torch.empty(shape, dtype=like.dtype, device=like.device)
    return t


def forward(x, lengths, p: dict, m: int, activation: str = "tanh", ws=None):
    """Paper eq. (1)-(2) for all steps: ``(A, Z, mask)``; A, Z (L, M, B, K) pre-activations and states.

    u(k)·W_in + b for every step is one matmul before the loop, the bias riding as an input channel
    that is 1 once a sequence has started (``lengths`` (G, B) or None: sequences are left-padded,
    and a padded step gets a = 0 exactly, so z stays 0 until the sequence starts — SOURCES.md §1.4, §1.6: the same
    as starting later); the loop adds z(k−1)·W_rec in place (``baddbmm_``) and applies f with
    ``out=`` (``activate``). ``mask`` (G, B, L) or None.
    """
    G, B, L, C = x.shape
    M, K = p["W_rec"].shape[0], p["W_rec"].shape[-1]
    mask = None if lengths is None else start_mask(lengths, L, x.dtype)  # (G, B, L)
    one = x.new_ones(G, B, L) if mask is None else mask
    xa = torch.cat([x, one[..., None]], dim=-1).transpose(1, 2).reshape(G, L * B, C + 1)
    Wa = torch.cat([p["W_in"], p["b"][:, None]], dim=1).view(G, m, C + 1, K).transpose(1, 2)
    XW = torch.bmm(xa, Wa.reshape(G, C + 1, m * K), out=buffer(ws, "XW", (G, L * B, m * K), x))
    A = buffer(ws, "A", (L, M, B, K), x)
    A.view(L, G, m, B, K).copy_(XW.view(G, L, B, m, K).permute(1, 0, 3, 2, 4))  # (g, n, b, i, k) → (n, g, i, b, k)
    Z = buffer(ws, "Z", (L, M, B, K), x)
    activate(A[0], Z[0], activation)  # z(0) = 0: a(1) = u(1) W_in + b
    for t in range(1, L):
        A[t].baddbmm_(Z[t - 1], p["W_rec"])  # (1): a += z(k−1) W_rec
        activate(A[t], Z[t], activation)  # (2)
    return A, Z, mask


def activate(a, out, activation: str = "tanh"):
    """f(a) into ``out`` (which may be ``a``): eq. (2). On the CPU in float32, tanh as 2σ(2a) − 1.

    torch's CPU tanh costs 2.6 ns an element, sigmoid 0.4: the identity is 3-4× faster per step
    (the forward's and validation's f was ~20 % of a Table-1 step). Its error is ≤ 1.8e-7 absolute
    (torch.tanh: 3e-8) — float32 rounding of z; float64 and CUDA keep torch.tanh (float64: bit for
    bit the reference's).
    """
    if activation != "tanh":
        return torch.sigmoid(a, out=out)
    if a.dtype != torch.float32 or a.device.type != "cpu":
        return torch.tanh(a, out=out)
    torch.mul(a, 2, out=out)
    return torch.sigmoid(out, out=out).mul_(2).sub_(1)


def start_mask(lengths, L: int, dtype):
    """1 where a left-padded sequence has started (step t ≥ L − length), else 0: (..., L) in ``dtype``."""
    return (torch.arange(L, device=lengths.device) >= (L - lengths)[..., None]).to(dtype)


def per_network(v, like):
    """A per-network (M,) vector shaped to broadcast over ``like`` (M, ...)."""
    return v.view((-1,) + (1,) * (like.ndim - 1))


def last_output(x, lengths, p: dict, m: int, activation: str = "tanh"):
    """The output (M, N, O) at the last step on a fixed set, eq. (1)-(3) as ``SRN.forward``.

    One state at a time, none kept (for validation and test sets, without the step's A, Z);
    ``x`` (G, N, L, C), ``lengths`` (G, N): a padded step has a = z = 0 (SOURCES.md §1.4, §1.6). Each step is ONE
    matmul [u(k), 1, z(k−1)]·[W_in; b; W_rec] (the 1 only once a sequence has started, so a padded
    step gets a = 0 exactly) and f, written straight into the z columns of the next step's rows.
    """
    G, N, L, C = x.shape
    M, K = p["W_rec"].shape[0], p["W_rec"].shape[-1]
    xa = torch.cat([x, start_mask(lengths, L, x.dtype)[..., None]], dim=-1)  # (G, N, L, C+1)
    Wa = torch.cat([p["W_in"], p["b"][:, None], p["W_rec"]], dim=1)  # (M, C+1+K, K)
    H = x.new_zeros(G, m, N, C + 1 + K)  # rows [u(k), 1, z(k−1)], z(0) = 0
    Hm = H.view(M, N, C + 1 + K)
    a = x.new_empty(M, N, K)
    for t in range(L):
        H[..., :C + 1] = xa[:, None, :, t]  # the task's inputs, the same for its m networks
        torch.bmm(Hm, Wa, out=a)  # (1)
        activate(a, Hm[..., C + 1:], activation)  # (2): z(k) into the next step's rows
    return torch.baddbmm(p["b_out"][:, None], Hm[..., C + 1:], p["W_out"])  # (3) before the output non-linearity


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


def backward(Z, e, W_out, W_rec, activation: str, mask, m: int, ws=None):
    """BPTT by hand, paper eq. (6): ``(Dn, delta_k, FP)``.

    δ(L−1) = (e W_outᵀ) ⊙ f′(a(L−1)), then δ(n−1) = (δ(n) W_recᵀ) ⊙ f′(a(n−1)), two kernels per step
    (time-major), f′ from the states: FP (L, M, B, K) = 1 − z² for tanh (bit for bit
    ``srn``'s 1 − tanh(a)², returned for the dS sweep). ``Dn`` (M, L, B, K) = δ(n) = ∂E/∂a(n)
    network-major, masked in the same pass (only padded steps differ; they feed nothing).
    ``delta_k`` = δ at the last step, unmasked.
    """
    L, M, B, K = Z.shape
    FP = torch.mul(Z, Z, out=buffer(ws, "FP", Z.shape, Z))  # f′(a) from z = f(a)
    FP.neg_().add_(1) if activation == "tanh" else torch.sub(Z, FP, out=FP)  # 1 − z², or z − z² = z(1 − z)
    D = buffer(ws, "D", Z.shape, Z)
    torch.mul(e @ W_out.transpose(1, 2), FP[L - 1], out=D[L - 1])
    Wt = W_rec.transpose(1, 2)
    for n in range(L - 1, 0, -1):
        torch.bmm(D[n], Wt, out=D[n - 1])
        D[n - 1].mul_(FP[n - 1])
    Dn = buffer(ws, "Dn", (M, L, B, K), Z)
    if mask is None:
        Dn.copy_(D.permute(1, 0, 2, 3))
    else:
        G = mask.shape[0]
        mk = mask.permute(0, 2, 1)[:, None, :, :, None].expand(G, m, L, B, 1).reshape(M, L, B, 1)
        torch.mul(D.permute(1, 0, 2, 3), mk, out=Dn)
    return Dn, D[L - 1], FP


def weight_grads(x, Z, Dn, e, m: int, ws=None) -> dict:
    """∂E/∂w for every parameter, eq. (4): sums over the steps and the minibatch, (M, …) each.

    ∂E/∂W_in = Σ u(n)ᵀ δ(n), ∂E/∂W_rec = Σ z(n−1)ᵀ δ(n) (z(0) = 0), ∂E/∂b = Σ δ(n),
    ∂E/∂W_out = z(L−1)ᵀ e, ∂E/∂b_out = Σ e. ``Dn`` network-major (M, L, B, K): W_rec's sum over
    (n, b) is one (K, (L−1)·B) × ((L−1)·B, K) matmul per network.
    """
    M, L, B, K = Dn.shape
    G, C = x.shape[0], x.shape[-1]
    Zn = buffer(ws, "Zn", (M, L - 1, B, K), Z)
    Zn.copy_(Z[:-1].permute(1, 0, 2, 3))  # one copy, network-major
    Zn = Zn.view(M, (L - 1) * B, K)
    xt = x.permute(0, 2, 1, 3).reshape(G, 1, L * B, C)  # (g, n·b, c), the order of Dn's rows
    return {"W_in": torch.matmul(xt.transpose(-1, -2), Dn.view(G, m, L * B, K)).reshape(M, C, K),
            "W_rec": torch.bmm(Zn.transpose(1, 2), Dn[:, 1:].reshape(M, (L - 1) * B, K)),
            "b": Dn.sum(dim=(1, 2)),
            "W_out": Z[L - 1].transpose(1, 2) @ e,
            "b_out": e.sum(dim=1)}


def q_factor(norm_k, norm_kh):
    """Q (25) from the minibatch-mean norms ‖δ(k)‖, ‖δ(k−h)‖ (M,), float64, never inf/NaN on a 0 norm.

    A norm below ``finfo(dtype).tiny`` counts as ``tiny``: a vanished ‖δ(k−h)‖ reads as strongly
    vanishing (float32: Q ≤ log10‖δ(k)‖ + 37.9), both vanished as Q = 0. Equal to
    ``ds_sampling``'s log10‖δ(k)‖ − log10‖δ(k−h)‖ whenever both norms are normal numbers.
    """
    tiny = torch.finfo(norm_k.dtype).tiny
    return (torch.log10(norm_k.clamp_min(tiny)) - torch.log10(norm_kh.clamp_min(tiny))).double()


def _norm(d):
    """Minibatch-mean Euclidean norm (M,) of δ (M, B, K), in float64 (no underflow of the squares)."""
    return d.double().norm(dim=-1).mean(-1)


def _f_prime(A, FP, k: int, h: int, f_prime, dtype):
    """f′(a(n)) for n = k−h … k−1, (h, M, B, K) in ``dtype``: the backward's FP when it has that dtype."""
    if FP is not None and FP.dtype == dtype:
        return FP[k - h:k]
    return f_prime(A[k - h:k].to(dtype))


def sweep(W_rec, dW, A, delta_k, h: int, f_prime, dtype=torch.float64, FP=None):
    """``(dS, Q)`` per network: the forward-mode sweep of SOURCES.md §1.3, §1.6 (= ``ds_sampling.sweep_q_ds``).

    δ(n−1) = (δ(n) W_recᵀ) ⊙ f′(a(n−1)), dδ(n−1) = (dδ(n) W_recᵀ + δ(n) dW_recᵀ) ⊙ f′(a(n−1)),
    dδ(k) = 0, D held fixed; dS = 2 Σ ⟨δ(k−h), dδ(k−h)⟩ (22), Q (25) from the minibatch-mean norms,
    in ``dtype`` (float64, as the reference), f′ from a in that dtype (or the backward's ``FP``).
    On CUDA the row [δ, dδ] times the block matrix [[W_recᵀ, dW_recᵀ], [0, W_recᵀ]]: one matmul and
    one product per step (launch-bound); on the CPU three K×K matmuls (the 2K×2K block is 4× the
    arithmetic of a K×K one and fell out of cache: 8× its time).
    """
    dtype = dtype or A.dtype
    L, M, B, K = A.shape
    k = L - 1
    Dm = _f_prime(A, FP, k, h, f_prime, dtype)  # f′(a(n)), n = k−h … k−1: (h, M, B, K)
    Wt, dWt = W_rec.to(dtype).transpose(1, 2), dW.to(dtype).transpose(1, 2)
    dk = delta_k.to(dtype)
    if A.device.type == "cuda":
        BM = torch.cat([torch.cat([Wt, dWt], dim=2), torch.cat([torch.zeros_like(Wt), Wt], dim=2)], dim=1)
        s = torch.cat([dk, torch.zeros_like(dk)], dim=-1)  # [δ(k), dδ(k) = 0], (M, B, 2K)
        for j in range(h - 1, -1, -1):  # [δ, dδ] ⊙ [f′, f′] as a (M, B, 2, K) view: no copy
            s = torch.bmm(s, BM).view(M, B, 2, K).mul_(Dm[j][:, :, None]).view(M, B, 2 * K)
        d_kh, dd_kh = s[..., :K], s[..., K:]
    else:
        d_kh, dd_kh = dk, torch.zeros_like(dk)
        for j in range(h - 1, -1, -1):
            dd_kh = torch.bmm(dd_kh, Wt).baddbmm_(d_kh, dWt).mul_(Dm[j])
            d_kh = torch.bmm(d_kh, Wt).mul_(Dm[j])
    ds = 2 * (d_kh.double() * dd_kh.double()).sum(dim=(-2, -1))
    return ds, q_factor(_norm(dk), _norm(d_kh))


def sweep_reuse(W_rec, dW, A, Dn, h: int, f_prime, dtype=torch.float64, FP=None, ws=None):
    """The same ``(dS, Q)`` from the δ(n) the backward pass already has (``Dn``, network-major).

    dδ(n−1) = (dδ(n) W_recᵀ + R(n)) ⊙ f′(a(n−1)), R(n) = δ(n) dW_recᵀ for all n in ONE batched
    matmul before the loop; then one ``baddbmm`` and one product per step — a quarter of the block
    sweep's arithmetic. Equal to ``sweep`` up to the precision of the backward's δ (the model's
    dtype; float32: ~1e-7 relative).
    """
    dtype = dtype or A.dtype
    L, M, B, K = A.shape
    k = L - 1
    Dm = _f_prime(A, FP, k, h, f_prime, dtype)  # f′(a(n−1)) for n = k−h+1 … k: (h, M, B, K)
    Wt, dWt = W_rec.to(dtype).transpose(1, 2), dW.to(dtype).transpose(1, 2)
    delta = Dn[:, k - h:k + 1].to(dtype)  # δ(k−h) … δ(k): (M, h+1, B, K)
    R = torch.bmm(delta[:, 1:].reshape(M, h * B, K), dWt, out=buffer(ws, "R", (M, h * B, K), delta))
    R = R.view(M, h, B, K)  # R(n), index j = n − (k−h+1)
    x = R[:, h - 1] * Dm[h - 1]  # dδ(k−1) = R(k) ⊙ f′(a(k−1)), since dδ(k) = 0
    for j in range(h - 2, -1, -1):  # n = k−1 … k−h+1
        x = torch.baddbmm(R[:, j], x, Wt).mul_(Dm[j])
    ds = 2 * (delta[:, 0].double() * x.double()).sum(dim=(-2, -1))
    return ds, q_factor(_norm(delta[:, h]), _norm(delta[:, 0]))
