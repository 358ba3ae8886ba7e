"""The shared pieces of every exercise checker (vglab.exercises re-exports them).

Kept apart from ``exercises.py`` so the per-topic checker modules can import them without a
circular import: checkers print ``Correct: ...`` or ``Not yet: <hint>``, return a bool, and
never raise.
"""
from __future__ import annotations

import io
import math
from contextlib import contextmanager, redirect_stdout

import torch

__all__ = ["report", "close", "tensors_close", "run_learner_fn", "learner_number", "answer_number", "choice",
           "quietly", "QUIET_LINE"]

QUIET_LINE = "Checked: the worked answer above passes its checker."


@contextmanager
def quietly():
    """Run a worked answer's checker without showing its reply.

    A checker's "Correct: ..." line explains the answer; printed under a worked-answer cell, it would
    give the answer away to anyone reading the committed notebook, whose solution code is hidden but
    whose output is not. Inside this block the reply is kept back and one neutral line
    (``QUIET_LINE``) is printed instead; a reply that is not "Correct" is printed as it is, so a
    broken worked answer still shows (and nbval fails on it)::

        with exercises.quietly():
            ok = exercises.check_factor_two(answer)
    """
    buf = io.StringIO()
    with redirect_stdout(buf):
        yield
    out = buf.getvalue()
    print(QUIET_LINE if out.startswith("Correct:") and "Not yet" not in out else out.rstrip("\n"))


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
    if answer is None or answer is Ellipsis:  # the exercise cell as committed: not answered yet
        return report(False, success, f"{hint} (replace {'...' if answer is Ellipsis else 'None'} with your number)")
    try:
        a = _as_float(answer)
    except (TypeError, ValueError, OverflowError) as e:
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


def learner_number(fn, *args, hint: str, **kwargs):
    """Call the learner's function and read one number from it: ``(True, float)``, or print a hint
    and return ``(False, None)`` (an exception, or a result that is not one number)."""
    ok, got = run_learner_fn(fn, *args, hint=hint, **kwargs)
    if not ok:
        return False, None
    try:
        return True, _as_float(got)
    except (TypeError, ValueError, RuntimeError):
        report(False, "", f"{hint} (return one number, got {type(got).__name__})")
        return False, None


def answer_number(answer, *, hint: str):
    """Read the learner's answer as one float: ``(True, float)``, or print ``hint`` as is and return
    ``(False, None)`` when ``float()`` refuses it (None, a word, a list)."""
    try:
        return True, float(answer)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
        report(False, "", hint)
        return False, None


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
