"""Notebook 00's exercises: the whole problem as a product of per-layer factors."""
from __future__ import annotations

import math

from ._checks import answer_number, report

__all__ = ["check_critical_factor", "check_sigmoid_depth"]

DEPTH_THRESHOLD = 1e-9  # Try it 2: below this fraction of the top gradient (not §2's 1e-6)


# ---- notebook 00 -----------------------------------------------------------------------------
def check_critical_factor(answer) -> bool:
    """Notebook 00: which per-layer factor c keeps |gradient| unchanged through 50 layers?

    Only c = 1 (to 1e-9) counts: 1.02**50 = 2.7 and 0.99**50 = 0.61 are not "the same size". A wrong
    number gets a hint that says what its c**50 is."""
    start = "the gradient after n layers is c**n (eq. 00.1)"
    if answer is None or answer is Ellipsis:
        return report(False, "", f"{start}: work out 0.9**50 and 1.1**50, then replace None with your c")
    try:
        ok, c = answer_number(answer, hint=f"{start}; answer with one number")
    except OverflowError:  # float(10**400): an int too large for a float
        return report(False, "", f"{start}; that number is too large to be a factor that keeps the size")
    if ok and isinstance(answer, bool):
        return report(False, "", f"{start}; answer with a number, not {answer}")
    if not ok:
        return False
    if not math.isfinite(c) or c <= 0:
        return report(False, "", f"{start}; a factor that shrinks or grows the size is a positive number")
    if math.isclose(c, 1.0, rel_tol=1e-9):
        return report(True, "c = 1: the product 1**50 = 1 neither vanishes nor explodes.", "")
    power = _power_text(c, 50)
    return report(False, "", f"with c = {c:g} the gradient after 50 layers is c**50 = {power} times "
                             f"its size at the top, not the same size")


def _power_text(c: float, n: int) -> str:
    """c**n as text, computed in logs so that no c overflows (c = 1e7 gives 1e+350, not an OverflowError)."""
    e = n * math.log10(c)
    if abs(e) < 300:
        return f"{10 ** e:.3g}"
    mant = 10 ** (e - math.floor(e))
    return f"{mant:.3g}e{math.floor(e):+d}"



def check_sigmoid_depth(answer) -> bool:
    """Notebook 00: after how many sigmoid layers with c = 1/4 is the gradient below 1e-9 of its size?"""
    start = "answer with a whole number of layers"
    if answer is None or answer is Ellipsis:
        return report(False, "", f"{start} (replace None with it)")
    try:
        ok, x = answer_number(answer, hint=start)
    except OverflowError:  # float(10**400): an int too large for a float
        return report(False, "", f"{start}: {str(answer)[:12]}… layers is far too many")
    if ok and isinstance(answer, bool):
        return report(False, "", f"{start}, not {answer}")
    if not ok:
        return False
    if not math.isfinite(x) or x != int(x) or x < 1:
        return report(False, "", f"{start}: a count of layers is a positive integer, got {answer!r}")
    n = int(x)
    want = math.ceil(math.log(DEPTH_THRESHOLD) / math.log(0.25))  # 15: 0.25**14 = 3.7e-9, 0.25**15 = 9.3e-10
    if n == want:
        return report(True, f"{n} layers: 0.25**{n} = {0.25 ** n:.1e} < 1e-9 "
                            f"({n - 1} layers still give {0.25 ** (n - 1):.1e}).", "")
    side = "is still above" if 0.25 ** n >= DEPTH_THRESHOLD else "is already below"
    return report(False, "", f"after {n} layers the gradient is 0.25**{n} = {0.25 ** n:.1e}, which {side} "
                             f"1e-9; you want the smallest n with 0.25**n < 1e-9")
