"""Pascanu et al. 2013's Ω and clipping against the authors' reference code (SOURCES.md §6).

Reference: pascanur/trainingRNNs, RNN.py at commit 3f5df3ffddccc42059cf9599dc75389f116aff85
(line numbers below are that version's). Every expected value is computed here independently:
a numpy restatement of the formula, a closed form, or float64 autograd of a direct restatement.
"""
import math

import numpy as np
import pytest
import torch

from vglab import ds_train as DT, pascanu, srn, tasks
from vglab.runtime import cpu_threads
from vglab.train import DivergenceError

F64 = torch.float64


@pytest.fixture(autouse=True)
def _one_thread():
    with cpu_threads(1):
        yield


def np_omega(W, a, dz, lengths=None, bound=1e-20):
    """Ω restated in numpy from RNN.py L194-209 (tanh): terms (‖(g ⊙ f′(a)) Wᵀ‖²/‖g‖² − 1)² over
    k = 1…T, pairs with ‖g‖² < bound left out, the mean over the pairs kept; and its gradient
    with g and f′ held constant (L210-215): Σ 4(r − 1) outer(back, u)/‖g‖² / n."""
    B, T, _ = a.shape
    total, grad, n = 0.0, np.zeros_like(W), 0
    for b in range(B):
        first = 0 if lengths is None else T - lengths[b]
        for k in range(first, T):
            g = dz[b, k]
            den = float(g @ g)
            if not den >= bound:
                continue
            u = g * (1 - np.tanh(a[b, k]) ** 2)
            back = u @ W.T
            r = float(back @ back) / den
            total += (r - 1) ** 2
            grad += 4 * (r - 1) * np.outer(back, u) / den
            n += 1
    return (total / n, grad / n) if n else (0.0, grad)


# ---- Ω's value and gradient: f′(a) held constant (RNN.py L189-215, placeholders then clone) ----------
W0 = [[0.5, -0.3], [0.2, 0.8]]


def _example():
    """One example, T = 2: step 0 has g = 0 (never counted), step 1 the worked example."""
    a = torch.tensor([[[0.1, 0.2], [math.atanh(0.5), -0.3]]], dtype=F64)
    z = torch.tensor([[[0.4, -0.6], [0.5, math.tanh(-0.3)]]], dtype=F64)
    dz = torch.tensor([[[0.0, 0.0], [1.0, -2.0]]], dtype=F64)
    return a, z, dz


def test_omega_gradient_holds_fprime_constant():
    # RNN.py @3f5df3f L210: TT.grad of Ω while dC/dh and h (so f′ = 1 − h²) are placeholders
    a, z, dz = _example()
    W = torch.tensor(W0, dtype=F64, requires_grad=True)
    om = pascanu.omega(W, a, z, dz, lambda t: 1 - torch.tanh(t) ** 2)
    (grad,) = torch.autograd.grad(om, W)
    val, g_np = np_omega(np.array(W0), a.numpy(), dz.numpy())
    assert abs(float(om.detach()) - val) < 1e-12 and abs(val - 0.2340431242) < 1e-9
    np.testing.assert_allclose(grad.numpy(), g_np, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), [[-0.26823151, 0.65458284], [0.38147579, -0.93094026]], atol=1e-8)


def test_omega_hold_none_differentiates_fprime():
    # the lab's earlier reading, kept as hold="none": a(k) = … + z(k−1) W_rec, f′(a(k)) differentiated
    a, z, dz = _example()
    W = torch.tensor(W0, dtype=F64, requires_grad=True)
    fp = lambda t: 1 - torch.tanh(t) ** 2
    (grad,) = torch.autograd.grad(pascanu.omega(W, a, z, dz, fp, hold="none"), W)
    # independent float64 autograd of the one counted term, written out directly
    Wd = torch.tensor(W0, dtype=F64, requires_grad=True)
    z0, g1 = z[0, 0], dz[0, 1]
    a1 = a[0, 1] + z0 @ Wd - z0 @ torch.tensor(W0, dtype=F64)
    back = (g1 * (1 - torch.tanh(a1) ** 2)) @ Wd.T
    (expected,) = torch.autograd.grad(((back @ back) / (g1 @ g1) - 1) ** 2, Wd)
    torch.testing.assert_close(grad, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), [[-0.24510327, 0.43525310], [0.34678343, -0.60194564]], atol=1e-8)
    with pytest.raises(ValueError, match="hold"):
        pascanu.omega(W, a, z, dz, fp, hold="f_prime")


@pytest.mark.parametrize("M", [None, 3])
def test_omega_random_batch_against_numpy(M):
    # RNN.py L194-215 on a real forward/backward pass: T = 7 terms per sequence, K = 8
    g = torch.Generator().manual_seed(4)
    model = srn.SRN(2, 8, 1, sigma2=0.5, n_networks=M, output="linear", dtype=F64, generator=g)
    x, y = torch.rand(5, 7, 2, generator=g, dtype=F64), torch.rand(5, 1, generator=g, dtype=F64)
    out, a_s, z_s = model.unroll(x)
    dz = torch.stack(torch.autograd.grad(srn.loss(model, out, y).sum(), z_s), dim=-2)
    a, z = (torch.stack([s.detach() for s in t], dim=-2) for t in (a_s, z_s))
    W = model.W_rec.detach().requires_grad_(True)
    om = pascanu.omega(W, a, z, dz, model.f_prime)
    (grad,) = torch.autograd.grad(om.sum(), W)
    for i in range(1 if M is None else M):
        sel = (lambda t: t) if M is None else (lambda t: t[i])
        val, g_np = np_omega(sel(W).detach().numpy(), sel(a).numpy(), sel(dz).numpy())
        assert abs(float(sel(om).detach()) - val) < 1e-10
        np.testing.assert_allclose(sel(grad).numpy(), g_np, atol=1e-10)


# ---- which steps: T terms, the bound 1e-20, padding (RNN.py L66-67, L195-209, L490) ------------------
def test_omega_counts_first_transition():
    # d_ht[1:] pairs with h_1…h_T: the step out of h_0 = 0 is a term (RNN.py L195-206)
    a = torch.tensor([[[math.atanh(0.5), -0.3]]], dtype=F64)
    dz = torch.tensor([[[1.0, -2.0]]], dtype=F64)
    om = pascanu.omega(torch.tensor(W0, dtype=F64), a, torch.tanh(a), dz, lambda t: 1 - torch.tanh(t) ** 2)
    assert abs(float(om) - np_omega(np.array(W0), a.numpy(), dz.numpy())[0]) < 1e-12
    assert abs(float(om) - 0.2340431242) < 1e-9  # the lab's old T − 1 rule gave 0.0


def test_omega_bound_masks_tiny_gradients():
    # TT.switch(TT.ge(‖g‖², bound), …) with bound = 1e-20 (RNN.py L66-67, L207-208)
    assert pascanu.OMEGA_BOUND == 1e-20
    g = torch.Generator().manual_seed(1)
    a = torch.randn(2, 4, 3, generator=g, dtype=F64)
    dz = torch.randn(2, 4, 3, generator=g, dtype=F64)
    dz[0, 2] = torch.tensor([1e-11, 0.0, 0.0], dtype=F64)  # ‖g‖² = 1e-22 < 1e-20
    W = torch.randn(3, 3, generator=g, dtype=F64)
    fp = lambda t: 1 - torch.tanh(t) ** 2
    om, frac = pascanu.omega(W, a, torch.tanh(a), dz, fp, return_fraction=True)
    assert abs(float(om) - np_omega(W.numpy(), a.numpy(), dz.numpy())[0]) < 1e-12
    assert abs(float(frac) - 7 / 8) < 1e-15  # Pascanu's printed "steps in the past" (L211)
    with_tiny = np_omega(W.numpy(), a.numpy(), dz.numpy(), bound=0.0)[0]  # the ratio is scale-free
    assert abs(float(pascanu.omega(W, a, torch.tanh(a), dz, fp, bound=0.0)) - with_tiny) < 1e-12
    assert abs(with_tiny - float(om)) > 1e-6
    with pytest.raises(ValueError, match="bound"):
        pascanu.omega(W, a, torch.tanh(a), dz, fp, bound=-1.0)


def test_omega_nan_or_all_masked():
    # a NaN ‖g‖² fails TT.ge and is left out (L207); none left: the reference divides 0/0 = NaN,
    # the lab returns 0 with a zero gradient (documented in pascanu.omega)
    W = torch.tensor(W0, dtype=F64, requires_grad=True)
    a, z, dz = _example()
    fp = lambda t: 1 - torch.tanh(t) ** 2
    dz_nan = dz.clone()
    dz_nan[0, 0, 0] = float("nan")
    om = pascanu.omega(W, a, z, dz_nan, fp)
    (grad,) = torch.autograd.grad(om, W)
    assert abs(float(om.detach()) - 0.2340431242) < 1e-9 and bool(torch.isfinite(grad).all())
    om0, frac = pascanu.omega(W, a, z, torch.zeros_like(dz), fp, return_fraction=True)
    (g0,) = torch.autograd.grad(om0, W)
    assert float(om0.detach()) == 0.0 and float(frac) == 0.0 and bool((g0 == 0).all())


def test_omega_padding_invariant():
    # the reference has no padding (one length per minibatch); the lab counts real steps only, so
    # a left-padded sequence gives the Ω of the same sequence alone (value and gradient)
    g = torch.Generator().manual_seed(3)
    model = srn.SRN(2, 8, 1, sigma2=0.5, output="linear", dtype=F64, generator=g)
    x_real, y = torch.rand(1, 4, 2, generator=g, dtype=F64), torch.rand(1, 1, generator=g, dtype=F64)
    x_pad = torch.cat([torch.zeros(1, 3, 2, dtype=F64), x_real], dim=1)

    def omega_of(x, lengths):
        out, a_s, z_s = model.unroll(x, lengths)
        dz = torch.stack(torch.autograd.grad(srn.loss(model, out, y), z_s), dim=-2)
        a, z = (torch.stack([s.detach() for s in t], dim=-2) for t in (a_s, z_s))
        W = model.W_rec.detach().requires_grad_(True)
        om = pascanu.omega(W, a, z, dz, model.f_prime, lengths=lengths)
        return om.detach(), torch.autograd.grad(om, W)[0], a, dz

    om_p, g_p, a_p, dz_p = omega_of(x_pad, torch.tensor([4]))
    om_r, g_r, a_r, dz_r = omega_of(x_real, None)
    assert float(dz_p[0, 2].norm()) > 0  # the last padded step has a non-zero dE/dz: it must be masked
    val, g_np = np_omega(model.W_rec.detach().numpy(), a_r.numpy(), dz_r.numpy())
    assert abs(float(om_p) - val) < 1e-12 and abs(float(om_r) - val) < 1e-12
    np.testing.assert_allclose(g_p.numpy(), g_np, atol=1e-12)
    np.testing.assert_allclose(g_r.numpy(), g_np, atol=1e-12)


# ---- clipping: rescale, then Pascanu's rule for a NaN, Inf or > 1e10 norm (RNN.py L219-243) ---------
WR = torch.tensor([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2e10])
def test_clip_nonfinite_like_pascanu(bad):
    # new_cond = isnan ∨ isinf ∨ norm < 0 ∨ norm > 1e10 → gW_hh := 0.02 W_hh, the rest 0 (L234-243)
    grads = [torch.tensor([[bad, 0.0], [0.0, 0.0]]), torch.ones(2)]
    out = pascanu.clip_by_global_norm(grads, 1.0, False, nonfinite="pascanu", W_rec=WR, rec_index=0)
    torch.testing.assert_close(out[0], 0.02 * WR)
    assert torch.equal(out[1], torch.zeros(2))
    if not math.isfinite(bad):  # the default keeps the old behaviour: the non-finite value stays
        assert not bool(torch.isfinite(pascanu.clip_by_global_norm(grads, 1.0, False)[0]).all())


def test_clip_rescales_and_per_network():
    # norm_theta > c → g c/norm_theta (L224-230); 3 → ÷3, 0.5 untouched
    g3 = [torch.tensor([[3.0, 0.0], [0.0, 0.0]]), torch.zeros(2)]
    out = pascanu.clip_by_global_norm(g3, 1.0, False, nonfinite="pascanu", W_rec=WR, rec_index=0)
    torch.testing.assert_close(out[0], g3[0] / 3)
    small = [torch.tensor([[0.3, 0.0], [0.0, 0.4]]), torch.zeros(2)]
    assert all(torch.equal(u, v) for u, v in zip(pascanu.clip_by_global_norm(small, 1.0, False), small))
    # M = 2 networks: only the network with the NaN norm gets the rule
    gm = [torch.stack([torch.full((2, 2), float("nan")), torch.full((2, 2), 0.25)]), torch.ones(2, 2) * 0.0]
    Wm = torch.stack([WR, 2 * WR])
    out = pascanu.clip_by_global_norm(gm, 1.0, True, nonfinite="pascanu", W_rec=Wm, rec_index=0)
    torch.testing.assert_close(out[0][0], 0.02 * WR)
    torch.testing.assert_close(out[0][1], torch.full((2, 2), 0.25))


@pytest.mark.parametrize("kwargs,exc,word", [
    (dict(threshold=0.0), ValueError, "threshold"), (dict(threshold=-1.0), ValueError, "threshold"),
    (dict(threshold=float("nan")), ValueError, "threshold"), (dict(threshold=True), TypeError, "threshold"),
    (dict(nonfinite="skip"), ValueError, "nonfinite"), (dict(nonfinite="pascanu"), ValueError, "W_rec"),
])
def test_clip_bad_arguments(kwargs, exc, word):
    args = dict(threshold=1.0) | kwargs
    with pytest.raises(exc, match=word):
        pascanu.clip_by_global_norm([torch.ones(2)], networks=False, **args)
    if "threshold" in kwargs and exc is ValueError:
        with pytest.raises(ValueError, match="clip"):
            DT.Config(clip=kwargs["threshold"])


# ---- the training loop: divergence, Pascanu's regime -------------------------------------------------
def _tiny(seed=0):
    g = torch.Generator().manual_seed(seed)
    model = srn.SRN(2, 6, 1, output="linear", generator=g)
    data = DT.make_data("addition", 10, n_train=20, n_val=4, n_test=4, seed=seed)
    with torch.no_grad():
        model.W_out.fill_(1e30)  # out ≈ 1e29: the float32 loss is Inf, the backpropagated δ too
    return model, data


def test_nonfinite_rule_in_training():
    # plain SGD (and dS) stop; the clipping baselines take Pascanu's step W_rec ← W_rec (1 − 0.02 lr)
    model, data = _tiny()
    with pytest.raises(DivergenceError):
        DT.train(model, data, "plain", 1, progress_bar=False)
    model, data = _tiny()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    cfg = DT.Config(**{**DT.READINGS["clipping"][1], "lr": 0.01, "momentum": 0.0})
    DT.train(model, data, "clipping", 1, cfg, progress_bar=False)
    for n, p in model.named_parameters():
        want = before[n] * (1 - 0.02 * 0.01) if n == "W_rec" else before[n]
        torch.testing.assert_close(p.detach(), want, msg=n)


def test_pascanu_regime_readings_and_mean_loss():
    # RNN.py @3f5df3f: lr 0.01 (L469), plain SGD (L245-252), bs 20 (L477), α = 2 (L467), cutoff 1
    # (L495), cost ((t − y)²).mean(axis=0).sum() (L181): the batch mean without ½
    method, over = DT.READINGS["pascanu_own"]
    assert method == "pascanu" and over == dict(lr=0.01, momentum=0.0, batch_size=20, reduction="pascanu",
                                                clip=1.0, nonfinite="pascanu", omega_weight=2.0)
    assert DT.READINGS["clipping_own"][1]["omega_weight"] == 0.0
    g = torch.Generator().manual_seed(0)
    model = srn.SRN(2, 6, 1, output="linear", generator=g)
    data = DT.make_data("addition", 10, n_train=40, n_val=4, n_test=4, seed=1)
    x, y, lengths = DT._Batches(data.train, 20, 0).next()
    with torch.no_grad():
        e = (model(x, lengths) - y).double().numpy()
    run = DT.train(model, data, "plain", 1, DT.Config(reduction="pascanu", batch_size=20), progress_bar=False)
    assert abs(float(run.loss[0, 0]) - float(np.mean(e**2))) < 1e-6


def test_smart_tanh_init():
    # RNN.py L125-138: std 0.01, 15 non-zeros per row of W_hh, spectral radius 0.95, biases 0
    model = pascanu.smart_tanh_(srn.SRN(2, 50, 1, output="linear"), torch.Generator().manual_seed(0))
    W = model.W_rec.detach().double().numpy()
    assert ((W != 0).sum(1) == 15).all()
    assert abs(np.abs(np.linalg.eigvals(W)).max() - 0.95) < 1e-5
    assert abs(float(model.W_in.detach().std()) - 0.01) < 0.003 and float(model.b.detach().abs().sum()) == 0.0


def test_plain_own_is_plain_sgd_on_the_batch_mean_loss():
    """'plain_own' = Pascanu's regime without clipping or Ω: torch.optim.SGD(lr 0.01, no momentum)
    on the batch mean of the squared error (no ½), minibatches of 20 (RNN.py L181, L245-252, L469)."""
    method, over = DT.READINGS["plain_own"]
    assert method == "plain" and over == dict(lr=0.01, momentum=0.0, batch_size=20, reduction="pascanu")
    assert set(DT.OWN_REGIME) == {"plain_own", "clipping_own", "pascanu_own"}
    data = DT.make_data("addition", 10, n_train=60, n_val=4, n_test=4, seed=3)
    model = srn.SRN(2, 6, 1, output="linear", dtype=F64, generator=torch.Generator().manual_seed(4))
    ref = srn.SRN(2, 6, 1, output="linear", dtype=F64)
    ref.load_state_dict(model.state_dict())
    DT.train(model, data, method, 7, DT.Config(**over), progress_bar=False)
    opt = torch.optim.SGD(ref.parameters(), lr=0.01)
    stream = DT._Batches(data.train, 20, 0)
    for _ in range(7):
        x, y, lengths = stream.next()
        opt.zero_grad()
        ((ref(x.to(F64), lengths) - y) ** 2).mean().backward()
        opt.step()
    for (n, p), q in zip(model.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, msg=n)


def test_engine_refuses_the_own_regime():
    """The engine shares lr, momentum, batch size and reduction across its networks: it must refuse
    readings that change them rather than run them in the paper's regime."""
    from vglab import engine

    assert engine.supported("plain") and engine.supported("ds_own") and engine.supported("clipping")
    for name in ("plain_own", "clipping_own", "pascanu_own", "pascanu", "no_such_reading"):
        assert not engine.supported(name), name
    data = DT.make_data("temporal_order", 10, n_train=20, n_val=4, n_test=4, seed=0)
    model = srn.SRN(6, 4, 4, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="plain_own"):
        engine.Engine({"temporal_order": (model, data)}, ("plain", "plain_own"))
