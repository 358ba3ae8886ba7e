"""Exercise checkers for notebook 05, init-σ sensitivity (re-exported by vglab.exercises).

Each prints ``Correct: …`` or ``Not yet: <hint>``, returns a bool and never raises. An exercise cell
as committed (answer None or ...) gets only a nudge toward the section to reread: its output is
printed in the committed notebook, and the full hint would leave nothing but the arithmetic.
"""
from __future__ import annotations

import math

from ._checks import choice, close

__all__ = ["check_std_for_variance", "check_circle_radius", "check_q_kind", "check_q_from_norms",
           "check_variance_for_radius"]


def _hint(answer, nudge: str, hint: str) -> str:
    """The hint for a wrong answer; only ``nudge`` for the unanswered cell (None or ...)."""
    return nudge if answer is None or answer is Ellipsis else hint


def check_std_for_variance(answer) -> bool:
    """Notebook 05: the standard deviation that corresponds to variance σ² = 0.01."""
    return close(answer, 0.1, rel=1e-3,
                 success="std = √0.01 = 0.1: torch.randn(K, K) * 0.1 draws from N(0, 0.01).",
                 hint=_hint(answer, "reread the notation note at the top (σ² and s)",
                           "the standard deviation is the square root of the variance"))


def check_circle_radius(answer) -> bool:
    """Notebook 05: the spectral radius the circular law predicts for K = 200, σ² = 0.02.

    (K = 200, not the notebook's 100: §2 prints the radius for K = 100, σ² = 0.02.) A 2 % tolerance
    takes natural roundings such as 1.98 or 2.0.
    """
    return close(answer, math.sqrt(0.02 * 200), rel=2e-2,
                 success="std·√K = √0.02 · √200 = √4 = 2: at K = 200 the paper's doubled variance puts "
                         "the spectral radius, the edge of the disc, at 2, far outside the unit circle; "
                         "a quarter of the disc's area, and of its eigenvalues, still lies inside it "
                         "(at K = 100 the radius was √2 ≈ 1.41).",
                 hint=_hint(answer, "§2 gives the circular law",
                           "the radius is std·√K with K = 200, and std is the square root of the variance 0.02"))


def check_q_kind(answer) -> bool:
    """Notebook 05: is a Q-factor of 14 vanishing, exploding or in the safe zone?"""
    return choice(answer, "vanishing", options=("vanishing", "exploding", "safe"),
                  success="vanishing: Q = 14 means ‖δ(k−h)‖ is 10^14 times smaller than ‖δ(k)‖.",
                  hint="Q = log10‖δ(k)‖ − log10‖δ(k−h)‖: is the old gradient δ(k−h) larger or smaller than "
                       "δ(k), and is Q inside the safe zone [−1, 1]?")


def check_q_from_norms(answer) -> bool:
    """Notebook 05: Q for ‖δ(k)‖ = 0.8 and ‖δ(k−100)‖ = 8e-15 (eq. 25)."""
    return close(answer, 14.0, rel=1e-3,
                 success="Q = log10(0.8) − log10(8e-15) = 14: fourteen orders of magnitude lost in 100 steps.",
                 hint="Q = log10(‖δ(k)‖) − log10(‖δ(k−h)‖), with the newest norm first")


def check_variance_for_radius(answer) -> bool:
    """Notebook 05: the init variance that puts the circular-law radius std·√K at 1 for K = 256 units."""
    # 3 %: takes 0.004, the natural rounding of 1/256 = 0.00390625 (2.4 % off); 0.0625 (the std) fails
    return close(answer, 1 / 256, rel=3e-2,
                 success="σ² = 1/K = 1/256 ≈ 0.0039 (std 1/16): the recipe is variance 1/K, not 0.01.",
                 hint=_hint(answer, "§2 gives the circular law", "solve std·√K = 1 for the variance std²"))
