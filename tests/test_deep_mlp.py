"""vglab.deep_mlp's normalisation option (issue 18 item 1) against torch's own layers and a closed form."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from vglab import deep_mlp as dm
from vglab import saturation as sat


def _reference(model: dm.DeepMLP, norm: str, act) -> nn.Sequential:
    """The same net written with torch's built-in layers, weights copied."""
    layers = []
    for b in model.blocks:
        lin = nn.Linear(b.linear.in_features, b.linear.out_features).double()
        lin.load_state_dict({k: v.double() for k, v in b.linear.state_dict().items()})
        layers += [lin, (nn.BatchNorm1d if norm == "batch" else nn.LayerNorm)(lin.out_features).double(), act()]
    head = nn.Linear(model.head.in_features, model.head.out_features).double()
    head.load_state_dict({k: v.double() for k, v in model.head.state_dict().items()})
    return nn.Sequential(*layers, head)


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("act,torch_act", [("tanh", nn.Tanh), ("relu", nn.ReLU), ("sigmoid", nn.Sigmoid)])
def test_norm_matches_torch_layers(norm, act, torch_act):
    model = dm.build_mlp(4, 16, act, init="xavier", norm=norm, n_in=8, seed=3).double()
    ref = _reference(model, norm, torch_act)
    x = torch.randn(32, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(model(x), ref(x), atol=1e-12)
    model.eval(), ref.eval()
    assert torch.allclose(model(x), ref(x), atol=1e-12)  # eval: running statistics, the same in both


def test_layer_norm_by_hand():
    model = dm.build_mlp(1, 16, "tanh", norm="layer", n_in=8, seed=0).double()
    x = torch.randn(5, 8, dtype=torch.float64)
    u = model.blocks[0].linear(x)
    a = (u - u.mean(1, keepdim=True)) / torch.sqrt(u.var(1, unbiased=False, keepdim=True) + 1e-5)
    assert torch.allclose(model.blocks[0](x), torch.tanh(a), atol=1e-12)
    # one example alone gives the same output as in a batch: no batch dependence
    assert torch.allclose(model(x[:1]), model(x)[:1], atol=1e-12)


def test_batch_norm_depends_on_the_batch():
    model = dm.build_mlp(3, 16, "relu", norm="batch", n_in=8, seed=0)
    x = torch.randn(16, 8, generator=torch.Generator().manual_seed(1))
    alone = model(torch.cat([x[:1], x[8:]]))[0]
    other = model(x[:8])[0]
    assert not torch.allclose(alone, other, atol=1e-4)
    with pytest.raises(ValueError):  # batch size 1 in train mode: torch refuses
        model(x[:1])
    model.eval()
    assert torch.allclose(model(x[:1])[0], model(x)[0], atol=1e-5)


def test_probe_pairs_activation_with_its_linear_through_the_norm():
    model = dm.build_mlp(5, 16, "tanh", norm="batch", n_in=8, seed=0)
    x, y = torch.randn(32, 8), torch.randint(0, 10, (32,))
    p = sat.probe(model, x, y, lr=0.1, keep=True)
    assert len(p) == 5 and torch.isfinite(p.grad_W).all() and torch.isfinite(p.update_ratio).all()
    assert torch.allclose(p.a_std, torch.ones(5, dtype=torch.float64), atol=0.02)  # BN: unit scale


def test_normalised_slope_closed_form():
    # ReLU with a ~ N(0, 1): RMS f′ = √(1/2); LayerNorm sees RMS z = √(1/2): c = 1, slope 0.
    # BatchNorm sees std z = √(1/2 − 1/(2π)): c = √(1/2) / √(1/2 − 1/(2π)).
    g = torch.Generator().manual_seed(0)
    a = [torch.randn(200_000, 4, generator=g, dtype=torch.float64) for _ in range(3)]
    z = [t.clamp_min(0) for t in a]
    p = sat.Probe(["relu"] * 3, *[torch.zeros(3)] * 8, a=a, z=z)
    assert dm.normalised_slope(p, "layer") == pytest.approx(0.0, abs=5e-3)
    c_bn = math.sqrt(0.5) / math.sqrt(0.5 - 1 / (2 * math.pi))
    assert dm.normalised_slope(p, "batch") == pytest.approx(math.log10(c_bn), abs=5e-3)


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_normalised_slope_predicts_the_measured_slope(norm):
    from vglab.data import digits
    d = digits(standardize=True)
    p = dm.gradient_profile(d.x_train[:256], d.y_train[:256], depth=20, width=64, activation="relu",
                            init="kaiming", norm=norm, keep=True, seed=0)
    assert dm.normalised_slope(p, norm) == pytest.approx(dm.log_slope(p.grad_a)[0], abs=0.03)


def test_norm_argument_checks():
    for bad in ("group", "Batch", 1, True, ("batch",)):
        with pytest.raises(ValueError, match="norm must be one of"):
            dm.build_mlp(2, 8, "tanh", norm=bad)
    with pytest.raises(TypeError, match="residual must be a bool"):
        dm.build_mlp(2, 8, "tanh", residual="yes")
    p = sat.probe(dm.build_mlp(2, 8, "tanh"), torch.randn(4, 64), keep=False)
    with pytest.raises(ValueError, match="p must hold"):
        dm.normalised_slope(p, "batch")
    with pytest.raises(ValueError, match="norm must be one of"):
        dm.normalised_slope(p, None)
    with pytest.raises(TypeError, match="p must be"):
        dm.normalised_slope("probe", "batch")


def test_momentum_step_ratio_closed_forms():
    """The actual step over the plain one: 1 without momentum; with one unchanging gradient (a training
    set of one digit, so every batch is the same; a small lr; float64 so that the small steps are not
    rounded) the closed form (1 − β^(k+1))/(1 − β) of the momentum sum."""
    from vglab.data import Split, digits
    from vglab.train import History
    d32 = digits(standardize=True, n=200)
    d = Split(d32.x_train[:1].double(), d32.y_train[:1], d32.x_test.double(), d32.y_test)
    n = len(d.x_train)  # 1
    h0 = dm.train_digits(dm.build_mlp(3, 16, "tanh", init="xavier", seed=1).double(), d, steps=6, lr=0.05, momentum=0.0,
                         batch_size=n, probe_every=1, progress_bar=False)
    assert torch.allclose(dm.momentum_step_ratio(h0), torch.ones(6, 3, dtype=torch.float64), rtol=1e-3)
    beta = 0.9
    h = dm.train_digits(dm.build_mlp(3, 16, "tanh", init="xavier", seed=1).double(), d, steps=6, lr=1e-5, momentum=beta,
                        batch_size=n, probe_every=1, progress_bar=False)
    r = dm.momentum_step_ratio(h)
    expected = torch.tensor([(1 - beta ** (k + 1)) / (1 - beta) for k in range(6)], dtype=torch.float64)
    assert r.shape == (6, 3)
    assert torch.allclose(r, expected[:, None].expand(6, 3), rtol=1e-3)
    with pytest.raises(TypeError, match="History"):
        dm.momentum_step_ratio({"update_ratio": []})
    with pytest.raises(TypeError, match="plain_update"):
        dm.momentum_step_ratio(History())
