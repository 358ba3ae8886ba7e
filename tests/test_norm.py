"""vglab.norm against torch's own layers and closed forms (issue 18 items 1 and 3)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from vglab import deep_mlp as dm
from vglab import norm


def _xy(n=64, n_in=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_in, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_expected_initial_loss_is_ln_n():
    assert norm.expected_initial_loss(10) == pytest.approx(2.302585092994046)
    assert norm.expected_initial_loss(np.int64(2)) == pytest.approx(math.log(2))
    for bad in (1, 0, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n_classes"):
            norm.expected_initial_loss(bad)


def test_initial_loss_of_zero_logits_is_ln_10_and_leaves_bn_stats_alone():
    x, y = _xy()
    model = dm.build_mlp(3, 16, "tanh", norm="batch", n_in=8)
    with torch.no_grad():
        model.head.weight.zero_(), model.head.bias.zero_()
    before = model.blocks[0].norm.running_mean.clone()
    assert norm.initial_loss(model, x, y) == pytest.approx(math.log(10), abs=1e-6)
    assert torch.equal(model.blocks[0].norm.running_mean, before)
    ref = nn.functional.cross_entropy(dm.build_mlp(3, 16, "tanh", n_in=8)(x), y)
    assert norm.initial_loss(dm.build_mlp(3, 16, "tanh", n_in=8), x, y) == pytest.approx(float(ref.detach()))


def test_batch_dependence_batchnorm_vs_layernorm():
    x, y = _xy()
    bn = dm.build_mlp(3, 16, "relu", norm="batch", n_in=8)
    bn(x)  # one train-mode pass: running statistics move away from 0/1
    state = {k: v.clone() for k, v in bn.state_dict().items()}
    r = norm.batch_dependence(bn, x, y, batch_size=8)
    assert r["two_batches"] > 1e-3 and r["two_batches_eval"] < 1e-5
    assert "Expected more than 1 value per channel" in r["batch_of_one"]
    assert 0 <= r["acc_eval"] <= 1 and 0 <= r["acc_train_mode"] <= 1
    assert all(torch.equal(v, state[k]) for k, v in bn.state_dict().items()) and bn.training
    ln = dm.build_mlp(3, 16, "relu", norm="layer", n_in=8)
    r = norm.batch_dependence(ln, x, y, batch_size=8)
    assert r["two_batches"] < 1e-5 and r["batch_of_one"] == "" and r["acc_eval"] == r["acc_train_mode"]
    # torch's BatchNorm1d in eval mode is the affine map with the running statistics
    m = nn.BatchNorm1d(4).eval()
    m.running_mean.fill_(1.0), m.running_var.fill_(4.0)
    assert torch.allclose(m(torch.full((2, 4), 3.0)), torch.full((2, 4), 2.0 / math.sqrt(4 + 1e-5)))


def test_argument_checks():
    x, y = _xy()
    model = dm.build_mlp(2, 8, "tanh", n_in=8)
    with pytest.raises(TypeError, match="model"):
        norm.initial_loss("net", x, y)
    with pytest.raises(ValueError, match="x must"):
        norm.initial_loss(model, x[0], y)
    with pytest.raises(ValueError, match="y must"):
        norm.initial_loss(model, x, y.float())
    with pytest.raises(ValueError, match="batch_size"):
        norm.batch_dependence(model, x, batch_size=1)
    with pytest.raises(TypeError, match="batch_size"):
        norm.batch_dependence(model, x, batch_size=2.0)
    with pytest.raises(ValueError, match="2·batch_size"):
        norm.batch_dependence(model, x, batch_size=40)
    with pytest.raises(ValueError, match="seed"):
        norm.batch_dependence(model, x, seed=-1)
