"""Exercise checkers for notebook 05, init-σ sensitivity (re-exported by vglab.exercises).

Each prints ``Correct: …`` or ``Not yet: <hint>``, returns a bool and never raises. An exercise cell
as committed (answer None or ...) gets only a nudge toward the section to reread: its output is
printed in the committed notebook, and the full hint would leave nothing but the arithmetic.
"""
from __future__ import annotations

import math

from ._checks import answer_number, choice, close, report

__all__ = ["check_std_for_variance", "check_circle_radius", "check_q_kind", "check_q_from_norms",
           "check_variance_for_radius", "check_q_from_gain", "check_pascanu_variance"]


def _hint(answer, nudge: str, hint: str) -> str:
    """The hint for a wrong answer; only ``nudge`` for the unanswered cell (None or ...)."""
    return nudge if answer is None or answer is Ellipsis else hint


def check_std_for_variance(answer) -> bool:
    """Notebook 05: the standard deviation that corresponds to variance σ² = 0.0009.

    (Not the paper's 0.01: the notebook gives its standard deviation 0.1 before the exercise.)
    """
    return close(answer, 0.03, rel=1e-3,
                 success="std = √0.0009 = 0.03: torch.randn(K, K) * 0.03 draws from N(0, 0.0009).",
                 hint=_hint(answer, "reread the notation note at the top (σ² and std)",
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
                 hint=_hint(answer, "reread the circular law, eq. (05.1)",
                           "the radius is std·√K with K = 200, and std is the square root of the variance 0.02; "
                           "give the law's limit value, without the excess over it that section 2's draw shows"))


def check_q_kind(answer) -> bool:
    """Notebook 05: is a Q-factor of 14 vanishing, exploding or in the safe zone?"""
    if answer is None or answer is Ellipsis:  # the unanswered cell: no option list (it holds the answer)
        return report(False, "", "compare Q with the safe zone [−1, 1] of section 1 (replace ... with your word)")
    return choice(answer, "vanishing", options=("vanishing", "exploding", "safe"),
                  success="vanishing: Q = 14 means ‖δ(k−h)‖ is 10^14 times smaller than ‖δ(k)‖.",
                  hint="Q = log10‖δ(k)‖ − log10‖δ(k−h)‖: is the old gradient δ(k−h) larger or smaller than "
                       "δ(k), and is Q inside the safe zone [−1, 1]?")


def check_q_from_norms(answer) -> bool:
    """Notebook 05: Q for ‖δ(k)‖ = 0.8 and ‖δ(k−100)‖ = 8e-15 (eq. 25)."""
    return close(answer, 14.0, rel=1e-3,
                 success="Q = log10(0.8) − log10(8e-15) = 14: fourteen orders of magnitude lost in 100 steps.",
                 hint=_hint(answer, "reread eq. (25) in section 1",
                           "Q = log10(‖δ(k)‖) − log10(‖δ(k−h)‖), with the newest norm first"))


def check_variance_for_radius(answer) -> bool:
    """Notebook 05: the init variance that puts the circular-law radius std·√K at 0.9 for K = 256 units."""
    # 6 %: takes 0.003, 0.0032 and 0.00316 (0.81/256 = 0.003164; one significant figure is 5 % off);
    # 1/256 = 0.0039 (radius 1), 0.9/256 = 0.0035 (11 % off) and the std 0.05625 fail
    return close(answer, 0.81 / 256, rel=6e-2,
                 success="std = 0.9/√256 = 0.9/16 = 0.05625, so σ² = 0.81/256 ≈ 0.0032: the variance scales with "
                         "the square of the target radius and with 1/K.",
                 hint=_hint(answer, "reread the circular law, eq. (05.1)",
                           "solve std·√K = 0.9 for std, then square it: the variance is std²; use the law's "
                           "limit value, without the excess over it that section 2's draw shows"))


def check_q_from_gain(answer) -> bool:
    """Notebook 05: Q over h = 100 predicted by eq. (sat-rate) for K = 100, σ² = 0.0064 and f′ ≈ 1."""
    # gain √(0.0064·100) = 0.8, c = 0.8, Q = −100·log10 0.8 = 9.69; 4 % takes 9.7 and 10, not −9.7 or 19.4
    return close(answer, -100 * math.log10(0.8), rel=4e-2,
                 success="gain = std·√K = 0.08 · 10 = 0.8; with √E[f′²] ≈ 1 the factor is c ≈ 0.8 and "
                         "Q = −100·log10 0.8 ≈ 9.7: about ten orders of magnitude lost over 100 steps.",
                 hint=_hint(answer, "reread eq. (sat-rate) and the Q of a constant factor (section 1)",
                           "the gain is std·√K with std = √σ²; with f′ ≈ 1 the factor c is the gain, "
                           "and Q = −h·log10 c"))


def check_pascanu_variance(answer) -> bool:
    """Notebook 05: the largest σ² for which σ_max ≈ 2·std·√K stays below 1/γ, sigmoid units, K = 64.

    (K = 64, not §3's 100: at K = 100 the answer's std, 0.2, is a row of §3's table with σ_max ≈ 4.)
    """
    # 1/γ = 4, 2·std·8 < 4 → std < 0.25 → σ² < 1/16 = 0.0625. One-sided: the question asks up to which σ² the
    # condition holds and says to give the exact limit or round down, so 0.0625 and roundings down to 5 % below
    # it (0.06) pass, and anything above 1/16 beyond float rounding (0.063, 0.065) fails; a value just above it
    # (up to 2 %, e.g. 0.063, the limit rounded up) is told to round down;
    # 0.25 (std), 0.25 (no factor 2), 1/256 (tanh's γ), 0.04 (K = 100) fail
    hint = _hint(answer, "reread Pascanu's conditions (the subsection after the factor table); γ is given in the question",
                 "solve 2·std·√K = 1/γ for std (γ = 1/4 for the sigmoid), then square it")
    success = ("1/γ = 4 for the sigmoid; σ_max ≈ 2·std·√K = 16·std < 4 gives std < 0.25, σ² < 1/16 = 0.0625. "
               "Sixteen times the tanh limit 1/(4K) = 1/256 (γ = 1): the variance goes with (1/γ)², and the sigmoid's slope is at "
               "most 1/4. This rests on the estimate σ_max ≈ 2·std·√K: single draws spread a few per cent around it "
               "(§3's table, at K = 100), so just below 0.0625 some draws still have σ_max above 1/γ.")
    if answer is None or answer is Ellipsis:
        return close(answer, 1 / 16, success=success, hint=hint)
    ok, a = answer_number(answer, hint=hint, why=True)
    if not ok:
        return False
    limit = 1 / 16
    if a > limit * (1 + 1e-9):
        if a <= limit * 1.02:  # the limit rounded up, e.g. 0.063
            return report(False, success, f"{hint}; your value lies just above the limit, where the strict condition "
                                          "fails: give the exact limit or round it down, as the question asks")
        return report(False, success, f"{hint}; the condition fails above the limit, so the answer cannot lie above it")
    return report(a >= limit * 0.95, success, hint)
