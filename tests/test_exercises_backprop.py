"""Notebook 01's checkers: a right answer, a wrong answer and nonsense each (never raises)."""

import pytest
import torch

from vglab import exercises


def _verdicts(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return [line.split(":")[0] for line in out], out


def _max_ties(a, b, d):
    """A right answer written independently of torch's autograd: winner takes all, a tie splits."""
    w1 = (a > b).double() + 0.5 * (a == b).double()
    return d * w1, d * (1 - w1)


CASES = {  # a right answer (derived by hand, not from the reference) and a wrong one
    "check_leaky_relu_backward": (lambda X, dY: dY * torch.where(X > 0, 1.0, 0.1).double(),
                                  lambda X, dY: dY * (X < 0)),
    "check_sub_backward": (lambda dY: (dY, -dY), lambda dY: (dY, dY)),
    "check_square_backward": (lambda X, dY: 2 * X * dY, lambda X, dY: X * X * dY),
    "check_max_tie_backward": (_max_ties, lambda a, b, d: (d, d)),
    "check_tied_linear_dW": (lambda X, W, d: X.T @ d @ W + d.T @ X @ W, lambda X, W, d: X.T @ d @ W),
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
    """The natural wrong answers, each copied from a module shown above the exercise, get a hint
    that names what is missing."""
    assert exercises.check_leaky_relu_backward(lambda X, dY: dY * (X > 0)) is False  # plain ReLU
    assert exercises.check_leaky_relu_backward(lambda X, dY: torch.where(X > 0, 1.0, 0.1).double()) is False
    assert exercises.check_sub_backward(lambda dY: (dY, dY)) is False  # add's rule
    assert exercises.check_square_backward(lambda X, dY: X * dY) is False  # one path only
    assert exercises.check_max_tie_backward(lambda a, b, d: (d * (a > b), d * ~(a > b))) is False  # lecture's tie
    assert exercises.check_tied_linear_dW(lambda X, W, d: d.T @ X @ W) is False  # the decoder's use only
    assert exercises.check_tied_linear_dW(lambda X, W, d: (X.T @ d @ W + d.T @ X @ W).T) is False  # W's transpose
    out = capsys.readouterr().out
    for word in ("plain ReLU", "the slope", "minus sign", "two paths", "on a tie", "one use's share", "W's shape (4, 3)"):
        assert word in out, (word, out)
    for given_away in ("multiply it by", "branch adds", "dC/dY ⊙ X", "gets the sum"):  # near-miss hints point, never state
        assert given_away not in out, (given_away, out)


def test_references_agree_with_the_lab_modules():
    """The checkers' autograd references against the hand-written modules (where one exists)."""
    from vglab import modules as M
    from vglab.exercises import backprop as bp

    X1, X2, dY = bp._data((4, 3), (4, 3), (4, 3), seed=9)
    mx = M.Max()
    mx.forward(X1, X2)
    for got, ref in zip(mx.backward(dY), bp._autograd(torch.maximum, X1, X2, dY=dY)):
        assert torch.allclose(got, ref)  # no ties: torch and the lecture agree
    X, dY = bp._data((5, 4), (5, 4), seed=9)
    W = M.Param(bp._data((4, 3), seed=10)[0])  # the tied autoencoder of exercise 5, by the lab's modules
    net = M.Sequential(M.Linear(4, 3, W=W, b=M.Param(torch.zeros(3, dtype=torch.float64))),
                       M.Linear(3, 4, W=M.Param(W.value.T.clone()), b=M.Param(torch.zeros(4, dtype=torch.float64))))
    net.forward(X)
    net.backward(dY)
    (ref,) = bp._autograd(lambda w: X @ w @ w.T, W.value, dY=dY)
    assert torch.allclose(ref, W.grad + net.modules[1].W.grad.T)  # the sum of the two uses


STUBS = {  # the exercise cells as committed: the stub returns ... (or a pair of them); older stubs returned None
    "check_leaky_relu_backward": [lambda X, dY: ..., lambda X, dY: None],
    "check_sub_backward": [lambda dY: (..., ...), lambda dY: (None, None)],
    "check_square_backward": [lambda X, dY: ..., lambda X, dY: None],
    "check_max_tie_backward": [lambda a, b, d: (..., ...), lambda a, b, d: (None, None)],
    "check_tied_linear_dW": [lambda X, W, d: ..., lambda X, W, d: None],
}

ANSWER_TEXT = {  # fragments of the accepted answer that the first hint must not contain
    "check_leaky_relu_backward": ["0.1", "torch.where", "times y's slope", "dY *"],
    "check_sub_backward": ["−dC/dY", "-dY", "−ε", "+ε", "minus"],
    "check_square_backward": ["2 X", "2X", "2 *", "dC/dY ⊙", "dY * X", "slope is the other"],
    "check_max_tie_backward": ["half", "1/2", "0.5", "all of dC/dY", "winner"],
    "check_tied_linear_dW": ["dY.T", "dYᵀ", "dC/dYᵀ", "Xᵀ", "X.T", "sum", "add", "+", "dY @ W", "dC/dY W"],
    "check_mse_prefactor": ["10/81", "0.12", "K/(K", "1/(K − 1)", "1 + 1/", "3/4", "81"],
}


@pytest.mark.parametrize("name", sorted(STUBS))
def test_unfilled_stub_gets_a_first_step(name, capsys):
    """An unanswered stub prints one line, a first step of the derivation: no raw torch error."""
    for stub in STUBS[name]:
        assert getattr(exercises, name)(stub) is False
        (line,) = capsys.readouterr().out.strip().splitlines()
        assert line.startswith("Not yet: ") and "fill in the function (it returned " in line, line


@pytest.mark.parametrize("name", sorted(ANSWER_TEXT))
def test_first_hint_does_not_give_the_answer(name, capsys):
    """What the unanswered exercise cell prints (the checker given ..., or a stub returning ...) names
    no part of the accepted answer (rule 7b)."""
    check = getattr(exercises, name)
    answers = [...] + [stub for stub in STUBS.get(name, [])[:1]]
    for a in answers:
        assert check(a) is False
        (line,) = capsys.readouterr().out.strip().splitlines()
        assert line.startswith("Not yet"), line
        for frag in ANSWER_TEXT[name]:
            assert frag not in line, (frag, line)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("junk", [
    None, 3, "text", [1, 2], torch.zeros(2), lambda *a: "text", lambda *a: torch.zeros(2, 2),
    lambda *a: (torch.zeros(1),), lambda *a: [None], lambda *a: float("nan"), lambda *a: {"a": 1},
    lambda *a: (_ for _ in ()).throw(RuntimeError("boom")), ..., float("nan"), 10**400, (1, 2),
])
def test_checkers_never_raise_and_never_show_raw_errors(name, junk, capsys):
    assert getattr(exercises, name)(junk) is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Not yet"), lines
    assert "Traceback" not in lines[0] and "must be real number" not in lines[0], lines[0]


def test_mse_prefactor(capsys):
    """A right answer by the formula and one measured by the lab's modules at K = 10, and the wrong ones."""
    import math

    from vglab import modules as M

    logits, y = M.confident_logits([30.0], n_classes=10)
    g = float(M.head_gradient(logits, y, "softmax+mse")[1][0, 0])
    measured = -g * math.exp(30.0)  # a learner who measures after predicting: A = −g e^m
    assert abs(measured - 10 / 81) < 1e-6  # the closed form, by the modules (themselves tested vs autograd)
    assert exercises.check_mse_prefactor(10 / 81) is True
    assert exercises.check_mse_prefactor(measured) is True
    assert exercises.check_mse_prefactor(0.1235) is True
    assert exercises.check_mse_prefactor(torch.tensor(10 / 81)) is True  # one number in a tensor
    assert exercises.check_mse_prefactor(0.123) is True  # 3 significant figures, as the exercise asks
    for wrong in (-10 / 81, 0.75, 1 / 9, 0.12, 1.0, 0.5, 0.13, 0.124, 0.1239, None, "10/81", True, float("nan"),
                  [0.123], (10, 81), torch.tensor([0.1, 0.2]), 1e400, 10**400, 0.1235 + 0j):
        assert exercises.check_mse_prefactor(wrong) is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["Correct"] * 5 + ["Not yet"] * 19
    assert "positive" in lines[5] and "K = 3" in lines[6] and "⟨dC/dp, p⟩" in lines[7]
    assert "2 significant figures" in lines[8] and "asks for 3" in lines[8]  # 0.12: right, too few digits
    assert "3 significant figures" in lines[12]  # 0.124: wrong in the third figure


def test_checkers_leave_the_global_rng_alone():
    torch.manual_seed(0)
    a = torch.rand(1)
    torch.manual_seed(0)
    exercises.check_tied_linear_dW(lambda X, W, d: d.T @ X @ W)
    exercises.check_leaky_relu_backward(lambda X, dY: dY * (X > 0))
    assert torch.equal(torch.rand(1), a)


def test_all_exported():
    from vglab.exercises import backprop

    assert set(backprop.__all__) <= set(dir(exercises))
    assert len(backprop.__all__) == 6 and "check_mse_prefactor" in backprop.__all__
