"""vglab.srn: init by variance, shapes, M networks = M single networks, padding = shorter sequence."""
import math

import numpy as np
import pytest
import torch

from vglab import srn, tasks


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_init_variance_and_zero_biases():
    m = srn.SRN(6, 200, 4, sigma2=0.02, generator=gen())
    assert m.W_rec.shape == (200, 200) and m.W_in.shape == (6, 200) and m.W_out.shape == (200, 4)
    assert abs(m.W_rec.var().item() - 0.02) < 0.02 * 0.03  # 40 000 draws
    assert abs(m.W_rec.mean().item()) < 3 * math.sqrt(0.02 / 40000)
    assert (m.b == 0).all() and (m.b_out == 0).all()
    # circular law: spectral radius ≈ std·√K
    assert abs(srn.spectral_radius(m.W_rec).item() - math.sqrt(0.02 * 200)) < 0.1


def test_shapes_single_and_many():
    x = torch.randn(5, 12, 6)
    m = srn.SRN(6, 7, 4, generator=gen())
    out, a, z = m(x, return_states=True)
    assert out.shape == (5, 4) and a.shape == z.shape == (5, 12, 7)
    torch.testing.assert_close(z, torch.tanh(a))
    M = srn.SRN(6, 7, 4, n_networks=3, generator=gen())
    assert M.W_rec.shape == (3, 7, 7) and M.b.shape == (3, 7) and M.b_out.shape == (3, 4)
    assert M(x).shape == (3, 5, 4)
    out, a, z = M(torch.randn(3, 5, 12, 6), return_states=True)
    assert out.shape == (3, 5, 4) and a.shape == (3, 5, 12, 7)


def test_forward_equals_equations():
    m = srn.SRN(2, 4, 1, sigma2=0.3, output="linear", generator=gen(1), dtype=torch.float64)
    x = torch.randn(3, 6, 2, dtype=torch.float64)
    with torch.no_grad():
        m.b.normal_(); m.b_out.normal_()
        z = torch.zeros(3, 4, dtype=torch.float64)
        for k in range(6):
            z = torch.tanh(x[:, k] @ m.W_in + z @ m.W_rec + m.b)
        torch.testing.assert_close(m(x), z @ m.W_out + m.b_out, rtol=0, atol=1e-14)


@pytest.mark.parametrize("output,task", [("softmax", "temporal_order"), ("linear", "addition")])
@pytest.mark.parametrize("shared", [True, False])
def test_many_networks_equal_one_by_one(output, task, shared):
    M, B = 3, 4
    model = srn.SRN(tasks.n_inputs(task), 5, tasks.n_outputs(task), sigma2=0.2, n_networks=M,
                    output=output, generator=gen(2), dtype=torch.float64)
    with torch.no_grad():
        model.b.normal_(); model.b_out.normal_()
    x, y, lengths = tasks.make_dataset(task, B, 12, gen(3))
    x = x.double() if shared else torch.randn(M, *x.shape, dtype=torch.float64, generator=gen(4))
    y = y.double() if output == "linear" else y
    E = srn.loss(model, model(x, lengths), y)
    assert E.shape == (M,)
    E.sum().backward()
    for i in range(M):
        one = model.network(i)
        xi = x if shared else x[i]
        out_i = one(xi, lengths)
        Ei = srn.loss(one, out_i, y)
        assert Ei.shape == ()
        torch.testing.assert_close(model(x, lengths)[i], out_i, rtol=0, atol=1e-13)
        torch.testing.assert_close(E[i], Ei, rtol=1e-13, atol=1e-13)
        Ei.backward()
        for name, p in one.named_parameters():
            torch.testing.assert_close(getattr(model, name).grad[i], p.grad, rtol=1e-12, atol=1e-13)


def test_padding_equals_shorter_sequence():
    m = srn.SRN(2, 6, 1, sigma2=0.3, output="linear", generator=gen(5), dtype=torch.float64)
    with torch.no_grad():
        m.b.normal_()  # nonzero bias: zeros in x alone would not keep z at 0
    x = torch.randn(3, 10, 2, dtype=torch.float64)
    lengths = torch.tensor([10, 7, 4])
    x[1, :3] = 0
    x[2, :6] = 0
    out, a, z = m(x, lengths, return_states=True)
    for i, L in enumerate(lengths.tolist()):
        out_i, a_i, z_i = m(x[i:i + 1, 10 - L:], return_states=True)
        torch.testing.assert_close(out[i:i + 1], out_i, rtol=0, atol=1e-14)
        torch.testing.assert_close(z[i:i + 1, 10 - L:], z_i, rtol=0, atol=1e-14)
        assert (z[i, :10 - L] == 0).all()
    # garbage on padded steps must not leak either
    x2 = x.clone()
    x2[2, :6] = 5.0
    torch.testing.assert_close(m(x2, lengths), out, rtol=0, atol=0)


def test_loss_is_sum_over_minibatch():
    m = srn.SRN(6, 5, 4, generator=gen(6))
    out = torch.randn(7, 4)
    y = torch.randint(0, 4, (7,))
    torch.testing.assert_close(srn.loss(m, out, y), torch.nn.functional.cross_entropy(out, y, reduction="sum"))
    lin = srn.SRN(2, 5, 1, output="linear")
    yr = torch.randn(7, 1)
    torch.testing.assert_close(srn.loss(lin, out[:, :1], yr), 0.5 * ((out[:, :1] - yr) ** 2).sum())


def test_sigmoid_option():
    m = srn.SRN(2, 3, 1, activation="sigmoid", output="linear", generator=gen())
    _, a, z = m(torch.randn(2, 4, 2), return_states=True)
    torch.testing.assert_close(z, torch.sigmoid(a))
    assert abs(m.f_prime(torch.zeros(1)).item() - 0.25) < 1e-12


@pytest.mark.parametrize("kwargs,exc,word", [
    (dict(sigma2=0.0), ValueError, "sigma2"),
    (dict(sigma2=-1.0), ValueError, "sigma2"),
    (dict(n_hidden=0), ValueError, "n_hidden"),
    (dict(n_in=1.5), TypeError, "n_in"),
    (dict(n_networks=0), ValueError, "n_networks"),
    (dict(output="sigmoid"), ValueError, "output"),
    (dict(activation="relu"), ValueError, "activation"),
])
def test_bad_constructor_arguments(kwargs, exc, word):
    args = dict(n_in=2, n_hidden=3, n_out=1) | kwargs
    with pytest.raises(exc, match=word):
        srn.SRN(**args)


def test_bad_inputs():
    m = srn.SRN(2, 3, 1, n_networks=2)
    with pytest.raises(ValueError, match="x must have shape"):
        m(torch.zeros(4, 5, 3))
    with pytest.raises(ValueError, match="x must have shape"):
        m(torch.zeros(3, 4, 5, 2))
    with pytest.raises(ValueError, match="lengths"):
        m(torch.zeros(4, 5, 2), lengths=torch.tensor([5, 5, 6, 1]))


# ---- issue 17: arguments checked through vglab._args ----------------------------------------------
def test_spectral_radius_refuses_a_nan_network_instead_of_reporting_it():
    W = torch.eye(3) * 0.5
    assert float(srn.spectral_radius(W)) == 0.5
    W[0, 1] = float("nan")
    with pytest.raises(ValueError, match="W_rec holds NaN"):
        srn.spectral_radius(W)
    for bad, kind in (([[1.0]], TypeError), (torch.ones(2, 3), ValueError), (torch.ones(2, 2, 2, 2), ValueError)):
        with pytest.raises(kind, match="W_rec"):
            srn.spectral_radius(bad)


def test_names_sizes_and_numpy_numbers():
    with pytest.raises(ValueError, match="name"):
        srn.nonlinearity(np.array(["tanh", "sigmoid"]))
    with pytest.raises(ValueError, match="output"):
        srn.SRN(6, 4, 4, output=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="n_hidden"):
        srn.SRN(6, 10**12, 4)  # refused, not an allocation failure inside torch
    assert srn.sigma2_for_radius(np.float32(1.0), np.int64(10)) == srn.sigma2_for_radius(1.0, 10) == 0.1
    for kw, name in ((dict(rho=-1.0, n_hidden=10), "rho"), (dict(rho=1.0, n_hidden=0), "n_hidden"),
                     (dict(rho="1", n_hidden=10), "rho"), (dict(rho=1e300, n_hidden=10), "rho")):
        with pytest.raises((TypeError, ValueError), match=name):
            srn.sigma2_for_radius(**kw)
