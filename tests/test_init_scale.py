"""Tests of vglab.init_scale (notebook 05): circular law, Q ordering, float64, Fig. 3 guard."""
import math

import pytest
import torch

from vglab import init_scale as S, srn, tasks
from vglab.train import DivergenceError


@pytest.mark.parametrize("sigma2", [0.005, 0.01, 0.02])
def test_spectral_radius_tracks_circular_law(sigma2):
    # Girko: eigenvalues of K×K N(0, σ²) fill the disc of radius std·√K; K = 100, several seeds
    expected = math.sqrt(sigma2 * 100)
    for seed in range(3):
        rho = S.spectral_radii(sigma2, 100, n_matrices=10, seed=seed)
        assert abs(float(rho.mean()) / expected - 1) < 0.1
        assert bool(((rho / expected - 1).abs() < 0.25).all())
    assert S.circle_radius(sigma2, 100) == pytest.approx(expected)


def test_weights_are_those_of_srn_and_variance_not_std():
    W = S.recurrent_weights(0.01, 100, n_matrices=5, seed=3)
    assert W.shape == (5, 100, 100)
    assert float(W.std()) == pytest.approx(0.1, rel=0.02)  # σ² is the variance
    # the W_rec of gradient_profile's networks: temporal-order sizes (6 in, 4 out), W_in drawn first
    model = srn.SRN(6, 100, 4, 0.01, n_networks=5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    torch.testing.assert_close(W, model.W_rec.detach())
    one = srn.SRN(6, 100, 4, 0.01, n_networks=1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    torch.testing.assert_close(S.recurrent_weights(0.01, 100, seed=3), one.W_rec.detach()[0])  # the slider's network
    # the same draws for every σ²: the eigenvalues only rescale
    e1, e2 = S.eigenvalues(0.01, 100, seed=1), S.eigenvalues(0.04, 100, seed=1)
    assert float(e2.abs().max() / e1.abs().max()) == pytest.approx(2.0, rel=1e-8)


def test_q_ordering_vanishing_healthy_exploding():
    q = [S.gradient_profile(s, h=50, n_networks=4, n_sequences=20, weight_grads=False).Q
         for s in (S.variance(0.005), S.variance(0.01), S.variance(0.02))]
    assert float(q[0].mean()) > float(q[1].mean()) > float(q[2].mean())
    assert float(q[0].min()) > 2 and float(q[2].max()) < 0
    q_std = S.gradient_profile(S.std(0.01), h=100, n_networks=2, n_sequences=10, weight_grads=False).Q
    assert bool((q_std > 50).all())  # σ read as a std: everything vanishes


def test_profile_matches_independent_autograd():
    p = S.gradient_profile(0.02, h=30, n_networks=2, n_sequences=8, seed=4)
    model = srn.SRN(6, 100, 4, 0.02, n_networks=2, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 8, 31, generator=torch.Generator().manual_seed(5))
    out, a, z = model.unroll(x.double())
    grads = torch.autograd.grad(srn.loss(model, out, y).sum(), a)  # δ(k) by autograd, per step
    d = torch.stack(grads, dim=-2)  # (M, B, T, K)
    norms = d.norm(dim=-1).mean(dim=-2).flip(-1)  # j = 0 … h
    torch.testing.assert_close(p.delta, norms, rtol=1e-10, atol=0)
    torch.testing.assert_close(p.Q, torch.log10(norms[:, 0]) - torch.log10(norms[:, -1]), rtol=1e-10, atol=1e-12)
    # ∂E/∂W_rec(n) = z(n−1)ᵀ δ(n) summed over n is autograd's gradient of W_rec, eq. (4)
    g = torch.autograd.grad(srn.loss(model, *_out_y(model, x, y)).sum(), model.W_rec)[0]
    z_prev = torch.cat([torch.zeros_like(torch.stack(z, -2)[..., :1, :]), torch.stack(z, -2)[..., :-1, :]], -2)
    torch.testing.assert_close(torch.einsum("mbti,mbtj->mij", z_prev.detach(), d), g, rtol=1e-9, atol=1e-12)
    assert p.weight.shape == (2, 31) and float(p.weight[:, -1].abs().max()) == 0.0  # z(0) = 0


def _out_y(model, x, y):
    return model(x.double()), y


def test_float64_keeps_what_float32_underflows():
    r = S.underflow_check(S.std(0.01), n_sequences=5)
    assert r["float32"] == 0.0  # 1e-100 is below float32's smallest subnormal 1.4e-45
    assert 0 < r["float64"] < 1e-60


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"v \(the variance\) must be"):
        S.variance(-0.01)
    with pytest.raises(ValueError, match=r"s \(the standard deviation\) must be"):
        S.std(0)
    with pytest.raises(ValueError, match="h must be"):
        S.gradient_profile(0.01, h=5)
    with pytest.raises(ValueError, match="lags"):
        S.train_plain(T=20, lags=(0, 20), n_steps=1, progress_bar=False)
    with pytest.raises(ValueError, match="lr"):
        S.train_plain(T=20, lr=-1.0, lags=(0,), n_steps=1, progress_bar=False)


def test_training_records_and_absurd_lr_diverges():
    kw = dict(T=20, n_networks=2, n_train=50, record_every=2, lags=(0, 10, 19), n_probe=6, progress_bar=False)
    h = S.train_plain(n_steps=4, **kw)
    assert h["step"] == [0, 2, 4] and len(h["loss"]) == 4
    assert h["delta"][0].shape == (2, 3) and h["Q"][0].shape == (2,)
    assert all(bool(torch.isfinite(q).all()) for q in h["Q"])
    assert all(0 <= float(s.min()) and float(s.max()) <= 1 for s in h["saturated"])
    with pytest.raises(DivergenceError, match="step"):
        S.train_plain(n_steps=20, lr=1e30, **kw)


def test_format_q_table_lists_paper_numbers():
    rows = S.q_table((S.variance(0.01), S.std(0.2)), h=20, n_networks=2, n_sequences=4)
    text = S.format_q_table(rows)
    assert "≈ 0.7" in text and "std 0.2" in text and rows[1]["radius"] == pytest.approx(2.0)


def test_sat_rate_factor_predicts_the_measured_q():
    # independent: f′ by autograd of tanh at the network's own pre-activations, not model.f_prime
    s = S.variance(0.01)
    p = S.gradient_profile(s, h=50, n_networks=3, n_sequences=6, seed=2, weight_grads=False)
    model = srn.SRN(6, 100, 4, s.sigma2, n_networks=3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    x, _ = tasks.make_batch("temporal_order", 6, 51, generator=torch.Generator().manual_seed(3))
    _, a, _ = model(x.double(), return_states=True)
    a = a[..., :-1, :].detach().requires_grad_(True)
    fp = torch.autograd.grad(torch.tanh(a).sum(), a)[0]
    torch.testing.assert_close(p.rms_fprime, fp.pow(2).mean(dim=(-3, -2, -1)).sqrt(), rtol=1e-10, atol=0)
    assert bool((p.rms_fprime < 1).all()) and float(p.saturated.max()) == 0.0  # f′ < 1 with nothing saturated
    torch.testing.assert_close(p.factor_predicted, 0.1 * 10 * p.rms_fprime)  # g = std·√K = 1
    # small weights: f′ ≈ 1, c ≈ std·√K, and −h·log10 c lands within a few units of the measured Q
    for setting in (S.std(0.01), S.std(0.05), S.variance(0.02)):
        q = S.gradient_profile(setting, n_networks=4, n_sequences=10, weight_grads=False)
        assert abs(float(q.q_predicted.mean()) - q.q_mean) < 3
        assert abs(float(q.factor_predicted.mean()) / float(q.factor_measured.mean()) - 1) < 0.1
    assert S.sat_rate_factor(S.std(0.01), 1.0) == pytest.approx(0.1)
    assert S.q_from_factor(0.1, 100) == pytest.approx(100.0)


def test_largest_singular_value_is_twice_the_radius():
    W = S.recurrent_weights(0.01, 100, n_matrices=5, seed=1)
    smax = S.largest_singular_values(0.01, 100, n_matrices=5, seed=1)
    torch.testing.assert_close(smax, torch.linalg.eigvalsh(W @ W.transpose(-1, -2))[..., -1].sqrt())
    assert bool(((smax / 2.0 - 1).abs() < 0.1).all())  # 2·std·√K = 2 at variance 1/K
    assert bool((smax > 1.5 * S.spectral_radii(0.01, 100, n_matrices=5, seed=1)).all())


def test_q_rows_and_factor_table():
    rows = S.q_table((S.variance(0.01), S.std(0.2)), h=20, n_networks=3, n_sequences=4)
    r = rows[0]
    assert r["n_networks"] == 3 and len(r["Q"]) == 3 and r["q_min"] <= r["q_mean"] <= r["q_max"]
    assert r["q_ci"] == pytest.approx(4.303 * r["q_sd"] / 3 ** 0.5, rel=1e-2)  # t(0.975, 2) = 4.303 (tables)
    assert r["c_meas"] > 0 and 0 < r["rms_fprime"] <= 1 and 0 <= r["saturated"] <= 1
    assert "predicted" in S.format_factor_table(rows) and "std 0.2" in S.format_factor_table(rows)


@pytest.mark.parametrize("call, exc, name", [
    (lambda: S.sat_rate_factor(0.01, 0.0), ValueError, "rms_fprime"),
    (lambda: S.sat_rate_factor(0.01, "x"), TypeError, "rms_fprime"),
    (lambda: S.sat_rate_factor(0.01, 0.9, n_hidden=0), ValueError, "n_hidden"),
    (lambda: S.q_from_factor(-1.0), ValueError, "c must"),
    (lambda: S.q_from_factor(True), ValueError, "c must"),
    (lambda: S.q_from_factor(0.5, h=0), ValueError, "h must"),
    (lambda: S.q_rows([1.0]), TypeError, "profiles"),
])
def test_bad_arguments_of_the_mechanism(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_q_of_mean_curve_against_numpy():
    import numpy as np
    p = S.gradient_profile(0.01, h=30, n_networks=4, n_sequences=5, weight_grads=False)
    d = p.delta.numpy()
    expected = np.log10(d.mean(axis=0)[0] / d.mean(axis=0)[-1])  # log of a ratio of means
    assert p.q_of_mean == pytest.approx(float(expected), rel=1e-12)
    assert p.q_mean == pytest.approx(float(np.mean(np.log10(d[:, 0] / d[:, -1]))), rel=1e-12)
    one = S.gradient_profile(0.01, h=30, n_networks=1, n_sequences=5, weight_grads=False)
    assert one.q_of_mean == pytest.approx(one.q_mean, rel=1e-12)  # one network: the two agree
    r = S.q_rows([p])[0]
    assert r["q_of_mean"] == p.q_of_mean and r["sat_max"] >= r["saturated"]
    assert r["rms_sat_only"] == pytest.approx(math.sqrt(1 - r["saturated"]))
    assert r["rms_fprime"] <= r["rms_sat_only"]  # f′ < 1 also below saturation: at most √(1 − p)
    assert "Q of mean curve" in S.format_q_table([r])


@pytest.mark.parametrize("nu, table", [(4, 2.776), (5, 2.571), (10, 2.228), (19, 2.093), (50, 2.009)])
def test_t_quantile_975_matches_printed_t_tables(nu, table):
    assert S.t_quantile_975(nu) == pytest.approx(table, abs=1e-3)  # Student's t table, two-sided 95 %


def test_t_quantile_975_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for nu in (4, 7, 19, 99):
        assert S.t_quantile_975(nu) == pytest.approx(float(stats.t.ppf(0.975, nu)), abs=1e-3)


@pytest.mark.parametrize("bad", [0, 2.5, True, "19"])
def test_t_quantile_975_rejects_bad_nu(bad):
    with pytest.raises(ValueError, match="nu"):
        S.t_quantile_975(bad)


def test_train_plain_progress_line_reads_complete():
    from vglab.train import summary_line
    import vglab.init_scale as mod
    bars = []
    real = mod.progress

    def spy(it, **kw):
        bar = real(it, **kw)
        bars.append(bar)
        return bar
    mod.progress = spy
    try:
        S.train_plain(T=10, n_steps=3, n_networks=1, record_every=3, lags=(0, 9), n_probe=4, n_train=20)
    finally:
        mod.progress = real
    assert "stopped" not in summary_line(bars[0]) and bars[0].n == bars[0].total == 3
