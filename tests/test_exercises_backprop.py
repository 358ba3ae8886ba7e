"""Notebook 01's checkers: a right answer, a wrong answer and nonsense each (never raises)."""

import pytest
import torch

from vglab import exercises


def _verdicts(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return [line.split(":")[0] for line in out], out


CASES = {
    "check_relu_backward": (lambda X, dY: dY * (X > 0), lambda X, dY: dY * (X < 0)),
    "check_add_backward": (lambda dY: (dY, dY), lambda dY: (dY / 2, dY / 2)),
    "check_branch_backward": (lambda a, b: a + b, lambda a, b: (a + b) / 2),
    "check_max_backward": (lambda a, b, d: (d * (a > b), d * (a <= b)), lambda a, b, d: (d, d)),
    "check_linear_dW": (lambda X, d: X.T @ d, lambda X, d: X.T @ d / len(X)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_right_wrong_and_nonsense(name, capsys):
    check = getattr(exercises, name)
    right, wrong = CASES[name]
    assert check(right) is True
    assert check(wrong) is False
    assert check(lambda *a: 1 / 0) is False  # the learner's bug becomes a hint
    assert check("not a function") is False
    assert check(lambda *a: [[1.0]]) is False
    verdicts, out = _verdicts(capsys)
    assert verdicts == ["Correct", "Not yet", "Not yet", "Not yet", "Not yet"], out
    assert "ZeroDivisionError" in out[2]


def test_specific_hints(capsys):
    assert exercises.check_relu_backward(lambda X, dY: (X > 0).double()) is False
    assert exercises.check_add_backward(lambda dY: (dY / 2, dY / 2)) is False
    assert exercises.check_linear_dW(lambda X, d: d.T @ X) is False  # the column form
    out = capsys.readouterr().out
    assert "the mask" in out and "half" in out and "column form" in out


def test_saturating_head(capsys):
    assert exercises.check_saturating_head("softmax+mse") is True
    assert exercises.check_saturating_head("log_softmax+ce") is False
    assert exercises.check_saturating_head(None) is False
    verdicts, _ = _verdicts(capsys)
    assert verdicts == ["Correct", "Not yet", "Not yet"]


def test_checkers_leave_the_global_rng_alone():
    torch.manual_seed(0)
    a = torch.rand(1)
    torch.manual_seed(0)
    exercises.check_linear_dW(lambda X, d: X.T @ d)
    exercises.check_relu_backward(lambda X, dY: dY * (X > 0))
    assert torch.equal(torch.rand(1), a)


def test_all_exported():
    from vglab.exercises import backprop

    assert set(backprop.__all__) <= set(dir(exercises))
    assert len(backprop.__all__) == 6
