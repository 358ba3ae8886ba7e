"""Exercise checkers for notebook 07, dS sampling (re-exported by vglab.exercises; the paper, SOURCES.md §1).

Each prints ``Correct: ...`` or ``Not yet: <hint>`` and returns a bool; none raises, whatever it is
given. Numbers are read strictly (``_checks.read_number``: never from a string, never a bool); the
committed placeholder (``...`` or None) gets the format only, never the hint.
"""
from __future__ import annotations

import math

import torch

from ._checks import choice, learner_number, number_or_none, report, run_learner_fn

__all__ = ["check_accept_decision", "check_accept_share", "check_ds_2x2", "check_factor_two", "check_clipped"]

_DECISIONS = ("apply", "skip")


def _placeholder(*answers) -> bool:
    """Any answer still a placeholder (None or ...): print the format only and say so."""
    if any(a is None or a is Ellipsis for a in answers):
        report(False, "", "replace every ... (or None) with your answer.")
        return True
    return False


def _decision(answer):
    """'apply' or 'skip' (any case, spaces around), else None; never raises."""
    if not isinstance(answer, str):
        return None
    norm = answer.strip().lower()
    return norm if norm in _DECISIONS else None


def check_accept_decision(answer) -> bool:
    """Notebook 07: (Q = 2, dS = −0.3), zone [−1, 1], |dS| ≤ 1, corrected rule: apply or skip?"""
    if _placeholder(answer):
        return False
    if _decision(answer) is None:
        return report(False, "", "answer 'apply' or 'skip'.")
    return choice(answer, "skip", options=list(_DECISIONS),
                  success="skip: Q = 2 means the gradient is vanishing, and dS < 0 predicts, to first order, a still smaller ‖δ(k−h)‖.",
                  hint="Q > Q_max means vanishing; which sign of dS makes ‖δ(k−h)‖ grow?")


def check_accept_share(corrected, printed) -> bool:
    """Notebook 07: Q = 3 on every minibatch, dS uniform on [−0.5, 1.5], |dS| ≤ 1: the share of
    minibatches each rule applies (corrected: 0 < dS ≤ 1, 1/2; as printed: −0.5 ≤ dS < 0, 1/4)."""
    if _placeholder(corrected, printed):
        return False
    c, p = number_or_none(corrected), number_or_none(printed)
    if c is None or p is None:
        return report(False, "", "answer with two numbers: check_accept_share(corrected, printed), each a share "
                                 "between 0 and 1.")
    if c > 1 or p > 1:
        return report(False, "", "give each share as a fraction between 0 and 1, not a percentage.")
    ok_c, ok_p = math.isclose(c, 0.5, abs_tol=1e-3), math.isclose(p, 0.25, abs_tol=1e-3)
    if ok_c and ok_p:
        return report(True, "corrected 1/2 (0 < dS ≤ 1: a length of 1 out of 2), as printed 1/4 (−0.5 ≤ dS < 0). "
                            "Different shares of opposite minibatches: the printed rule keeps the ones that "
                            "are predicted, to first order, to shrink a vanishing gradient further.", "")
    if math.isclose(c, 0.25, abs_tol=1e-3) and math.isclose(p, 0.5, abs_tol=1e-3):
        return report(False, "", "the two are the other way round: at Q > Q_max, which sign does each rule accept?")
    if not ok_c:
        return report(False, "", "corrected rule: Q > Q_max is vanishing; which sign of dS does it accept, and how "
                                 "much of [−0.5, 1.5] is on that side and inside |dS| ≤ 1?")
    return report(False, "", "the printed rule accepts the opposite sign at Q > Q_max; how much of [−0.5, 1.5] "
                             "has that sign (and |dS| ≤ 1)?")


def check_factor_two(answer, decision=None) -> bool:
    """Notebook 07: eq. (14) drops the 2 and gives (G, dG) = 0.6 at Q = 0.4; the true dS, and is the
    minibatch applied or skipped? (dS = 1.2 > 1: skip, though Q is inside the zone.)"""
    if _placeholder(answer, decision):
        return False
    x, dec = number_or_none(answer), _decision(decision)
    if x is None or dec is None:
        return report(False, "", "answer with a number and a word: check_factor_two(dS, 'apply' or 'skip').")
    hint = "differentiate S = ‖G‖² = (G, G) yourself and compare with what eq. (14) prints."
    if not math.isclose(x, 1.2, rel_tol=1e-3):
        return report(False, "", hint)
    if dec != "skip":
        return report(False, "", "the number is right; now take steps 2-3 of the rule in order: which test comes "
                                 "first?")
    return report(True, "dS = 2(G, dG) = 1.2 > 1: with the factor 2 this minibatch fails the |dS| ≤ 1 test and is "
                        "skipped, though Q is inside the zone; without the 2 it would pass that test and be applied.",
                  hint)


def check_clipped(answer) -> bool:
    """Notebook 07: clip ∇E = (6, −8) to norm θ = 1 (the lecture's rule): (0.6, −0.8)."""
    if _placeholder(answer):
        return False
    try:
        items = answer.detach().cpu().flatten().tolist() if isinstance(answer, torch.Tensor) else \
            answer.ravel().tolist() if hasattr(answer, "ravel") else list(answer)
    except Exception:  # noqa: BLE001 -- not a sequence: a hint, never a traceback
        items = None
    vals = None if items is None or isinstance(answer, (str, bytes, dict, set)) or len(items) != 2 \
        else [number_or_none(v) for v in items]
    if vals is None or None in vals:
        return report(False, "", "answer with the two components of the clipped gradient, e.g. a tuple of two "
                                 "numbers.")
    def near(u, v):
        return all(math.isclose(a, b, abs_tol=1e-3) for a, b in zip(u, v))
    if near(vals, (0.6, -0.8)):
        return report(True, "‖∇E‖ = 10 > θ = 1, so ∇E·θ/‖∇E‖ = (0.6, −0.8): the norm becomes 1, the direction "
                            "stays. Clipping rescales a step; unlike dS sampling, it never drops one.", "")
    if near(vals, (6, -8)):
        return report(False, "", "the norm of this gradient is above θ, so the rule does act.")
    if near(vals, (1, -1)):
        return report(False, "", "that clips each component on its own and turns the direction; the rule rescales "
                                 "the whole vector by one factor.")
    return report(False, "", "compute ‖∇E‖, compare it with θ, and apply the rule's one factor to both components.")


def _case_2x2(seed: int):
    """One random h = 2 case: W, dW, D1, D2, delta (float64) and its dS = 2 (G, dG)."""
    g = torch.Generator().manual_seed(seed)
    W, dW = (torch.randn(2, 2, generator=g, dtype=torch.float64) for _ in range(2))
    D1, D2 = (torch.diag(0.2 + torch.rand(2, generator=g, dtype=torch.float64)) for _ in range(2))
    delta = torch.randn(2, generator=g, dtype=torch.float64)
    G = D1 @ W @ D2 @ W @ delta
    dG = D1 @ dW @ D2 @ W @ delta + D1 @ W @ D2 @ dW @ delta
    return (W, dW, D1, D2, delta), float(2 * G @ dG)


def check_ds_2x2(fn) -> bool:
    """Notebook 07: ``fn(W, dW, D1, D2, delta)`` → dS for h = 2, G = D1 W D2 W delta (column form),
    checked on three random cases (seeds 7, 8, 9)."""
    hint = "write G for h = 2, then dG: how G changes to first order when W → W + dW (W appears twice)"
    if _placeholder(fn):
        return False
    for seed in (7, 8, 9):
        args, expected = _case_2x2(seed)
        if seed == 7:  # the committed body `...` returns None: the format only, never the hint
            ok, raw = run_learner_fn(fn, *args, hint=hint)
            if not ok:
                return False
            if raw is None or raw is Ellipsis:
                return report(False, "", "replace the ... in the function body with your code; it must "
                              "return one number.")
        ok, got = learner_number(fn, *args, hint=hint)  # one finite number (10**400, NaN: a hint)
        if not ok:
            return False
        # relative 1e-6: accepts float32 arithmetic or a finite-difference check of ‖G‖², and still
        # tells the factor-2 slip (off by 50 %) apart
        tol = 1e-6 * max(1.0, abs(expected))
        if abs(got - expected / 2) < tol and abs(expected) > 1e-12:
            return report(False, "", "that is (G, dG): the derivative of ‖G‖² carries a factor 2 (eq. (22))")
        if abs(got - expected) > tol:
            return report(False, "", hint)
    return report(True, f"dS = {expected:.4f} in the last of three random cases: the sum of the two products, "
                  "each with one W replaced by dW.", hint)
