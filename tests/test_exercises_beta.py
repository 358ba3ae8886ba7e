"""Notebook 06's checkers: a right answer passes, a wrong one gets a hint, nothing raises."""
import math

import torch

from vglab import exercises as ex


def test_digamma_difference(capsys):
    assert ex.check_digamma_difference(float(torch.digamma(torch.tensor(1.0)) - torch.digamma(torch.tensor(2.0))))
    assert "Correct" in capsys.readouterr().out
    assert not ex.check_digamma_difference(1.0)
    assert "Not yet" in capsys.readouterr().out
    assert not ex.check_digamma_difference("minus one")
    assert "Not yet" in capsys.readouterr().out


def test_constant_layer_omega(capsys):
    from vglab.beta_penalty import beta_penalty
    right = float(beta_penalty(torch.full((5, 3), 0.9, dtype=torch.float64)))
    assert ex.check_constant_layer_omega(right)
    assert not ex.check_constant_layer_omega((1 + math.log(0.9)) ** 2 + (1 + math.log(0.1)) ** 2)  # forgot d
    out = capsys.readouterr().out
    assert out.count("Correct") == 1 and out.count("Not yet") == 1


def test_kl_zero_params(capsys):
    assert ex.check_kl_zero_params(1, 1) and ex.check_kl_zero_params((1.0, 1.0))
    assert not ex.check_kl_zero_params(2, 2)
    assert not ex.check_kl_zero_params("uniform")
    assert capsys.readouterr().out.count("Not yet") == 2


def test_omega_zero_means_uniform(capsys):
    assert ex.check_omega_zero_means_uniform("No")
    assert not ex.check_omega_zero_means_uniform("yes")
    assert not ex.check_omega_zero_means_uniform("maybe")
    assert capsys.readouterr().out.count("Not yet") == 2


def test_log_moment(capsys):
    assert ex.check_log_moment(lambda z: torch.log(z).mean(0))
    assert not ex.check_log_moment(lambda z: torch.log(z).mean(1))
    assert not ex.check_log_moment(lambda z: 1 / 0)
    assert not ex.check_log_moment(None)
    out = capsys.readouterr().out
    assert out.count("Correct") == 1 and "ZeroDivisionError" in out


def test_digamma_hint_uses_only_the_recurrence(capsys):
    """Exercise 1 says "using only ψ(x + 1) = ψ(x) + 1/x": the hint must not point to torch.digamma."""
    assert not ex.check_digamma_difference(None)
    assert "digamma" not in capsys.readouterr().out


def test_constant_layer_omega_by_hand(capsys):
    """A true by-hand answer with two-decimal logs passes; a slip of a whole term does not."""
    assert ex.check_constant_layer_omega(3 * ((1 - 0.11) ** 2 + (1 - 2.30) ** 2))  # 7.446, 0.6 % low
    assert ex.check_constant_layer_omega(3 * ((1 - 0.1) ** 2 + (1 - 2.3) ** 2))  # 7.5
    assert not ex.check_constant_layer_omega(3 * ((1 + math.log(0.9)) ** 2))  # forgot the ln(1 − z) term
    assert not ex.check_constant_layer_omega(3 * ((1 - math.log(0.9)) ** 2 + (1 - math.log(0.1)) ** 2))  # sign
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 2


def test_omega_zero_placeholder_gives_no_answer_away(capsys):
    """The committed placeholder gets the format only; the hint comes after a wrong yes/no."""
    assert not ex.check_omega_zero_means_uniform("yes or no?")
    out = capsys.readouterr().out
    assert "Not yet" in out and "counterexample" not in out and "§4" not in out
    assert not ex.check_omega_zero_means_uniform(" YES ")
    assert "§4" in capsys.readouterr().out


def test_log_moment_hints_do_not_print_the_solution(capsys):
    """No path prints the answer's code; natural right answers (method form, keyword dim, numpy) pass."""
    import numpy as np

    assert ex.check_log_moment(lambda z: z.log().mean(dim=0))
    assert ex.check_log_moment(lambda z: np.log(z.numpy()).mean(axis=0))
    assert not ex.check_log_moment(lambda z: None)  # the committed stub
    assert not ex.check_log_moment(lambda z: 1 / 0)
    assert not ex.check_log_moment(lambda z: torch.log(z).mean(1))  # wrong axis: a shape hint
    assert not ex.check_log_moment(lambda z: torch.log(z).sum(0))  # right shape, wrong values
    assert not ex.check_log_moment(lambda z: "ln z")
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 5
    assert "log(z).mean" not in out and "dim 0" not in out


def test_placeholders_get_the_format_only(capsys):
    """Read 06r2 X1/X2: the unanswered cells (None) must not print the hint, which gives the procedure away."""
    assert not ex.check_digamma_difference(None)
    assert not ex.check_constant_layer_omega(None)
    assert not ex.check_constant_layer_omega(...)
    out = capsys.readouterr().out
    assert "x = 1" not in out and "square" not in out and "ln c" not in out
    assert out.count("replace None with your number") == 2 and "replace ... with your number" in out
    assert not ex.check_constant_layer_omega(1.0)  # a wrong number still gets the hint
    assert "square" in capsys.readouterr().out
