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


def test_delta_step_hints_without_giving_the_code_away(capsys):
    """The committed exercise cell returns None: the hint names eq. (6) and the pitfalls, not the
    line of code, and no raw torch message ("must be real number, not NoneType") reaches the learner."""
    assert not exercises.check_delta_step(lambda d, W, a: None)
    out = capsys.readouterr().out
    assert "returns None" in out and "NoneType" not in out
    assert "W_rec.T" not in out and "1 − tanh" not in out


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
    assert not exercises.check_critical_radius(None, "sigmoid")
    assert "0.25" not in capsys.readouterr().out  # the hint points to section 5's printed f′(0), not its value


def test_critical_radius_rejects_one_over_rms_slope(capsys):
    """1/RMS f′ of a real net (notebook 04 prints RMS f′ 0.23-0.24 for the sigmoid, 0.90-0.95 for tanh)
    is the measured model, not the linearised one the exercise asks for: rejected."""
    for wrong, act in ((1 / 0.24, "sigmoid"), (1 / 0.23, "sigmoid"), (1 / 0.95, "tanh"), (1 / 0.9, "tanh")):
        assert not exercises.check_critical_radius(wrong, act)
    assert exercises.check_critical_radius(4.0, "sigmoid") and exercises.check_critical_radius(1, "tanh")
    out = capsys.readouterr().out
    assert out.count("Not yet") == 4 and out.count("Correct") == 2


def test_sigmoid_orders_sign_and_junk(capsys):
    """tanh's bound over the sigmoid's (−6.02 for h = 10) is the natural slip: a hint about the sign."""
    assert not exercises.check_sigmoid_orders(-10 * math.log10(4), h=10)
    assert "positive" in capsys.readouterr().out
    assert exercises.check_sigmoid_orders(torch.tensor(20 * math.log10(4)), h=20)
    assert "Correct" in capsys.readouterr().out
    for junk in (None, "six", float("nan"), torch.ones(2)):
        assert not exercises.check_sigmoid_orders(junk)
        assert "Not yet" in capsys.readouterr().out


def test_orthogonal_q(capsys):
    right = -50 * math.log10(0.9)
    assert exercises.check_orthogonal_srn_q(right)
    assert exercises.check_orthogonal_srn_q(2.29) and not exercises.check_orthogonal_srn_q(2.2)
    assert not exercises.check_orthogonal_srn_q(2.28) and not exercises.check_orthogonal_srn_q(2.30)  # wrong rounding
    assert exercises.check_orthogonal_srn_q(-20 * math.log10(0.8), 0.8, 20)
    for wrong in (-right, right * 1.1, 50 * math.log10(0.9) * 2, "2.29", (right,), float("nan"), 10**400, True):
        assert not exercises.check_orthogonal_srn_q(wrong)
    assert not exercises.check_orthogonal_srn_q(...)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert "Not yet" in first and f"{right:.2f}" not in first and "0.9" not in first.replace("(0, 1]", "")
    assert not exercises.check_orthogonal_srn_q(right, "x", None)  # bad settings: a hint, no raise


def test_irnn_q(capsys):
    right = 0.5 * math.log10(0.7 / 0.25)
    assert exercises.check_irnn_q(right)
    assert exercises.check_irnn_q(0.22) and exercises.check_irnn_q(0.224)  # two digits are enough
    assert not exercises.check_irnn_q(0.21) and not exercises.check_irnn_q(0.23)  # 0.2236 rounds to 0.22
    assert not exercises.check_irnn_q(2 * right)
    assert "square root" in capsys.readouterr().out
    for wrong in (math.log10(0.25), -right, 0.0, "0.22", [right], None, float("inf"), torch.ones(2)):
        assert not exercises.check_irnn_q(wrong)
    assert not exercises.check_irnn_q(0.2)  # one decimal, rounded from the right value: asked for two
    assert "two decimals" in capsys.readouterr().out
    assert not exercises.check_irnn_q(0.3) and not exercises.check_irnn_q(0.1)
    assert "two decimals" not in capsys.readouterr().out
    assert not exercises.check_irnn_q(...)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"{right:.2f}" not in first and "log10(" not in first and "√" not in first
    assert "square root" not in first and "½" not in first  # the first hint keeps the tested step hidden


def test_truncation_window(capsys):
    assert exercises.check_truncation_window(54) and exercises.check_truncation_window(54.0)
    assert exercises.check_truncation_window(36, T=40)
    for wrong in (53, 55, 54.5, 60, 6, "54", (54, 1), None, float("nan"), 10**30, -54):
        assert not exercises.check_truncation_window(wrong)
    assert not exercises.check_truncation_window(...)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert "54" not in first
    assert not exercises.check_truncation_window(54, T="x")


def test_product_bound_two_digits():
    W = torch.tensor([[0.9, 0.3], [-0.2, 0.7]], dtype=torch.float64)  # notebook 04's exercise 2
    exact = float(torch.linalg.matrix_norm(W, ord=2)) ** 20
    assert exercises.check_product_bound(float(f"{exact:.2f}"), W, 20)
    assert not exercises.check_product_bound(exact * 1.1, W, 20)


def test_product_bound_names_the_wrong_norm(capsys):
    """The spectral-radius and Frobenius answers get a hint that names the norm; the first hint (the
    placeholder) gives neither the formula nor the number."""
    W = torch.tensor([[0.9, 0.3], [-0.2, 0.7]], dtype=torch.float64)  # notebook 04's exercise 2
    rho = float(torch.linalg.eigvals(W).abs().max())
    fro = float(torch.linalg.matrix_norm(W))
    assert not exercises.check_product_bound(rho ** 20, W, 20)
    assert "spectral radius" in capsys.readouterr().out
    assert not exercises.check_product_bound(fro ** 20, W, 20)
    assert "Frobenius" in capsys.readouterr().out
    assert not exercises.check_product_bound(..., W, 20)
    first = capsys.readouterr().out
    exact = float(torch.linalg.matrix_norm(W, ord=2)) ** 20
    assert "Not yet" in first and f"{exact:.2f}" not in first and "multiply h" not in first
    assert "matrix_norm" not in first


def test_critical_sigma2_for_K(capsys):
    """Exercise 3 asks for σ² at K = 50: radius²/K (tanh 1/50, sigmoid 16/50); the radius, the std and
    the K = 100 value are wrong, each with its own hint; the first hint holds no number."""
    assert exercises.check_critical_radius(1 / 50, "tanh", K=50)
    assert exercises.check_critical_radius(16 / 50, "sigmoid", K=50)
    assert exercises.check_critical_radius(0.32, "sigmoid", K=50.0)
    assert capsys.readouterr().out.count("Correct") == 3
    assert not exercises.check_critical_radius(4.0, "sigmoid", K=50)
    assert "radius" in capsys.readouterr().out
    assert not exercises.check_critical_radius(4 / 50 ** 0.5, "sigmoid", K=50)
    assert "standard deviation" in capsys.readouterr().out
    assert not exercises.check_critical_radius(0.16, "sigmoid", K=50)
    assert "K = 100" in capsys.readouterr().out
    for wrong in (1 / 100, 1 / 16 / 50, "0.32", (0.32,), None, float("nan"), 10**400, True, torch.ones(2)):
        assert not exercises.check_critical_radius(wrong, "sigmoid", K=50)
    capsys.readouterr()
    for bad_K in (0, -5, 2.5, "50", None, float("inf"), (50,)):
        if bad_K is None:
            continue  # None means "ask for the radius"
        assert not exercises.check_critical_radius(0.32, "sigmoid", K=bad_K)
    assert not exercises.check_critical_radius(..., "sigmoid", K=50)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert "Not yet" in first and "0.32" not in first and "16" not in first and "0.02" not in first


def test_scaled_orthogonal_q(capsys):
    """Exercise 5: W_rec = 1.05·O, RMS f′ 0.9, h = 50: g = 1.05, Q = −50·log10(0.945). Leaving out the
    scale, squaring it, or flipping the sign is rejected with a hint."""
    right = -50 * math.log10(1.05 * 0.9)
    assert exercises.check_orthogonal_srn_q(right, 0.9, 50, scale=1.05)
    assert exercises.check_orthogonal_srn_q(round(right, 2), 0.9, 50, scale=1.05)
    assert capsys.readouterr().out.count("Correct") == 2
    assert not exercises.check_orthogonal_srn_q(-50 * math.log10(0.9), 0.9, 50, scale=1.05)
    assert "orthogonal matrix itself" in capsys.readouterr().out
    assert not exercises.check_orthogonal_srn_q(-50 * math.log10(1.05 ** 2 * 0.9), 0.9, 50, scale=1.05)
    assert "square" in capsys.readouterr().out
    assert not exercises.check_orthogonal_srn_q(-right, 0.9, 50, scale=1.05)
    assert "sign" in capsys.readouterr().out
    assert not exercises.check_orthogonal_srn_q(1.2, 0.9, 50, scale=1.05)  # Q = 1.228 to one decimal
    assert "two decimals" in capsys.readouterr().out
    for wrong in (1.1, 1.3):  # one decimal, but not the right value rounded: the generic reply
        assert not exercises.check_orthogonal_srn_q(wrong, 0.9, 50, scale=1.05)
    assert "two decimals" not in capsys.readouterr().out
    assert exercises.check_orthogonal_srn_q(1.23, 0.9, 50, scale=1.05)
    for near in (1.21, 1.22, 1.24, 1.25):  # Q = 1.2284: only 1.23 is right to two decimals
        assert not exercises.check_orthogonal_srn_q(near, 0.9, 50, scale=1.05)
    for huge in (1.7976931348623157e307, -1e308, 1e300):  # the one-decimal test must not overflow
        assert not exercises.check_orthogonal_srn_q(huge, 0.9, 50, scale=1.05)
        assert not exercises.check_irnn_q(huge)
    capsys.readouterr()
    for rounded_c in (0.94, 0.95):  # c = 0.945 rounded to two decimals: rejected, with a tailored reply
        assert not exercises.check_orthogonal_srn_q(-50 * math.log10(rounded_c), 0.9, 50, scale=1.05)
        assert "unrounded" in capsys.readouterr().out
    for wrong in (right * 1.1, "1.23", (right,), float("nan"), 10**400, True):
        assert not exercises.check_orthogonal_srn_q(wrong, 0.9, 50, scale=1.05)
    for bad in (0, -1, "x", float("nan"), 100):
        assert not exercises.check_orthogonal_srn_q(right, 0.9, 50, scale=bad)
    capsys.readouterr()
    assert not exercises.check_orthogonal_srn_q(..., 0.9, 50, scale=1.05)
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert "Not yet" in first and f"{right:.2f}" not in first and "1.05" not in first
