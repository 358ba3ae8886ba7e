"""Exercise checkers for notebook 02, the lecture's optimizers (re-exported by vglab.exercises).

Each prints ``Correct: ...`` or ``Not yet: <hint>``, returns a bool and never raises.
"""
from __future__ import annotations

import math

import torch

from ._checks import answer_number, close, number_or_none, on_its_side, report, run_learner_fn

__all__ = ["check_momentum_step", "check_torch_momentum_step", "check_adadelta_factor", "check_clip_threshold",
           "check_best_lr", "check_momentum_limit", "positive_number"]


def positive_number(answer, at_most: float = math.inf):
    """The answer as a float if it is a number in (0, ``at_most``] (read as the checkers read it: no
    strings, no NaN or inf), else None. Never raises: an exercise cell uses it to run its test only on an
    answer the test accepts, and otherwise leaves the hint to the checker."""
    a = number_or_none(answer)
    top = math.inf if isinstance(at_most, float) and at_most == math.inf else number_or_none(at_most)
    return a if a is not None and top is not None and 0 < a <= top else None


def _steps_match(fn, make_opt, state_key: str, seed: int, *, hint: str, name: str, unchanged: str,
                 wrong_state: str):
    """Run the learner's ``fn(w, s, g, lr=0.1, gamma=0.8) -> (w_new, s_new)`` for three steps beside the
    reference optimizer ``make_opt([p])`` on seeded random weights and gradients, and compare w with ``p``
    and s with ``opt.state[p][state_key]``. None when every step matches, else the checker's (False) reply.
    ``name``: the state's letter in the messages; ``unchanged``/``wrong_state``: the two targeted hints."""
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(5, dtype=torch.float64, generator=gen)
    p = w.clone().requires_grad_()
    opt = make_opt([p])
    grads = [torch.randn(5, dtype=torch.float64, generator=gen) for _ in range(3)]
    st = torch.zeros(5, dtype=torch.float64)
    for g in grads:
        p.grad = g.clone()
        opt.step()
        w_in, s_in = w.clone(), st.clone()
        ok, out = run_learner_fn(fn, w.clone(), st.clone(), g.clone(), 0.1, 0.8, hint=hint)
        if not ok:
            return False
        try:
            w, st = (torch.as_tensor(t, dtype=torch.float64) for t in out)
        except (TypeError, ValueError, RuntimeError):
            return report(False, "", f"{hint} (return a pair (w_new, {name}_new) of tensors)")
        if w.shape == p.shape and torch.equal(w, w_in) and torch.equal(st, s_in):
            return report(False, "", unchanged)
        if w.shape != p.shape or not torch.allclose(w, p.detach(), rtol=1e-9, atol=1e-12):
            return report(False, "", hint if w.shape == p.shape else f"{hint} (w has shape {tuple(w.shape)})")
        ref = opt.state[p][state_key]
        if st.shape != ref.shape or not torch.allclose(st, ref, rtol=1e-9, atol=1e-12):
            return report(False, "", wrong_state)
    return None


def check_momentum_step(fn) -> bool:
    """``fn(w, v, g, lr, gamma) -> (w_new, v_new)``: one Momentum step (eq. 02.2, SOURCES.md §3), checked
    against ``vglab.optim.Momentum`` over three steps on random tensors: both the new w and the new v
    (torch's form v' := γv' + g, w := w − ηv' gives the same w but v' = v/η, not eq. (02.2)'s v)."""
    from ..optim import Momentum

    # the hint names what to compare, never the formula itself (the committed, unanswered cell prints it)
    hint = ("your w and v do not follow eq. (02.2) in §1's table: which of v and w is updated first, "
            "and does w move by the old v or the new one?")
    fail = _steps_match(fn, lambda ps: Momentum(ps, lr=0.1, gamma=0.8), "v", 7, hint=hint, name="v",
                        unchanged="your function returns w and v unchanged: write eq. (02.2) (§1's table)",
                        wrong_state=f"your w is right but your v is not eq. (02.2)'s: {hint} "
                                    "(v includes η; torch's buffer v/η does not)")
    return fail if fail is not None else report(True, "three steps of your Momentum match vglab.optim.Momentum.", hint)


def check_torch_momentum_step(fn) -> bool:
    """``fn(w, b, g, lr, gamma) -> (w_new, b_new)``: one step of Momentum in torch's form, whose buffer
    is b = v/η (eq. 02.2's v divided by η), checked against ``torch.optim.SGD(momentum=gamma)`` over three
    steps on random tensors: both the new w and torch's ``momentum_buffer``."""
    # the hint names what to derive, never the formula itself (the unanswered cell prints it)
    hint = "your w and b do not follow torch's form: write both lines of eq. (02.2) in terms of b = v/η"
    fail = _steps_match(fn, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8), "momentum_buffer", 11, hint=hint,
                        name="b",
                        unchanged="your function returns w and b unchanged: derive torch's form from eq. (02.2)",
                        wrong_state="your w is right but your b is not torch's buffer: b is v/η, "
                                    "so η must not be inside it")
    return fail if fail is not None else report(
        True, "three steps of your torch-form Momentum match torch.optim.SGD(momentum=γ), buffer included.", hint)


def check_adadelta_factor(answer) -> bool:
    """How many times smaller is the lecture's first AdaDelta step than torch.optim.Adadelta's,
    with ε = 1e-8 and the same gradient? (Measured here, within a factor of 2.)"""
    from ..optim import AdaDelta

    g = torch.tensor([0.3, -2.0, 5.0], dtype=torch.float64)
    steps = []
    for opt_cls, kw in ((AdaDelta, dict(alpha=0.9)), (torch.optim.Adadelta, dict(rho=0.9))):
        p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        opt = opt_cls([p], lr=1.0, eps=1e-8, **kw)
        p.grad = g.clone()
        opt.step()
        steps.append(float(p.detach().norm()))
    factor = steps[1] / steps[0]  # ≈ 1/√ε = 1e4
    # the hint after a wrong number stops at the set-up: it must not do the derivation (read 02r8, X1)
    hint = ("write both first steps, eq. (02.6) and torch's form in §5, with Δ = 0 and G = (1 − α) g², "
            "then divide one by the other; give 'how many times smaller' as a number like 1e3")
    # an answer that is not a number (the committed cell: None) gets no part of the derivation
    ok, a = answer_number(answer, hint="give 'how many times smaller' as a number, like 1e3 "
                                       "(hint: write eq. (02.6)'s first step with Δ = 0 for both forms)")
    if not ok:
        return False
    if 0 < a < 1 and math.isclose(math.log10(1 / a), math.log10(factor), abs_tol=0.31):
        return report(False, "", "that is the ratio the other way round: how many TIMES smaller is it?")
    return close(a, factor, rel=0.5, success=f"about {factor:.0f}× smaller: √ε/ε = 1/√ε = 1e4.", hint=hint)


def check_clip_threshold(theta) -> bool:
    """A clipping threshold θ with which SGD (η = 0.1, 100 steps) on the cliff never leaves the
    plot window and reaches the foot of the wall: its last ``NEAR_STEPS`` points all lie within
    ``NEAR`` of the minimum. A capped step is ηθ long, so θ must be small enough that the bounce
    across the foot (about ηθ) stays within ``NEAR`` (θ ≲ 2), and large enough that 100 steps of
    ηθ cover the 3.7 from the start (θ > 0.37). The θ that pass are about 0.5 to 2 (every value
    0.5, 0.6, …, 2.2 does); above that a few pass or fail by the phase of the bounce (2.5 passes, 2.4 fails)."""
    from ..surfaces import get, trajectory

    hint = ("plain SGD lands on the wall, where ‖g‖ is large (§4 prints it), so its step η‖g‖ is long; "
            "θ caps the step at η θ")  # no more: the two constraints on η θ are the exercise (02r3 X1)
    ok, theta = answer_number(theta, hint=f"{hint} (θ should be a positive number)")
    if not ok:
        return False
    if not (math.isfinite(theta) and theta > 0):
        return report(False, "", f"{hint} (θ must be a positive number, got {theta})")
    s = get("cliff")
    tr = trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=theta, on_diverge="stop")
    (x0, x1), (y0, y1) = s.window
    P = tr.path
    inside = tr.diverged_at is None and bool(
        ((P[:, 0] >= x0) & (P[:, 0] <= x1) & (P[:, 1] >= y0) & (P[:, 1] <= y1)).all())
    far = max(math.dist(q, s.minimum) for q in P[-NEAR_STEPS:])
    if not inside:
        return report(False, "", f"with θ = {theta:g} SGD is still thrown out of the window; {hint}")
    if far >= NEAR:
        short = 100 * 0.1 * theta < 1.5 * math.dist(s.start, s.minimum)  # the steps can hardly cover the way
        why = ("with η θ tiny, 100 steps are too few to get there" if short else
               f"its capped steps (η θ = {0.1 * theta:.2g} long) bounce across the foot: lower θ")
        return report(False, "", f"with θ = {theta:g} SGD stays in the window, but its last {NEAR_STEPS} points "
                      f"reach {_distance(far)} from the minimum (the foot means less than {NEAR:g}): {why}")
    return report(True, f"θ = {theta:g} caps every step at η θ = {0.1 * theta:.2g}: SGD stays in the window "
                  f"and its last {NEAR_STEPS} points lie within {_distance(far)} of the minimum.", hint)


def _distance(far: float) -> str:
    """``far`` with 3 or more decimals, on its side of ``NEAR``: a miss of 0.202 must not read "0.20",
    which looks like a pass (02r16 X1)."""
    return on_its_side(far, NEAR, digits=3, style="f")


NEAR, NEAR_STEPS = 0.2, 10  # "reaches the foot of the wall": the last 10 points within 0.2 of the minimum


# Exercises 4 and 5: the quadratic model on the Hessian H = [[5, 3], [3, 5]] (eigenvalues 2 and 8)
H_EX = ((5.0, 3.0), (3.0, 5.0))


def _eig_ex():
    (a, b), (_, d) = H_EX
    r = math.hypot((a - d) / 2, b)
    return (a + d) / 2 - r, (a + d) / 2 + r


def check_best_lr(lr, rate) -> bool:
    """Exercise 4: for plain gradient descent on ½ wᵀHw with ``H_EX``, the fixed η whose slowest
    direction shrinks fastest, and that factor per step (``surfaces.quadratic_model``: best_lr and
    best_rate, within 1 %)."""
    lo, hi = _eig_ex()
    best, rate_ok = 2 / (lo + hi), (hi / lo - 1) / (hi / lo + 1)
    hint = ("find H's two eigenvalues first; along each, one step multiplies the error by |1 − ηλ|, "
            "and the best η makes the slowest direction's factor as small as it can be")
    a, r = number_or_none(lr), number_or_none(rate)
    if a is None or r is None:
        return report(False, "", f"{hint} (give two numbers: lr and rate)")
    if math.isclose(a, 2 / hi, rel_tol=1e-2):
        return report(False, "", "that η is the stability limit: there the steepest direction does not shrink at all")
    if math.isclose(a, 1 / hi, rel_tol=1e-2):
        return report(False, "", "that η empties the steepest direction in one step, but then the slowest "
                      "shrinks slowly: balance the two factors")
    if not math.isclose(a, best, rel_tol=1e-2):
        return report(False, "", hint)
    if not math.isclose(r, rate_ok, rel_tol=1e-2):
        return report(False, "", "your η is right; now the factor per step: |1 − ηλ| at either eigenvalue")
    return report(True, f"η = 2/(λ_min + λ_max) = {best:g}; both directions shrink by (κ − 1)/(κ + 1) = "
                  f"{rate_ok:g} per step (κ = {hi / lo:g}).", hint)


def check_momentum_limit(answer) -> bool:
    """Exercise 5: the largest stable η for Momentum (eq. 02.2) with γ = 0.5 on ½ wᵀHw with ``H_EX``:
    2(1 + γ)/λ_max, within 1 %."""
    gamma, hi = 0.5, _eig_ex()[1]
    limit = 2 * (1 + gamma) / hi
    hint = ("start from H's largest eigenvalue; along its eigenvector Momentum's error obeys "
            "e' = (1 + γ − ηλ)e − γe₋₁ (§2's quadratic model): which η puts a root at −1?")
    a = number_or_none(answer)
    if a is None:
        return report(False, "", f"{hint} (give one number)")
    if math.isclose(a, 2 / hi, rel_tol=1e-2):
        return report(False, "", "that is plain gradient descent's limit; momentum's γ changes it")
    if math.isclose(a, 2 * (1 - gamma) / hi, rel_tol=1e-2):
        return report(False, "", "check the sign: with momentum the limit on η is higher than without")
    return report(math.isclose(a, limit, rel_tol=1e-2),
                  f"2(1 + γ)/λ_max = {limit:g}: above it Momentum diverges, below it it converges.", hint)
