"""Exercise checkers for notebook 04, BPTT and Jacobian products (re-exported by vglab.exercises).

Each prints ``Correct: ...`` or ``Not yet: <hint>`` and returns a bool; none raises.
"""
from __future__ import annotations

import math

import torch

from ._checks import close, report, run_learner_fn, tensors_close

__all__ = ["check_delta_step", "check_product_bound", "check_critical_radius", "check_sigmoid_orders"]


def check_delta_step(fn) -> bool:
    """``fn(delta_n, W_rec, a_prev)`` -> δ(n−1) for tanh, paper eq. (6) in row form, (B, K) each."""
    g = torch.Generator().manual_seed(4)
    delta_n = torch.randn(3, 5, dtype=torch.float64, generator=g)
    W_rec = torch.randn(5, 5, dtype=torch.float64, generator=g) * 0.5
    a_prev = torch.randn(3, 5, dtype=torch.float64, generator=g)
    expected = (delta_n @ W_rec.T) * (1 - torch.tanh(a_prev) ** 2)
    hint = ("eq. (6) in row form: on which side does W_rec multiply δ(n), and transposed or not "
            "(a(n) = z(n−1) @ W_rec)? Then f′ = tanh′, elementwise, at a(n−1), not a(n)")
    ok, answer = run_learner_fn(fn, delta_n.clone(), W_rec.clone(), a_prev.clone(), hint=hint)
    if not ok:
        return False
    if answer is None:  # the exercise cell as committed
        return report(False, "", f"{hint} (your function returns None: replace `return None` with your code)")
    if isinstance(answer, torch.Tensor) and answer.shape == expected.shape:
        wrong_T = (delta_n @ W_rec) * (1 - torch.tanh(a_prev) ** 2)
        if torch.allclose(answer.to(expected), wrong_T, rtol=1e-6):
            return report(False, "", "that is δ(n) @ W_rec: with row vectors the backward step uses W_rec.T")
    return tensors_close(answer, expected, rtol=1e-6, atol=1e-10,
                         success="one step of the δ recursion, eq. (6), by hand", hint=hint)


def check_product_bound(answer, W_rec, h: int, activation: str = "tanh") -> bool:
    """The bound on ‖J(n)…J(n−h+1)‖₂ from W_rec alone: (σ_max(W_rec) · max f′)^h."""
    try:
        W = torch.as_tensor(W_rec, dtype=torch.float64)
        gamma = {"tanh": 1.0, "sigmoid": 0.25}[activation]
        expected = (float(torch.linalg.matrix_norm(W, ord=2)) * gamma) ** int(h)
    except (KeyError, TypeError, ValueError, RuntimeError, OverflowError) as e:
        return report(False, "", f"pass W_rec as a (K, K) matrix, h as an int and activation "
                                 f"'tanh' or 'sigmoid' ({e})")
    return close(answer, expected, rel=1e-3, abs_=1e-300,
                 success=f"‖∏J‖ ≤ (σ_max · max f′)^h = {expected:.3g}",
                 hint="each J = W_recᵀ diag(f′) has ‖J‖₂ ≤ σ_max(W_rec) · max|f′| (σ_max: "
                      "torch.linalg.matrix_norm(W, ord=2)); multiply h such factors")


def check_critical_radius(answer, activation: str = "tanh") -> bool:
    """Which spectral radius of W_rec keeps ‖δ‖ roughly constant near a = 0? (tanh: 1, sigmoid: 4)."""
    if activation not in ("tanh", "sigmoid"):
        return report(False, "", "activation must be 'tanh' or 'sigmoid'")
    expected = 1.0 if activation == "tanh" else 4.0
    return close(answer, expected, rel=0.1,
                 success=f"radius × f′(0) = {expected:g} × {1 / expected:g} = 1: steady in the linearised "
                         f"model (all a near 0)" + ("" if activation == "tanh" else
                         "; the sigmoid's units do not sit at a = 0, so a real net still vanishes "
                         "there (notebook 04, section 5)"),
                 hint="near a = 0, over many steps ‖δ‖ changes by about radius × f′(0) per step; f′(0) is the peak "
                      f"of f′, which section 5 prints for {activation}. Which radius makes the product 1?")


def check_sigmoid_orders(answer, h: int = 10) -> bool:
    """How many orders of magnitude smaller is the sigmoid's bound than tanh's after h steps?"""
    expected = h * math.log10(4)
    hint = ("both bounds are (σ_max · max|f′|)^h with the same σ_max; section 5 prints max f′ for "
            "each. Count the orders of magnitude between the two bounds with log10")
    try:
        flipped = math.isclose(float(answer), -expected, rel_tol=0.02)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        flipped = False
    if flipped:  # tanh's bound over the sigmoid's, the wrong way round
        return report(False, "", "the sigmoid's bound is the smaller one: give how many orders of "
                                 "magnitude smaller, a positive number")
    return close(answer, expected, rel=0.02,
                 success=f"(1/4)^{h}: {expected:.2f} orders of magnitude, from max f′ alone", hint=hint)
