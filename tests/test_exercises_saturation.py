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
    manual = lambda a: torch.exp(-a.abs()) / (1 + torch.exp(-a.abs())) ** 2  # noqa: E731 -- σ′ is even; any shape
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


@pytest.mark.parametrize("c,decades,expected", [
    (0.5, 5.72, True), (0.5, 19 * 0.30103, True), (0.25, 5.72, False), (0.5, 6.02, False), (0.5, -5.72, False),
    ("0.5", 5.72, False), ((0.5, 5.72), None, False), (float("nan"), 5.72, False), (0.5, float("inf"), False),
    (10 ** 400, 5.72, False), (True, 5.72, False), (..., ..., False)])
def test_sigmoid_linear_factor(capsys, c, decades, expected):
    _verdict(capsys, ex.check_sigmoid_linear_factor(c, decades), expected)


def test_sigmoid_linear_factor_first_hint_hides_the_answer(capsys):
    ex.check_sigmoid_linear_factor(..., ...)
    out = capsys.readouterr().out
    assert "0.5" not in out and "5.7" not in out and "19" not in out


@pytest.mark.parametrize("fn,expected", [
    (lambda a: 4 * torch.sigmoid(2 * a) * (1 - torch.sigmoid(2 * a)), True),
    (lambda a: 1 - torch.tanh(a) ** 2, True),
    (lambda a: torch.sigmoid(2 * a) * (1 - torch.sigmoid(2 * a)), False),  # forgot the chain rule's 4
    (lambda a: 2 * torch.sigmoid(2 * a) - 1, False),  # tanh itself
    (lambda a: (1 - torch.tanh(a) ** 2).flatten(), False),
    (lambda a: 1 / 0, False), ("tanh", False), (..., False)])
def test_tanh_derivative(capsys, fn, expected):
    _verdict(capsys, ex.check_tanh_derivative(fn), expected)


def test_sigmoid_derivative_naive_form_overflows_in_float32(capsys):
    _verdict(capsys, ex.check_sigmoid_derivative(lambda a: torch.exp(-a) / (1 + torch.exp(-a)) ** 2), False)

    def stable(a):
        e = torch.exp(-a.abs())
        return e / (1 + e) ** 2

    _verdict(capsys, ex.check_sigmoid_derivative(stable), True)


@pytest.mark.parametrize("c,expected", [(1.21, True), (1.2101, True), (1.0, False), (0.707, False), (1.41, False),
                                        ("1.21", False), ((1.21,), False), (float("nan"), False), (10 ** 400, False),
                                        (torch.tensor(1.21), True), (torch.tensor([1.21, 1.21]), False), (..., False)])
def test_bn_relu_factor(capsys, c, expected):
    _verdict(capsys, ex.check_bn_relu_factor(c), expected)


def test_bn_relu_factor_is_the_closed_form():
    # E[z] = 1/√(2π), E[z²] = 1/2 for z = ReLU(a), a ~ N(0, 1): check by quadrature
    a = torch.linspace(0, 12, 200_001, dtype=torch.float64)
    phi = torch.exp(-a ** 2 / 2) / (2 * torch.pi) ** 0.5
    ez, ez2 = torch.trapezoid(a * phi, a), torch.trapezoid(a * a * phi, a)
    from vglab.exercises.saturation import BN_RELU_FACTOR
    assert abs(BN_RELU_FACTOR - (0.5 ** 0.5) / float(ez2 - ez ** 2) ** 0.5) < 1e-6


@pytest.mark.parametrize("call,hidden", [
    (lambda: ex.check_tanh_derivative(...), ["2σ(2a)", "σ(2a)", "4σ′"]),
    (lambda: ex.check_update_ratio_lr(...), ["1e-3 /", "scale lr"]),
    (lambda: ex.check_bn_relu_factor(...), ["1.21", "1/√(2π)", "P(a > 0)", "E[z²]"]),
    (lambda: ex.check_sigmoid_linear_factor(..., ...), ["f′ is at its maximum", "1/4"]),
])
def test_first_hint_is_a_nudge_and_a_wrong_answer_gets_the_full_hint(capsys, call, hidden):
    assert call() is False
    first = capsys.readouterr().out
    assert first.startswith("Not yet") and not any(h in first for h in hidden)


def test_wrong_answers_still_get_the_full_hint(capsys):
    assert ex.check_bn_relu_factor(1.0) is False
    assert "1/√(2π)" in capsys.readouterr().out
    assert ex.check_tanh_derivative(lambda a: a) is False
    out = capsys.readouterr().out
    assert "A·σ(B·a) + C" in out and "2σ(2a)" not in out  # the form, never the identity the exercise asks for
    assert ex.check_sigmoid_linear_factor(0.3, 1.0) is False
    assert "maximum" in capsys.readouterr().out


def test_no_tanh_hint_gives_the_identity(capsys):
    """Ex 3 asks the learner to write tanh through σ: no hint, first or later, may give tanh(a) = 2σ(2a) − 1."""
    from vglab.exercises import saturation as exs

    exs._TRIES.clear()
    outs = []
    for answer in (..., lambda a: a, lambda a: a, "tanh", lambda a: 1 / 0):
        assert ex.check_tanh_derivative(answer) is False
        outs.append(capsys.readouterr().out)
    assert not any("2σ(2a)" in o or "σ(2a)" in o or "σ(2·a)" in o for o in outs)
    exs._TRIES.clear()


def test_first_wrong_hint_keeps_the_identities_back(capsys):
    """Ex 3 and 7: the first wrong try gets a hint without the identity that is half the derivation; the
    second gets it; a right answer resets the count."""
    from vglab.exercises import saturation as exs

    exs._TRIES.clear()
    wrong_tanh = lambda a: torch.sigmoid(2 * a) * (1 - torch.sigmoid(2 * a))  # noqa: E731 -- forgot the 4
    for check, wrong, right, identity in (
            (ex.check_tanh_derivative, wrong_tanh, lambda a: 1 - torch.tanh(a) ** 2, "A·σ(B·a) + C"),
            (ex.check_bn_relu_factor, 1.0, 1.21, "1/√(2π)")):
        check(...)
        first_blank = capsys.readouterr().out
        assert check(wrong) is False
        first = capsys.readouterr().out
        assert check(wrong) is False
        second = capsys.readouterr().out
        assert identity not in first_blank and identity not in first and "fuller hint" in first
        assert identity in second
        assert check(right) is True
        capsys.readouterr()
        assert check(wrong) is False
        assert identity not in capsys.readouterr().out  # reset by the right answer


@pytest.mark.parametrize("name,answers", [
    ("check_sigmoid_peak", ("1/4", "0.25")),
    ("check_sigmoid_linear_factor", ("0.5", "5.72", "log10 2")),
    ("check_sigmoid_derivative", ("σ(a)(1 − σ(a))",)),
    ("check_tanh_derivative", ("4σ′", "2σ(2a)")),
    ("check_flat_tanh_gain", ("0.33", "above 1")),
    ("check_bn_relu_factor", ("1.21", "1/(2π)", "√(1/2)")),
    ("check_dead_layer", ("4",)),
    ("dead_relu_net", ("4", "[3]")),
])
def test_docstrings_do_not_give_the_answer(name, answers):
    """help() and shift-tab show the docstring: it must not state the exercise's answer."""
    doc = getattr(ex, name).__doc__
    for answer in answers:
        assert answer not in doc, (name, answer)
