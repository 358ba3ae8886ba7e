"""Every hand-written backward in vglab.modules against autograd in float64 (the NYU lecture, SOURCES.md §5)."""

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from vglab import modules as M

D = torch.float64


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=D)


def leaf(t):
    return t.clone().requires_grad_(True)


def test_linear_backward_matches_autograd():
    X, dY = rand(5, 4, seed=1), rand(5, 3, seed=2)
    lin = M.Linear(4, 3, generator=torch.Generator().manual_seed(3))
    lin.b.value = rand(3, seed=4)
    Y = lin.forward(X)
    dX = lin.backward(dY)
    Xa, Wa, ba = leaf(X), leaf(lin.W.value), leaf(lin.b.value)
    Ya = Xa @ Wa + ba
    (Ya * dY).sum().backward()
    assert_close(Y, Ya.detach())
    assert_close(dX, Xa.grad)
    assert_close(lin.W.grad, Wa.grad)
    assert_close(lin.b.grad, ba.grad)


def test_linear_column_form_is_the_transpose_of_row_form():
    # lecture: Y = W X, dC/dX = Wᵀ dC/dY, dC/dW = dC/dY Xᵀ (columns are examples)
    X, dY = rand(5, 4, seed=1), rand(5, 3, seed=2)
    lin = M.Linear(4, 3, bias=False, generator=torch.Generator().manual_seed(3))
    lin.forward(X)
    dX = lin.backward(dY)
    Wcol = lin.W.value.T  # (3, 4)
    assert_close(dX.T, Wcol.T @ dY.T)
    assert_close(lin.W.grad.T, dY.T @ X)  # dC/dW_col = dC/dY Xᵀ


@pytest.mark.parametrize("cls", [M.ReLU, M.Sigmoid, M.Tanh, M.Softmax, M.LogSoftmax])
def test_one_input_modules_match_autograd(cls):
    X, dY = rand(6, 5, seed=5), rand(6, 5, seed=6)
    ref = {
        M.ReLU: torch.relu,
        M.Sigmoid: torch.sigmoid,
        M.Tanh: torch.tanh,
        M.Softmax: lambda x: torch.softmax(x, -1),
        M.LogSoftmax: lambda x: torch.log_softmax(x, -1),
    }[cls]
    m = cls()
    Y = m.forward(X)
    Xa = leaf(X)
    Ya = ref(Xa)
    (Ya * dY).sum().backward()
    assert_close(Y, Ya.detach())
    assert_close(m.backward(dY), Xa.grad)


@pytest.mark.parametrize("cls", [M.ReLU, M.Sigmoid, M.Tanh, M.Softmax, M.LogSoftmax, M.Log])
def test_gradcheck_through_autograd_function(cls):
    X = rand(3, 4, seed=7)
    if cls is M.Log:
        X = X.abs() + 0.5
    assert torch.autograd.gradcheck(M.as_autograd(cls()), (leaf(X),))


def test_gradcheck_linear():
    lin = M.Linear(4, 2, generator=torch.Generator().manual_seed(0))
    assert torch.autograd.gradcheck(M.as_autograd(lin), (leaf(rand(3, 4, seed=8)),))


def test_branch_add_max_match_autograd():
    X1, X2, dY1, dY2 = (rand(4, 3, seed=s) for s in (10, 11, 12, 13))
    # branch: gradients add
    Xa = leaf(X1)
    (Xa * dY1 + Xa * dY2).sum().backward()
    assert_close(M.Branch().backward(dY1, dY2), Xa.grad)
    # add: both inputs get dC/dY
    A, B = leaf(X1), leaf(X2)
    ((A + B) * dY1).sum().backward()
    gA, gB = M.Add().backward(dY1)
    assert_close(gA, A.grad)
    assert_close(gB, B.grad)
    # max: only the argmax input gets the gradient (no ties in random data)
    A, B = leaf(X1), leaf(X2)
    mx = M.Max()
    Y = mx.forward(X1, X2)
    (torch.maximum(A, B) * dY1).sum().backward()
    gA, gB = mx.backward(dY1)
    assert_close(Y, torch.maximum(X1, X2))
    assert_close(gA, A.grad)
    assert_close(gB, B.grad)
    assert ((gA == 0) | (gB == 0)).all()


def test_max_ties_go_to_second_input_torch_splits():
    # Documented difference: the lecture's "else" sends a tie to X2; torch.maximum splits it.
    x = torch.tensor([[1.0, 2.0]], dtype=D)
    mx = M.Max()
    mx.forward(x, x.clone())
    g1, g2 = mx.backward(torch.ones_like(x))
    assert_close(g1, torch.zeros_like(x))
    assert_close(g2, torch.ones_like(x))
    A, B = leaf(x), leaf(x)
    torch.maximum(A, B).sum().backward()
    assert_close(A.grad + B.grad, g1 + g2)  # same total, another subgradient


@pytest.mark.parametrize("head", M.HEADS)
def test_heads_match_autograd(head):
    X, y = rand(5, 4, seed=20) * 3, torch.tensor([0, 1, 2, 3, 1])
    loss, g = M.head_gradient(X, y, head)
    Xa = leaf(X)
    onehot = torch.nn.functional.one_hot(y, 4).to(D)
    if head == "softmax+log":
        ref = -torch.log(torch.softmax(Xa, -1)).gather(1, y[:, None]).squeeze(1)
    elif head == "softmax+mse":
        ref = 0.5 * ((torch.softmax(Xa, -1) - onehot) ** 2).sum(-1)
    else:
        ref = torch.nn.functional.cross_entropy(Xa, y, reduction="none")
    ref.sum().backward()
    assert_close(loss, ref.detach())
    assert_close(g, Xa.grad)


def test_cross_entropy_gradient_is_p_minus_onehot():
    X, y = rand(4, 3, seed=21), torch.tensor([2, 0, 1, 1])
    ce = M.CrossEntropy()
    ce.forward(X, y)
    assert_close(ce.backward(), torch.softmax(X, -1) - torch.nn.functional.one_hot(y, 3).to(D))


def test_weight_used_twice_gets_the_sum():
    # x -> branch -> (Linear W) twice in series: y = relu(relu(x W + b) W + b) (square W)
    W, b = M.Param(rand(3, 3, seed=30)), M.Param(rand(3, seed=31))
    net = M.Sequential(M.Linear(3, 3, W=W, b=b), M.ReLU(), M.Linear(3, 3, W=W, b=b), M.ReLU())
    X, dY = rand(7, 3, seed=32), rand(7, 3, seed=33)
    net.forward(X)
    dX = net.backward(dY)
    Xa, Wa, ba = leaf(X), leaf(W.value), leaf(b.value)
    Ya = torch.relu(torch.relu(Xa @ Wa + ba) @ Wa + ba)
    (Ya * dY).sum().backward()
    assert_close(dX, Xa.grad)
    assert_close(W.grad, Wa.grad)
    assert_close(b.grad, ba.grad)
    # and each use alone is not the answer
    only_last = net.modules[2].X.T @ (dY * net.modules[3].mask)
    assert not torch.allclose(only_last, Wa.grad)


def test_branch_add_residual_graph_with_shared_weight():
    # y = x W + max(x W, x) : branch x, shared W in two Linear modules, max and add
    W = M.Param(rand(3, 3, seed=40))
    br, l1, l2, mx, add = (
        M.Branch(3),
        M.Linear(3, 3, W=W, bias=False),
        M.Linear(3, 3, W=W, bias=False),
        M.Max(),
        M.Add(),
    )
    X, dY = rand(6, 3, seed=41), rand(6, 3, seed=42)
    a, c, d = br.forward(X)
    y = add.forward(l1.forward(a), mx.forward(l2.forward(c), d))
    g_left, g_max = add.backward(dY)
    g_l2, g_d = mx.backward(g_max)
    dX = br.backward(l1.backward(g_left), l2.backward(g_l2), g_d)
    Xa, Wa = leaf(X), leaf(W.value)
    ya = Xa @ Wa + torch.maximum(Xa @ Wa, Xa)
    (ya * dY).sum().backward()
    assert_close(y, ya.detach())
    assert_close(dX, Xa.grad)
    assert_close(W.grad, Wa.grad)


def test_jacobian_chain_matches_autograd_jacobian():
    g = torch.Generator().manual_seed(50)
    net = M.Sequential(
        M.Linear(4, 5, generator=g), M.ReLU(), M.Linear(5, 3, generator=g), M.LogSoftmax()
    )
    x = rand(4, seed=51)
    Js, product = M.jacobian_chain(net, x)
    assert [tuple(J.shape) for _, J in Js] == [(5, 4), (5, 5), (3, 5), (3, 3)]
    full = torch.autograd.functional.jacobian(lambda v: net.forward(v.reshape(1, -1))[0], x)
    assert_close(product, full)
    # each module's Jacobian against autograd too
    for (_, J), m, xin in zip(Js, net.modules, _inputs(net, x)):
        assert_close(
            J, torch.autograd.functional.jacobian(lambda v, m=m: _fresh(m).forward(v[None])[0], xin)
        )
    assert "J4 (3×3 LogSoftmax)" in M.format_chain(Js)


def test_sigmoid_and_tanh_jacobians_and_the_chain_bound():
    """diag f′ against autograd; ‖σ′‖ ≤ 1/4; the product's spectral norm is at most the product of norms."""
    g = torch.Generator().manual_seed(52)
    x = rand(6, seed=53) * 3
    for cls, top in ((M.Sigmoid, 0.25), (M.Tanh, 1.0)):
        m = cls()
        m.forward(x[None])
        ref = torch.autograd.functional.jacobian(lambda v, c=cls: c().forward(v[None])[0], x)
        assert_close(m.jacobian(), ref)
        assert torch.linalg.matrix_norm(m.jacobian(), 2) <= top
    net = M.Sequential(*[mod for _ in range(4) for mod in (M.Linear(6, 6, generator=g), M.Sigmoid())])
    Js, product = M.jacobian_chain(net, x)
    norms = [float(torch.linalg.matrix_norm(J, 2)) for _, J in Js]
    assert float(torch.linalg.matrix_norm(product, 2)) <= float(np.prod(norms)) * (1 + 1e-12)
    full = torch.autograd.functional.jacobian(lambda v: net.forward(v[None])[0], x)
    assert_close(product, full)


def _inputs(net, x):
    xs, h = [], x[None]
    for m in net.modules:
        xs.append(h[0].clone())
        h = m.forward(h)
    return xs


def _fresh(m):
    return M.Linear(*m.W.value.shape, W=m.W, b=m.b) if isinstance(m, M.Linear) else type(m)()


def test_softmax_jacobian_closed_form():
    x = rand(4, seed=60)
    sm = M.Softmax()
    sm.forward(x[None])
    assert_close(
        sm.jacobian(), torch.autograd.functional.jacobian(lambda v: torch.softmax(v, -1), x)
    )
    # eq. (01.8) and the docstring in the lab's row convention: p is a 1 × K row, so the
    # outer product is pᵀp (K × K); p pᵀ would be the 1 × 1 scalar ‖p‖².
    p = sm.p  # (1, K)
    assert_close(sm.jacobian(), torch.diag(p[0]) - p.T @ p)
    assert (p @ p.T).shape == (1, 1)
    assert "diag(p) − pᵀp" in M.Softmax.__doc__


@pytest.mark.parametrize("big", [30.0, 1000.0])
def test_log_softmax_stays_finite_and_does_not_saturate(big):
    # confidently wrong by `big`: the true class 0 has logit 0, the two others `big`
    X, y = M.confident_logits([big, -big])
    loss, g = M.head_gradient(X, y, "log_softmax+ce")
    assert torch.isfinite(loss).all() and torch.isfinite(g).all()
    exact = (
        big
        + torch.log1p(torch.tensor(0.5 * torch.e**-big, dtype=D))
        + torch.log(torch.tensor(2.0, dtype=D))
    )
    assert_close(loss[0], exact, rtol=1e-12, atol=1e-12)  # −log p = log(1 + 2 e^big)
    assert g[0, 0] == pytest.approx(-1.0, abs=1e-9)  # wrong: full-size gradient, not saturated
    assert abs(float(g[1, 0])) < 1e-9  # right: nothing to fix
    assert torch.isfinite(M.LogSoftmax().forward(X)).all()


def test_softmax_then_log_breaks_at_large_logits():
    X, y = M.confident_logits([1000.0, -1000.0])
    p = M.Softmax().forward(X)
    assert p[0, 0] == 0.0 and p[1, 0] == 1.0  # underflow: probability exactly 0
    loss, g = M.head_gradient(X, y, "softmax+log")
    assert loss[0] == float("inf")
    assert not torch.isfinite(g).all()


def test_softmax_mse_gradient_vanishes_when_confidently_wrong():
    margins = torch.tensor([0.0, 5.0, 10.0, 20.0, 1000.0], dtype=D)
    X, y = M.confident_logits(margins)
    _, g_mse = M.head_gradient(X, y, "softmax+mse")
    _, g_ce = M.head_gradient(X, y, "log_softmax+ce")
    mag = g_mse[:, 0].abs()
    assert (mag[2:] < mag[1:-1]).all()  # shrinks as the net gets more wrong
    assert mag[3] < 1e-7 and mag[4] == 0.0
    assert (g_ce[1:, 0] < -0.99).all()


def test_log_sigmoid_two_class_form():
    s = torch.tensor([-1000.0, -5.0, 0.0, 5.0, 1000.0], dtype=D)
    out = M.log_sigmoid(s)
    assert torch.isfinite(out).all()
    assert_close(out, torch.nn.functional.logsigmoid(s))
    sa = leaf(s)
    M.log_sigmoid(sa).sum().backward()
    assert sa.grad[0] == pytest.approx(1.0)  # wrong side: slope 1, never saturates


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="n_in"):
        M.Linear(0, 3)
    with pytest.raises(ValueError, match="head"):
        M.head_gradient(torch.zeros(1, 2, dtype=D), torch.zeros(1, dtype=torch.long), "nope")
    with pytest.raises(ValueError, match="y must be"):
        M.CrossEntropy().forward(torch.zeros(2, 3, dtype=D), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="shape"):
        M.Linear(2, 3, W=M.Param(torch.zeros(3, 2)))
    with pytest.raises(TypeError):
        M.jacobian_chain(M.ReLU(), torch.zeros(3))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_log_softmax_finite_at_any_scale_property(dtype):
    # random logits scaled up to ±1000: log-softmax + CE stays finite, its gradient rows sum to 0
    # and the true logit's gradient is p_y − 1; softmax → log breaks somewhere in the same batch.
    g = torch.Generator().manual_seed(7)
    X = (torch.rand(64, 5, generator=g, dtype=torch.float64) * 2 - 1) * 1000
    X, y = X.to(dtype), torch.randint(0, 5, (64,), generator=g)
    lsm = M.LogSoftmax().forward(X)
    loss, grad = M.head_gradient(X, y, "log_softmax+ce")
    assert torch.isfinite(lsm).all() and torch.isfinite(loss).all() and torch.isfinite(grad).all()
    assert torch.allclose(grad.sum(-1), torch.zeros(64, dtype=dtype), atol=1e-5)
    p_true = torch.softmax(X, -1).gather(1, y[:, None]).squeeze(1)
    assert torch.allclose(grad.gather(1, y[:, None]).squeeze(1), p_true - 1)
    loss_naive, grad_naive = M.head_gradient(X, y, "softmax+log")
    assert not torch.isfinite(loss_naive).all() and not torch.isfinite(grad_naive).all()
