"""Notebook 06's checkers: a right answer passes, a wrong one gets a hint, nothing raises, and the
committed placeholder (``...``) prints the format only (never the answer or the procedure)."""
import math

import numpy as np
import pytest
import torch

from vglab import exercises as ex
from vglab.exercises._checks import number_or_none

JUNK = ["minus one", "-0.5", "(1, 1)", (1, 1), [-0.5, 0.0], None, ..., float("nan"), float("inf"), -float("inf"),
        10 ** 400, True, {}, object(), torch.ones(2), np.array(["-0.5"])]


def test_number_or_none_reads_numbers_only():
    assert number_or_none(np.float32(-0.5)) == -0.5 and number_or_none(np.int64(3)) == 3.0
    assert number_or_none(torch.tensor(-0.5)) == -0.5 and number_or_none(np.array([2.0])) == 2.0
    for junk in JUNK:
        assert number_or_none(junk) is None, junk


def test_beta21_log_mean_against_torch_digamma(capsys):
    """The accepted answer is ψ(2) − ψ(3), computed independently by torch in float64."""
    right = float(torch.digamma(torch.tensor(2.0, dtype=torch.float64)) - torch.digamma(torch.tensor(3.0, dtype=torch.float64)))
    assert ex.check_beta21_log_mean(right) and ex.check_beta21_log_mean(np.float64(-0.5))
    assert "Correct" in capsys.readouterr().out
    assert not ex.check_beta21_log_mean(-1.0)  # U(0, 1)'s value
    assert "Beta(1, 1)" in capsys.readouterr().out
    assert not ex.check_beta21_log_mean(0.5)
    assert not ex.check_beta21_log_mean(-0.49)
    assert capsys.readouterr().out.count("Not yet") == 2


@pytest.mark.parametrize("check", [ex.check_beta21_log_mean, ex.check_constant_layer_omega, ex.check_omega_push,
                                   ex.check_factor_at_zero, ex.check_omega_grad, ex.check_log_moment,
                                   ex.check_ks_distance])
def test_junk_never_raises_and_is_never_accepted(check, capsys):
    for junk in JUNK:
        assert check(junk) is False, junk
    out = capsys.readouterr().out
    assert out.count("Not yet") == len(JUNK) and "Correct" not in out


def test_placeholders_print_the_format_only(capsys):
    """Rule 7(b): the unanswered cell's reply holds neither the answer nor the procedure."""
    for check, banned in ((ex.check_beta21_log_mean, ["0.5", "1/2", "α = 2", "ψ(3)"]),
                          (ex.check_constant_layer_omega, ["square", "ln c", "7."]),
                          (ex.check_omega_push, ["2.5", "lower", "z = 0.9"]),
                          (ex.check_factor_at_zero, ["1/4", "0.25", "σ′(0)", "1/2", "0.5", "halve"])):
        assert check(...) is False
        out = capsys.readouterr().out
        assert out.startswith("Not yet: replace ... with your number")
        assert not any(b in out for b in banned), (check.__name__, out)


def test_constant_layer_omega(capsys):
    from vglab.beta_penalty import beta_penalty
    right = float(beta_penalty(torch.full((5, 3), 0.9, dtype=torch.float64)))
    assert ex.check_constant_layer_omega(right)
    assert ex.check_constant_layer_omega(3 * ((1 - 0.11) ** 2 + (1 - 2.30) ** 2))  # two-decimal logs, 0.6 % low
    assert not ex.check_constant_layer_omega((1 + math.log(0.9)) ** 2 + (1 + math.log(0.1)) ** 2)  # forgot d
    assert not ex.check_constant_layer_omega(3 * ((1 + math.log(0.9)) ** 2))  # forgot the ln(1 − z) term
    assert not ex.check_constant_layer_omega(3 * ((1 - math.log(0.9)) ** 2 + (1 - math.log(0.1)) ** 2))  # sign
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 3 and "square" in out


def _grad_by_hand(a):
    z = torch.sigmoid(a)
    m, mbar = torch.log(z).mean(0), torch.log1p(-z).mean(0)
    return 2 / a.shape[0] * ((1 + m) * (1 - z) - (1 + mbar) * z)


def test_omega_grad_against_autograd(capsys):
    """The closed form agrees with autograd (the checker's reference) on an independent layer too."""
    from vglab.beta_penalty import beta_penalty_from_logits
    a = torch.randn(11, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(beta_penalty_from_logits(a), a)
    assert torch.allclose(_grad_by_hand(a.detach()), g, rtol=1e-10)
    assert ex.check_omega_grad(_grad_by_hand)
    assert "Correct" in capsys.readouterr().out
    for wrong, word in ((lambda a: _grad_by_hand(a) / 2, "factor 2"),
                        (lambda a: _grad_by_hand(a) * a.shape[0], "1/N"),
                        (lambda a: -_grad_by_hand(a), "sign"),
                        (lambda a: _grad_by_hand(a).mean(0), "same shape"),
                        (lambda a: torch.sigmoid(a), "chain rule"),
                        (lambda a: None, "returned None"),
                        (lambda a: 1 / 0, "ZeroDivisionError"),
                        (lambda a: torch.full_like(a, float("nan")), "NaN"),
                        (lambda a: 10 ** 400, "return a tensor"), (lambda a: [[10 ** 400]], "return a tensor"),
                        # read 06r5 X16: autograd is the reference, not an answer to a "derive by hand" exercise
                        (lambda a: torch.autograd.grad(beta_penalty_from_logits(a.requires_grad_()), a)[0],
                         "raised")):
        assert ex.check_omega_grad(wrong) is False
        assert word in capsys.readouterr().out, word


def test_omega_grad_compares_values_only(capsys):
    """Read 06r8 E2/X1: as notebook 06's Exercise 3 says, the checker compares values only. A plain autograd
    call inside fn fails under its torch.no_grad(), but one that re-enables grad mode is accepted."""
    from vglab.beta_penalty import beta_penalty_from_logits

    def by_autograd(a):
        with torch.enable_grad():
            a = a.detach().clone().requires_grad_()
            return torch.autograd.grad(beta_penalty_from_logits(a), a)[0]
    assert ex.check_omega_grad(by_autograd) is True
    assert "Correct" in capsys.readouterr().out
    assert ex.check_omega_grad(lambda a: torch.autograd.grad(beta_penalty_from_logits(a.requires_grad_()), a)[0]) is False
    assert "raised" in capsys.readouterr().out


def test_success_replies_state_true_omega(capsys):
    """Read 06r8 E1: the reply after Exercise 1 gives ω of a Beta(2, 1) unit from both log-means (torch digamma)."""
    dg = lambda x: float(torch.digamma(torch.tensor(float(x), dtype=torch.float64)))
    omega = (1 + dg(2) - dg(3)) ** 2 + (1 + dg(1) - dg(3)) ** 2
    assert abs(omega - 0.5) < 1e-12
    assert ex.check_beta21_log_mean(-0.5)
    assert "= 1/2." in capsys.readouterr().out
    for slip in (0.5, 0.25):  # read 06r8 X2: the slip replies do not state the accepted answer
        assert not (ex.check_beta21_log_mean(slip) if slip == 0.5 else ex.check_factor_at_zero(slip))
        out = capsys.readouterr().out
        assert "−1/2" not in out and "-0.5" not in out and "gain g" not in out and "= 1" not in out, out
    for slip in (0.25, 2.0, 1.0, 0.125):  # read 06r12 X4: nor do those of Exercise 5 (answer 1/2)
        assert not ex.check_factor_at_zero(slip)
        out = capsys.readouterr().out
        assert "1/2" not in out and "0.5" not in out and "halve" not in out, out


def test_omega_grad_accepts_float32_and_rejects_small_slips(capsys):
    """Read 06r6 X2: the right formula computed in float32 is accepted; a 1 % error is not."""
    def grad32(a):
        a = a.float()
        z = torch.sigmoid(a)
        m = -torch.nn.functional.softplus(-a).mean(0)
        mbar = -torch.nn.functional.softplus(a).mean(0)
        return 2 / a.shape[0] * ((1 + m) * (1 - z) - (1 + mbar) * z)
    assert ex.check_omega_grad(grad32)
    assert "Correct" in capsys.readouterr().out
    assert ex.check_omega_grad(lambda a: _grad_by_hand(a) * 1.01) is False
    assert ex.check_omega_grad(lambda a: _grad_by_hand(a) + 1e-3 * torch.sigmoid(a)) is False
    assert "Not yet" in capsys.readouterr().out


def test_omega_push_matches_the_closed_form(capsys):
    """N·∂ω/∂a for a constant unit z = 0.9, from the closed form checked against autograd above."""
    a = torch.full((8, 1), math.log(0.9 / 0.1), dtype=torch.float64)
    right = float(8 * _grad_by_hand(a)[0, 0])
    assert ex.check_omega_push(right) and right > 0
    assert not ex.check_omega_push(-right) and not ex.check_omega_push(right / 2) and not ex.check_omega_push(0.3)
    out = capsys.readouterr().out
    assert out.count("Correct") == 1 and out.count("Not yet") == 3 and "sign" in out and "factor 2" in out


def test_factor_at_zero_against_autograd(capsys):
    """σ′(0) from autograd, times the gain 2 (read 06r12 X4: not §7's gain 4): the accepted answer."""
    a = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    (s,) = torch.autograd.grad(torch.sigmoid(a).sum(), a)
    assert ex.check_factor_at_zero(2 * float(s)) and ex.check_factor_at_zero(np.float32(0.5))
    for wrong in (0.25, 2, 4 * float(s), 2 * float(s) ** 2, 0.49, 0.51):
        assert not ex.check_factor_at_zero(wrong), wrong
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and out.count("Not yet") == 6
    assert "two factors" in out and "gain alone" in out and "gain 4" in out and "square root" in out


def test_log_moment(capsys):
    assert ex.check_log_moment(lambda z: torch.log(z).mean(0))
    assert ex.check_log_moment(lambda z: z.log().mean(dim=0))
    assert ex.check_log_moment(lambda z: np.log(z.numpy()).mean(axis=0))
    assert not ex.check_log_moment(lambda z: None)  # the committed stub
    assert not ex.check_log_moment(lambda z: 1 / 0)
    assert not ex.check_log_moment(lambda z: torch.log(z).mean(1))  # wrong axis: a shape hint
    assert not ex.check_log_moment(lambda z: torch.log(z).sum(0))  # right shape, wrong values
    assert not ex.check_log_moment(lambda z: "ln z")
    assert not ex.check_log_moment(lambda z: 10 ** 400)
    out = capsys.readouterr().out
    assert out.count("Correct") == 3 and out.count("Not yet") == 6
    assert "log(z).mean" not in out and "dim 0" not in out and "ZeroDivisionError" in out


def _ks_scipy(z):
    """An independent reference: scipy's one-sample KS statistic against U(0, 1), unit by unit."""
    from scipy import stats
    return torch.tensor([stats.kstest(z[:, j].numpy(), "uniform").statistic for j in range(z.shape[1])])


def _ks_sorted(z):
    zs, n = z.sort(0).values, z.shape[0]
    i = torch.arange(1, n + 1, dtype=z.dtype)[:, None]
    return torch.maximum((i / n - zs).max(0).values, (zs - (i - 1) / n).max(0).values)


def test_ks_distance_against_scipy(capsys):
    z = torch.rand(300, 4, generator=torch.Generator().manual_seed(7), dtype=torch.float64) ** 2
    assert torch.allclose(_ks_sorted(z), _ks_scipy(z).double(), rtol=1e-12)
    assert ex.check_ks_distance(_ks_sorted) and ex.check_ks_distance(_ks_scipy)
    assert "Correct" in capsys.readouterr().out


def _ks_ties_wrong(z, how):
    """KS answers that are right without ties and wrong with them: each sample's F_N(x) = #(z ≤ x)/N is
    right, but the value just before the jump is taken as F_N(x) − 1/N ("minus_one"), or the value just
    after it as (#(z < x) + 1)/N ("plus_one"), as if no other sample shared x."""
    n = z.shape[0]
    le = (z[None, :, :] <= z[:, None, :]).sum(1).to(z.dtype) / n  # (N, d): F_N at each sample
    lt = (z[None, :, :] < z[:, None, :]).sum(1).to(z.dtype) / n  # F_N just before each sample
    after, before = {"minus_one": (le, le - 1 / n), "plus_one": (lt + 1 / n, lt)}[how]
    return torch.maximum((after - z).max(0).values, (z - before).max(0).values)


def test_ks_distance_checks_ties(capsys):
    from vglab import beta_penalty as bp
    lo_hi = torch.cat([torch.full((30, 1), 0.2), torch.full((60, 1), 0.9)]).double()
    z = torch.cat([bp.counterexample(90), lo_hi, 1.1 - lo_hi], 1)  # the checker's tied layer
    assert torch.allclose(bp.ks_to_uniform(z), _ks_scipy(z).double(), rtol=1e-12)  # scipy agrees with ties too
    free = torch.rand(200, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    for how in ("minus_one", "plus_one"):
        assert torch.allclose(_ks_ties_wrong(free, how), _ks_scipy(free).double(), rtol=1e-12)  # right without ties
        assert not torch.allclose(_ks_ties_wrong(z, how), bp.ks_to_uniform(z))  # wrong with them
        assert not ex.check_ks_distance(lambda z, how=how: _ks_ties_wrong(z, how))
    out = capsys.readouterr().out
    assert out.count("Not yet") == 2 and out.count("tied values") == 2 and "Correct" not in out


def _one_side(z, side):
    zs, n = z.sort(0).values, z.shape[0]
    i = torch.arange(1, n + 1, dtype=z.dtype)[:, None]
    return {"after": (i / n - zs).max(0).values, "before": (zs - (i - 1) / n).max(0).values,
            "abs": (i / n - zs).abs().max(0).values}[side]


def test_ks_distance_refuses_wrong_answers(capsys):
    for side in ("after", "before", "abs"):  # one side of each jump of F_N only
        assert not ex.check_ks_distance(lambda z, side=side: _one_side(z, side))
    out = capsys.readouterr().out
    assert out.count("Not yet") == 3 and out.count("just before") == 3
    assert not ex.check_ks_distance(lambda z: None)  # the committed stub
    assert "returned None" in capsys.readouterr().out
    assert not ex.check_ks_distance(lambda z: (z - 0.5).abs().max(0).values)  # right shape, wrong values
    assert not ex.check_ks_distance(lambda z: _ks_sorted(z)[None])  # wrong shape
    assert not ex.check_ks_distance(lambda z: 1 / 0)
    assert not ex.check_ks_distance(lambda z: 10 ** 400)
    assert not ex.check_ks_distance(lambda z: "KS")
    assert not ex.check_ks_distance(lambda z: torch.full((z.shape[1],), float("nan")))
    out = capsys.readouterr().out
    assert out.count("Not yet") == 6 and "Correct" not in out and "sort" in out
