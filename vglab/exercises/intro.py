"""Notebook 00's exercises: the whole problem as a product of per-layer factors."""
from __future__ import annotations

from ._checks import close, report

__all__ = ["check_critical_factor", "check_sigmoid_depth"]


# ---- notebook 00 -----------------------------------------------------------------------------
def check_critical_factor(answer) -> bool:
    """Notebook 00: which per-layer factor c keeps |gradient| unchanged through 50 layers?"""
    return close(answer, 1.0, rel=0.02, success="c = 1: the product 1**50 = 1 neither vanishes nor explodes.",
                 hint="the gradient after n layers is c**n; which c gives c**50 = 1?")


def check_sigmoid_depth(answer) -> bool:
    """Notebook 00: after how many sigmoid layers at gain 1 (c ≤ 1/4) is the gradient below 1e-6?"""
    try:
        n = int(answer)
    except (TypeError, ValueError):
        return report(False, "", "answer with a whole number of layers")
    ok = n == 10  # 0.25**9 = 3.8e-6 > 1e-6, 0.25**10 = 9.5e-7 < 1e-6
    return report(ok, "10 layers: 0.25**10 = 9.5e-07 < 1e-6 (9 layers still give 3.8e-06).",
                  "solve 0.25**n < 1e-6 for the smallest whole n: n > log(1e-6)/log(0.25) = 9.97")
