"""The one reader of a learner's number (``vglab.exercises._checks.read_number``) and a guard over every
worked answer: each answer recorded in ``notebooks/accepted_answers.json`` (the numbers and words the
notebooks' worked-answer cells pass) still passes its checker, also as a numpy scalar or a 0-d tensor,
and never as a string ("0.955" is not a number: a string is never read as one)."""
from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

import vglab.exercises as ex
from vglab.exercises._checks import NotANumber, answer_number, close, number_or_none, read_number

ROOT = Path(__file__).resolve().parents[1]
_ID = lambda v: type(v).__name__  # noqa: E731 -- str(10**5000) would raise
RECORDED = json.loads((ROOT / "notebooks" / "accepted_answers.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("value,want", [
    (0.25, 0.25), (3, 3.0), (np.float32(0.5), 0.5), (np.int64(4), 4.0), (Fraction(1, 4), 0.25),
    (torch.tensor(2.0), 2.0), (torch.tensor([1.5], dtype=torch.float64), 1.5), (np.array(7), 7.0),
    (np.array([[2.5]]), 2.5), (torch.tensor(3), 3.0), (torch.tensor(2.0, requires_grad=True), 2.0),
], ids=_ID)
def test_read_number_accepts_real_numbers_and_one_element_tensors(value, want):
    assert read_number(value) == want and number_or_none(value) == want


@pytest.mark.parametrize("value,why", [
    (None, "replace None"), (..., "replace ..."), (True, "not bool"), (np.bool_(True), "not bool"),
    ("0.25", "not a string"), ("1, 1", "not a string"), (b"1", "not bytes"), (1 + 2j, "not complex"),
    (np.complex128(1), "not complex"), ([0.25], "not list"), ((1, 1), "not tuple"), ({}, "not dict"),
    (float("nan"), "finite"), (-float("inf"), "finite"), (np.float64("inf"), "finite"),
    (torch.tensor(float("nan")), "finite"), (10 ** 400, "far too large"), (-(10 ** 5000), "far too large"),
    (Fraction(10 ** 400, 3), "far too large"), (torch.ones(2), "shape (2,)"), (torch.tensor(True), "dtype"),
    (torch.tensor(1j), "dtype"), (np.array(["1"]), "dtype"), (np.array([]), "shape (0,)"), (object(), "object"),
], ids=_ID)
def test_read_number_refuses_everything_else_with_a_reason(value, why):
    with pytest.raises(NotANumber, match=why.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_number(value)
    assert number_or_none(value) is None


def test_close_and_answer_number_never_read_a_string_or_nan(capsys):
    assert close(0.5, 0.5, success="s", hint="h") and not close("0.5", 0.5, success="s", hint="h")
    assert "not a string" in capsys.readouterr().out.splitlines()[-1]
    assert answer_number(float("nan"), hint="h") == (False, None)
    assert answer_number(10 ** 400, hint="h", why=True) == (False, None)
    assert capsys.readouterr().out.splitlines()[-1] == "Not yet: h; that number is far too large"
    assert not ex.check_dead_layer("4") and ex.check_dead_layer(np.int64(4))  # int("4") no longer counts
    assert not ex.check_sigmoid_orders("-6.02")  # no float("...") anywhere


def _numeric_entries():
    for nb, entries in sorted(RECORDED.items()):
        for i, e in enumerate(entries):
            answers = e["answers"]
            if answers and all(isinstance(a, (float, str)) for a in answers) and \
                    any(isinstance(a, float) for a in answers):
                yield pytest.param(e["checker"], answers, id=f"{nb}:{e['checker']}:{i}")


@pytest.mark.parametrize("checker,answers", list(_numeric_entries()))
def test_every_recorded_numeric_answer_still_passes(checker, answers, capsys):
    """The worked answer passes as recorded, as numpy float64 and as a 0-d float64 tensor; each of its
    numbers written as a string does not (one number at a time)."""
    fn = getattr(ex, checker)
    as_np = [np.float64(a) if isinstance(a, float) else a for a in answers]
    as_t = [torch.tensor(a, dtype=torch.float64) if isinstance(a, float) else a for a in answers]
    for args in (answers, as_np, as_t):
        assert fn(*args) is True, (checker, args, capsys.readouterr().out)
    for i, a in enumerate(answers):
        if isinstance(a, float) and math.isfinite(a):
            args = list(answers)
            args[i] = repr(a)
            assert fn(*args) is False, (checker, args)


def test_a_setting_is_read_like_an_answer(capsys):
    """check_sigmoid_orders(answer, h): h was multiplied as given ("10" * 0.6 raised a TypeError)."""
    assert not ex.check_sigmoid_orders(6.02, "10") and not ex.check_sigmoid_orders(6.02, 10 ** 400)
    assert "h must be a whole number" in capsys.readouterr().out
    assert ex.check_sigmoid_orders(6.02, np.int64(10)) and ex.check_sigmoid_orders(6.02, torch.tensor(10))
