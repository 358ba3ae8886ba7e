"""vglab.gru: the multi-network GRU equals torch's nn.GRU (float64); the update-gate bias; truncation."""
import pytest
import torch

from vglab import gru, lstm, tasks


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_each_network_equals_torch_nn_gru_in_float64():
    m = gru.MultiGRU(3, 6, 5, 4, update_bias=0.7, generator=gen(), dtype=torch.float64)
    with torch.no_grad():  # nonzero biases everywhere, so every bias term is compared
        m.b_hh.uniform_(-0.3, 0.3, generator=gen(9))
        m.b_out.uniform_(-0.3, 0.3, generator=gen(8))
    x, _ = tasks.make_batch("temporal_order", 4, 12, gen(1))
    x = x.double()
    out, h_steps, z_steps = m.unroll(x)
    for i in range(3):
        ref, lin = m.torch_gru(i)
        seq, h_T = ref(x)
        torch.testing.assert_close(torch.stack(h_steps, -2)[i], seq, rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(out[i], lin(h_T[0]), rtol=1e-12, atol=1e-14)
    assert torch.allclose(m.b_ih[:, 5:10], torch.tensor(0.7, dtype=torch.float64))
    assert len(z_steps) == 12 and bool(((z_steps[0] > 0) & (z_steps[0] < 1)).all())


def test_state_gradient_norms_reads_the_gru_like_the_lstm():
    m = gru.MultiGRU(2, 6, 8, 4, generator=gen(2), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 5, 15, gen(3))
    norms = lstm.state_gradient_norms(m, x.double(), y)
    assert set(norms) == {"h"} and norms["h"].shape == (2, 15)
    # independent: autograd through torch's nn.GRU for network 1, its output sequence's gradient at step k
    ref, lin = m.torch_gru(1)
    xs = x.double()
    h0 = torch.zeros(1, 5, 8, dtype=torch.float64)
    hs, h = [], h0
    for k in range(15):
        _, h = ref(xs[:, k:k + 1], h)
        h.retain_grad()
        hs.append(h)
    E = lstm.task_loss(m, lin(h[0]), y)
    E.backward()
    want = torch.stack([t.grad[0].norm(dim=-1).mean() for t in hs])
    torch.testing.assert_close(norms["h"][1], want, rtol=1e-10, atol=1e-14)


def test_truncate_cuts_the_gradient_k_steps_back_and_bad_arguments():
    m = gru.MultiGRU(2, 6, 8, 4, generator=gen(2))
    x, _ = tasks.make_batch("temporal_order", 3, 12, gen(3))
    out_full, out_tr = m(x), m(x, truncate=4)
    torch.testing.assert_close(out_full, out_tr)  # the forward pass is unchanged
    with pytest.raises(TypeError, match="truncate"):
        m(x, truncate=1.5)
    with pytest.raises(ValueError, match="n_hidden"):
        gru.MultiGRU(2, 6, 0, 4)
    with pytest.raises(ValueError, match="update_bias"):
        gru.MultiGRU(2, 6, 3, 4, update_bias=float("nan"))
    with pytest.raises(ValueError, match="x must have shape"):
        m(torch.zeros(3, 12, 5))
