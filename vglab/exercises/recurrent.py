"""Exercise checkers for notebook 04, BPTT and Jacobian products (re-exported by vglab.exercises).

Each prints ``Correct: ...`` or ``Not yet: <hint>`` and returns a bool; none raises.
"""
from __future__ import annotations

import math

import torch

from ._checks import close, number_or_none, report, run_learner_fn, tensors_close

__all__ = ["check_delta_step", "check_product_bound", "check_critical_radius", "check_sigmoid_orders",
           "check_orthogonal_srn_q", "check_irnn_q", "check_truncation_window"]


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
        slips = {"the spectral radius (largest |eigenvalue|)": float(torch.linalg.eigvals(W).abs().max()),
                 "the Frobenius norm": float(torch.linalg.matrix_norm(W))}
        slips = {k: (v * gamma) ** int(h) for k, v in slips.items()}
    except (KeyError, TypeError, ValueError, RuntimeError, OverflowError) as e:
        return report(False, "", f"pass W_rec as a (K, K) matrix, h as an int and activation "
                                 f"'tanh' or 'sigmoid' ({e})")
    a = number_or_none(answer)
    for name, v in slips.items():
        if a is not None and not math.isclose(v, expected, rel_tol=0.05) and math.isclose(a, v, rel_tol=0.02):
            return report(False, "", f"that uses {name} of W; the bound of section 3 takes the most W can "
                                     "stretch any vector")
    return close(answer, expected, rel=0.02, abs_=1e-300,
                 success=f"‖∏J‖ ≤ (σ_max · max f′)^h = {expected:.3g}",
                 hint="section 3's inequality: its right-hand end needs W_rec alone. Which norm of W does it "
                      "take, what is max|f′| for this activation (section 5 prints it), and how does h enter?")


def check_critical_radius(answer, activation: str = "tanh", K=None) -> bool:
    """Which spectral radius of W_rec keeps ‖δ‖ roughly constant near a = 0? (tanh: 1, sigmoid: 4).

    With ``K`` (a whole number >= 1), the answer is instead the init variance σ² that gives that radius
    to a K × K Gaussian W_rec, σ² = radius²/K (tanh: 1/K, sigmoid: 16/K)."""
    if activation not in ("tanh", "sigmoid"):
        return report(False, "", "activation must be 'tanh' or 'sigmoid'")
    radius = 1.0 if activation == "tanh" else 4.0
    if K is not None:
        k = number_or_none(K)
        if k is None or k < 1 or k != int(k):
            return report(False, "", "K must be a whole number >= 1")
        k = int(k)
        expected = radius ** 2 / k
        hint = ("which spectral radius makes the linearised model's per-step factor 1 for the nonlinearity "
                "this call names, and which σ² gives a K × K Gaussian W_rec that radius (section 4)?")
        a = _read(answer, hint)
        if a is None:
            return False
        slips = {radius: "that is the radius; give the variance σ² that makes it at this K",
                 radius / math.sqrt(k): "that is the standard deviation; σ² is its square",
                 radius ** 2 / 100: "that is σ² for K = 100; the radius depends on K too"}
        for v, text in slips.items():
            if k != 100 and not math.isclose(v, expected, rel_tol=0.05) and math.isclose(a, v, rel_tol=0.02):
                return report(False, "", text)
        return report(math.isclose(a, expected, rel_tol=0.02),
                      f"radius × f′(0) = 1 needs radius {radius:g}, and σ² = radius²/K = {expected:.4g}"
                      + ("" if activation == "tanh" else "; the sigmoid's units do not sit at a = 0, so a "
                         "real net still vanishes there (notebook 04, section 5)"), hint)
    expected = radius
    # rel 0.02: 1/RMS f′ from a real net (sigmoid 1/0.24 = 4.17, tanh 1/0.95 = 1.05) is the other model, not this one
    return close(answer, expected, rel=0.02,
                 success=f"radius × f′(0) = {expected:g} × {1 / expected:g} = 1: steady in the linearised "
                         f"model (all a near 0)" + ("" if activation == "tanh" else
                         "; the sigmoid's units do not sit at a = 0, so a real net still vanishes "
                         "there (notebook 04, section 5)"),
                 hint="near a = 0, over many steps ‖δ‖ changes by about radius × f′(0) per step; f′(0) is the peak "
                      "of f′, which section 5 prints for the nonlinearity this call names. Which radius makes "
                      "the product 1?")


def check_sigmoid_orders(answer, h: int = 10) -> bool:
    """How many orders of magnitude smaller is the sigmoid's bound than tanh's after h steps?"""
    hh = number_or_none(h)
    if hh is None or hh < 1 or hh != int(hh) or hh > 10_000:
        return report(False, "", "h must be a whole number of steps, 1 to 10000")
    expected = int(hh) * math.log10(4)
    hint = ("both bounds are (σ_max · max|f′|)^h with the same σ_max; section 5 prints max f′ for "
            "each. Count the orders of magnitude between the two bounds with log10")
    a = number_or_none(answer)
    if a is not None and math.isclose(a, -expected, rel_tol=0.02):  # tanh's bound over the sigmoid's, the wrong way round
        return report(False, "", "the sigmoid's bound is the smaller one: give how many orders of "
                                 "magnitude smaller, a positive number")
    return close(answer, expected, rel=0.02,
                 success=f"(1/4)^{h}: {expected:.2f} orders of magnitude, from max f′ alone", hint=hint)


def check_orthogonal_srn_q(answer, rms_f_prime: float = 0.9, h: int = 50, scale: float = 1.0) -> bool:
    """Predict Q(δ, h) for a tanh SRN with W_rec = ``scale`` × an orthogonal matrix, whose units have
    RMS f′ = ``rms_f_prime``: the gain of an orthogonal matrix is 1, so g = scale, c = scale·RMS f′
    and Q ≈ −h·log10(scale·RMS f′)."""
    r, hh, sc = number_or_none(rms_f_prime), number_or_none(h), number_or_none(scale)
    if r is None or not 0 < r <= 1 or hh is None or hh < 1 or hh != int(hh) or sc is None or not 0 < sc <= 10:
        return report(False, "", "rms_f_prime must be a number in (0, 1], h a whole number >= 1 and scale "
                                 "a number in (0, 10]")
    expected = -int(hh) * math.log10(sc * r)
    hint = ("what is the gain g = RMS(entry)·√K of this matrix (an orthogonal matrix's rows are orthonormal: "
            "each row's squares sum to what, and what does the scale do to every entry)? Then use section 4's "
            "per-step factor and the Q it predicts")
    a = _read(answer, hint)
    if a is None:
        return False
    if expected != 0 and math.isclose(a, -expected, rel_tol=0.02):
        return report(False, "", "the sign: Q > 0 means vanishing, and c < 1 makes −h·log10 c positive")
    unscaled = -int(hh) * math.log10(r)
    if sc != 1 and not math.isclose(unscaled, expected, rel_tol=0.05) and math.isclose(a, unscaled, rel_tol=0.02):
        return report(False, "", "that is Q for the orthogonal matrix itself: the scale multiplies every "
                                 "singular value, and so g")
    for c_round in (math.floor(sc * r * 100) / 100, math.ceil(sc * r * 100) / 100):  # c rounded to 2 decimals
        q_round = -int(hh) * math.log10(c_round) if c_round > 0 else math.nan
        if not math.isclose(q_round, expected, rel_tol=0.05) and math.isclose(a, q_round, rel_tol=0.02):
            return report(False, "", "close, and the method is right, but c looks rounded: over h steps a "
                                     "small change in c moves Q a lot; keep c = g·RMS f′ unrounded")
    squared = -int(hh) * math.log10(sc * sc * r)
    if sc != 1 and not math.isclose(squared, expected, rel_tol=0.05) and math.isclose(a, squared, rel_tol=0.02):
        return report(False, "", "g scales with the entries once: RMS(entry) is multiplied by the scale, not "
                                 "by its square")
    if _one_decimal_near(a, expected, rel=0.02):
        return report(False, "", _TWO_DECIMALS)
    if _misrounded(a, expected, rel=0.02):
        return report(False, "", _ROUNDING)
    return report(abs(a - expected) <= 0.005 + 1e-9,
                  f"g = {sc:g}, so c = {sc:g}·{r:g} and Q ≈ −{int(hh)}·log10({sc * r:.4g}) = {expected:.2f}: an "
                  f"orthogonal matrix has every singular value 1, the scale makes them {sc:g}; tanh′ < 1 still "
                  "multiplies in at every step", hint)


def check_irnn_q(answer, p_last: float = 0.7, p_all: float = 0.25) -> bool:
    """Predict Q(δ, h) for a ReLU SRN with W_rec = I, when a fraction ``p_last`` of the units is active
    at the last step and ``p_all`` at every one of the h + 1 last steps, δ(k)'s squares spread evenly
    over the active units: ‖δ(k−h)‖/‖δ(k)‖ = √(p_all/p_last), Q = ½·log10(p_last/p_all)."""
    pl, pa = number_or_none(p_last), number_or_none(p_all)
    if pl is None or pa is None or not 0 < pa <= pl <= 1:
        return report(False, "", "p_last and p_all must be numbers with 0 < p_all <= p_last <= 1")
    expected = 0.5 * math.log10(pl / pa)
    hint = ("with W_rec = I each Jacobian is diag(f′): what does a ReLU unit's f′ do to δ when it is "
            "active, and when it is not? Which units of δ(k) survive all the steps back, and what does "
            "losing the others do to ‖δ‖?")
    a = _read(answer, hint)
    if a is None:
        return False
    if expected > 0 and math.isclose(a, 2 * expected, rel_tol=0.02):
        return report(False, "", "close: the norm is the square root of the sum of squares, so the "
                                 "ratio of the counts enters under a square root")
    if _one_decimal_near(a, expected, rel=0.03):
        return report(False, "", _TWO_DECIMALS)
    if _misrounded(a, expected, rel=0.03):
        return report(False, "", _ROUNDING)
    return report(abs(a - expected) <= 0.005 + 1e-9,
                  f"the units active at every step pass δ unchanged, the others pass 0: ‖δ(k−h)‖/‖δ(k)‖ = "
                  f"√({pa:g}/{pl:g}), Q = {expected:.3f}", hint)


def check_truncation_window(answer, T: int = 60) -> bool:
    """The smallest truncation k (state detached every k steps, counted back from the last step) whose
    gradient reaches both temporal-order markers in every sequence of length T: T − ⌊T/10⌋."""
    t = number_or_none(T)
    if t is None or t < 10 or t != int(t):
        return report(False, "", "T must be a whole number >= 10")
    t = int(t)
    expected = t - t // 10
    hint = ("truncated BPTT's gradient of the last-step loss reaches the inputs u of the last k steps only; "
            "where can the first marker sit at the earliest (vglab.tasks: p1 in [⌊T/10⌋, ⌊2T/10⌋), 0-based)?")
    a = _read(answer, hint, "one whole number")
    if a is None:
        return False
    if a != int(a):
        return report(False, "", "k counts steps: a whole number")
    if int(a) == expected + 1 or int(a) == expected - 1:
        return report(False, "", "off by one: with 0-based steps, the last k steps are T − k … T − 1")
    return report(int(a) == expected, f"k = T − ⌊T/10⌋ = {expected}: the last k steps start at the "
                                      "earliest first marker", hint)


_TWO_DECIMALS = ("give Q to two decimals: your one-decimal answer may be rounded from the right value, but "
                 "one decimal is too coarse for the checker to tell")


_ROUNDING = ("close, but not the right value to two decimals: keep every step unrounded and round "
             "only Q at the end")


def _misrounded(a: float, expected: float, rel: float) -> bool:
    """True when ``a`` is within ``rel`` of ``expected`` but not within 0.005: a wrong two-decimal value."""
    return math.isclose(a, expected, rel_tol=rel) and abs(a - expected) > 0.005 + 1e-9


def _one_decimal_near(a: float, expected: float, rel: float) -> bool:
    """True when ``a`` has at most one decimal, is not already within ``rel`` of ``expected`` and is
    within 0.05 of it: the expected value rounded to one decimal (a reply, never an acceptance)."""
    if not (math.isfinite(a) and abs(a - expected) <= 0.05 + 1e-12):  # first: keeps round() off huge values
        return False
    return abs(a * 10 - round(a * 10)) < 1e-9 and not math.isclose(a, expected, rel_tol=rel, abs_tol=1e-9)


def _read(answer, hint: str, what: str = "one number"):
    """The learner's number, or None after printing ``hint`` with what is missing (the placeholder or a number)."""
    a = number_or_none(answer)
    if a is None:
        report(False, "", hint + (" (replace ... with your number)" if answer is Ellipsis
                                  else f" (your answer should be {what})"))
    return a
