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


STUBS = {  # the exercise cells as committed: the stub returns None (or a pair of Nones)
    "check_relu_backward": lambda X, dY: None,
    "check_add_backward": lambda dY: (None, None),
    "check_branch_backward": lambda a, b: None,
    "check_max_backward": lambda a, b, d: (None, None),
    "check_linear_dW": lambda X, d: None,
}


@pytest.mark.parametrize("name", sorted(STUBS))
def test_unfilled_stub_gets_a_neutral_line(name, capsys):
    """An unanswered stub prints one neutral line: no hint that states the rule, no raw torch error."""
    assert getattr(exercises, name)(STUBS[name]) is False
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("Not yet: fill in the function (it returned ") and "dC/dY" not in line, line


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("junk", [
    None, 3, "text", [1, 2], torch.zeros(2), lambda *a: "text", lambda *a: torch.zeros(2, 2),
    lambda *a: (torch.zeros(1),), lambda *a: [None], lambda *a: float("nan"), lambda *a: {"a": 1},
    lambda *a: (_ for _ in ()).throw(RuntimeError("boom")),
])
def test_checkers_never_raise_and_never_show_raw_errors(name, junk, capsys):
    assert getattr(exercises, name)(junk) is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Not yet"), lines
    assert "Traceback" not in lines[0] and "must be real number" not in lines[0], lines[0]


def test_mse_shrink_factor(capsys):
    import math

    from vglab import modules as M

    logits, y = M.confident_logits([20.0, 21.0])
    g = M.head_gradient(logits, y, "softmax+mse")[1][:, 0]
    measured = float(g[0] / g[1])  # the measurement the worked answer makes
    assert exercises.check_mse_shrink_factor(measured) is True
    assert exercises.check_mse_shrink_factor(math.e) is True
    for wrong in (1 / math.e, 2.0, 10.0, 1.0, None, "e", True, float("nan"), [2.7]):
        assert exercises.check_mse_shrink_factor(wrong) is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Correct"] * 2 + ["Not yet"] * 9
    assert "old / new" in lines[2]


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
    assert len(backprop.__all__) == 6 and "check_mse_shrink_factor" in backprop.__all__
