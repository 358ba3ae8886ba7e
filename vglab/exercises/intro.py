"""Notebook 00's exercises: the whole problem as a product of per-layer factors, predicted from
eq. (00.1) and eq. (00.2) before any code runs."""
from __future__ import annotations

import math

from ._checks import answer_number, on_its_side, report

__all__ = ["check_tenfold_factor", "check_sigmoid_depth", "check_relu_gain"]

DEPTH_THRESHOLD = 1e-9  # Try it 2: below this fraction of the top gradient (not §2's 1e-6)
TENFOLD_DEPTH = 50  # Try it 1: the depth over which at most a factor 10 may be lost
TENFOLD_FIGURES = range(3, 10)  # Try it 1: exact, or rounded up to 3-9 figures (0.955, 0.954993, ...); 0.9554 is not


def _power_text(c: float, n: int) -> str:
    """c**n as text, computed in logs so that no c overflows (c = 1e7 gives 1e+350, not an OverflowError)."""
    e = n * math.log10(c)
    if abs(e) < 300:
        return f"{10 ** e:.3g}"
    mant = 10 ** (e - math.floor(e))
    return f"{mant:.3g}e{math.floor(e):+d}"


def _side_text(c: float, n: int, ref: float) -> str:
    """c**n as text with as many significant figures as it takes to show on which side of ``ref`` it
    lies (0.95499**50 = 0.099987 prints as 0.09999, not as 0.1, which would contradict "below 0.1";
    0.95501**50 = 0.100009 prints as 0.10001, not as 0.1, beside "less than a factor 10")."""
    text = _power_text(c, n)
    e = n * math.log10(c)
    if abs(e) >= 300 or 10 ** e == ref or (float(text) != ref and (float(text) < ref) == (10 ** e < ref)):
        return text  # out of a float's range (far from ref), exactly on it, or already on its side
    return on_its_side(10 ** e, ref, digits=4)


def check_tenfold_factor(answer) -> bool:
    """Notebook 00, Try it 1: the smallest per-layer factor c that loses at most a factor 10 over
    50 layers, from eq. (00.1). Accepted: 0.1**(1/50) = 0.95499258... itself (to float rounding) or it
    rounded up to 3 or more significant figures (0.955, 0.9550, 0.954993, 0.9549926, ...), each to float32
    precision; nothing below it (it loses more than a factor 10) and nothing else above it (0.9551 or 0.9554,
    wrong in the 4th figure, is not the smallest)."""
    start = "the gradient after n layers is c**n times its size at the top (eq. 00.1)"
    if answer is None or answer is Ellipsis:
        return report(False, "", f"{start}: write that for {TENFOLD_DEPTH} layers and a loss of a factor 10, "
                                 f"solve for c, then replace ... with your c")
    ok, c = answer_number(answer, hint=start, why=True)
    if not ok:
        return False
    if c <= 0:
        return report(False, "", f"{start}; a factor that scales a size is a positive number")
    want = 0.1 ** (1 / TENFOLD_DEPTH)
    # the exact value, or it rounded *up* to d significant figures (d decimals, as 0.1 < c < 1). Nothing
    # below the exact value: rounding down loses more than a factor 10, however close (0.9549 loses 10.05×);
    # 1e-9 leaves room only for float rounding of 0.1**(1/50). Above it, 1e-7 is float32's rounding (an
    # answer computed with torch's default dtype passes), far below the 4th figure (0.9554 does not pass)
    roundups = [math.ceil(want * 10**d) / 10**d for d in TENFOLD_FIGURES]
    if c >= want * (1 - 1e-9) and any(abs(c - r) <= 1e-7 * r for r in [want, *roundups]):
        return report(True, f"c = 0.1**(1/{TENFOLD_DEPTH}) = {want:.4f}: a factor only 4.5 % below 1 "
                            f"already costs a factor 10 over {TENFOLD_DEPTH} layers.", "")
    power = _side_text(c, TENFOLD_DEPTH, 0.1)
    if c >= 1:
        verdict = "it does not shrink at all; look for the smallest c that still loses no more than 10"
    elif c < want:
        verdict = "that loses more than a factor 10; c must be larger"
    else:
        verdict = "that loses less than a factor 10; a smaller c still meets the limit"
    return report(False, "", f"with c = {c:.12g} the gradient after {TENFOLD_DEPTH} layers is c**{TENFOLD_DEPTH} "
                             f"= {power} of its size at the top: {verdict}")


def check_sigmoid_depth(answer) -> bool:
    """Notebook 00, Try it 2: after how many sigmoid layers with c = 1/4 is the gradient below 1e-9 of
    its size? 0.25**n < 1e-9 first at n = 15. Only a whole number counts (15 or 15.0, not "15")."""
    start = "answer with a whole number of layers"
    if answer is None or answer is Ellipsis:
        return report(False, "", f"{start}: write eq. (00.1) with c = 1/4, ask when it first falls below "
                                 f"1e-9, then replace ... with it")
    ok, x = answer_number(answer, hint=start, why=True)
    if not ok:
        return False
    if x != int(x) or x < 1:
        return report(False, "", f"{start}: a count of layers is a positive integer, got {answer!r}")
    n = int(x)
    want = math.ceil(math.log(DEPTH_THRESHOLD) / math.log(0.25))  # 15: 0.25**14 = 3.7e-9, 0.25**15 = 9.3e-10
    if n == want:
        return report(True, f"{n} layers: 0.25**{n} = {0.25 ** n:.1e} < 1e-9 "
                            f"({n - 1} layers still give {0.25 ** (n - 1):.1e}).", "")
    side = "is still above" if n < want else "is already below"
    return report(False, "", f"after {n} layers the gradient is 0.25**{n} = {_power_text(0.25, n)}, which {side} "
                             f"1e-9; you want the smallest n with 0.25**n < 1e-9")


def check_relu_gain(answer) -> bool:
    """Notebook 00, Try it 3: the gain g at which a ReLU layer's factor is c = 1 by eq. (00.2). Half the
    units have f′ = 1 and half f′ = 0, so E[f′²] = 1/2, c = g/√2, and g = √2 -- the gain of Kaiming
    initialisation, variance 2/n_in (He et al. 2015). Accepted: √2 itself (to float32 precision) or √2
    correctly rounded to 3 or more significant figures (1.41, 1.414, 1.4142, ...); 1.4, 1.42, and 1.413 or
    1.415-1.419 (wrong in the 4th figure) are not."""
    start = "eq. (00.2): c is the gain times the root mean square of f′"
    if answer is None or answer is Ellipsis:
        return report(False, "", f"{start}; work out E[f′(a)²] for a ReLU whose pre-activations are "
                                 f"symmetric about 0, set c = 1, solve for g, then replace ... with your g")
    ok, g = answer_number(answer, hint=start, why=True)
    if not ok:
        return False
    if g <= 0:
        return report(False, "", f"{start}; a gain is a positive number")
    want = math.sqrt(2.0)
    roundings = [round(want, d) for d in range(2, 7)]  # √2 to 3, 4, ... 7 significant figures
    if any(math.isclose(g, r, rel_tol=1e-6) for r in [want, *roundings]):  # 1e-6: float32 answers pass
        return report(True, f"g = √2 ≈ {want:.3f}: E[f′²] = 1/2, so c = g/√2 = 1; the variance g²/n = 2/n is "
                            "Kaiming initialisation (He et al. 2015).", "")
    if math.isclose(g, 2.0, rel_tol=5e-3):
        return report(False, "", "that is g², the factor on the weights' variance; the gain g scales their "
                                  "standard deviation")
    if math.isclose(g, 1 / want, rel_tol=5e-3):
        return report(False, "", "that is the root mean square of f′ itself; c is the gain times it, and c must be 1")
    if math.isclose(g, want, rel_tol=2e-2):
        return report(False, "", f"close: {g:g} is within 2 % but is neither the exact value nor it correctly rounded; give the exact value or round it to 3 significant figures")
    c = g * math.sqrt(0.5)
    return report(False, "", f"with g = {g:g} eq. (00.2) gives c = {c:.3g}, "
                             f"{'below' if c < 1 else 'above'} 1: the gradient would "
                             f"{'vanish' if c < 1 else 'explode'} through many layers")
