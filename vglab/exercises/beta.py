"""Exercise checkers for notebook 06, the Beta penalty (re-exported by vglab.exercises; the patent, SOURCES.md §2).

Each prints ``Correct: ...`` or ``Not yet: <hint>`` and returns a bool; none raises, whatever it is
given (a word, a tuple, NaN, inf, a huge int, a function that raises). A number is read strictly
(``_checks.read_number``): a string is never read as a number, a bool is not a number, a container must
hold exactly one. The committed placeholder (``...`` or None) gets the format only, never the hint.
"""
from __future__ import annotations

import math

from ._checks import number_or_none, report, run_learner_fn

__all__ = ["check_beta21_log_mean", "check_constant_layer_omega", "check_omega_grad", "check_omega_push",
           "check_factor_at_zero", "check_log_moment", "check_ks_distance"]


def _placeholder(answer, what: str = "your number") -> bool:
    """The committed placeholder (None or ...): print the format only, no hint (it would show before any attempt)."""
    if answer is None or answer is Ellipsis:
        report(False, "", f"replace {'...' if answer is Ellipsis else 'None'} with {what}.")
        return True
    return False


def _number_check(answer, expected: float, *, rel: float, success: str, hint: str, slips=()) -> bool:
    """One number against ``expected``; ``slips`` = ((value, hint), ...) for known wrong answers."""
    if _placeholder(answer):
        return False
    x = number_or_none(answer)
    if x is None:
        return report(False, "", f"answer with one finite number (got {type(answer).__name__}).")
    if math.isclose(x, expected, rel_tol=rel, abs_tol=1e-12):
        return report(True, success, hint)
    for value, slip_hint in slips:
        if math.isclose(x, value, rel_tol=rel, abs_tol=1e-12):
            return report(False, "", slip_hint)
    return report(False, "", hint)


def check_beta21_log_mean(answer) -> bool:
    """E[ln z] for z ~ Beta(2, 1) (density 2z), from (06.3) and ψ(x + 1) = ψ(x) + 1/x alone: ψ(2) − ψ(3) = −1/2."""
    return _number_check(
        answer, -0.5, rel=1e-3,
        success="E[ln z] = ψ(2) − ψ(3) = −1/2 for Beta(2, 1): above −1, because its values lean toward 1. "
                "For such a unit 1 + E[ln z] = 1/2, and E[ln(1 − z)] = ψ(1) − ψ(3) = −3/2 gives 1 + E[ln(1 − z)] = "
                "−1/2: ω charges it both terms, (1/2)² + (−1/2)² = 1/2.",
        hint="put α = 2, β = 1 into (06.3): E[ln z] = ψ(α) − ψ(α + β); then apply the recurrence once.",
        slips=((-1.0, "that is U(0, 1)'s value, Beta(1, 1). Put α = 2, β = 1 into (06.3)."),
               (0.5, "check the sign: every z in (0, 1) has ln z < 0, so its mean cannot be positive.")))


def check_constant_layer_omega(answer, c: float = 0.9, d: int = 3) -> bool:
    """ω (patent claim 1) for a layer of d units that all output the constant c for every sample.

    The placeholder gets the format only; the hint (the procedure) comes after a wrong number."""
    if _placeholder(answer):
        return False
    try:  # c, d are the exercise's settings; a bad one is a hint too, never a traceback
        expected = d * ((1 + math.log(c)) ** 2 + (1 + math.log(1 - c)) ** 2)
        assert isinstance(d, int) and not isinstance(d, bool) and d >= 1 and math.isfinite(expected)
    except (TypeError, ValueError, OverflowError, AssertionError):
        return report(False, "", f"c must be a number in (0, 1) and d a positive int, got c={c!r:.30}, d={d!r:.30}.")
    # rel = 1 %: a hand computation with two-decimal logs (ln 0.9 ≈ −0.11, ln 0.1 ≈ −2.30 → 7.446,
    # 0.6 % low) passes; forgetting d (÷ 3) or the squares does not
    return _number_check(answer, expected, rel=1e-2,
                         success=f"ω = d[(1 + ln c)² + (1 + ln(1 − c))²] = {expected:.4f}: a constant layer is far "
                                 "from U(0, 1).",
                         hint="every mean (1/N)Σ ln z_j equals ln c, and every (1/N)Σ ln(1 − z_j) equals ln(1 − c); "
                              "square (1 + each), add them, and sum over the d units.")


def _as_tensor(out, shape: str):
    """A learner function's result as a float64 tensor, or None after printing what is missing (the
    committed stub returns None: say what to return, not how to compute it)."""
    import torch
    if out is None:
        report(False, "", f"your function returned None: return a tensor of shape {shape}.")
        return None
    try:
        return torch.as_tensor(out, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        report(False, "", f"return a tensor of shape {shape}, got {type(out).__name__}.")
        return None


def _omega_grad_reference(a):
    """∂ω/∂a by autograd in float64 (the independent reference for ``check_omega_grad``)."""
    import torch

    from ..beta_penalty import beta_penalty_from_logits

    a = a.detach().double().requires_grad_()
    (g,) = torch.autograd.grad(beta_penalty_from_logits(a), a)
    return g


def check_omega_grad(fn) -> bool:
    """The learner's ``fn(a) -> (N, d)``: ∂ω/∂a for z = σ(a), by hand; compared with autograd (float64)
    on two random layers. Known slips (no factor 2, a sum for the mean, a flipped sign) get their own hint.
    It compares values only, so the derivation is the learner's part: ``fn`` runs under ``torch.no_grad()``,
    which makes a plain autograd call inside ``fn`` fail, but a function that turns autograd back on
    (``torch.enable_grad()``, ``torch.autograd.functional``, ``torch.func.grad``) is accepted, and no Python checker can forbid that (``torch.inference_mode()``
    can be left with ``inference_mode(False)`` as well; read 06r8 E2/X1)."""
    import torch

    hint = ("differentiate (06.1) by the chain rule: what are d ln σ(a)/da and d ln(1 − σ(a))/da, "
            "and how does one sample's a_ij enter a mean over N samples?")
    for seed, shape in ((0, (16, 3)), (1, (7, 2))):
        a = 2 * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        with torch.no_grad():  # a plain autograd call in fn finds no graph and fails; enable_grad() escapes it
            ok, out = run_learner_fn(fn, a.clone(), hint=hint)
        if not ok:
            return False
        out = _as_tensor(out, "(N, d)")
        if out is None:
            return False
        ref = _omega_grad_reference(a)
        # float32 arithmetic is a right answer too (read 06r6 X2): its error is ~1e-6 relative, far below any slip
        tol = dict(rtol=1e-4, atol=1e-6 * float(ref.abs().max()))
        if out.shape != ref.shape:
            return report(False, "", f"for a of shape {tuple(a.shape)} return the same shape (one derivative per "
                                     f"value); got {tuple(out.shape)}.")
        if not bool(torch.isfinite(out).all()):
            return report(False, "", "your gradient has NaN or inf entries; " + hint)
        for factor, slip in ((0.5, "the factor 2 of the square is missing."),
                             (shape[0], "a mean over N samples: each a_ij enters with weight 1/N."),
                             (-1.0, "the sign is flipped: σ′ = σ(1 − σ) > 0 and d ln(1 − σ)/da = −σ.")):
            if torch.allclose(out, factor * ref, **tol):
                return report(False, "", slip)
        if not torch.allclose(out, ref, **tol):
            return report(False, "", hint)
    return report(True, "∂ω/∂a_ij = (2/N)[(1 + m_j)(1 − z_ij) − (1 + m̄_j) z_ij], with m_j, m̄_j the unit's two "
                        "log-means: equal to autograd on two random layers.", hint)


def check_omega_push(answer) -> bool:
    """N·∂ω/∂a for a unit whose every value is z = 0.9 (one of the d = 3 units of Exercise 2).

    = 2[(1 + ln 0.9)(0.1) − (1 + ln 0.1)(0.9)] ≈ 2.52 > 0: gradient descent lowers a, toward z = 1/2."""
    z0 = 0.9
    expected = 2 * ((1 + math.log(z0)) * (1 - z0) - (1 + math.log(1 - z0)) * z0)
    return _number_check(
        answer, expected, rel=1e-2,
        success=f"N·∂ω/∂a = {expected:.3f} > 0, so a gradient step on ω lowers a: ω pulls the unit from 0.9 "
                "toward the middle, and pulls harder the further out the unit sits (no σ′ factor shrinks it).",
        hint="put z = 0.9 for every sample into your derivative: both log-means are then logs of constants.",
        slips=((-expected, "check the sign of each term: (1 + ln 0.1) is negative."),
               (expected / 2, "the factor 2 of the square is missing.")))


def check_factor_at_zero(answer) -> bool:
    """Per-layer factor c = g·√E[σ′(a)²] (eq. sat-rate) at gain g = 2 with every a near 0: 2 · 1/4 = 1/2.

    (Not at §7's gain 4: 4 · 1/4 = 1 can be read off notebook 06's §7 text; read 06r12 X4.)"""
    return _number_check(
        answer, 0.5, rel=1e-3,
        success="c = 2 · σ′(0) = 2 · 1/4 = 1/2: the gradient's norm would about halve at every such layer, so it "
                "would still vanish. At this hypothetical gain, pulling every a toward 0 removes saturation, not "
                "the vanishing.",
        hint="σ′(a) = σ(a)(1 − σ(a)); what is it at a = 0, and what is its RMS when every a is near 0?",
        slips=((0.25, "that is only one of eq. sat-rate's two factors."),
               (2.0, "that is the gain alone; multiply it by the RMS of σ′."),
               (1.0, "that would be the factor at §7's gain 4; this exercise's gain is 2."),
               (0.125, "eq. sat-rate takes the square root of E[σ′²], the RMS, not E[σ′²] itself.")))


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


def check_ks_distance(fn) -> bool:
    """The learner's ``fn(z) -> (d,)``: each unit's Kolmogorov-Smirnov distance sup_x |F_N(x) − x| to
    U(0, 1), compared with ``beta_penalty.ks_to_uniform`` on two layers without ties and one with ties
    (float64). Known slips (only one side of each jump of F_N; a jump of 1/N at a value that several
    samples share) get their own hint."""
    import torch

    from ..beta_penalty import counterexample, ks_to_uniform

    gen = torch.Generator().manual_seed(0)
    u = torch.rand(50, 1, generator=gen, dtype=torch.float64) ** 3
    lo_hi = torch.cat([torch.full((30, 1), 0.2), torch.full((60, 1), 0.9)]).double()
    layers = (torch.rand(200, 3, generator=gen, dtype=torch.float64),
              torch.cat([u, 1 - u], 1),  # one unit leans toward 0, one toward 1: each side of a jump matters
              # ties: §4's counterexample (N = 90), and two units where the gap sits before, or after, a tied jump
              torch.cat([counterexample(90), lo_hi, 1.1 - lo_hi], 1))
    for k, z in enumerate(layers):
        ok, out = run_learner_fn(fn, z.clone(), hint="fn(z) gets a tensor z of shape (N, d) and returns a tensor")
        if not ok:
            return False
        out = _as_tensor(out, "(d,)")
        if out is None:
            return False
        expected = ks_to_uniform(z)
        if out.shape != expected.shape:
            return report(False, "", f"for z of shape {tuple(z.shape)} return shape {tuple(expected.shape)}: one "
                                     f"number per unit; got shape {tuple(out.shape)}.")
        if not torch.allclose(out, expected, rtol=1e-6, atol=1e-12):
            if k == len(layers) - 1:  # right on both layers without ties (there a one-sided slip already failed)
                return report(False, "", "right without ties, but not on a layer with tied values: where k "
                                         "samples share a value, F_N jumps there by k/N, not by 1/N.")
            zs = z.sort(0).values
            i = torch.arange(1, z.shape[0] + 1, dtype=torch.float64)[:, None]
            one_side = ((i / z.shape[0] - zs).max(0).values, (zs - (i - 1) / z.shape[0]).max(0).values,
                        (i / z.shape[0] - zs).abs().max(0).values)
            if any(torch.allclose(out, v, rtol=1e-6, atol=1e-12) for v in one_side):
                return report(False, "", "F_N jumps at each sorted value: compare x with F_N just before the "
                                         "jump and just after it, and take the larger gap.")
            return report(False, "", "the right shape, but not the largest gap between each unit's empirical "
                                     "CDF and x: sort each unit's values first.")
    return report(True, "the largest gap between each unit's staircase F_N and the line x sits at a jump of "
                        "F_N, on one side of it or the other.", "")
