"""Notebook 00's measurement: the per-layer factor of random deep stacks (vglab.intro.stack_gradients)."""
import numpy as np
import pytest
import torch

from vglab import intro


def _autograd_norms(activation, gain, depth, width, batch, n_networks, seed):
    """The same stacks (same random numbers, same order) differentiated by autograd instead of by hand."""
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}[activation]
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(depth, n_networks, width, width, generator=g, dtype=torch.float64) * (gain / width**0.5)
    z = torch.randn(n_networks, batch, width, generator=g, dtype=torch.float64)
    W.requires_grad_(True)
    pre = []
    for l in range(depth):
        a = z @ W[l]
        a.retain_grad()
        pre.append(a)
        z = act(a)
    top = torch.randn(n_networks, batch, width, generator=g, dtype=torch.float64)
    (pre[-1] * top).sum().backward()  # dC/da_L = top
    return torch.stack([a.grad.flatten(1).norm(dim=1) for a in reversed(pre)], dim=1).numpy()


@pytest.mark.parametrize("activation,gain", [("sigmoid", 1.0), ("sigmoid", 4.0), ("tanh", 1.5)])
def test_hand_backward_matches_autograd(activation, gain):
    kw = dict(depth=8, width=16, batch=4, n_networks=3, seed=3)
    r = intro.stack_gradients(activation, gain, **kw)
    np.testing.assert_allclose(r["norms"], _autograd_norms(activation, gain, **kw), rtol=1e-12)
    assert r["norms"].shape == (3, 8)
    np.testing.assert_allclose(r["measured"], (r["norms"][:, -1] / r["norms"][:, 0]) ** (1 / 7))


def test_sat_rate_predicts_the_measured_factor_and_max_fprime_only_bounds_it():
    """Eq. (sat-rate) against the measurement (wide stacks: within 5 %); g·max f′ is an upper bound
    that is far off at a large gain (the pre-activations grow and σ′ falls)."""
    for gain in (1.0, 4.0):
        r = intro.stack_gradients("sigmoid", gain, depth=20, width=128, batch=16, n_networks=3)
        np.testing.assert_allclose(r["measured"], r["predicted"], rtol=0.05)
        assert (r["measured"] < r["bound"]).all() and r["bound"][0] == gain / 4
    r = intro.stack_gradients("sigmoid", 4.0, depth=20, width=128, batch=16, n_networks=3)
    assert (r["measured"] < 0.8 * r["bound"]).all()


def test_preact_rms_against_numpy():
    """The RMS of the pre-activations of layers 1 … L−1, recomputed in numpy from the same random numbers;
    it grows with the gain (the a spread into the sigmoid's flat tails)."""
    kw = dict(depth=6, width=16, batch=4, n_networks=3, seed=2)
    r = intro.stack_gradients("sigmoid", 4.0, **kw)
    g = torch.Generator().manual_seed(2)
    W = (torch.randn(6, 3, 16, 16, generator=g, dtype=torch.float64) * (4.0 / 4)).numpy()
    z = torch.randn(3, 4, 16, generator=g, dtype=torch.float64).numpy()
    sq = []
    for l in range(6):
        a = z @ W[l]
        sq.append((a**2).mean(axis=(1, 2)))
        z = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(r["preact_rms"], np.sqrt(np.mean(sq[:-1], axis=0)), rtol=1e-12)
    assert (r["preact_rms"] > intro.stack_gradients("sigmoid", 1.0, **kw)["preact_rms"]).all()


@pytest.mark.parametrize("kw,word", [
    (dict(activation="softsign"), "activation"), (dict(gain=0.0), "gain"), (dict(gain=float("nan")), "gain"),
    (dict(gain="1"), "gain"), (dict(depth=1), "depth"), (dict(width=2.5), "width"), (dict(batch=0), "batch"),
    (dict(n_networks=True), "n_networks"), (dict(seed=-1), "seed"),
])
def test_bad_arguments_name_themselves(kw, word):
    with pytest.raises(ValueError, match=word):
        intro.stack_gradients(**kw)


def test_pct_saturated_against_numpy():
    """% of pre-activations of layers 1 … L−1 with σ′ < 5 % of 1/4, recomputed in numpy; grows with the gain."""
    kw = dict(depth=6, width=16, batch=4, n_networks=3, seed=2)
    r = intro.stack_gradients("sigmoid", 8.0, **kw)
    g = torch.Generator().manual_seed(2)
    W = (torch.randn(6, 3, 16, 16, generator=g, dtype=torch.float64) * (8.0 / 4)).numpy()
    z = torch.randn(3, 4, 16, generator=g, dtype=torch.float64).numpy()
    sat = []
    for l in range(6):
        a = z @ W[l]
        s = 1 / (1 + np.exp(-a))
        sat.append((s * (1 - s) < 0.05 * 0.25).mean(axis=(1, 2)))
        z = s
    np.testing.assert_allclose(r["pct_saturated"], 100 * np.mean(sat[:-1], axis=0), rtol=1e-12)
    assert (r["pct_saturated"] > intro.stack_gradients("sigmoid", 1.0, **kw)["pct_saturated"]).all()


def test_singular_values_against_numpy_and_the_quarter_circle():
    """Same matrix as numpy's SVD; for a wide matrix the RMS is ≈ gain and the largest ≈ 2·gain."""
    sv = intro.singular_values(gain=2.0, width=8, seed=1)
    g = torch.Generator().manual_seed(1)
    W = (torch.randn(8, 8, generator=g, dtype=torch.float64) * (2.0 / 8**0.5)).numpy()
    np.testing.assert_allclose(sv, np.linalg.svd(W, compute_uv=False), rtol=1e-10)
    sv = intro.singular_values(gain=1.5, width=400, seed=0)
    assert abs(np.sqrt(np.mean(sv**2)) / 1.5 - 1) < 0.02 and abs(sv[0] / 3.0 - 1) < 0.05 and sv[-1] < 0.05


@pytest.mark.parametrize("kw,word", [(dict(gain=-1.0), "gain"), (dict(gain=True), "gain"),
                                     (dict(width=0), "width"), (dict(seed=1.5), "seed")])
def test_singular_values_bad_arguments(kw, word):
    with pytest.raises(ValueError, match=word):
        intro.singular_values(**kw)
