"""Exercise checkers for notebook 08, which fix when (re-exported by vglab.exercises).

Each prints one line (``Correct: ...`` or ``Not yet: <hint>``), returns a bool and never raises. The
first hint -- what the unanswered cell (the placeholder ``...``) prints -- never holds the answer.
"""
from __future__ import annotations

import math

import torch

from ._checks import answer_number, choice, learner_number, report

__all__ = ["check_fix_for_symptom", "check_capstone_q", "check_layer_factor", "check_capstone_orthogonal_q"]

FIXES = ["clipping", "residual", "dS sampling", "LSTM", "Adam"]
ORTHO_H, ORTHO_RMS = 19, 0.9  # exercise 4: h = T − 1 steps at T = 20, RMS tanh′ of the units


def _placeholder(answer) -> bool:
    return answer is Ellipsis or answer is None


def check_fix_for_symptom(answer) -> bool:
    """Notebook 08: a 20-layer tanh MLP with PyTorch's default init, whose layer-1 gradient is orders of
    magnitude below the last's: which of the five changes the exercise names can change that ratio in one
    forward and backward pass, before any update? Adam is the plausible distractor: it rescales each
    parameter's step, but only when it updates, after backprop has computed the gradients."""
    if _placeholder(answer):
        return report(False, "", "replace ... with one of the names the exercise lists (a string). Ask "
                                 "first over what the product runs: layers or time steps?")
    why = {"clipping": "norm clipping rescales all the weight gradients by one common factor after backprop, "
                       "so it cannot change the ratio between two layers' gradients.",
           "ds sampling": "dS sampling chooses which updates to apply, and there is none yet; it does not change "
                          "any factor of the product.",
           "lstm": "the LSTM adds a cell path across time steps (its Jacobian is the diagonal of the forget "
                   "gate, beside the W_recᵀ·diag f′ path); this product runs over layers.",
           "adam": "Adam divides each parameter's step by the RMS of that parameter's recent gradients, so layer 1 "
                   "would take larger steps; but it acts only when it makes an update, on the gradients backprop "
                   "has already computed, and the ratio is between those gradients."}
    try:
        norm = str(answer).strip().lower()
    except Exception:  # noqa: BLE001 -- a checker never raises
        norm = ""
    if norm in why:  # a wrong choice: the hint names only what the chosen fix does
        return report(False, "", why[norm])
    return choice(answer, "residual", options=FIXES,
                  success="residual: the identity path makes each block's Jacobian I + … instead of a factor "
                          "below 1, so the product no longer shrinks geometrically with depth (§3 prints the "
                          "sigmoid residual net within 10× at initialisation).",
                  hint="ask over what the product runs (layers or time steps), and which fix changes each "
                       "of its factors.")


def check_capstone_q(answer) -> bool:
    """Notebook 08: ‖δ(k)‖ = 0.2 and ‖δ(k−h)‖ = 4e-6: what is Q (eq. 25)?"""
    expected = math.log10(0.2) - math.log10(4e-6)  # 4.70: vanishing, far outside [−1, 1]
    ok, a = answer_number(answer, hint="replace ... with a number: apply eq. (25) to the two norms the "
                                       "exercise gives")
    if not ok:
        return False
    if math.isclose(a, -expected, rel_tol=1e-2):
        return report(False, "", "check the order: eq. (25) puts the last step first; Q > 0 means vanishing")
    return report(math.isclose(a, expected, rel_tol=1e-2),
                  f"Q = {expected:.2f}: the gradient shrinks 5·10⁴-fold over h steps -- vanishing, outside [−1, 1].",
                  "Q = log10 ‖δ(k)‖ − log10 ‖δ(k−h)‖, eq. (25)")


def _probes():
    """A vanishing 8-layer tanh probe, and the same with its per-layer norms reversed (exploding)."""
    import dataclasses
    from ..deep_mlp import build_mlp
    from ..saturation import probe
    g = torch.Generator().manual_seed(8)
    x, y = torch.randn(32, 64, generator=g), torch.randint(10, (32,), generator=g)
    p = probe(build_mlp(8, 32, "tanh", seed=3), x, y)
    return p, dataclasses.replace(p, grad_a=p.grad_a.flip(0))


def check_layer_factor(fn) -> bool:
    """Notebook 08: ``fn(probe)`` → the per-layer factor c whose (D − 1)-th power (D layers) is the layer-1/last
    ratio ‖∂L/∂a_1‖ / ‖∂L/∂a_last‖ (``probe.grad_a``, one norm per layer, first = nearest the input).
    Checked on a vanishing probe and on the same probe reversed (layer 1 the largest), so that an
    order-free answer (min/max) is not accepted."""
    hint = ("fn(probe) must return one number: the factor that, multiplied once per step from the last "
            "layer down to layer 1, turns ‖∂L/∂a_last‖ into ‖∂L/∂a_1‖ (probe.grad_a, first = nearest the input)")
    from ..deep_mlp import log_slope
    results = []
    for i, q in enumerate(_probes()):
        ratio, steps = float(q.grad_a[0] / q.grad_a[-1]), len(q.grad_a) - 1
        expected = ratio ** (1 / steps)
        ok, got = learner_number(fn, q, hint=hint)
        if not ok:
            return False
        fitted = 10 ** log_slope(q.grad_a)[0]  # §3's "measured" column: a least-squares slope
        wrong = {fitted: "that is a slope fitted over all the layers (like §3's 'measured' column); the exercise "
                         "asks for the factor whose product over the steps gives the ratio exactly",
                 1 / expected: "that is last over first: c < 1 must mean that layer 1 gets the smaller gradient",
                 ratio: "that is the ratio over all the layers, not the factor of one layer",
                 ratio ** (1 / len(q.grad_a)): "count the factors: between layer 1 and layer D there are D − 1 steps",
                 ratio ** (1 / (len(q.grad_a) - 2)): "count the factors: from layer D down to layer 1 there are D − 1 "
                                                     "steps, not only the D − 2 layers strictly between them"}
        for w, why in wrong.items():
            if math.isclose(got, w, rel_tol=1e-6) and not math.isclose(got, expected, rel_tol=1e-6):
                return report(False, "", why + (" (on the reversed probe, where layer 1 has the largest "
                                                "gradient)" if i else ""))
        results.append(math.isclose(got, expected, rel_tol=1e-6))
    ratio, steps = (lambda p: (float(p.grad_a[0] / p.grad_a[-1]), len(p.grad_a) - 1))(_probes()[0])
    return report(all(results),
                  f"c = {ratio ** (1 / steps):.3f} per layer, and c^{steps} = {ratio:.1e}: the ratio over the "
                  "whole stack is the per-layer factor raised to the number of steps.", hint)


def check_capstone_orthogonal_q(answer) -> bool:
    """Notebook 08: W_rec orthogonal (every singular value 1), RMS tanh′ = 0.9, h = 19: predict Q."""
    expected = -ORTHO_H * math.log10(ORTHO_RMS)  # 0.87: in the safe zone, but not 0
    ok, a = answer_number(answer, hint="replace ... with a number: work out the per-step factor c first "
                                       "(§1), then how many powers of 10 it loses over h steps")
    if not ok:
        return False
    if math.isclose(a, -expected, abs_tol=0.005):
        return report(False, "", "check the sign: Q > 0 means the gradient shrinks going back in time")
    if math.isclose(a, 0.0, abs_tol=1e-3):
        return report(False, "", "the orthogonal W_rec keeps the gain at 1, but each step also multiplies by tanh′")
    if any(math.isclose(a, -n * math.log10(ORTHO_RMS), abs_tol=0.006) for n in (ORTHO_H - 1, ORTHO_H + 1)):
        return report(False, "", "count the steps: over h steps the gradient is multiplied by c exactly h "
                                 "times, once per step")
    if not math.isclose(a, expected, abs_tol=0.005) and abs(a - expected) < 0.05:
        return report(False, "", "close, but not right to two decimals: recompute the power of 10 lost over h steps")
    return report(math.isclose(a, expected, abs_tol=0.005),
                  f"Q = −{ORTHO_H}·log10 {ORTHO_RMS} = {expected:.2f}: c = 1 × {ORTHO_RMS} per step, so the "
                  "gradient still shrinks, here by less than 10× -- inside the safe zone.",
                  "per step c ≈ gain × RMS tanh′ (§1); over h steps the gradient is multiplied by c^h, and Q is "
                  "minus log10 of that")
