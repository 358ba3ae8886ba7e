"""vglab.rnn_fixes: inits against torch and closed forms, LayerNorm against nn.LayerNorm, truncated
BPTT against full BPTT with the old contributions removed, training M seeds of every kind."""
import pytest
import torch

from vglab import bptt, rnn_fixes as rf, srn, tasks


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_inits_orthogonal_equals_torch_identity_and_gaussian():
    W = rf.recurrent_init("orthogonal", 9, generator=gen(3))
    torch.testing.assert_close(W, torch.nn.init.orthogonal_(torch.empty(9, 9), generator=gen(3)))
    Wm = rf.recurrent_init("orthogonal", 20, 4, dtype=torch.float64, generator=gen(4))
    torch.testing.assert_close(Wm @ Wm.transpose(-1, -2), torch.eye(20, dtype=torch.float64).expand(4, 20, 20))
    assert torch.equal(rf.recurrent_init("identity", 5, 2), torch.eye(5).expand(2, 5, 5))
    G = rf.recurrent_init("gaussian", 200, sigma2=0.04, generator=gen(5))
    assert abs(float(G.std()) - 0.2) < 0.01
    sv = rf.spectrum(Wm)["singular_values"]
    torch.testing.assert_close(sv, torch.ones_like(sv))
    ev = rf.spectrum(Wm)["eigenvalues"].abs()
    torch.testing.assert_close(ev, torch.ones_like(ev))  # orthogonal: every |eigenvalue| is 1 too


def test_rnn_is_an_srn_and_the_gaussian_tanh_rnn_equals_srn():
    a = rf.RNN(6, 7, 4, 0.05, 3, generator=gen(1), dtype=torch.float64)
    b = srn.SRN(6, 7, 4, 0.05, 3, generator=gen(1), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 5, 10, gen(2))
    torch.testing.assert_close(a(x), b(x))
    torch.testing.assert_close(bptt.local_gradients(a, x, y), bptt.manual_local_gradients(a, x, y))
    one = a.network(2)
    torch.testing.assert_close(one(x), a(x)[2])


def test_relu_identity_jacobian_and_manual_bptt_match_autograd():
    m = rf.RNN(6, 7, 4, 0.05, activation="relu", init="identity", generator=gen(1), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 5, 10, gen(2))
    torch.testing.assert_close(bptt.local_gradients(m, x, y), bptt.manual_local_gradients(m, x, y))
    _, a, _ = m(x, return_states=True)
    J = bptt.jacobians(m, a[0])  # identity W_rec: J is diag(f′) = 1 on active units, 0 elsewhere
    torch.testing.assert_close(J, torch.diag_embed((a[0, :-1] > 0).double()))


def test_layer_norm_equals_torch_layer_norm():
    m = rf.RNN(6, 7, 4, 0.05, layer_norm=True, generator=gen(1), dtype=torch.float64)
    with torch.no_grad():
        m.ln_gain.uniform_(0.5, 1.5, generator=gen(6))
        m.b.uniform_(-0.2, 0.2, generator=gen(7))
    ln = torch.nn.LayerNorm(7, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(m.ln_gain)
        ln.bias.copy_(m.b)
    x, _ = tasks.make_batch("temporal_order", 5, 10, gen(2))
    _, a, z = m(x, return_states=True)
    zp = torch.zeros(5, 7, dtype=torch.float64)
    for k in range(10):
        want = ln(x[:, k].double() @ m.W_in + zp @ m.W_rec)
        torch.testing.assert_close(a[:, k], want)
        zp = torch.tanh(want)
    with pytest.raises(ValueError, match="layer_norm"):
        bptt.jacobians(m, a[0])


def test_truncated_bptt_equals_full_bptt_without_old_contributions():
    m = rf.RNN(6, 7, 4, 0.3, generator=gen(1), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 5, 11, gen(2))
    k = 4
    out, _, _ = m.unroll(x, truncate=k)
    g_tr = torch.autograd.grad(srn.loss(m, out, y), [m.W_rec, m.W_in])
    delta = bptt.local_gradients(m, x, y)  # full BPTT by autograd: δ(n) for every step
    _, _, z = m(x, return_states=True)
    z_prev = torch.cat([torch.zeros_like(z[:, :1]), z[:, :-1]], dim=1).detach()
    keep = slice(11 - k, 11)  # only the last k steps' terms of eq. (4)
    want_rec = torch.einsum("bti,btj->ij", z_prev[:, keep], delta[:, keep])
    want_in = torch.einsum("bti,btj->ij", x.double()[:, keep], delta[:, keep])
    torch.testing.assert_close(g_tr[0], want_rec)
    torch.testing.assert_close(g_tr[1], want_in)
    full = torch.autograd.grad(srn.loss(m, m(x), y), m.W_rec)[0]
    assert not torch.allclose(full, g_tr[0])  # the older terms are really gone
    sg = rf.state_gradient_norms(m, x, y, truncate=k)
    assert bool((sg["delta"][:11 - k] == 0).all()) and bool((sg["delta"][11 - k:] > 0).all())
    torch.testing.assert_close(sg["delta"][11 - k:], bptt.delta_norms(delta)[11 - k:])


def test_make_models_and_train_models_learn_side_by_side():
    models = rf.make_models(6, 12, 4, n_networks=3, generator=gen(3))
    assert list(models) == list(rf.KINDS)
    hist = rf.train_models(models, "temporal_order", 10, 60, batch_size=32, lr=3e-2, progress_bar=False,
                           eval_every=20, n_eval=200, truncate=5)
    for name, h in hist.items():
        assert h["accuracy"][-1].shape == (3,), name
        assert float(h["accuracy"][-1].mean()) > float(h["accuracy"][0].mean()), name


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="init"):
        rf.RNN(6, 7, 4, init="xavier")
    with pytest.raises(ValueError, match="activation"):
        rf.RNN(6, 7, 4, activation="sigmoid")
    with pytest.raises(TypeError, match="layer_norm"):
        rf.RNN(6, 7, 4, layer_norm=1)
    with pytest.raises(ValueError, match="kinds"):
        rf.make_models(6, 7, 4, kinds=("LSTM",))
    m = rf.RNN(6, 7, 4)
    x, y = tasks.make_batch("temporal_order", 2, 10, gen())
    with pytest.raises(ValueError, match="truncate"):
        m(x, truncate=0)
    with pytest.raises(TypeError, match="truncate"):
        rf.train_on_task(srn.SRN(6, 7, 4), "temporal_order", 10, 2, truncate=2, progress_bar=False)


def test_layer_norm_step_factor_matches_the_autograd_jacobian():
    """c² ≈ E‖∂a(n)/∂a(n−1)‖_F²/K: the exact one-step Jacobians by autograd (float64)."""
    m = rf.RNN(6, 60, 4, 0.02, layer_norm=True, generator=gen(1), dtype=torch.float64)
    x, _ = tasks.make_batch("temporal_order", 2, 12, gen(2))
    _, a, z = m(x, return_states=True)
    fro = []
    for b in range(2):
        for n in range(1, 12):
            def step(a_prev, b=b, n=n):
                zp = torch.tanh(a_prev)
                s = x[b, n].double() @ m.W_in + zp @ m.W_rec
                return torch.nn.functional.layer_norm(s, (60,), m.ln_gain, m.b)
            J = torch.autograd.functional.jacobian(step, a[b, n - 1].detach())
            fro.append(J.pow(2).sum() / 60)
    exact = torch.stack(fro).mean().sqrt().item()
    # the factor's forward pass includes step 0 (z = 0 before it); compare on the same steps
    c = rf.step_factor(m, x)["factor"]
    assert abs(c / exact - 1) < 0.1, (c, exact)
    plain = rf.RNN(6, 60, 4, 0.02, generator=gen(1), dtype=torch.float64)
    assert rf.step_factor(plain, x)["factor"] == pytest.approx(bptt.step_factor(plain, x)["factor"])


def test_active_fractions_set_the_irnn_gradient():
    m = rf.RNN(6, 50, 4, 0.01, 2, activation="relu", init="identity", generator=gen(1), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 8, 30, gen(2))
    fr = rf.active_fractions(m, x, 29)
    assert bool((fr["all"] <= fr["last"]).all())
    delta = bptt.local_gradients(m, x, y)
    _, a, _ = m(x, return_states=True)
    alive = (a[..., :, :] > 0).all(dim=-2).double()  # active at every step 0 … 29
    torch.testing.assert_close(delta[..., 0, :], delta[..., -1, :] * alive)  # δ(k−h) = δ(k) ⊙ [always active]
