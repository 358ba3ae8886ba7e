"""The whole problem in one line: backprop multiplies one factor per layer (or time step).

If every layer scales the gradient by the same factor c, after n layers the gradient is c**n:
c < 1 vanishes, c > 1 explodes, only c ≈ 1 carries a signal through depth. A layer multiplies the
gradient by its weights (typical singular value: the gain g) and by f′ of its pre-activations, so
c ≈ g·√E[f′(a)²] (notebook 03, eq. sat-rate); for a sigmoid layer c ≤ g·max σ′ = g/4
(SOURCES.md §3 the lecture slides, §1 the paper). ``stack_gradients`` measures c in random stacks.
"""
from __future__ import annotations

import numpy as np

from . import _args


def _factor(factor) -> float:
    """A per-layer factor: a finite real number > 0 (numpy scalars too; TypeError for another kind)."""
    if not _args.is_real(factor):
        raise TypeError(f"factor must be a positive finite number, got {type(factor).__name__} {factor!r:.60}")
    if not np.isfinite(float(factor)) or factor <= 0:
        raise ValueError(f"factor must be a positive finite number, got {factor!r}")
    return float(factor)


def chain_gain(factor: float, depth: int) -> np.ndarray:
    """The gradient's size profile: ‖gradient‖ after k = 0..depth layers that each multiply it by
    ``factor``, i.e. factor**k (a product of per-layer factors, not the weights' gain g)."""
    factor = _factor(factor)
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool) or not 1 <= depth <= 10**6:
        raise ValueError(f"depth must be an int in [1, 10**6], got {depth!r}")
    if depth * abs(np.log(factor)) > 700:  # beyond e**700 a float64 overflows: inf is no answer
        raise ValueError(f"factor**depth overflows a float (factor {factor:g}, depth {depth}): take fewer layers")
    k = np.arange(depth + 1)
    return np.exp(k * np.log(factor))  # (depth + 1,)


def layers_until(factor: float, threshold: float = 1e-6) -> float:
    """How many layers until the gradient falls below ``threshold`` (or rises above 1/threshold)."""
    threshold = _args.real("threshold", threshold, 0, 1, lo_open=True, hi_open=True)
    factor = _factor(factor)
    if factor == 1.0:
        return float("inf")
    return float(np.log(threshold) / -abs(np.log(factor)))


def stack_gradients(activation: str = "sigmoid", gain: float = 1.0, depth: int = 30, width: int = 256,
                    batch: int = 64, n_networks: int = 5, seed: int = 0) -> dict:
    """Backprop through ``n_networks`` random deep stacks at once; one factor per layer, measured.

    Each stack: ``depth`` layers a_l = z_{l-1} W_l, z_l = f(a_l), W_l with entries N(0, gain²/width)
    (typical singular value ≈ gain), input z_0 ~ N(0, 1) of shape (batch, width), no training.
    A random gradient δ_L ~ N(0, 1) at the top is sent down by hand, eq. (sat-delta) of notebook 03:
    δ_{l-1} = (δ_l W_lᵀ) ⊙ f′(a_{l-1}).

    Returns a dict of numpy arrays, one row per network:

    * ``norms`` (M, depth): ‖δ_l‖ from the top (column 0, l = L) down to the first layer;
    * ``measured`` (M,): the per-layer factor, (‖δ_1‖ / ‖δ_L‖) ** (1 / (depth − 1));
    * ``predicted`` (M,): eq. (sat-rate), c ≈ gain · √E[f′(a)²], the mean over the pre-activations
      of layers 1 … L−1 of that network;
    * ``bound`` (M,): gain · max f′, the factor if every unit sat at its steepest point;
    * ``preact_rms`` (M,): the root mean square of the pre-activations a over layers 1 … L−1
      (the layers ``predicted`` averages over): how widely the a have spread;
    * ``pct_saturated`` (M,): the percentage of those pre-activations where the unit is saturated,
      f′(a) below 5 % of its maximum (notebook 03's eq. sat-def, ``saturation.saturated``).
    """
    from .saturation import ACTIVATIONS, activation as f, derivative as df, max_derivative, saturated

    _args.choice("activation", activation, ACTIVATIONS)
    if not isinstance(gain, (int, float, np.integer, np.floating)) or not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain must be a positive finite number, got {gain!r}")
    for name, v, lo in (("depth", depth, 2), ("width", width, 1), ("batch", batch, 1),
                        ("n_networks", n_networks, 1), ("seed", seed, 0)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    if depth * n_networks * width * max(width, batch) > 2 ** 28:
        raise ValueError(f"depth × n_networks × width × max(width, batch) must be <= 2**28 (memory), got depth {depth}, "
                         f"n_networks {n_networks}, width {width}, batch {batch}")
    import torch

    g = torch.Generator().manual_seed(int(seed))
    W = torch.randn(depth, n_networks, width, width, generator=g, dtype=torch.float64) * (gain / width**0.5)
    z = torch.randn(n_networks, batch, width, generator=g, dtype=torch.float64)
    fprime, a_sq, sat = [], [], []
    for l in range(depth):  # forward: keep f′(a_l) of every layer
        a = z @ W[l]  # (M, B, n)
        fprime.append(df(activation, a))
        a_sq.append(a.pow(2).mean(dim=(1, 2)))  # (M,)
        sat.append(saturated(activation, a).double().mean(dim=(1, 2)))  # (M,)
        z = f(activation, a)
    delta = torch.randn(n_networks, batch, width, generator=g, dtype=torch.float64)  # δ_L at the top
    norms = [delta.flatten(1).norm(dim=1)]
    for l in range(depth - 1, 0, -1):  # backward, eq. (sat-delta): δ_{l-1} = (δ_l W_lᵀ) ⊙ f′(a_{l-1})
        delta = (delta @ W[l].transpose(-1, -2)) * fprime[l - 1]
        norms.append(delta.flatten(1).norm(dim=1))
    norms = torch.stack(norms, dim=1)  # (M, depth)
    if not all(bool(torch.isfinite(t).all()) for t in (norms, *a_sq)):
        raise ValueError(f"gain {gain:g} over depth {depth} overflows the pre-activations or the gradient: lower the gain")
    rms = torch.stack(fprime[:-1]).pow(2).mean(dim=(0, 2, 3)).sqrt()  # (M,) over layers 1 … L−1
    return {
        "norms": norms.numpy(),
        "measured": (norms[:, -1] / norms[:, 0]).pow(1 / (depth - 1)).numpy(),
        "predicted": (gain * rms).numpy(),
        "bound": np.full(n_networks, gain * max_derivative(activation)),
        "preact_rms": torch.stack(a_sq[:-1]).mean(dim=0).sqrt().numpy(),
        "pct_saturated": (100 * torch.stack(sat[:-1]).mean(dim=0)).numpy(),
    }


def singular_values(gain: float = 1.0, width: int = 256, seed: int = 0) -> np.ndarray:
    """Singular values, largest first, of one random ``width`` × ``width`` matrix with entries
    N(0, gain²/width), the weights of ``stack_gradients``. For large width they fill [0, 2·gain] with
    root mean square gain (the quarter-circle law for square Gaussian matrices, Marchenko & Pastur
    1967): a typical gradient is scaled by about gain, the strongest direction by about 2·gain."""
    if not isinstance(gain, (int, float, np.integer, np.floating)) or isinstance(gain, bool) \
            or not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"gain must be a positive finite number, got {gain!r}")
    for name, v, lo in (("width", width, 1), ("seed", seed, 0)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    if width > 8192:
        raise ValueError(f"width must be <= 8192 (an SVD of width × width), got {width}")
    import torch

    g = torch.Generator().manual_seed(int(seed))
    W = torch.randn(width, width, generator=g, dtype=torch.float64) * (gain / width**0.5)
    return torch.linalg.svdvals(W).numpy()
