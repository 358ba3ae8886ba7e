"""Exercise checkers for notebook 05, init-σ sensitivity (re-exported by vglab.exercises).

Each prints ``Correct: …`` or ``Not yet: <hint>``, returns a bool and never raises.
"""
from __future__ import annotations

import math

from ._checks import choice, close

__all__ = ["check_std_for_variance", "check_circle_radius", "check_q_kind", "check_q_from_norms",
           "check_variance_for_radius"]


def check_std_for_variance(answer) -> bool:
    """Notebook 05: the standard deviation that corresponds to variance σ² = 0.01."""
    return close(answer, 0.1, rel=1e-3,
                 success="std = √0.01 = 0.1: torch.randn(K, K) * 0.1 draws from N(0, 0.01).",
                 hint="the standard deviation is the square root of the variance")


def check_circle_radius(answer) -> bool:
    """Notebook 05: the spectral radius the circular law predicts for K = 200, σ² = 0.02.

    (K = 200, not the notebook's 100: §2 prints the radius for K = 100, σ² = 0.02.) A 2 % tolerance
    takes natural roundings such as 1.98 or 2.0.
    """
    return close(answer, math.sqrt(0.02 * 200), rel=2e-2,
                 success="std·√K = √0.02 · √200 = √4 = 2: at K = 200 the paper's doubled variance puts "
                         "the eigenvalues far outside the unit circle (at K = 100 it was √2 ≈ 1.41).",
                 hint="the radius is std·√K with K = 200, and std is the square root of the variance 0.02")


def check_q_kind(answer) -> bool:
    """Notebook 05: is a Q-factor of 14 vanishing, exploding or in the safe zone?"""
    return choice(answer, "vanishing", options=("vanishing", "exploding", "safe"),
                  success="vanishing: Q = 14 means ‖δ(k−h)‖ is 10^14 times smaller than ‖δ(k)‖.",
                  hint="Q = log10‖δ(k)‖ − log10‖δ(k−h)‖; a large positive Q means the old gradient is tiny")


def check_q_from_norms(answer) -> bool:
    """Notebook 05: Q for ‖δ(k)‖ = 0.8 and ‖δ(k−100)‖ = 8e-15 (eq. 25)."""
    return close(answer, 14.0, rel=1e-3,
                 success="Q = log10(0.8) − log10(8e-15) = 14: fourteen orders of magnitude lost in 100 steps.",
                 hint="Q = log10(‖δ(k)‖) − log10(‖δ(k−h)‖), with the newest norm first")


def check_variance_for_radius(answer) -> bool:
    """Notebook 05: the init variance that puts the spectral radius at 1 for K = 256 hidden units."""
    # 3 %: takes 0.004, the natural rounding of 1/256 = 0.00390625 (2.4 % off); 0.0625 (the std) fails
    return close(answer, 1 / 256, rel=3e-2,
                 success="σ² = 1/K = 1/256 ≈ 0.0039 (std 1/16): the recipe is variance 1/K, not 0.01.",
                 hint="solve std·√K = 1 for the variance std²")
