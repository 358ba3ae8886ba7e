"""The capstone's recurrent nets beyond the paper's SRN: how each row's M networks are built,
which regime trains them, and their gradient flow (used by ``capstone.run_srn``).

* "orthogonal" (tanh, W_rec a Haar-random orthogonal matrix; Saxe, McClelland & Ganguli 2014) and
  "irnn" (ReLU, W_rec = I; Le, Jaitly & Hinton 2015) change only the SRN's W_rec and activation: built
  by ``rnn_fixes.RNN`` from the SAME generator seed as the capstone's initial SRNs, so W_in, b, W_out
  are those SRNs' own; trained in the paper's regime by ``ds_train.train`` (method "plain"), beside
  plain SGD, their baseline.
* "lnsrn" (LayerNorm on the recurrent pre-activation, Ba, Kiros & Hinton 2016; the same initial SRNs
  with γ = 1) and "gru" (``gru.MultiGRU``, Cho et al. 2014; torch's uniform init, its own seed) are
  trained in notebook 04's regime (Adam, ``lstm.train_on_task``), as the LSTM rows, against the same
  control: the initial SRNs trained with Adam.
"""
from __future__ import annotations

import copy

import torch

from .. import bptt, lstm, rnn_fixes, saturation, tasks
from ..gru import MultiGRU

PAPER_KINDS = {"orthogonal": dict(init="orthogonal"), "irnn": dict(activation="relu", init="identity")}
ADAM_KINDS = {"lnsrn": dict(layer_norm=True)}


def build(how: str, init, task: str, n_networks: int, seed: int, device):
    """The M networks of one row, on ``device``: copies of ``init`` (the SRN rows), or a new net."""
    n_in, n_out = tasks.n_inputs(task), tasks.n_outputs(task)
    gen = torch.Generator().manual_seed(seed + 1)  # the initial SRNs' seed: same W_in, b, W_out
    if how in ("lstm0", "lstm1"):
        net = lstm.MultiLSTM(n_networks, n_in, 100, n_out, forget_bias=float(how == "lstm1"), generator=gen)
    elif how == "gru":
        net = MultiGRU(n_networks, n_in, 100, n_out, generator=gen)
    elif how in PAPER_KINDS or how in ADAM_KINDS:
        net = rnn_fixes.RNN(n_in, 100, n_out, sigma2=init.sigma2, n_networks=n_networks, generator=gen,
                            **{**PAPER_KINDS, **ADAM_KINDS}[how])
    else:
        net = copy.deepcopy(init)
    return net.to(device)


def method(how: str) -> str | None:
    """The ``ds_train`` method of a paper-regime row, or None for an Adam-regime row."""
    from .. import ds_train
    if how in PAPER_KINDS:
        return "plain"
    return how if how in ds_train.METHODS else None


def gru_measures(model: MultiGRU, x, y) -> dict:
    """The GRU's flow, per network: log10 ‖∂E/∂h(T)‖ − log10 ‖∂E/∂h(1)‖ (as the LSTM's cell ratio; > 0
    vanishing), on a float64 CPU copy; mean over networks. % saturated: None (no single pre-activation)."""
    m = copy.deepcopy(model).cpu().double()
    h = lstm.state_gradient_norms(m, x.cpu().double(), y.cpu())["h"]  # (M, T)
    return {"flow": float(torch.log10(h[..., -1] / h[..., 0]).mean()), "pct_saturated": None}


def saturated_pct(model, a) -> float:
    """% of units saturated (eq. sat-def) for the model's own activation (tanh, or ReLU: a ≤ 0)."""
    return 100 * float(saturation.saturated(getattr(model, "activation", "tanh"), a).double().mean())


def q_flow(m, x, y) -> float:
    """Q over h = T − 1 (eq. 25) of a float64 SRN or ``rnn_fixes.RNN``; mean over networks."""
    q = bptt.q_factor(bptt.local_gradients(m, x, y), x.shape[-2] - 1)
    return q if isinstance(q, float) else float(q.mean())
