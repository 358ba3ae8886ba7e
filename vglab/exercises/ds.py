"""Exercise checkers for notebook 07, dS sampling (re-exported by vglab.exercises)."""
from __future__ import annotations

import torch

from ._checks import choice, close, learner_number, report

__all__ = ["check_accept_decision", "check_printed_rule", "check_ds_2x2", "check_factor_two"]


def check_accept_decision(answer) -> bool:
    """Notebook 07: (Q = 2, dS = −0.3), zone [−1, 1], |dS| ≤ 1, corrected rule: apply or skip?"""
    return choice(answer, "skip", options=["apply", "skip"],
                  success="skip: Q = 2 means the gradient is vanishing, and dS < 0 would shrink ‖δ(k−h)‖ further.",
                  hint="Q > Q_max means vanishing; which sign of dS makes ‖δ(k−h)‖ grow?")


def check_printed_rule(answer) -> bool:
    """Notebook 07: the paper prints 'apply if Q < Q_min and dS > 0': corrected or swapped?"""
    return choice(answer, "swapped", options=["corrected", "swapped"],
                  success="swapped: Q < Q_min is exploding, and dS > 0 makes the norm grow even more.",
                  hint="Q < Q_min means ‖δ(k−h)‖ is already much larger than ‖δ(k)‖; does dS > 0 help?")


def check_factor_two(answer) -> bool:
    """Notebook 07: eq. (14) drops the 2 and gives (G, dG) = 0.6; what is the true dS?"""
    return close(answer, 1.2, rel=1e-3,
                 success="dS = 2(G, dG) = 1.2 > 1: with the factor 2 this minibatch is skipped, without it applied.",
                 hint="differentiate S = ‖G‖² = (G, G) yourself and compare with what eq. (14) prints.")


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
    for seed in (7, 8, 9):
        args, expected = _case_2x2(seed)
        ok, got = learner_number(fn, *args, hint=hint)
        if not ok:
            return False
        tol = 1e-9 * max(1.0, abs(expected))
        if abs(got - expected / 2) < tol and abs(expected) > 1e-12:
            return report(False, "", "that is (G, dG): the derivative of ‖G‖² carries a factor 2 (eq. (22))")
        if abs(got - expected) > tol:
            return report(False, "", hint)
    return report(True, f"dS = {expected:.4f} in the last of three random cases: the sum of the two products, "
                  "each with one W replaced by dW.", hint)
