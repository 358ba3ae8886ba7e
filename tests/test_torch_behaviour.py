"""The PyTorch behaviours SOURCES.md §6.11 states and notebook 01 §3 relies on, checked on the installed torch
(an independent reference for vglab.modules: autograd's own derivative definitions)."""
import torch

from vglab import modules as M

D = torch.float64


def test_relu_derivative_at_zero_is_zero_in_torch_and_vglab():
    x = torch.tensor([[-1.0, 0.0, 2.0]], dtype=D, requires_grad=True)
    torch.relu(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 1.0]]
    relu = M.ReLU()
    relu.forward(x.detach())
    assert relu.backward(torch.ones_like(x)).tolist() == [[0.0, 0.0, 1.0]]


def test_torch_maximum_splits_a_tie_half_and_half():
    a = torch.tensor([1.0, 2.0, 5.0], dtype=D, requires_grad=True)
    b = torch.tensor([1.0, 3.0, 4.0], dtype=D, requires_grad=True)
    torch.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0]
    assert b.grad.tolist() == [0.5, 1.0, 0.0]
    mx = M.Max()  # the lecture's "else": a tie's whole gradient goes to the second input
    mx.forward(a.detach()[None], b.detach()[None])
    g1, g2 = mx.backward(torch.ones(1, 3, dtype=D))
    assert g1.tolist() == [[0.0, 0.0, 1.0]] and g2.tolist() == [[1.0, 1.0, 0.0]]


def test_torch_softmax_does_not_overflow_on_large_logits():
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor([1000.0, 0.0], dtype=dtype)
        assert torch.isinf(torch.exp(x[0]))  # the naive exp(x) / Σ exp(x) would be inf / inf = NaN
        assert torch.softmax(x, 0).tolist() == [1.0, 0.0]
        p = M.Softmax().forward(x[None])
        assert torch.isfinite(p).all() and p[0, 0] == 1.0
