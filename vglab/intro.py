"""The whole problem in one line: backprop multiplies one factor per layer (or time step).

If every layer scales the gradient by the same factor c, after n layers the gradient is c**n:
c < 1 vanishes, c > 1 explodes, only c ≈ 1 carries a signal through depth. For a sigmoid layer
c ≤ w·max σ′ = w/4 (lecture, seed 002; paper seed 001 §3).
"""
from __future__ import annotations

import numpy as np


def chain_gain(factor: float, depth: int) -> np.ndarray:
    """|gradient| after 0..depth layers that each multiply it by ``factor``: factor**k, k = 0..depth."""
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be a positive finite number, got {factor}")
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an int >= 1, got {depth!r}")
    k = np.arange(depth + 1)
    return np.exp(k * np.log(factor))  # (depth + 1,)


def layers_until(factor: float, threshold: float = 1e-6) -> float:
    """How many layers until the gradient falls below ``threshold`` (or rises above 1/threshold)."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be a positive finite number, got {factor}")
    if factor == 1.0:
        return float("inf")
    return float(np.log(threshold) / -abs(np.log(factor)))
