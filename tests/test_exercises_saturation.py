"""Notebook 03's checkers: a right answer says Correct, a wrong one says Not yet, nothing raises."""
import pytest
import torch

from vglab import exercises as ex
from vglab import saturation as sat


def _verdict(capsys, ok, expected):
    out = capsys.readouterr().out
    assert ok is expected
    assert out.startswith("Correct:" if expected else "Not yet:")


@pytest.mark.parametrize("args,expected", [((0, 0.25), True), ((0.0, 0.5), False), ((1.0, 0.25), False),
                                           (("zero", 0.25), False), ((None, None), False)])
def test_sigmoid_peak(capsys, args, expected):
    _verdict(capsys, ex.check_sigmoid_peak(*args), expected)


@pytest.mark.parametrize("fn,expected", [
    (lambda a: torch.sigmoid(a) * (1 - torch.sigmoid(a)), True),
    (lambda a: torch.sigmoid(a), False),
    (lambda a: torch.sigmoid(a[:3]), False),
    (lambda a: 1 / 0, False),
    ("not a function", False),
])
def test_sigmoid_derivative(capsys, fn, expected):
    _verdict(capsys, ex.check_sigmoid_derivative(fn), expected)


@pytest.mark.parametrize("gain,expected", [(1.0, False), (1.15, True), (1.1, True), (0.5, False), (5 / 3, False),
                                           (-1, False), ("big", False)])
def test_flat_tanh_gain(capsys, gain, expected):
    _verdict(capsys, ex.check_flat_tanh_gain(gain), expected)


def test_dead_layer_is_the_one_the_report_finds(capsys):
    x = torch.randn(64, 64, generator=torch.Generator().manual_seed(0))
    p = sat.probe(ex.dead_relu_net(), x)
    worst = int(p.pct_dead.argmax()) + 1
    _verdict(capsys, ex.check_dead_layer(worst), True)
    for wrong in (1, 3, "four", None, 4.5):
        _verdict(capsys, ex.check_dead_layer(wrong), False)


@pytest.mark.parametrize("lr,expected", [(0.01, True), (1.0, False), (1e-5, False), (0, False), ("x", False)])
def test_update_ratio_lr(capsys, lr, expected):
    _verdict(capsys, ex.check_update_ratio_lr(lr), expected)


def test_sigmoid_derivative_must_work_on_any_shape(capsys):
    def one_d_only(a):  # loops over the first axis and takes float() of each element: 1-D only
        return torch.tensor([float(torch.sigmoid(v) * (1 - torch.sigmoid(v))) for v in a])

    _verdict(capsys, ex.check_sigmoid_derivative(one_d_only), False)

    def flattens(a):  # right values, wrong shape
        return (torch.sigmoid(a) * (1 - torch.sigmoid(a))).flatten()

    ok = ex.check_sigmoid_derivative(flattens)
    out = capsys.readouterr().out
    assert ok is False and "shape (3, 5, 16)" in out
    manual = lambda a: torch.exp(-a) / (1 + torch.exp(-a)) ** 2  # noqa: E731 -- the textbook form, any shape
    _verdict(capsys, ex.check_sigmoid_derivative(manual), True)


def test_flat_tanh_gain_prints_the_measured_ratio_at_five_thirds(capsys):
    from vglab.data import digits
    from vglab.deep_mlp import gradient_profile

    d = digits(standardize=True)
    p = gradient_profile(d.x_train[:64], d.y_train[:64], depth=30, width=64, activation="tanh", init="normal",
                         gain=5 / 3)
    r = float(p.grad_a[0] / p.grad_a[-1])
    assert r > 5  # 5/3 explodes over 30 layers: the checker rejects it
    assert ex.check_flat_tanh_gain(1.1) is True
    assert f"the ratio is {r:.0f} over 30 layers" in capsys.readouterr().out
