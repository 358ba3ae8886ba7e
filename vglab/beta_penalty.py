"""The patent's Beta penalty ω, the Beta maximum-likelihood fit, KL to U(0, 1) (SOURCES.md §2, the patent).

patent claim 1, for a squashing layer z with values in (0, 1), d units, a minibatch of N rows:

    ω(θ) = Σ_j [ (1 + (1/N) Σ_i ln z_j^(i))² + (1 + (1/N) Σ_i ln(1 − z_j^(i)))² ]      (claim 1)

Why −1: for z ~ Beta(α, β), E[ln z] = ψ(α) − ψ(α+β) and E[ln(1−z)] = ψ(β) − ψ(α+β); at
Beta(1, 1) = U(0, 1) both equal ψ(1) − ψ(2) = −1. So ω = 0 exactly when the Beta
maximum-likelihood fit of every unit is the uniform distribution. It pins only these two
log-moments: ω = 0 does not make a unit uniform (see ``counterexample``), nor the units
independent -- measure that with ``ks_to_uniform``, ``fraction_saturated``, ``unit_correlation``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import _args, _checked

__all__ = ["beta_penalty", "beta_penalty_from_logits", "fit_beta", "fit_beta_log_moments",
           "kl_to_uniform", "ks_to_uniform", "fraction_saturated", "unit_correlation",
           "mean_abs_correlation", "counterexample", "log_moments", "l2_preactivation",
           "l2_preactivation_batched", "sharded_gradient_gap"]


def _check_layer(z, name: str = "z", *, unit_interval: bool = True, finite: bool = False) -> torch.Tensor:
    """z must be a float tensor of shape (N, d), N >= 2, not NaN, (optionally) inside [0, 1] or finite.

    ``finite=True`` rejects Inf as well, in the same single scan as NaN (one host sync)."""
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (N, d), got {type(z).__name__}")
    if not z.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {z.dtype}")
    if z.dim() != 2:
        raise ValueError(f"{name} must be 2-D of shape (N samples, d units), got shape {tuple(z.shape)}")
    if z.shape[0] < 2 or z.shape[1] < 1:
        raise ValueError(f"{name} needs N >= 2 samples and d >= 1 units, got shape {tuple(z.shape)}")
    if not bool((torch.isfinite(z) if finite else ~torch.isnan(z)).all()):
        if torch.isnan(z).any():
            raise ValueError(f"{name} contains NaN")
        raise ValueError(f"{name} contains Inf; pre-activations must be finite")
    if unit_interval and ((z < 0).any() or (z > 1).any()):
        raise ValueError(f"{name} must lie in [0, 1] (a sigmoid layer; rescale tanh by (1 + tanh) / 2), "
                         f"got values in [{float(z.min()):.3g}, {float(z.max()):.3g}]")
    return z


def _check_eps(eps: float, name: str = "eps") -> float:
    if not _args.is_real(eps) or not 0.0 < eps < 0.5:  # NaN fails the comparison too
        raise (ValueError if _args.is_real(eps) else TypeError)(f"{name} must be in (0, 0.5), got {eps!r:.60}")
    return float(eps)


def log_moments(z: torch.Tensor, eps: float = 1e-6):
    """Per-unit (1/N) Σ_i ln z and (1/N) Σ_i ln(1 − z), z clamped to [eps, 1 − eps]; each (d,)."""
    zc = _check_layer(z).clamp(_check_eps(eps), 1.0 - eps)  # (N, d)
    return torch.log(zc).mean(0), torch.log1p(-zc).mean(0)


def beta_penalty(z: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """ω of patent claim 1 for a layer z of shape (N, d) with values in [0, 1]; a 0-dim tensor.

    ln z needs z away from 0 and 1: z is clamped to [eps, 1 − eps] (SOURCES.md §2), so ω and its
    gradient are finite everywhere, including z ∈ {0, 1} -- where the clamp passes no gradient.
    Prefer ``beta_penalty_from_logits`` when the pre-activations are at hand: it is exact.
    """
    m_log_z, m_log_1mz = log_moments(z, eps)  # (d,), (d,)
    return ((1.0 + m_log_z) ** 2 + (1.0 + m_log_1mz) ** 2).sum()


def beta_penalty_from_logits(a: torch.Tensor) -> torch.Tensor:
    """ω of patent claim 1 for z = σ(a), from the pre-activations a of shape (N, d); exact.

    ln σ(a) = −softplus(−a) and ln(1 − σ(a)) = −softplus(a) (SOURCES.md §2): never infinite, and
    the gradient does not vanish even for the most deeply saturated values (the clamped version
    passes none to values beyond its clamp, z < eps or z > 1 − eps).
    """
    return _omega_from_logits(_check_layer(a, "a", unit_interval=False, finite=True))


def _omega_from_logits(a: torch.Tensor) -> torch.Tensor:
    """``beta_penalty_from_logits`` without its checks (no NaN/Inf scan, no host sync): for training
    loops that have already checked a is finite."""
    m_log_z = -F.softplus(-a).mean(0)  # (d,)
    m_log_1mz = -F.softplus(a).mean(0)  # (d,)
    return ((1.0 + m_log_z) ** 2 + (1.0 + m_log_1mz) ** 2).sum()


def l2_preactivation(a: torch.Tensor) -> torch.Tensor:
    """A control penalty for ω: Σ_j (1/N) Σ_i a_ij² for pre-activations a (N, d); a 0-dim tensor.

    It pulls every pre-activation to 0 (z = σ(0) = 1/2): out of saturation too, but toward a spike
    at 1/2, not toward U(0, 1). Notebook 06 trains with it at a strength matched to ω's.
    """
    return _l2_batched(_check_layer(a, "a", unit_interval=False, finite=True)[None])[0]


def l2_preactivation_batched(a: torch.Tensor) -> torch.Tensor:
    """``l2_preactivation`` of M networks at once: a (M, N, d) → (M,) (training loops: ``_l2_batched``)."""
    return _l2_batched(_checked.tensor("a", a, dims=3))


def _l2_batched(a: torch.Tensor) -> torch.Tensor:
    """``l2_preactivation_batched`` without its checks (no NaN/Inf scan, no host sync)."""
    return a.pow(2).mean(-2).sum(-1)


def sharded_gradient_gap(a: torch.Tensor, n_shards: int) -> float:
    """Claim 2's data parallelism, measured: ‖ḡ − g‖ / ‖g‖ for ω's gradient with respect to a.

    g = ∂ω/∂a on the whole minibatch a (N, d) (pre-activations); ḡ = the average over ``n_shards``
    equal shards of each shard's own ∂ω_k/∂a ("gradient averaging"), placed at its rows. ω squares
    per-batch means, so a shard's gradient uses its own means: ḡ ≠ g unless ``n_shards`` = 1.
    """
    a = _check_layer(a, "a", unit_interval=False, finite=True)
    if isinstance(n_shards, bool) or not isinstance(n_shards, int) or n_shards < 1 or a.shape[0] % n_shards:
        raise ValueError(f"n_shards must be an int >= 1 that divides N = {a.shape[0]}, got {n_shards!r}")
    a = a.detach().double().requires_grad_()
    (g,) = torch.autograd.grad(_omega_from_logits(a), a)
    shards = a.detach().chunk(n_shards)
    parts = []
    for sh in shards:
        sh = sh.requires_grad_()
        parts.append(torch.autograd.grad(_omega_from_logits(sh), sh)[0] / n_shards)
    return float((torch.cat(parts) - g).norm() / g.norm())


@_checked.checked(s1=_checked.rule(_checked.tensor, convert=True, hi=0), s2=_checked.rule(_checked.tensor, convert=True, hi=0),
               max_iter=(_args.size, 1, 10_000), tol=(_args.real, 0), max_param=(_args.real, 1, 1e300))
def fit_beta_log_moments(s1, s2, *, init=None, max_iter: int = 50, tol: float = 1e-10,
                         max_param: float = 1e6):
    """Solve the Beta ML equations ψ(α) − ψ(α+β) = s1, ψ(β) − ψ(α+β) = s2 by Newton (SOURCES.md §2).

    s1, s2: (d,) mean log-moments; init: (α0, β0) start (e.g. the moments estimate).
    The Jacobian [[ψ'(α) − ψ'(α+β), −ψ'(α+β)], [−ψ'(α+β), ψ'(β) − ψ'(α+β)]] is positive
    definite; a step that would leave α or β ≤ 0 is damped (halved toward the current point).
    ``max_param`` caps a near-constant unit, whose MLE does not exist (α, β → ∞).
    Returns (alpha, beta, n_iter) in float64.
    """
    if s1.shape != s2.shape:
        raise ValueError(f"s1 and s2 must have one shape (one pair per unit), got {tuple(s1.shape)} and {tuple(s2.shape)}")
    s1, s2 = s1.to(torch.float64), s2.to(torch.float64)
    a, b = (torch.ones_like(s1), torch.ones_like(s2)) if init is None else \
        (torch.as_tensor(init[0], dtype=torch.float64).clone(), torch.as_tensor(init[1], dtype=torch.float64).clone())
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        ab = a + b
        f1 = torch.digamma(a) - torch.digamma(ab) - s1
        f2 = torch.digamma(b) - torch.digamma(ab) - s2
        t_ab = torch.polygamma(1, ab)
        j11, j22, j12 = torch.polygamma(1, a) - t_ab, torch.polygamma(1, b) - t_ab, -t_ab
        det = j11 * j22 - j12 * j12
        da = (j22 * f1 - j12 * f2) / det  # Newton step J⁻¹ f, solved in closed form for 2x2
        db = (j11 * f2 - j12 * f1) / det
        t = torch.ones_like(a)  # damping: the largest t in {1, 1/2, 1/4, ...} keeping α, β > 0
        for _ in range(60):
            bad = (a - t * da <= 0) | (b - t * db <= 0)
            if not bad.any():
                break
            t = torch.where(bad, t / 2, t)
        a_new = (a - t * da).clamp(1e-300, max_param)
        b_new = (b - t * db).clamp(1e-300, max_param)
        step = torch.maximum((a_new - a).abs() / a, (b_new - b).abs() / b).max()
        a, b = a_new, b_new
        if step < tol:
            break
    return a, b, n_iter


def fit_beta(z: torch.Tensor, eps: float = 1e-6):
    """Per-unit Beta maximum-likelihood fit of a layer z (N, d): ``(alpha, beta)``, each (d,).

    Start from the method of moments, α0 = m c, β0 = (1 − m) c with c = m(1 − m)/v − 1,
    then Newton on the two ML equations (``fit_beta_log_moments``); it converges in under 10
    iterations. z is clamped to [eps, 1 − eps] as in ω, so samples at 0 or 1 are allowed.
    Returned in z's dtype and device.
    """
    zc = _check_layer(z).clamp(_check_eps(eps), 1.0 - eps).detach().to("cpu", torch.float64)
    m, v = zc.mean(0), zc.var(0, unbiased=False)  # (d,)
    c = (m * (1 - m) / v.clamp_min(1e-12) - 1).clamp_min(1e-3)
    s1, s2 = torch.log(zc).mean(0), torch.log1p(-zc).mean(0)
    a, b, _ = fit_beta_log_moments(s1, s2, init=((m * c).clamp_min(1e-3), ((1 - m) * c).clamp_min(1e-3)))
    return a.to(z.device, z.dtype), b.to(z.device, z.dtype)


def kl_to_uniform(alpha, beta) -> torch.Tensor:
    """KL(Beta(α, β) ‖ U(0, 1)) = −H(Beta(α, β)), closed form, elementwise (SOURCES.md §2).

    (α−1)ψ(α) + (β−1)ψ(β) − (α+β−2)ψ(α+β) − ln B(α, β); ≥ 0, and 0 only at α = β = 1.
    """
    try:
        a, b = torch.as_tensor(alpha), torch.as_tensor(beta)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"alpha and beta must be numbers or tensors, got {type(alpha).__name__} and "
                        f"{type(beta).__name__}") from None
    if not a.is_floating_point():
        a = a.double()
    if not b.is_floating_point():
        b = b.to(a.dtype)
    for name, v in (("alpha", a), ("beta", b)):
        if not bool(torch.isfinite(v).all()) or (v <= 0).any():
            raise ValueError(f"alpha and beta must be > 0 (finite, not NaN); {name} has values in "
                             f"[{float(v.min()):.3g}, {float(v.max()):.3g}]")
    try:
        torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ValueError(f"alpha and beta must have the same shape (one pair per unit), got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}") from None
    log_b = torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)
    return ((a - 1) * torch.digamma(a) + (b - 1) * torch.digamma(b)
            - (a + b - 2) * torch.digamma(a + b) - log_b)


# ---- measurement: is the layer really U(0, 1)^d? ---------------------------------------------

def ks_to_uniform(z: torch.Tensor) -> torch.Tensor:
    """Per-unit Kolmogorov-Smirnov distance sup_x |F_N(x) − x| to U(0, 1); shape (d,)."""
    zs = _check_layer(z).detach().double().sort(0).values  # (N, d)
    n = zs.shape[0]
    i = torch.arange(1, n + 1, dtype=torch.float64, device=zs.device)[:, None]  # (N, 1)
    return torch.maximum((i / n - zs).max(0).values, (zs - (i - 1) / n).max(0).values).to(z.dtype)


def fraction_saturated(z: torch.Tensor, tol: float = 0.01) -> torch.Tensor:
    """Per-unit fraction of samples with z < tol or z > 1 − tol (σ′ below ≈ 4 % of its 1/4 peak); (d,)."""
    _check_eps(tol, "tol")
    z = _check_layer(z).detach()
    return ((z < tol) | (z > 1 - tol)).to(z.dtype).mean(0)


def unit_correlation(z: torch.Tensor) -> torch.Tensor:
    """The (d, d) Pearson correlation matrix between units (NaN-free: a constant unit gets 0)."""
    z = _check_layer(z, unit_interval=False).detach().double()
    zc = z - z.mean(0)
    sd = zc.pow(2).mean(0).sqrt()  # (d,)
    corr = (zc.T @ zc) / z.shape[0] / (sd[:, None] * sd[None, :]).clamp_min(1e-300)
    corr = torch.where((sd[:, None] > 0) & (sd[None, :] > 0), corr, torch.zeros_like(corr))
    corr.fill_diagonal_(1.0)
    return corr.to(z.dtype if z.dtype != torch.float64 else torch.float64)


def mean_abs_correlation(z: torch.Tensor) -> float:
    """Mean |correlation| over the d(d−1)/2 pairs of distinct units (0.0 when d = 1)."""
    c = unit_correlation(z)
    d = c.shape[0]
    if d == 1:
        return 0.0
    iu = torch.triu_indices(d, d, 1)
    return float(c[iu[0], iu[1]].abs().mean())


def counterexample(n: int = 9000, low: float = 1e-3) -> torch.Tensor:
    """A saturated layer with ω = 0: mass p at ``low``, p at 1 − ``low``, 1 − 2p at 1/2.

    p solves p (ln low + ln(1 − low)) + (1 − 2p) ln ½ = −1 (p ≈ 5.6 % for low = 0.001), so both
    log-moments are −1 and ω = 0, yet 11 % of the values sit in the saturated ends. Shape (n, 1).
    """
    n, low = _args.size("n", n, 1, 10 ** 7), _check_eps(low, "low")
    p = (math.log(0.5) + 1.0) / (2 * math.log(0.5) - math.log(low) - math.log1p(-low))
    k = round(p * n)
    if k < 1:
        raise ValueError(f"n = {n} is too small to hold the mass p = {p:.3g} at each end")
    z = torch.full((n, 1), 0.5, dtype=torch.float64)
    z[:k], z[k:2 * k] = low, 1.0 - low
    return z
