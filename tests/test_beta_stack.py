"""Claim 3: the batched deep sigmoid stacks against single networks, the matched control, eq. (sat-rate)."""
import pytest
import torch
import torch.nn.functional as F

from vglab import beta_penalty as bp
from vglab import beta_stack as bs
from vglab.data import digits


@pytest.fixture(scope="module")
def data():
    return digits(seed=0, n=400)


def _single_forward(net, x):
    pre = []
    for lin in net.layers:
        a = lin(x)
        pre.append(a)
        x = torch.sigmoid(a)
    return net.out(x), pre


def test_batched_stacks_equal_the_single_networks(data):
    nets = []
    for s in (3, 4):
        torch.manual_seed(s)
        nets.append(bs.SigmoidStack(depth=4, width=8, init_std=4.0))
    model = bs.SigmoidStacks(nets)
    x = data.x_test[:20]
    logits, pre = model(x.expand(2, -1, -1))
    for m, net in enumerate(nets):
        ref_logits, ref_pre = _single_forward(net, x)
        torch.testing.assert_close(logits[m], ref_logits)
        torch.testing.assert_close(pre[2][m], ref_pre[2])


def test_train_stacks_records_and_matches_the_control(data):
    cfg = bs.StackConfig(depth=5, width=8, steps=20, batch=32, record_every=10, seeds=(0, 1))
    h = bs.train_stacks(cfg, data=data, progress_bar=False)
    assert set(h) == {"plain", "omega", "l2"} and h["plain"]["step"] == [0, 10, 20]
    assert h["omega"]["grad_norm"][-1].shape == (2, 5) and h["plain"]["test_acc"][-1].shape == (2,)
    torch.testing.assert_close(h["plain"]["grad_norm"][0], h["l2"]["grad_norm"][0])  # same start per seed
    assert h["plain"]["lam"][0].tolist() == [0.0, 0.0] and h["omega"]["lam"][0].tolist() == pytest.approx([0.01] * 2)
    # the control's λ_c, recomputed with single networks: equal penalty-gradient norms at step 0
    n = data.x_train.shape[0]
    for k, seed in enumerate(cfg.seeds):
        torch.manual_seed(seed)
        net = bs.SigmoidStack(5, 8, init_std=4.0)
        idx = torch.randint(n, (32,), generator=torch.Generator().manual_seed(seed))
        _, pre = _single_forward(net, data.x_train[idx])
        params = [p for lin in net.layers for p in lin.parameters()]
        norm = lambda v: torch.sqrt(sum((g ** 2).sum() for g in torch.autograd.grad(v, params, retain_graph=True)))
        g_omega = norm(cfg.lam * sum(bp.beta_penalty_from_logits(a) for a in pre))
        g_l2 = norm(sum(bp.l2_preactivation(a) for a in pre))
        assert float(h["l2"]["lam"][0][k]) == pytest.approx(float(g_omega / g_l2), rel=1e-4)


def test_stack_factors_measure_delta_ratios_and_predict_them(data):
    cfg = bs.StackConfig(depth=6, width=32, seeds=(0,))
    f = bs.stack_factors(cfg, data=data)
    torch.manual_seed(0)
    net = bs.SigmoidStack(6, 32, init_std=4.0).double()
    logits, pre = _single_forward(net, data.x_test.double())
    delta = torch.autograd.grad(F.cross_entropy(logits, data.y_test, reduction="sum"), pre)
    ratios = torch.stack([delta[l].norm() / delta[l + 1].norm() for l in range(5)])
    torch.testing.assert_close(f["measured"][0], ratios)
    # gain g_{l+1} = ‖W_{l+1}‖_F / √fan_out, and predicted = g · RMS σ′(a_l), σ′ here from autograd
    gains = torch.stack([lin.weight.norm() / lin.weight.shape[0] ** 0.5 for lin in net.layers[1:]])
    torch.testing.assert_close(f["gain"][0], gains.detach())
    a = [p.detach().requires_grad_() for p in pre[:-1]]
    rms = torch.stack([torch.autograd.grad(torch.sigmoid(x).sum(), x)[0].pow(2).mean().sqrt() for x in a])
    torch.testing.assert_close(f["predicted"][0], gains.detach() * rms)
    # eq. (sat-rate) predicts the product over the stack within a factor of 3
    assert 1 / 3 < float(f["predicted"].prod() / f["measured"].prod()) < 3


def test_bad_stack_config_raises():
    with pytest.raises(ValueError, match="arms"):
        bs.StackConfig(arms=("plain", "batchnorm"))
    with pytest.raises(ValueError, match="seeds"):
        bs.StackConfig(seeds=(1, 1))
    with pytest.raises(TypeError, match="config"):
        bs.stack_factors({"depth": 3})
