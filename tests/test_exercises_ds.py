"""Notebook 07's checkers: right, wrong and nonsense answers (they print, never raise)."""
import torch

from vglab import exercises


def test_accept_decision_and_printed_rule(capsys):
    assert exercises.check_accept_decision("skip") is True
    assert exercises.check_accept_decision("apply") is False
    assert exercises.check_accept_decision(3) is False
    assert exercises.check_printed_rule("swapped") is True
    assert exercises.check_printed_rule("corrected") is False
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 3


def test_factor_two(capsys):
    assert exercises.check_factor_two(1.2) is True
    assert exercises.check_factor_two(0.6) is False
    assert exercises.check_factor_two("x") is False
    assert capsys.readouterr().out.count("Not yet") == 2


def test_ds_2x2(capsys):
    def right(W, dW, D1, D2, delta):
        G = D1 @ W @ D2 @ W @ delta
        return 2 * G @ (D1 @ dW @ D2 @ W @ delta + D1 @ W @ D2 @ dW @ delta)

    def no_two(W, dW, D1, D2, delta):
        return right(W, dW, D1, D2, delta) / 2

    def one_term(W, dW, D1, D2, delta):
        G = D1 @ W @ D2 @ W @ delta
        return 2 * G @ (D1 @ dW @ D2 @ W @ delta)

    def broken(*_):
        raise RuntimeError("oops")

    assert exercises.check_ds_2x2(right) is True
    assert exercises.check_ds_2x2(no_two) is False
    assert "factor 2" in capsys.readouterr().out
    assert exercises.check_ds_2x2(one_term) is False
    assert exercises.check_ds_2x2(broken) is False
    assert exercises.check_ds_2x2(lambda *a: torch.ones(3)) is False
    assert exercises.check_ds_2x2(None) is False
    assert capsys.readouterr().out.count("Not yet") == 4


def test_ds_2x2_rejects_a_memorised_number_and_hints_without_the_formula(capsys):
    """A function that returns the first case's number is wrong on the other cases; the hint of an
    unanswered cell does not spell out the solution."""
    from vglab.exercises.ds import _case_2x2
    _, first = _case_2x2(7)
    assert exercises.check_ds_2x2(lambda *a: first) is False
    assert exercises.check_ds_2x2(lambda *a: None) is False
    out = capsys.readouterr().out
    assert "@" not in out and "D1 @ W" not in out
    assert exercises.check_factor_two(None) is False
    assert "multiply" not in capsys.readouterr().out
