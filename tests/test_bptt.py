"""vglab.bptt: by hand = autograd (float64), eq. (10) with J, the bound, Q in closed form."""
import math

import pytest
import torch

from vglab import bptt, srn, tasks


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def setup(task="temporal_order", output="softmax", activation="tanh", M=3, B=4, T=15, sigma2=0.15, seed=0):
    model = srn.SRN(tasks.n_inputs(task), 6, tasks.n_outputs(task), sigma2=sigma2, n_networks=M,
                    output=output, activation=activation, generator=gen(seed), dtype=torch.float64)
    with torch.no_grad():
        model.b.normal_(0, 0.3, generator=gen(seed + 1))
    x, y, lengths = tasks.make_dataset(task, B, T, gen(seed + 2))
    return model, x.double(), (y.double() if output == "linear" else y), lengths


@pytest.mark.parametrize("task,output", [("temporal_order_3bit", "softmax"), ("multiplication", "linear")])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("M", [None, 2])
def test_by_hand_equals_autograd(task, output, activation, M):
    model, x, y, lengths = setup(task, output, activation, M)
    auto = bptt.local_gradients(model, x, y, lengths)
    hand = bptt.manual_local_gradients(model, x, y, lengths)
    assert auto.shape == hand.shape == ((M,) if M else ()) + (x.shape[0], x.shape[1], 6)
    assert auto.abs().max() > 1e-6  # not trivially zero
    assert (hand - auto).abs().max().item() < 1e-10
    if task == "multiplication":  # padded steps carry no gradient
        pad = torch.arange(x.shape[1])[None] < (x.shape[1] - lengths)[:, None]
        assert pad.any() and (hand[..., pad, :] == 0).all()


def test_weight_gradient_is_sum_of_per_step_terms():
    model, x, y, _ = setup(M=None)
    E = srn.loss(model, model(x), y)
    (g,) = torch.autograd.grad(E, [model.W_rec])
    _, _, z = model(x, return_states=True)
    delta = bptt.local_gradients(model, x, y)
    z_prev = torch.cat([torch.zeros_like(z[:, :1]), z[:, :-1]], dim=1)
    per_step = torch.einsum("bti,btj->tij", z_prev, delta)  # eq. (4), one matrix per step
    torch.testing.assert_close(per_step.sum(0), g, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(bptt.weight_grad_norms(z, delta), per_step.flatten(1).norm(dim=1))
    assert bptt.weight_grad_norms(z, delta)[0] == 0  # z(0) = 0


def test_delta_norms_and_profile():
    delta = torch.tensor([[[3.0, 4.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]])  # (B=2, T=2, K=2)
    torch.testing.assert_close(bptt.delta_norms(delta), torch.tensor([2.5, 1.0]))
    torch.testing.assert_close(bptt.delta_profile(delta), torch.tensor([1.0, 2.5]))


def test_jacobian_products_reproduce_eq_10():
    model, x, y, _ = setup(M=None, B=2, T=12, sigma2=0.3)
    delta = bptt.local_gradients(model, x, y)
    _, a, _ = model(x, return_states=True)
    J = bptt.jacobians(model, a[0])  # (T−1, K, K), entry i = J(i+1)
    row = delta[0, -1]
    for h in range(1, 11):
        row = row @ J[-h]  # δ(n−h) = δ(n) J(n) … J(n−h+1)
        torch.testing.assert_close(row, delta[0, -1 - h], rtol=1e-10, atol=1e-14)
    # and J(n) is the Jacobian ∂a(n)/∂a(n−1) (rows index a(n))
    a_prev = a[0, 4].clone().requires_grad_(True)
    a_next = lambda ap: x[0, 5] @ model.W_in + torch.tanh(ap) @ model.W_rec + model.b
    jac = torch.autograd.functional.jacobian(a_next, a_prev)
    torch.testing.assert_close(jac, J[4].detach(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("sigma2", [0.005, 0.01, 0.02, 0.2])
def test_product_norm_never_exceeds_singular_value_bound(sigma2):
    model = srn.SRN(6, 30, 4, sigma2=sigma2, n_networks=2, generator=gen(1), dtype=torch.float64)
    x, _ = tasks.make_batch("temporal_order", 3, 40, gen(2))
    _, a, _ = model(x.double(), return_states=True)
    J = bptt.jacobians(model, a)  # (M, B, T−1, K, K)
    assert J.shape == (2, 3, 39, 30, 30)
    norms, bound = bptt.jacobian_product_norms(J, h_max=30)
    assert norms.shape == bound.shape == (2, 3, 30)
    assert (norms <= bound * (1 + 1e-10)).all()
    assert (norms[..., 1:] < bound[..., 1:]).any()  # the bound is not tight in general


@pytest.mark.parametrize("c", [0.8, 1.0, 1.3])
def test_q_factor_closed_form_linear_case(c):
    # W_rec = c·(orthogonal), zero input and bias: a = 0, f'(0) = 1, so δ(k−h) = c^h δ(k) W^h
    # and ‖δ(k−h)‖ = c^h ‖δ(k)‖ exactly: Q = −h·log10(c).
    K, T, h = 8, 31, 30
    model = srn.SRN(2, K, 1, output="linear", n_networks=2, generator=gen(3), dtype=torch.float64)
    with torch.no_grad():
        Q_orth, _ = torch.linalg.qr(torch.randn(2, K, K, dtype=torch.float64, generator=gen(4)))
        model.W_rec.copy_(c * Q_orth)
    x = torch.zeros(5, T, 2, dtype=torch.float64)
    y = torch.randn(5, 1, dtype=torch.float64, generator=gen(5))
    delta = bptt.local_gradients(model, x, y)
    Q = bptt.q_factor(delta, h)
    assert Q.shape == (2,)
    torch.testing.assert_close(Q, torch.full((2,), -h * math.log10(c), dtype=torch.float64), rtol=0, atol=1e-10)
    one = bptt.q_factor(delta[0], h)
    assert isinstance(one, float) and abs(one + h * math.log10(c)) < 1e-10


def test_norm_bound_above_profile_and_sigmoid_quarter():
    for act in ("tanh", "sigmoid"):
        model, x, y, _ = setup(M=None, activation=act, sigma2=0.5, T=20)
        delta = bptt.local_gradients(model, x, y)
        prof = bptt.delta_profile(delta, 15)
        bound = bptt.norm_bound(model, prof[0], 15)
        assert (prof <= bound * (1 + 1e-10)).all()
    s = torch.linalg.matrix_norm(model.W_rec.detach(), ord=2)
    torch.testing.assert_close(bound[1] / bound[0], s / 4)


def test_q_factor_errors_and_float64_rescue():
    delta = torch.ones(2, 10, 3)
    for h in (0, 10, 11):
        with pytest.raises(ValueError, match="h"):
            bptt.q_factor(delta, h)
    with pytest.raises(TypeError, match="h"):
        bptt.q_factor(delta, 2.0)
    delta[:, 0] = 0
    with pytest.raises(ValueError, match="0"):
        bptt.q_factor(delta, 9)
    delta[:, 0] = float("inf")
    with pytest.raises(ValueError, match="inf"):
        bptt.q_factor(delta, 9)
    # a vanishing network: float32 underflows to exactly 0, float64 gives a finite, large Q
    model = srn.SRN(6, 20, 4, sigma2=0.002, generator=gen(6), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 4, 101, gen(7))
    d64 = bptt.local_gradients(model, x.double(), y)
    Q = bptt.q_factor(d64, 100)
    assert math.isfinite(Q) and Q > 40
    with pytest.raises(ValueError, match="float64"):
        bptt.q_factor(d64.float() * 1e-10, 100)


def test_step_factor_matches_numpy_and_predicts_q():
    import numpy as np

    x, y = tasks.make_batch("temporal_order", 16, 101, torch.Generator().manual_seed(1))
    x = x.double()
    for act, rho in (("tanh", 0.5), ("tanh", 1.5), ("sigmoid", 4.0)):
        net = srn.SRN(6, 60, 4, sigma2=rho**2 / 60, n_networks=3, activation=act,
                      generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        out = bptt.step_factor(net, x)
        for i in range(3):  # independently, in numpy, one network at a time
            W_in, W_rec, W = (getattr(net, n)[i].detach().numpy() for n in ("W_in", "W_rec", "W_rec"))
            z, fp2 = np.zeros((16, 60)), []
            for u in x.numpy().transpose(1, 0, 2):
                a = u @ W_in + z @ W_rec
                z = np.tanh(a) if act == "tanh" else 1 / (1 + np.exp(-a))
                fp2.append((1 - z**2) ** 2 if act == "tanh" else (z * (1 - z)) ** 2)
            c = np.sqrt((W**2).mean()) * math.sqrt(60) * np.sqrt(np.mean(fp2))
            assert abs(out["factor"][i].item() - c) < 1e-10
        Q = bptt.q_factor(bptt.local_gradients(net, x, y), 100)
        assert (Q - bptt.predicted_q(out["factor"], 100)).abs().max() < 5  # the slope, to a few orders
    with pytest.raises(ValueError, match="factor"):
        bptt.predicted_q(0.0, 10)
    with pytest.raises(ValueError, match="h"):
        bptt.predicted_q(0.9, 0)
    with pytest.raises(TypeError, match="model"):
        bptt.step_factor(torch.nn.Linear(2, 2), x)


def test_q_per_step_geometric_and_against_q_factor():
    """On an exactly geometric δ every stretch gives −log10 c; edges (0, h) give q_factor / h."""
    c, T = 0.7, 31
    delta = (c ** torch.arange(T - 1, -1, -1, dtype=torch.float64))[None, :, None].repeat(2, 1, 3)  # (B, T, K)
    q = bptt.q_per_step(delta, [0, 5, 20, 30])
    assert torch.allclose(q, torch.full((3,), -math.log10(c), dtype=torch.float64))
    g = torch.Generator().manual_seed(0)
    x, y = tasks.make_batch("temporal_order", 4, 21, g)
    net = srn.SRN(6, 10, 4, sigma2=0.1, n_networks=2, generator=g, dtype=torch.float64)
    d = bptt.local_gradients(net, x, y)
    assert torch.allclose(bptt.q_per_step(d, [0, 20])[:, 0], bptt.q_factor(d, 20) / 20)
    with pytest.raises(ValueError, match="edges"):
        bptt.q_per_step(delta, [5, 5])
    with pytest.raises(ValueError, match="edges"):
        bptt.q_per_step(delta, [0, T])
    with pytest.raises(TypeError, match="edges"):
        bptt.q_per_step(delta, [0, 2.5])
