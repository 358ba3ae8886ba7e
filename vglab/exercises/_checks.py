"""The shared pieces of every exercise checker (vglab.exercises re-exports them).

Kept apart from ``exercises.py`` so the per-topic checker modules can import them without a
circular import: checkers print ``Correct: ...`` or ``Not yet: <hint>``, return a bool, and
never raise.
"""
from __future__ import annotations

import io
import math
import numbers
from contextlib import contextmanager, redirect_stdout

import numpy as np
import torch

__all__ = ["report", "close", "tensors_close", "run_learner_fn", "learner_number", "answer_number", "answer_numbers",
           "read_number", "number_or_none", "NotANumber", "choice", "quietly", "QUIET_LINE"]

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


class NotANumber(ValueError):
    """A learner's answer that is not one finite real number; the message says why (for a hint)."""


def read_number(answer) -> float:
    """The learner's answer as one finite float, read strictly -- the one reader of every checker.

    Accepted: a real number (int, float, ``fractions.Fraction``, numpy scalars: anything
    ``numbers.Real``) and a one-element tensor or array of an integer or floating dtype (e.g.
    ``torch.tensor(2.0).sqrt()``). Refused with ``NotANumber`` (its message is a hint): ``None`` and
    ``...``, a bool (``True`` is not 1 here), a string (never read as a number or a pair: "0.25",
    "1, 1"), bytes, complex numbers, containers, tensors/arrays of another size or dtype, NaN and
    ±inf, an int or Fraction too large for a float (no ``OverflowError``), and any object whose
    conversion raises. Never raises anything else."""
    if answer is None or answer is Ellipsis:
        raise NotANumber(f"replace {'...' if answer is Ellipsis else 'None'} with your number")
    if isinstance(answer, (bool, str, bytes, bytearray, complex)):
        raise NotANumber("answer with a number, not a string (no quotes)" if isinstance(answer, str)
                         else f"answer with one number, not {type(answer).__name__}")
    try:
        if isinstance(answer, numbers.Real):
            x = float(answer)
        elif isinstance(answer, (torch.Tensor, np.ndarray)):
            one = answer.numel() == 1 and not answer.is_complex() and answer.dtype != torch.bool \
                if isinstance(answer, torch.Tensor) else answer.size == 1 and answer.dtype.kind in "iuf"
            if not one:
                raise NotANumber(f"answer with one number, not a {type(answer).__name__} of shape "
                                 f"{tuple(answer.shape)} and dtype {answer.dtype}")
            x = float(answer.reshape(()).item())
        else:
            raise NotANumber(f"answer with one number, not {type(answer).__name__}")
    except NotANumber:
        raise
    except OverflowError:
        raise NotANumber("that number is far too large") from None  # float(10**400); str() of it may raise too
    except Exception as e:  # noqa: BLE001 -- an object whose conversion breaks is not a number
        raise NotANumber(f"answer with one number ({type(answer).__name__} could not be read: {e})") from None
    if not math.isfinite(x):
        raise NotANumber(f"answer with a finite number, got {x}")
    return x


def number_or_none(answer):
    """``read_number(answer)``, or None where it refuses (the caller prints its own hint)."""
    try:
        return read_number(answer)
    except NotANumber:
        return None


def close(answer, expected: float, *, rel: float = 1e-2, abs_: float = 1e-9, success: str, hint: str) -> bool:
    """Check a single number against ``expected`` (relative tolerance ``rel``)."""
    if answer is None or answer is Ellipsis:  # the exercise cell as committed: not answered yet
        return report(False, success, f"{hint} (replace {'...' if answer is Ellipsis else 'None'} with your number)")
    try:
        a = read_number(answer)
    except NotANumber as e:
        return report(False, success, f"{hint} (your answer should be a number: {e})")
    return report(math.isclose(a, expected, rel_tol=rel, abs_tol=abs_), success, hint)


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
    try:  # NaN is refused: it compares False with everything, so it would pass an "abs(x - want) > tol" test
        return True, read_number(got)
    except NotANumber as e:
        report(False, "", f"{hint} (your function returned {type(got).__name__}: {e})")
        return False, None


def answer_number(answer, *, hint: str, why: bool = False):
    """Read the learner's answer with ``read_number``: ``(True, float)``, or print ``hint`` and return
    ``(False, None)`` when it is not one finite number (None, a word, a list, NaN, 10**400); ``why``:
    the hint goes on with the reason (``"<hint>; answer with a finite number, got nan"``)."""
    try:
        return True, read_number(answer)
    except NotANumber as e:
        report(False, "", f"{hint}; {e}" if why else hint)
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
    if len(vals) != n:  # each is then read by read_number: a string never passes, "1, 1" included
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


def on_its_side(x: float, ref: float, *, digits: int, style: str = "g") -> str:
    """``x`` as text with the fewest digits (from ``digits`` on; ``style`` "g": significant figures, "f":
    decimals) that print it on its own side of ``ref`` and not equal to it: 0.202 against 0.2 is "0.202",
    not "0.20" (which reads as a pass); ``repr(x)`` where no precision separates them (x == ref)."""
    for d in range(digits, 16):
        text = f"{x:.{d}{style}}"
        if float(text) != ref and (float(text) < ref) == (x < ref):
            return text
    return repr(x)
