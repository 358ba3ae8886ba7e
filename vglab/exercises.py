"""The check functions behind every notebook's "Try it" exercises.

Each checker takes the learner's answer, prints one line -- ``Correct: ...`` or
``Not yet: <hint>`` -- and returns True/False. It never raises: a wrong type, a wrong shape or
an exception inside the learner's function becomes a hint. Each checker is tested in
``tests/test_exercises.py`` with a right and a wrong answer.
"""
from __future__ import annotations

import math

import torch


def report(ok: bool, success: str, hint: str) -> bool:
    """Print the verdict and return it."""
    print(f"Correct: {success}" if ok else f"Not yet: {hint}")
    return bool(ok)


def _as_float(x):
    if isinstance(x, torch.Tensor):
        if x.numel() != 1:
            raise TypeError(f"expected one number, got a tensor of shape {tuple(x.shape)}")
        return float(x)
    return float(x)


def close(answer, expected: float, *, rel: float = 1e-2, abs_: float = 1e-9, success: str, hint: str) -> bool:
    """Check a single number against ``expected`` (relative tolerance ``rel``)."""
    try:
        a = _as_float(answer)
    except (TypeError, ValueError) as e:
        return report(False, success, f"{hint} (your answer should be a number: {e})")
    ok = math.isfinite(a) and math.isclose(a, expected, rel_tol=rel, abs_tol=abs_)
    return report(ok, success, hint)


def tensors_close(answer, expected: torch.Tensor, *, rtol=1e-5, atol=1e-8, success: str, hint: str) -> bool:
    """Check a tensor answer: same shape, close values; shape mismatches become hints."""
    try:
        a = torch.as_tensor(answer, dtype=expected.dtype, device=expected.device)
    except (TypeError, ValueError, RuntimeError) as e:
        return report(False, success, f"{hint} (your answer should be a tensor: {e})")
    if a.shape != expected.shape:
        return report(False, success, f"{hint} (shape {tuple(a.shape)}, expected {tuple(expected.shape)})")
    return report(bool(torch.allclose(a, expected, rtol=rtol, atol=atol)), success, hint)


def run_learner_fn(fn, *args, hint: str, **kwargs):
    """Call the learner's function; on an exception print a hint and return ``(False, None)``."""
    if not callable(fn):
        report(False, "", f"{hint} (expected a function, got {type(fn).__name__})")
        return False, None
    try:
        return True, fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 -- a learner's bug becomes a hint, never a traceback
        report(False, "", f"{hint} (your function raised {type(e).__name__}: {e})")
        return False, None


def choice(answer, expected, *, options, success: str, hint: str) -> bool:
    """A multiple-choice answer: ``answer`` must be one of ``options``; compares case-insensitively."""
    norm = str(answer).strip().lower()
    if norm not in {str(o).lower() for o in options}:
        return report(False, success, f"answer with one of {list(options)}; {hint}")
    return report(norm == str(expected).lower(), success, hint)


# ---- topic checkers -------------------------------------------------------------------------
# Drafted per topic in vglab/_ex_<topic>.py while the notebooks are written, and re-exported
# here so that notebooks always call ``vglab.exercises.check_...``.
from ._ex_backprop import *  # noqa: E402,F401,F403  notebook 01
from ._ex_optim import *  # noqa: E402,F401,F403  notebook 02
from ._ex_saturation import *  # noqa: E402,F401,F403  notebook 03
from ._ex_recurrent import *  # noqa: E402,F401,F403  notebook 04
from ._ex_init_sigma import *  # noqa: E402,F401,F403  notebook 05
from ._ex_beta import *  # noqa: E402,F401,F403  notebook 06
from ._ex_ds import *  # noqa: E402,F401,F403  notebook 07


# ---- notebook 00 -----------------------------------------------------------------------------
def check_critical_factor(answer) -> bool:
    """Notebook 00: which per-layer factor c keeps |gradient| unchanged through 50 layers?"""
    return close(answer, 1.0, rel=0.02, success="c = 1: the product 1**50 = 1 neither vanishes nor explodes.",
                 hint="the gradient after n layers is c**n; which c gives c**50 = 1?")


def check_sigmoid_depth(answer) -> bool:
    """Notebook 00: after how many sigmoid layers (c = 1/4 at best) is the gradient below 1e-6?"""
    try:
        n = int(answer)
    except (TypeError, ValueError):
        return report(False, "", "answer with a whole number of layers")
    ok = n == 10  # 0.25**9 = 3.8e-6 > 1e-6, 0.25**10 = 9.5e-7 < 1e-6
    return report(ok, "10 layers: 0.25**10 = 9.5e-07 < 1e-6 (9 layers still give 3.8e-06).",
                  "solve 0.25**n < 1e-6 for the smallest whole n: n > log(1e-6)/log(0.25) = 9.97")
