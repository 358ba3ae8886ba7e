"""Exercise checkers for notebook 06, the Beta penalty (re-exported by vglab.exercises; the patent, SOURCES.md §2).

Each prints ``Correct: ...`` or ``Not yet: <hint>`` and returns a bool; none raises.
"""
from __future__ import annotations

import math

from ._checks import answer_numbers, choice, close, report, run_learner_fn

__all__ = ["check_digamma_difference", "check_constant_layer_omega", "check_kl_zero_params",
           "check_omega_zero_means_uniform", "check_log_moment"]


def _unanswered(answer) -> bool:
    """The committed placeholder (None or ...): print the format only, no hint (it would show before any attempt)."""
    if answer is None or answer is Ellipsis:
        report(False, "", f"replace {'...' if answer is Ellipsis else 'None'} with your number.")
        return True
    return False


def check_digamma_difference(answer) -> bool:
    """ψ(1) − ψ(2) = ? (= −1: ψ(x + 1) = ψ(x) + 1/x, so ψ(2) = ψ(1) + 1).

    The placeholder gets the format only; the hint comes after a wrong number."""
    if _unanswered(answer):
        return False
    return close(answer, -1.0, rel=1e-3, abs_=1e-3,
                 success="ψ(1) − ψ(2) = −1, so E[ln z] = −1 for z ~ U(0, 1): that is the −1 inside ω.",
                 hint="use ψ(x + 1) = ψ(x) + 1/x with x = 1: how do ψ(2) and ψ(1) differ?")


def check_constant_layer_omega(answer, c: float = 0.9, d: int = 3) -> bool:
    """ω (patent claim 1) for a layer of d units that all output the constant c for every sample.

    The placeholder gets the format only; the hint (the procedure) comes after a wrong number."""
    if _unanswered(answer):
        return False
    try:  # c, d are the exercise's settings; a bad one is a hint too, never a traceback
        expected = d * ((1 + math.log(c)) ** 2 + (1 + math.log(1 - c)) ** 2)
        assert isinstance(d, int) and d >= 1 and math.isfinite(expected)
    except (TypeError, ValueError, OverflowError, AssertionError):
        return report(False, "", f"c must be a number in (0, 1) and d a positive int, got c={c!r:.30}, d={d!r:.30}.")
    # rel = 1 %: a hand computation with two-decimal logs (ln 0.9 ≈ −0.11, ln 0.1 ≈ −2.30 → 7.446,
    # 0.6 % low) passes; forgetting d (÷ 3) or the squares does not
    return close(answer, expected, rel=1e-2,
                 success=f"ω = d[(1 + ln c)² + (1 + ln(1 − c))²] = {expected:.4f}: a constant layer is far from U(0, 1).",
                 hint="every mean (1/N)Σ ln z_j equals ln c, and every (1/N)Σ ln(1 − z_j) equals ln(1 − c); "
                      "square (1 + each), add them, and sum over the d units.")


def check_kl_zero_params(alpha, beta=None) -> bool:
    """Which (α, β) gives KL(Beta(α, β) ‖ U(0, 1)) = 0? Accepts ``(alpha, beta)`` or two numbers."""
    ok, ab = answer_numbers(*((alpha,) if beta is None else (alpha, beta)),
                            hint="answer with two numbers: check_kl_zero_params(alpha, beta).")
    if not ok:
        return False
    a, b = ab
    ok = math.isclose(a, 1.0, abs_tol=1e-6) and math.isclose(b, 1.0, abs_tol=1e-6)
    return report(ok, "Beta(1, 1) is U(0, 1): the only zero of the KL, the fit that ω = 0 forces.",
                  "the KL is zero only when the Beta density is the flat density 1 on (0, 1).")


def check_omega_zero_means_uniform(answer) -> bool:
    """Does ω = 0 imply the unit is uniform? (no: it pins two log-moments only).

    An answer that is neither yes nor no (the committed placeholder) gets only the format, not the hint."""
    if str(answer).strip().lower() not in {"yes", "no"}:
        return report(False, "", "answer 'yes' or 'no'.")
    return choice(answer, "no", options=["yes", "no"],
                  success="ω = 0 only pins E[ln z] and E[ln(1 − z)]; the 3-point layer of §4 has ω = 0 "
                          "and 11 % saturated values. Measure KS and % saturated.",
                  hint="ω pins two numbers per unit; look again at the layers of §4, which have ω ≈ 0.")


def check_log_moment(fn) -> bool:
    """The learner's ``fn(z) -> (d,)`` tensor: the per-unit mean of ln z (one half of ω)."""
    import torch

    z = torch.rand(200, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 0.98 + 0.01
    ok, out = run_learner_fn(fn, z.clone(), hint="fn(z) gets a tensor z of shape (N, d) and returns a tensor")
    if not ok:
        return False
    if out is None:  # the committed stub: say what is missing, not how to compute it
        return report(False, "", "your function returned None: return a tensor of shape (d,).")
    expected = torch.log(z).mean(0)
    try:
        out = torch.as_tensor(out, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return report(False, "", f"return a tensor of shape (d,), got {type(out).__name__}.")
    if out.shape != expected.shape:
        return report(False, "", f"for z of shape {tuple(z.shape)} return shape {tuple(expected.shape)}: one number "
                                 f"per unit; got shape {tuple(out.shape)}.")
    return report(bool(torch.allclose(out, expected, rtol=1e-6)),
                  "the mean log of each unit over the minibatch; ω wants it at −1.",
                  "the right shape, but not the mean of ln z over the samples.")
