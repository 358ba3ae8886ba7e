"""Notebook 04's checkers: a right and a wrong answer each; they print and never raise."""
import math

import torch

from vglab import exercises


def test_delta_step(capsys):
    assert exercises.check_delta_step(lambda d, W, a: (d @ W.T) * (1 - torch.tanh(a) ** 2))
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_delta_step(lambda d, W, a: (d @ W) * (1 - torch.tanh(a) ** 2))
    assert "W_rec.T" in capsys.readouterr().out
    assert not exercises.check_delta_step(lambda d, W, a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not exercises.check_delta_step(lambda d, W, a: d[:2])
    assert "Not yet" in capsys.readouterr().out


def test_product_bound(capsys):
    W = torch.diag(torch.tensor([0.5, 2.0]))
    assert exercises.check_product_bound(2.0**5, W, 5)
    assert exercises.check_product_bound(0.5**5, W, 5, "sigmoid")
    assert capsys.readouterr().out.count("Correct") == 2
    assert not exercises.check_product_bound(0.5**5, W, 5)
    assert not exercises.check_product_bound("big", W, 5)
    assert not exercises.check_product_bound(1.0, W, 5, "relu")
    assert capsys.readouterr().out.count("Not yet") == 3


def test_critical_radius_and_orders(capsys):
    assert exercises.check_critical_radius(1.0) and exercises.check_critical_radius(4, "sigmoid")
    assert not exercises.check_critical_radius(0.25, "sigmoid") and not exercises.check_critical_radius(None)
    assert exercises.check_sigmoid_orders(10 * math.log10(4)) and not exercises.check_sigmoid_orders(10)
    out = capsys.readouterr().out
    assert out.count("Correct") == 3 and out.count("Not yet") == 3
