"""vglab.lstm: the unrolled cell equals torch's nn.LSTM; state gradients; forget bias; NaN guard."""
import math

import pytest
import torch

from vglab import bptt, lstm, srn, tasks
from vglab.train import DivergenceError


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_unrolled_cell_equals_nn_lstm_and_forget_bias():
    m = lstm.LSTM(6, 5, 4, forget_bias=1.0, generator=gen(), dtype=torch.float64)
    ref = torch.nn.LSTM(6, 5, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for a, b in (("weight_ih", "weight_ih_l0"), ("weight_hh", "weight_hh_l0"),
                     ("bias_ih", "bias_ih_l0"), ("bias_hh", "bias_hh_l0")):
            getattr(ref, b).copy_(getattr(m.cell, a))
    x, _ = tasks.make_batch("temporal_order", 3, 12, gen(1))
    x = x.double()
    _, h_steps, c_steps = m.unroll(x)
    out_ref, (h_T, c_T) = ref(x)
    torch.testing.assert_close(torch.stack(h_steps, 1), out_ref, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(c_steps[-1], c_T[0], rtol=1e-12, atol=1e-14)
    b = m.cell.bias_ih + m.cell.bias_hh
    assert (b[5:10] == 1).all() and (b[:5] == 0).all() and (b[10:] == 0).all()


def test_state_gradient_norms_srn_matches_bptt():
    model = srn.SRN(6, 7, 4, sigma2=0.2, generator=gen(2), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 5, 15, gen(3))
    norms = lstm.state_gradient_norms(model, x.double(), y)
    delta = bptt.local_gradients(model, x.double(), y)
    torch.testing.assert_close(norms["delta"], bptt.delta_norms(delta), rtol=1e-12, atol=1e-15)
    dz = delta[:, 1:] @ model.W_rec.detach().T  # ∂E/∂z(k) = δ(k+1) W_recᵀ for k < T
    torch.testing.assert_close(norms["z"][:-1], dz.norm(dim=-1).mean(0), rtol=1e-12, atol=1e-15)


def test_lstm_cell_gradient_vanishes_faster_with_closed_forget_gate():
    x, y = tasks.make_batch("temporal_order", 32, 30, gen(4))
    ratio = {}
    for fb in (0.0, 1.0, 3.0):
        m = lstm.LSTM(6, 16, 4, forget_bias=fb, generator=gen(5), dtype=torch.float64)
        c = lstm.state_gradient_norms(m, x.double(), y)["c"]
        assert c.shape == (30,)
        ratio[fb] = math.log10(c[-1] / c[0])
    assert ratio[0.0] > 2 and ratio[0.0] > ratio[1.0] > ratio[3.0]  # f open: the first step keeps more


def test_training_learns_and_guards_nan():
    m = lstm.LSTM(6, 16, 4, forget_bias=1.0, generator=gen(6))
    hist = lstm.train_on_task(m, "temporal_order", 10, 60, batch_size=16, lr=3e-2, generator=gen(7),
                              progress_bar=False, eval_every=30, n_eval=200)
    assert hist["accuracy"][-1] > 0.5 and hist["loss"][-1] < hist["loss"][0]
    with torch.no_grad():
        m.readout.bias.fill_(float("nan"))
    with pytest.raises(DivergenceError, match="step 0"):
        lstm.train_on_task(m, "temporal_order", 10, 5, progress_bar=False)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_hidden"):
        lstm.LSTM(6, 0, 4)
    with pytest.raises(ValueError, match="output"):
        lstm.LSTM(6, 3, 4, output="tanh")
    with pytest.raises(ValueError, match="lr"):
        lstm.train_on_task(lstm.LSTM(6, 3, 4), "temporal_order", 10, 5, lr=0.0)
    with pytest.raises(TypeError, match="model"):
        lstm.state_gradient_norms(torch.nn.Linear(2, 2), torch.zeros(1, 3, 2), torch.zeros(1))


def test_multi_lstm_is_m_independent_lstms():
    multi = lstm.MultiLSTM(3, 6, 5, 4, forget_bias=1.0, generator=gen(8), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 4, 12, gen(9))
    x = x.double()
    out = multi(x)
    norms = lstm.state_gradient_norms(multi, x, y)
    assert out.shape == (3, 4, 4) and norms["c"].shape == (3, 12)
    for i in range(3):  # each network equals torch's LSTMCell with its weights, forward and backward
        one = multi.network(i)
        torch.testing.assert_close(out[i], one(x), rtol=1e-12, atol=1e-14)
        for key, v in lstm.state_gradient_norms(one, x, y).items():
            torch.testing.assert_close(norms[key][i], v, rtol=1e-10, atol=1e-15)
        assert (one.cell.bias_ih[5:10] == 1).all()
    with pytest.raises(ValueError, match="n_networks"):
        lstm.MultiLSTM(0, 6, 5, 4)
    with pytest.raises(ValueError, match="x"):
        multi(torch.zeros(2, 4, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="i must"):
        multi.network(3)


def test_batched_training_equals_separate_runs():
    """M networks in one module train as M separate runs (Adam elementwise, clipping per network)."""
    import copy

    multi = lstm.MultiLSTM(2, 6, 4, 4, forget_bias=1.0, generator=gen(10), dtype=torch.float64)
    singles = [multi.network(i) for i in range(2)]
    kw = dict(batch_size=8, lr=3e-2, clip=0.05, eval_every=5, n_eval=50, progress_bar=False)
    h = lstm.train_on_task(multi, "temporal_order", 10, 5, generator=gen(11), **kw)
    for i, one in enumerate(singles):
        hi = lstm.train_on_task(copy.deepcopy(one), "temporal_order", 10, 5, generator=gen(11), **kw)
        assert abs(h["loss"][-1][i].item() - hi["loss"][-1]) < 1e-9
    srn_m = srn.SRN(6, 5, 4, sigma2=0.2, n_networks=3, generator=gen(12))
    h = lstm.train_on_task(srn_m, "temporal_order", 10, 3, batch_size=8, eval_every=1, n_eval=20,
                           progress_bar=False)
    assert h["accuracy"][-1].shape == (3,)
    # the batched SRN too: each of its networks trains as it would alone (notebook 04 §6 says so)
    srn_b = srn.SRN(6, 5, 4, sigma2=0.2, n_networks=2, generator=gen(13), dtype=torch.float64)
    srn_singles = [copy.deepcopy(srn_b.network(i)) for i in range(2)]
    h = lstm.train_on_task(srn_b, "temporal_order", 10, 5, generator=gen(11), **kw)
    for i, one in enumerate(srn_singles):
        hi = lstm.train_on_task(one, "temporal_order", 10, 5, generator=gen(11), **kw)
        assert abs(h["loss"][-1][i].item() - hi["loss"][-1]) < 1e-9


def test_multilstm_truncation_keeps_exactly_the_last_k_steps():
    from vglab import rnn_fixes
    m = lstm.MultiLSTM(2, 6, 5, 4, forget_bias=1.0, generator=gen(1), dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", 3, 12, gen(2))
    x = x.double()
    full = rnn_fixes.state_gradient_norms(m, x, y)
    cut = rnn_fixes.state_gradient_norms(m, x, y, truncate=4)
    assert bool((cut["c"][:, :8] == 0).all()) and bool((cut["h"][:, :8] == 0).all())
    torch.testing.assert_close(cut["c"][:, 8:], full["c"][:, 8:])
    torch.testing.assert_close(cut["h"][:, 8:], full["h"][:, 8:])
    torch.testing.assert_close(m(x, truncate=4), m(x))  # the forward pass is unchanged
