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
