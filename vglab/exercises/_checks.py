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

__all__ = ["report", "close", "tensors_close", "run_learner_fn", "learner_number", "answer_number", "answer_numbers",
           "choice", "quietly", "QUIET_LINE"]

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
    """Print the verdict -- always one line: a newline inside (a tensor's repr in a hint) becomes a
    space -- and return it as a bool."""
    ok = bool(ok)
    line = f"Correct: {success}" if ok else f"Not yet: {hint}"
    print(" ".join(line.split()) if "\n" in line else line)
    return ok


def _as_float(x):
    """One number from a learner's answer: a real number, a numeric string ("0.1"), or a one-element
    tensor/array. Bytes, containers and complex numbers are refused (TypeError), an int too large for a
    float too (OverflowError); whatever else the value's own ``__float__`` raises becomes a TypeError."""
    if isinstance(x, (bytes, bytearray, complex)) or x is None or isinstance(x, bool):
        raise TypeError(f"expected one number, got {type(x).__name__}")
    if isinstance(x, torch.Tensor):
        if x.numel() != 1:
            raise TypeError(f"expected one number, got a tensor of shape {tuple(x.shape)}")
        if x.is_complex():
            raise TypeError("expected a real number, got a complex tensor")
        return float(x)
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        raise
    except Exception as e:  # noqa: BLE001 -- an object whose __float__ breaks is not a number
        raise TypeError(f"expected one number, got {type(x).__name__}") from e


def close(answer, expected: float, *, rel: float = 1e-2, abs_: float = 1e-9, success: str, hint: str) -> bool:
    """Check a single number against ``expected`` (relative tolerance ``rel``)."""
    if answer is None or answer is Ellipsis:  # the exercise cell as committed: not answered yet
        return report(False, success, f"{hint} (replace {'...' if answer is Ellipsis else 'None'} with your number)")
    try:
        a = _as_float(answer)
    except (TypeError, ValueError, OverflowError, RuntimeError) as e:
        return report(False, success, f"{hint} (your answer should be a number: {e})")
    ok = math.isfinite(a) and math.isclose(a, expected, rel_tol=rel, abs_tol=abs_)
    return report(ok, success, hint)


def tensors_close(answer, expected: torch.Tensor, *, rtol=1e-5, atol=1e-8, success: str, hint: str) -> bool:
    """Check a tensor answer: same shape, close values; shape mismatches become hints."""
    try:
        a = torch.as_tensor(answer, dtype=expected.dtype, device=expected.device)
    except Exception as e:  # noqa: BLE001 -- TypeError, OverflowError (10**400), RuntimeError: all a hint
        return report(False, success, f"{hint} (your answer should be a tensor: {e})")
    if a.shape != expected.shape:
        return report(False, success, f"{hint} (shape {tuple(a.shape)}, expected {tuple(expected.shape)})")
    return report(bool(torch.allclose(a, expected, rtol=rtol, atol=atol)), success, hint)


def learner_number(fn, *args, hint: str, **kwargs):
    """Call the learner's function and read one finite number from it: ``(True, float)``, or print a
    hint and return ``(False, None)`` (an exception, a result that is not one number, NaN or Inf)."""
    ok, got = run_learner_fn(fn, *args, hint=hint, **kwargs)
    if not ok:
        return False, None
    try:
        x = _as_float(got)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        report(False, "", f"{hint} (return one number, got {type(got).__name__})")
        return False, None
    if not math.isfinite(x):  # NaN compares False with everything: it would pass an "abs(x - want) > tol" test
        report(False, "", f"{hint} (your function returned {x})")
        return False, None
    return True, x


def answer_number(answer, *, hint: str):
    """Read the learner's answer as one float: ``(True, float)``, or print ``hint`` as is and return
    ``(False, None)`` when ``float()`` refuses it (None, a word, a list)."""
    try:
        return True, _as_float(answer)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # OverflowError: an int too large for a float
        report(False, "", hint)
        return False, None


def answer_numbers(*answers, n: int = 2, hint: str):
    """Read ``n`` numbers: either ``n`` separate answers, or one tuple/list/array of ``n`` numbers (never a
    string, whose characters are not numbers: "11" is not the pair (1, 1)). ``(True, [floats])`` or print
    ``hint`` and return ``(False, None)``."""
    vals = answers
    if len(answers) == 1 and not isinstance(answers[0], (str, bytes, bytearray)):
        try:
            vals = tuple(answers[0])
        except Exception:  # noqa: BLE001 -- not a sequence: one number where n are asked for
            vals = answers
    if len(vals) != n or any(isinstance(v, str) and "," in v for v in vals):
        report(False, "", hint)
        return False, None
    out = []
    for v in vals:
        ok, x = answer_number(v, hint=hint)
        if not ok:
            return False, None
        out.append(x)
    return True, out


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
    """A multiple-choice answer: ``answer`` must be one of ``options`` (a str); compares case-insensitively."""
    norm = answer.strip().lower() if isinstance(answer, str) else None
    if norm not in {str(o).lower() for o in options}:
        return report(False, success, f"answer with one of {list(options)}; {hint}")
    return report(norm == str(expected).lower(), success, hint)
