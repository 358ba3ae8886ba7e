"""Exercise checkers for notebook 02, the lecture's optimizers (re-exported by vglab.exercises).

Each prints ``Correct: ...`` or ``Not yet: <hint>``, returns a bool and never raises.
"""
from __future__ import annotations

import math

import torch

from ._checks import answer_number, close, report, run_learner_fn

__all__ = ["check_momentum_step", "check_adadelta_factor", "check_clip_threshold"]


def check_momentum_step(fn) -> bool:
    """``fn(w, v, g, lr, gamma) -> (w_new, v_new)``: one Momentum step (eq. 02.2, SOURCES.md §3), checked
    against ``vglab.optim.Momentum`` over three steps on random tensors."""
    from ..optim import Momentum

    hint = "the lecture writes v := γ v + η g, then w := w − v (v first, then w, with the new v)"
    gen = torch.Generator().manual_seed(7)
    w0 = torch.randn(5, dtype=torch.float64, generator=gen)
    grads = [torch.randn(5, dtype=torch.float64, generator=gen) for _ in range(3)]
    p = w0.clone().requires_grad_()
    opt = Momentum([p], lr=0.1, gamma=0.8)
    w, v = w0.clone(), torch.zeros(5, dtype=torch.float64)
    for g in grads:
        p.grad = g.clone()
        opt.step()
        ok, out = run_learner_fn(fn, w.clone(), v.clone(), g.clone(), 0.1, 0.8, hint=hint)
        if not ok:
            return False
        try:
            w, v = (torch.as_tensor(t, dtype=torch.float64) for t in out)
        except (TypeError, ValueError, RuntimeError):
            return report(False, "", f"{hint} (return a pair (w_new, v_new) of tensors)")
        if w.shape != p.shape or not torch.allclose(w, p.detach(), rtol=1e-9, atol=1e-12):
            return report(False, "", hint if w.shape == p.shape else f"{hint} (w has shape {tuple(w.shape)})")
    return report(True, "three steps of your Momentum match vglab.optim.Momentum.", hint)


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
    hint = ("compare δ = g (√Δ + ε)/(√G + ε) with torch's g √(Δ + ε)/√(G + ε) at Δ = 0: "
            "the numerators are ε and √ε; give 'how many times smaller' as a number like 1e3")
    ok, a = answer_number(answer, hint=f"{hint} (your answer should be a number)")
    if not ok:
        return False
    if 0 < a < 1 and math.isclose(math.log10(1 / a), math.log10(factor), abs_tol=0.31):
        return report(False, "", "that is the ratio the other way round: how many TIMES smaller is it?")
    return close(a, factor, rel=0.5, success=f"about {factor:.0f}× smaller: √ε/ε = 1/√ε = 1e4.", hint=hint)


def check_clip_threshold(theta) -> bool:
    """A clipping threshold θ with which SGD (η = 0.1, 100 steps) on the cliff never leaves the
    plot window and ends within 1 of the minimum (the foot of the wall)."""
    from ..surfaces import get, trajectory

    hint = ("plain SGD lands on the wall where ‖g‖ ≈ 100, so a step is η‖g‖ ≈ 10 long; "
            "θ caps the step at η θ: pick θ so that η θ is small compared to the window")
    ok, theta = answer_number(theta, hint=f"{hint} (θ should be a positive number)")
    if not ok:
        return False
    if not (math.isfinite(theta) and theta > 0):
        return report(False, "", f"{hint} (θ must be a positive number, got {theta})")
    s = get("cliff")
    tr = trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=theta, on_diverge="stop")
    (x0, x1), (y0, y1) = s.window
    P = tr.path
    inside = bool(((P[:, 0] >= x0) & (P[:, 0] <= x1) & (P[:, 1] >= y0) & (P[:, 1] <= y1)).all())
    near = math.dist(P[-1], s.minimum) < 1.0
    if not inside:
        return report(False, "", f"with θ = {theta:g} SGD is still thrown out of the window; {hint}")
    if not near:
        return report(False, "", f"with θ = {theta:g} SGD stays but ends {math.dist(P[-1], s.minimum):.2f} "
                      "from the minimum: with η θ tiny, 100 steps are too few to get there")
    return report(True, f"θ = {theta:g} keeps every step short, and SGD reaches the foot of the wall.", hint)
