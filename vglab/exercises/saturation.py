"""Exercise checkers for notebook 03, saturation (re-exported by vglab.exercises).

Each prints ``Correct: ...`` or ``Not yet: <hint>``, returns a bool and never raises.
"""
from __future__ import annotations

import math

import torch

from ._checks import answer_number, answer_numbers, close, number_or_none, report, run_learner_fn

__all__ = ["check_sigmoid_peak", "check_sigmoid_linear_factor", "check_sigmoid_derivative",
           "check_tanh_derivative", "check_flat_tanh_gain", "dead_relu_net", "check_dead_layer",
           "check_update_ratio_lr", "check_bn_relu_factor"]


_TRIES: dict = {}  # checker name -> wrong tries since its last right answer (for the fuller second hint)


def _hint(name: str, first: str, later: str) -> str:
    """The hint for this try of checker ``name``: ``first`` on the first try, ``later`` (which may
    name the identities the derivation needs) from the second on. Counts the try; ``_solved`` resets."""
    n = _TRIES.get(name, 0)
    _TRIES[name] = n + 1
    return first + " (answer again for a fuller hint)" if n == 0 else later


def _solved(name: str) -> None:
    _TRIES.pop(name, None)


def check_sigmoid_linear_factor(c, decades) -> bool:
    """Predict from eq. (sat-rate) in the linear regime (pre-activations near 0): a 20-layer sigmoid
    stack, init ``normal`` at gain 2. ``c``: the per-layer factor; ``decades``: how many decades ‖∂L/∂a‖
    loses from layer 20 to layer 1. The reply compares with the decades measured on 256 digits."""
    # the answer, kept out of the docstring a learner can open with shift-tab: σ′ ≈ 1/4 near 0, so
    # c = 2 · 1/4 = 0.5 (within 2 %), and 19 factors lose 19·log10 2 ≈ 5.72 decades (within 3 %); the
    # measured loss is larger, since RMS σ′ < 1/4 off a = 0
    nudge = "start from eq. (sat-rate) (answer with two numbers: c, then the decades lost, a positive number)"
    hint = ("each layer multiplies the gradient norm by c ≈ g·RMS f′ (eq. sat-rate); near a = 0 the "
            "sigmoid's f′ is at its maximum. Between layer 20 and layer 1 the gradient passes through "
            "how many such factors? (answer with two numbers: c, then the decades lost, a positive number)")
    if c is ... or decades is ...:
        return report(False, "", nudge)
    cv, dv = number_or_none(c), number_or_none(decades)
    if cv is None or dv is None:
        return report(False, "", hint)
    want_c, want_d = 0.5, 19 * math.log10(2.0)
    if not math.isclose(cv, want_c, rel_tol=0.02):
        return report(False, "", hint)
    if not math.isclose(dv, want_d, rel_tol=0.03):
        return report(False, "", "c is right; now count the factors between layer 20 and layer 1 and take "
                      "log10 of their product (decades lost: a positive number)")
    from ..data import digits
    from ..deep_mlp import gradient_profile

    d = digits(standardize=True)
    p = gradient_profile(d.x_train[:256], d.y_train[:256], depth=20, width=64, activation="sigmoid",
                         init="normal", gain=2.0)
    lost = float(torch.log10(p.grad_a[-1] / p.grad_a[0]))
    return report(True, f"c = 2 · 1/4 = 0.5, and 19 factors lose 19·log10 2 = {want_d:.2f} decades. "
                  f"Measured on 256 digits: {lost:.2f} decades, {100 * (lost / want_d - 1):.0f} % more, because the real "
                  "net is not in the linear regime: σ's outputs have a mean near 1/2, so the pre-activations "
                  "spread away from 0, where σ′ < 1/4.", hint)


def check_sigmoid_peak(a, value) -> bool:
    """At what pre-activation a is σ′ largest, and what is σ′ there? Answer with two numbers."""
    # the answer, kept out of the docstring: a = 0, σ′(0) = 1/4
    hint = "σ′(a) = σ(a)(1 − σ(a)) is a product p(1 − p); where is p(1 − p) largest, and what is σ(a) there?"
    ok, av = answer_numbers(a, value, hint=hint + " (answer with two numbers)")
    if not ok:
        return False
    a, value = av
    if not (math.isfinite(a) and abs(a) < 1e-3):
        return report(False, "", hint)
    return close(value, 0.25, rel=1e-3, success="σ′ peaks at a = 0 with σ′(0) = 1/4: the sigmoid's f′ "
                 "passes back at most 1/4; the weights' gain g multiplies it (eq. sat-rate).", hint="the place is right; now evaluate "
                 "σ(0)(1 − σ(0)) with σ(0) = 1/2.")


def check_sigmoid_derivative(fn) -> bool:
    """The learner's ``fn(a)`` must return σ′(a) elementwise, with a's shape: checked against the closed
    form on a 1-D float64 grid over [−30, 30], on the same values as a (3, 5, 16) float32 tensor, and on
    [−100, 100] in float32."""
    from ..saturation import derivative

    hint = ("differentiate σ(a) = 1/(1 + e^(−a)) elementwise; the result must stay finite "
            "for large |a| (the check runs on [−30, 30] in float64 and on [−100, 100] in float32, where "
            "e^(100) overflows)")
    a = torch.linspace(-30, 30, 240, dtype=torch.float64)
    wide = torch.linspace(-100, 100, 240, dtype=torch.float32).reshape(3, 5, 16)
    for x, tol in ((a, 1e-6), (a.float().reshape(3, 5, 16), 1e-4), (wide, 1e-4)):
        ok, out = run_learner_fn(fn, x.clone(), hint=hint)
        if not ok:
            return False
        try:
            out = torch.as_tensor(out, dtype=torch.float64)
            good = out.shape == x.shape and bool(torch.allclose(out, derivative("sigmoid", x.double()), rtol=tol,
                                                                atol=1e-12 if tol < 1e-5 else 1e-7))
        except (TypeError, ValueError, RuntimeError, OverflowError):
            good = False
        if not good:
            return report(False, "", hint + ("" if x.dim() == 1 else f" (it must also work on a tensor of "
                                              f"shape {tuple(x.shape)} and return that shape)"))
    return report(True, "your σ′ matches the closed form on [−30, 30] (float64) and [−100, 100] (float32), "
                  "for a 1-D and a 3-D tensor.", hint)


def check_tanh_derivative(fn) -> bool:
    """The learner's ``fn(a)`` must return tanh′(a) elementwise (any shape), derived from the sigmoid
    (exercise 3). Checked against 1 − tanh²(a) on [−20, 20] (float64). No hint names the identity the
    exercise asks for."""
    # the answer, kept out of the docstring a learner can open with shift-tab: tanh(a) = 2σ(2a) − 1, so
    # tanh′(a) = 4σ′(2a)
    nudge = "write tanh through the sigmoid first (compare the two curves' ranges and slopes at a = 0)"
    if fn is ...:
        return report(False, "", nudge)
    hint = _hint("tanh", "tanh is the sigmoid rescaled along a, stretched in height and shifted: find the three "
                 "numbers from the ranges (σ: 0 to 1, tanh: −1 to 1) and the slopes at a = 0 (σ′(0) = 1/4, "
                 "tanh′(0) = 1), then differentiate with the chain rule; you may call your σ′ from exercise 2",
                 "write tanh(a) = A·σ(B·a) + C and fix the three numbers A, B, C from three facts: tanh(0) = 0, "
                 "tanh(a) → 1 as a → ∞, and tanh′(0) = 1 while σ′(0) = 1/4; then differentiate with the chain "
                 "rule; you may call your σ′ from exercise 2")
    a = torch.linspace(-20, 20, 240, dtype=torch.float64)
    for x in (a, a.reshape(3, 5, 16)):
        ok, out = run_learner_fn(fn, x.clone(), hint=hint)
        if not ok:
            return False
        try:
            out = torch.as_tensor(out, dtype=torch.float64)
            good = out.shape == x.shape and bool(torch.allclose(out, 1 - torch.tanh(x) ** 2, rtol=1e-6,
                                                                atol=1e-12))
        except (TypeError, ValueError, RuntimeError, OverflowError):
            good = False
        if not good:
            return report(False, "", hint + ("" if x.dim() == 1 else f" (it must also work on a tensor of "
                                              f"shape {tuple(x.shape)} and return that shape)"))
    _solved("tanh")
    return report(True, "tanh′(a) = 4σ′(2a) = 1 − tanh²(a): tanh is the sigmoid squeezed 2× along a, "
                  "stretched 2× in height and shifted down by 1, so its slope peaks at 4 · 1/4 = 1 "
                  "instead of 1/4.", hint)


def check_flat_tanh_gain(gain) -> bool:
    """Which gain g in W ~ N(0, g²/fan_in) keeps a 30-layer tanh stack's gradient profile flat?

    Measured on one digits batch (64 digits) and one network (init seed 0, as on the panel): correct when
    ‖∂L/∂a_1‖ / ‖∂L/∂a_30‖ lies in [0.5, 2].
    """
    # the answer, kept out of the docstring: gain 1, the linear-regime value, gives about 0.33 (not flat):
    # tanh′ < 1 away from 0 puts the flat point a little above 1
    from ..data import digits
    from ..deep_mlp import gradient_profile

    hint = ("each layer multiplies the gradient by about g·RMS(tanh′) (eq. sat-rate), and RMS(tanh′) < 1 "
            "once the pre-activations spread; which g makes that product 1? Try a few on the panel with "
            "init = normal.")
    ok, g = answer_number(gain, hint=hint + " (answer with a number)")
    if not ok:
        return False
    if not (math.isfinite(g) and 0 < g <= 10):
        return report(False, "", hint + " (a gain between 0 and 10)")
    d = digits(standardize=True)
    p = gradient_profile(d.x_train[:64], d.y_train[:64], depth=30, width=64, activation="tanh", init="normal",
                         gain=g)
    r = float(p.grad_a[0] / p.grad_a[-1])
    good = 0.5 <= r <= 2.0
    if good:  # the success line compares with 5/3, torch's calculate_gain("tanh") (Karpathy's makemore)
        p53 = gradient_profile(d.x_train[:64], d.y_train[:64], depth=30, width=64, activation="tanh",
                               init="normal", gain=5 / 3)
        r53 = float(p53.grad_a[0] / p53.grad_a[-1])
    return report(good, f"gain {g:g}: layer 1 / layer 30 = {r:.2f}, flat within 2×. Eq. (sat-rate) puts the "
                  "critical gain at 1 in the linear regime (LeCun/Xavier init); at 30 layers tanh′ < 1 pulls "
                  f"the flat point a little above 1. At 5/3, torch's calculate_gain('tanh'), the ratio "
                  f"is {r53:.0f} over 30 layers." if good else "",
                  f"gain {g:g} gives layer 1 / layer 30 = {r:.1e} ({'vanishing' if r < 1 else 'exploding'}); "
                  + hint)


def _dead_block() -> int:
    """The 0-based index of the block that ``dead_relu_net`` kills: one draw from a fixed seed, so that
    the net's source does not name the layer (exercise 5 asks the learner to find it with the report)."""
    return int(torch.randint(1, 5, (1,), generator=torch.Generator().manual_seed(3)))


def dead_relu_net():
    """A 6-layer ReLU net (width 32, Kaiming init) in which one layer has most of its units dead."""
    from ..deep_mlp import build_mlp

    model = build_mlp(6, 32, "relu", init="kaiming", seed=3)
    with torch.no_grad():
        model.blocks[_dead_block()].linear.bias[:28] = -100.0  # a huge negative bias: a <= 0 on every example
    return model


def check_dead_layer(layer) -> bool:
    """Which layer (1-based) of ``dead_relu_net()`` has the most dead ReLUs? (use saturation_report)"""
    # A checker cannot limit tries (with 6 layers, guessing passes in a few); the hint sends the learner
    # to the report row that shows the answer instead.
    hint = ("print sat.saturation_report(ex.dead_relu_net(), xb) and find the one row whose '%dead' stands far "
            "above the others; layers count from 1 at the input")
    n = number_or_none(layer)  # an int, a float or a numpy scalar; never a string
    if n is None:
        return report(False, "", hint + " (answer with a layer number)")
    want = _dead_block() + 1  # 1-based
    return report(n == want, f"layer {want}: 28 of its 32 units have a <= 0 for every example, so no gradient "
                  "reaches their weights; with a bias of −100 they will practically never come back.", hint)


def check_update_ratio_lr(lr) -> bool:
    """Pick an SGD learning rate giving update:data ≈ 1e-3 (within 3×: every layer in [1e-3/3, 3e-3]) in
    every hidden layer (the Linear before each of the 10 ReLUs; ``probe`` does not see the output
    Linear) of a 10-layer ReLU/Kaiming net at init on a digits batch (Karpathy's rule of thumb).
    update:data here is ``probe``'s plain SGD step lr·‖∂L/∂W‖/‖W‖ (no momentum)."""
    from ..data import digits
    from ..deep_mlp import build_mlp
    from ..saturation import probe

    hint = ("update:data = lr·‖∂L/∂W‖/‖W‖ is proportional to lr: run probe(model, x, y, lr=...) and "
            "scale lr by 1e-3 / (the ratio you see)")
    if lr is ...:
        return report(False, "", "how does update:data depend on lr? (answer with a number)")
    ok, lr = answer_number(lr, hint=hint + " (answer with a number)")
    if not ok:
        return False
    if not (math.isfinite(lr) and lr > 0):
        return report(False, "", hint + " (a positive learning rate)")
    d = digits(standardize=True)
    p = probe(build_mlp(10, 64, "relu", init="kaiming"), d.x_train[:64], d.y_train[:64], lr=lr)
    lo, hi = float(p.update_ratio.min()), float(p.update_ratio.max())
    good = lo >= 1e-3 / 3 and hi <= 3e-3
    return report(good, f"lr = {lr:g}: update:data from {lo:.1e} to {hi:.1e}, all within 3× of 1e-3.",
                  f"lr = {lr:g} gives update:data from {lo:.1e} to {hi:.1e}; " + hint)


BN_RELU_FACTOR = math.sqrt(0.5) / math.sqrt(0.5 - 1 / (2 * math.pi))  # ≈ 1.210


def check_bn_relu_factor(c) -> bool:
    """Predict the per-layer factor c of a deep ReLU stack with BatchNorm before every ReLU, at init,
    from eq. (sat-norm) with a ~ N(0, 1) per unit. The reply compares with the slope measured on 256
    digits (20 layers, width 64, 3 seeds)."""
    # the answer, kept out of the docstring: RMS ReLU′ = √(1/2); the next BatchNorm divides by the std of
    # z = ReLU(a), √(E[z²] − E[z]²) = √(1/2 − 1/(2π)); c = their ratio ≈ 1.21 (within 3 %)
    if c is ...:
        return report(False, "", "c ≈ RMS f′(a) / s(z), eq. (sat-norm): what are the two, for a standard normal a? "
                      "(answer with a number)")
    hint = _hint("bn_relu", "c ≈ RMS f′(a) / s(z): BatchNorm makes each a standard normal, and the next layer's "
                 "BatchNorm divides by the std over the batch of z = ReLU(a), with z's mean removed; "
                 "answer with a number",
                 "c ≈ RMS f′(a) / s(z): BatchNorm makes each a standard normal, and the next layer's BatchNorm "
                 "divides by the std over the batch of z = ReLU(a). Use E[ReLU′(a)²] = P(a > 0), "
                 "E[z²] = E[a²; a > 0] and E[z] = E[a; a > 0] = 1/√(2π) (answer with a number)")
    cv = number_or_none(c)
    if cv is None or not math.isclose(cv, BN_RELU_FACTOR, rel_tol=0.03):
        return report(False, "", hint)
    _solved("bn_relu")
    from ..data import digits
    from ..deep_mlp import gradient_profile, log_slope

    d = digits(standardize=True)
    meas = [10 ** log_slope(gradient_profile(d.x_train[:256], d.y_train[:256], depth=20, width=64,
                                             activation="relu", init="kaiming", norm="batch", seed=s).grad_a)[0]
            for s in range(3)]
    return report(True, f"c = √(1/2) / √(1/2 − 1/(2π)) = {BN_RELU_FACTOR:.3f} > 1: the gradient *grows* "
                  f"towards the input. Measured per-layer factor on 256 digits (3 seeds): {min(meas):.2f} to "
                  f"{max(meas):.2f}. BatchNorm divides by the centred std, and ReLU's output has a mean, "
                  "so the std is smaller than the RMS that RMS f′ matches.", hint)
