"""vglab.beta_penalty against closed forms, torch.distributions and float64 autograd (SOURCES.md §2)."""
import math

import pytest
import torch

from vglab import beta_penalty as bp


def test_omega_near_zero_for_large_uniform_sample():
    z = torch.rand(200_000, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert float(bp.beta_penalty(z)) < 1e-3


def test_omega_is_large_for_a_concentrated_layer():
    z = 0.5 + 0.01 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert float(bp.beta_penalty(z)) > 0.3  # 2 units x 2 x (1 + ln 1/2)^2 ≈ 0.38


@pytest.mark.parametrize("c", [0.1, 0.5, 0.9])
def test_omega_of_a_constant_layer_has_its_closed_form(c):
    d = 3
    z = torch.full((7, d), c, dtype=torch.float64)
    expected = d * ((1 + math.log(c)) ** 2 + (1 + math.log(1 - c)) ** 2)
    assert float(bp.beta_penalty(z)) == pytest.approx(expected, rel=1e-12)


def test_omega_finite_value_and_gradient_at_0_and_1():
    z = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.3, 0.7]], dtype=torch.float64, requires_grad=True)
    w = bp.beta_penalty(z)
    w.backward()
    assert torch.isfinite(w) and torch.isfinite(z.grad).all()


def test_omega_gradient_matches_float64_by_hand():
    g = torch.Generator().manual_seed(1)
    z = (0.05 + 0.9 * torch.rand(50, 4, generator=g, dtype=torch.float64)).requires_grad_()
    bp.beta_penalty(z).backward()
    n = z.shape[0]
    m1, m2 = torch.log(z).mean(0), torch.log1p(-z).mean(0)
    by_hand = (2 * (1 + m1) / (n * z) - 2 * (1 + m2) / (n * (1 - z))).detach()
    torch.testing.assert_close(z.grad, by_hand, rtol=1e-10, atol=1e-12)


def test_from_logits_equals_clamped_where_both_finite_and_stays_finite_at_extremes():
    a = 3 * torch.randn(300, 5, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert float(bp.beta_penalty_from_logits(a)) == pytest.approx(float(bp.beta_penalty(torch.sigmoid(a), eps=1e-300)), rel=1e-9)
    big = torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 2.0]], dtype=torch.float64, requires_grad=True)
    w = bp.beta_penalty_from_logits(big)
    w.backward()
    assert torch.isfinite(w) and torch.isfinite(big.grad).all()
    assert big.grad.abs().sum() > 0  # unlike the clamp, the logits version still pulls saturated units


def test_spec_counterexample_has_zero_omega_but_is_saturated():
    z = bp.counterexample(9000, low=1e-3)
    assert float(bp.beta_penalty(z)) < 1e-6
    assert float(bp.fraction_saturated(z)) == pytest.approx(0.111, abs=2e-3)
    assert float(bp.ks_to_uniform(z)) > 0.4  # far from U(0, 1) although ω ≈ 0


@pytest.mark.parametrize("alpha,beta", [(2.0, 5.0), (0.5, 0.5), (1.0, 1.0), (8.0, 3.0)])
def test_fit_beta_recovers_known_parameters(alpha, beta):
    torch.manual_seed(0)
    z = torch.distributions.Beta(torch.tensor([alpha, beta]), torch.tensor([beta, alpha])).sample((40_000,))
    a_hat, b_hat = bp.fit_beta(z.double())
    torch.testing.assert_close(a_hat, torch.tensor([alpha, beta], dtype=torch.float64), rtol=0.05, atol=0)
    torch.testing.assert_close(b_hat, torch.tensor([beta, alpha], dtype=torch.float64), rtol=0.05, atol=0)
    assert a_hat.shape == (2,) and a_hat.dtype == torch.float64


def test_fit_beta_newton_converges_in_under_10_iterations_and_solves_the_ml_equations():
    torch.manual_seed(1)
    z = torch.distributions.Beta(torch.tensor([0.3, 2.0, 20.0]), torch.tensor([0.4, 5.0, 3.0])).sample((20_000,)).double()
    zc = z.clamp(1e-6, 1 - 1e-6)
    s1, s2 = torch.log(zc).mean(0), torch.log1p(-zc).mean(0)
    m, v = zc.mean(0), zc.var(0, unbiased=False)
    c = m * (1 - m) / v - 1
    a, b, n_iter = bp.fit_beta_log_moments(s1, s2, init=(m * c, (1 - m) * c))
    assert n_iter < 10
    torch.testing.assert_close(torch.digamma(a) - torch.digamma(a + b), s1, rtol=0, atol=1e-9)
    torch.testing.assert_close(torch.digamma(b) - torch.digamma(a + b), s2, rtol=0, atol=1e-9)


def test_kl_is_zero_at_1_1_and_is_minus_beta_entropy():
    assert float(bp.kl_to_uniform(1.0, 1.0)) == pytest.approx(0.0, abs=1e-12)
    a = torch.tensor([0.3, 2.0, 5.0, 1.0, 40.0], dtype=torch.float64)
    b = torch.tensor([0.7, 5.0, 1.0, 3.0, 2.0], dtype=torch.float64)
    torch.testing.assert_close(bp.kl_to_uniform(a, b), -torch.distributions.Beta(a, b).entropy())


def test_kl_is_nonnegative_on_a_grid():
    t = torch.logspace(-1.5, 2, 40, dtype=torch.float64)
    a, b = torch.meshgrid(t, t, indexing="ij")
    assert (bp.kl_to_uniform(a, b) >= -1e-12).all()


def test_ks_correlation_and_saturation_against_independent_references():
    g = torch.Generator().manual_seed(3)
    u = torch.rand(5000, 2, generator=g, dtype=torch.float64)
    assert (bp.ks_to_uniform(u) < 0.03).all()
    z = torch.stack([u[:, 0], 1 - u[:, 0]], 1)  # perfectly anti-correlated, each unit uniform
    assert bp.mean_abs_correlation(z) == pytest.approx(1.0, abs=1e-9)
    assert float(bp.beta_penalty(z)) < 1e-2  # ω cannot see the dependence
    torch.testing.assert_close(bp.unit_correlation(u), torch.tensor(__import__("numpy").corrcoef(u.T.numpy())))
    s = torch.tensor([[0.001], [0.5], [0.999], [0.3]], dtype=torch.float64)
    assert float(bp.fraction_saturated(s)) == 0.5


@pytest.mark.parametrize("bad,err", [
    (torch.rand(10), ValueError), (torch.rand(2, 3, 4), ValueError), (torch.rand(1, 3), ValueError),
    (torch.tensor([[0.5, float("nan")], [0.2, 0.3]]), ValueError), (torch.tensor([[1.5], [0.2]]), ValueError),
    ([[0.5], [0.2]], TypeError), (torch.tensor([[1], [0]]), TypeError)])
def test_bad_input_raises_a_clear_error(bad, err):
    with pytest.raises(err, match="z"):
        bp.beta_penalty(bad)
    if err is ValueError and bad.dim() == 2 and not torch.isnan(bad).any() and (bad <= 1).all():
        with pytest.raises(ValueError):
            bp.fit_beta(bad)


def test_kl_and_logits_reject_bad_values():
    with pytest.raises(ValueError, match="alpha and beta"):
        bp.kl_to_uniform(0.0, 1.0)
    with pytest.raises(ValueError, match="a "):
        bp.beta_penalty_from_logits(torch.randn(5))
    with pytest.raises(ValueError, match="eps"):
        bp.beta_penalty(torch.rand(4, 2), eps=0.0)


def test_l2_control_penalty_by_hand():
    a = torch.tensor([[1.0, -2.0], [3.0, 0.0]], dtype=torch.float64)
    assert float(bp.l2_preactivation(a)) == pytest.approx((1 + 9) / 2 + (4 + 0) / 2)
    with pytest.raises(ValueError, match="a must be 2-D"):
        bp.l2_preactivation(torch.zeros(3))


def test_sharded_gradient_gap_against_the_closed_form_gradient():
    """∂ω/∂a_ij = (2/N)[(1 + m1_j) σ(−a_ij) − (1 + m2_j) σ(a_ij)], m the (shard's) log-means."""
    a = 2 * torch.randn(64, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    def grad(x, n_total):
        m1, m2 = -torch.nn.functional.softplus(-x).mean(0), -torch.nn.functional.softplus(x).mean(0)
        return 2 / n_total * ((1 + m1) * torch.sigmoid(-x) - (1 + m2) * torch.sigmoid(x))

    g = grad(a, 64)
    g4 = torch.cat([grad(s, 64) for s in a.chunk(4)])  # shard gradient (2/16)·(...) averaged over 4
    assert bp.sharded_gradient_gap(a, 1) == pytest.approx(0.0, abs=1e-12)
    assert bp.sharded_gradient_gap(a, 4) == pytest.approx(float((g4 - g).norm() / g.norm()), rel=1e-9)
    assert bp.sharded_gradient_gap(a, 4) > 0
    with pytest.raises(ValueError, match="n_shards"):
        bp.sharded_gradient_gap(a, 5)
