"""Exercise checkers for notebook 08, which fix when (re-exported by vglab.exercises)."""
from __future__ import annotations

import math

import torch

from ._checks import answer_number, choice, learner_number, report

__all__ = ["check_fix_for_symptom", "check_capstone_q", "check_grad_ratio"]

FIXES = ["clipping", "residual", "dS sampling", "LSTM"]


def check_fix_for_symptom(answer) -> bool:
    """Notebook 08: a 20-layer sigmoid MLP whose layer-1 gradient is 1e-16 of the last: which fix?"""
    return choice(answer, "residual", options=FIXES,
                  success="residual: the identity path makes each block's Jacobian I + …, so layer 1 keeps "
                          "its gradient (within 10× of the last at initialisation in the table).",
                  hint="the product runs over layers: which fix changes what one block's Jacobian looks like?")


def check_capstone_q(answer) -> bool:
    """Notebook 08: ‖δ(k)‖ = 0.2 and ‖δ(k−h)‖ = 4e-6: what is Q (eq. 25)?"""
    expected = math.log10(0.2) - math.log10(4e-6)  # 4.70: vanishing, far outside [−1, 1]
    ok, a = answer_number(answer, hint="answer with a number: Q = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖")
    if not ok:
        return False
    if math.isclose(a, -expected, rel_tol=1e-2):
        return report(False, "", "check the order: Q = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖ (last step first); "
                                 "Q > 0 means vanishing")
    return report(math.isclose(a, expected, rel_tol=1e-2),
                  f"Q = {expected:.2f}: the gradient shrinks 5·10⁴-fold over h steps -- vanishing, outside [−1, 1].",
                  "Q = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖, eq. (25)")


def check_grad_ratio(fn) -> bool:
    """Notebook 08: ``fn(probe)`` → ‖∂L/∂a_1‖ / ‖∂L/∂a_L‖ from a ``saturation.Probe``. Checked on two probes:
    a vanishing 8-layer tanh net, and the same probe with its per-layer norms reversed (layer 1 the
    largest, as in an exploding net), so that min/max or any order-free ratio is not accepted."""
    import dataclasses
    from ..deep_mlp import build_mlp
    from ..saturation import probe
    g = torch.Generator().manual_seed(8)
    x, y = torch.randn(32, 64, generator=g), torch.randint(10, (32,), generator=g)
    p = probe(build_mlp(8, 32, "tanh", seed=3), x, y)
    hint = ("probe.grad_a holds ‖∂L/∂a_l‖ per layer l (first = nearest the input); the ratio compares the "
            "layer nearest the input with the one nearest the output, whichever is larger")
    results = []
    for i, q in enumerate((p, dataclasses.replace(p, grad_a=p.grad_a.flip(0)))):
        expected = float(q.grad_a[0] / q.grad_a[-1])
        ok, got = learner_number(fn, q, hint=hint)
        if not ok:
            return False
        if math.isclose(got, 1 / expected, rel_tol=1e-6) and not math.isclose(expected, 1.0, rel_tol=1e-3):
            return report(False, "", "that is last / first; the table's ratio is layer 1 / last layer" if i == 0 else
                          "on a probe whose layer 1 has the largest gradient (an exploding net) your function "
                          "gives last / first: the table's ratio is layer 1 / last layer, whichever is larger")
        results.append(math.isclose(got, expected, rel_tol=1e-6))
    expected = float(p.grad_a[0] / p.grad_a[-1])
    return report(all(results),
                  f"ratio {expected:.2e}: below 0.1 the gradient reaching layer 1 is more than 10× smaller than the last layer's.",
                  hint)
