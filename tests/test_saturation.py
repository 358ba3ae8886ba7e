"""Properties of vglab.saturation and vglab.deep_mlp (SOURCES.md §5, §4; issue 3 item 2)."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from vglab import deep_mlp as dm
from vglab import saturation as sat
from vglab.data import digits


@pytest.fixture(scope="module")
def batch():
    d = digits(standardize=True)
    return d.x_train[:64], d.y_train[:64]


def test_sigmoid_derivative_peaks_at_one_quarter_at_zero():
    a = torch.arange(-10000, 10001, dtype=torch.float64) / 1000  # exact 0 on the grid
    d = sat.derivative("sigmoid", a)
    assert float(a[d.argmax()]) == 0.0
    assert float(d.max()) == pytest.approx(0.25, abs=1e-15)
    assert sat.max_derivative("sigmoid") == 0.25


def test_tanh_derivative_vanishes_at_plus_minus_20():
    a = torch.tensor([-20.0, 20.0], dtype=torch.float64)
    assert bool((sat.derivative("tanh", a) < 1e-8).all())
    assert float(sat.derivative("tanh", torch.tensor(0.0))) == 1.0


@pytest.mark.parametrize("name", sat.ACTIVATIONS)
def test_derivatives_equal_autograd_float64(name):
    g = torch.Generator().manual_seed(1)
    a = torch.randn(500, generator=g, dtype=torch.float64) * 4
    a = torch.cat([a, torch.zeros(1, dtype=torch.float64)]).requires_grad_()  # the kink a = 0 included
    (auto,) = torch.autograd.grad(sat.activation(name, a).sum(), a)
    torch.testing.assert_close(sat.derivative(name, a.detach()), auto, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sat.ACTIVATIONS)
def test_derivative_at_kink_equals_autograd_of_torch_and_of_activation(name):
    """At a = 0 derivative() takes the ReLU family's left slope, as torch's own functions and
    autograd through activation() do (a clamp-based activation() would give 1 + α there)."""
    ref = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "leaky_relu": lambda t: nn.functional.leaky_relu(t, 0.01),
           "prelu": lambda t: nn.functional.prelu(t, torch.tensor([0.25], dtype=t.dtype)),
           "elu": nn.functional.elu}[name]
    expected = {"sigmoid": 0.25, "tanh": 1.0, "relu": 0.0, "leaky_relu": 0.01, "prelu": 0.25, "elu": 1.0}[name]
    grads = []
    for f in (ref, lambda t: sat.activation(name, t)):
        a = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(f(a).sum(), a)
        grads.append(float(g))
    closed = float(sat.derivative(name, torch.zeros(1, dtype=torch.float64)))
    assert grads == [pytest.approx(expected, abs=1e-15)] * 2
    assert closed == pytest.approx(expected, abs=1e-15)


def test_prelu_activation_keeps_alpha_gradient_and_per_channel_alpha():
    a = torch.tensor([[-2.0, 0.0, 3.0], [1.0, -1.0, 0.0]], dtype=torch.float64)
    alpha = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
    out = sat.activation("prelu", a, alpha)
    torch.testing.assert_close(out, nn.functional.prelu(a, alpha.detach()))
    (g,) = torch.autograd.grad(out.sum(), alpha)
    torch.testing.assert_close(g, torch.tensor([-2.0, -1.0, 0.0], dtype=torch.float64))


@pytest.mark.parametrize("name", sat.ACTIVATIONS)
def test_activation_equals_torch(name):
    a = torch.linspace(-6, 6, 101, dtype=torch.float64)
    ref = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "leaky_relu": lambda t: nn.functional.leaky_relu(t, 0.01),
           "prelu": lambda t: nn.functional.prelu(t, torch.tensor([0.25], dtype=t.dtype)),
           "elu": nn.functional.elu}[name]
    torch.testing.assert_close(sat.activation(name, a), ref(a))


def test_saturation_thresholds_match_docstring():
    # sigmoid: |a| > 4.36; tanh: |a| > 2.18 (|tanh| > 0.975); ELU: a < ln 0.05; ReLU: a <= 0
    a = torch.tensor([4.30, 4.40, -4.40], dtype=torch.float64)
    assert sat.saturated("sigmoid", a).tolist() == [False, True, True]
    assert sat.saturated("tanh", torch.tensor([2.15, 2.20, -2.20])).tolist() == [False, True, True]
    assert sat.saturated("elu", torch.tensor([-2.9, -3.1, 5.0])).tolist() == [False, True, False]
    assert sat.saturated("relu", torch.tensor([-1.0, 0.0, 1e-3])).tolist() == [True, True, False]
    assert not bool(sat.saturated("prelu", torch.linspace(-50, 50, 11)).any())


def test_dead_relu_detection_on_a_constructed_case():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    with torch.no_grad():
        net[0].bias[:2] = -1e3  # units 0 and 1 of layer 1: a <= 0 on every example -> dead
        net[2].bias[:] = -1e3   # all of layer 2 dead
    x, y = torch.randn(40, 8), torch.randint(3, (40,))
    p = sat.probe(net, x, y, lr=0.1)
    assert p.kinds == ["relu", "relu"]
    assert p.pct_dead.tolist() == pytest.approx([100 * 2 / 6, 100.0])
    assert float(p.grad_W[1]) == 0.0  # a dead layer gets no gradient at all
    rep = sat.saturation_report(net, x, y, lr=0.1)
    assert any("layer 2" in w and "dead" in w for w in rep.warnings)
    assert "rules of thumb" in repr(rep)


def test_probe_grad_norms_equal_autograd(batch):
    x, y = batch
    model = dm.build_mlp(5, 16, "tanh", init="xavier")
    p = sat.probe(model, x, y, lr=0.1)
    model.zero_grad()
    a = []
    z = x
    for blk in model.blocks:  # recompute by hand, keeping pre-activations
        pre = blk.linear(z)
        pre.retain_grad()
        a.append(pre)
        z = torch.tanh(pre)
    nn.functional.cross_entropy(model.head(z), y).backward()
    ref = torch.tensor([float(t.grad.norm()) for t in a], dtype=torch.float64)
    torch.testing.assert_close(p.grad_a, ref, rtol=1e-4, atol=0)
    w = model.blocks[2].linear.weight
    assert float(p.update_ratio[2]) == pytest.approx(0.1 * float(w.grad.norm() / w.detach().norm()), rel=1e-4)


def test_sigmoid_small_init_gradient_decays_geometrically(batch):
    x, y = batch
    p = dm.gradient_profile(x, y, depth=20, width=64, activation="sigmoid", init="default")
    s, r2 = dm.log_slope(p.grad_a)
    assert s < -0.5 and r2 > 0.98  # ~ log10(1/4 · 1/√3) = -0.84 per layer, a straight line
    s1, _ = dm.log_slope(p.grad_a[:10])
    s2, _ = dm.log_slope(p.grad_a[10:])
    assert s1 == pytest.approx(s2, rel=0.3)  # constant rate: geometric
    assert float(p.grad_a[0] / p.grad_a[-1]) < 1e-10


def test_relu_kaiming_keeps_profile_flat_default_does_not(batch):
    x, y = batch
    flat = dm.gradient_profile(x, y, depth=20, width=64, activation="relu", init="kaiming")
    r = float(flat.grad_a[0] / flat.grad_a[-1])
    assert 0.2 < r < 5
    small = dm.gradient_profile(x, y, depth=20, width=64, activation="relu", init="default")
    assert float(small.grad_a[0] / small.grad_a[-1]) < 1e-5


def test_residual_keeps_gradient_from_vanishing(batch):
    x, y = batch
    plain = dm.gradient_profile(x, y, depth=30, width=64, activation="sigmoid")
    res = dm.gradient_profile(x, y, depth=30, width=64, activation="sigmoid", residual=True)
    assert float(plain.grad_a[0] / plain.grad_a[-1]) < 1e-15
    assert float(res.grad_a[0] / res.grad_a[-1]) > 0.3


def test_tanh_critical_gain_is_flattest(batch):
    x, y = batch
    slopes = {g: dm.log_slope(dm.gradient_profile(x, y, depth=30, width=64, activation="tanh", init="normal",
                                                  gain=g).grad_a)[0] for g in (0.5, 1.0, 2.5)}
    assert slopes[0.5] < -0.2 and slopes[2.5] > 0.05 and abs(slopes[1.0]) < 0.05


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="activation"):
        sat.derivative("softsign", torch.zeros(1))
    with pytest.raises(ValueError, match="activation"):
        dm.build_mlp(3, 8, "swish")
    with pytest.raises(ValueError, match="depth"):
        dm.build_mlp(0, 8, "tanh")
    with pytest.raises(ValueError, match="gain"):
        dm.build_mlp(3, 8, "tanh", gain=-1.0)
    with pytest.raises(ValueError, match="init"):
        dm.build_mlp(3, 8, "tanh", init="orthogonal")
    with pytest.raises(ValueError, match="lr"):
        sat.probe(dm.build_mlp(2, 4, "relu"), torch.zeros(3, 64), torch.zeros(3, dtype=torch.long), lr=-1)
    with pytest.raises(ValueError, match="activation module"):
        sat.probe(nn.Linear(3, 2), torch.zeros(2, 3))


def test_train_digits_logs_per_layer_history_and_learns():
    d = digits(standardize=True, n=400)
    model = dm.build_mlp(4, 32, "relu", init="kaiming")
    h = dm.train_digits(model, d, steps=120, lr=0.05, probe_every=40, progress_bar=False)
    assert len(h["loss"]) == 120 and h["probe_step"] == [0, 40, 80, 119]
    assert h["grad_a"][0].shape == (4,) and h["update_ratio"][0].shape == (4,)
    assert h["test_acc"][-1] > 0.6
    assert all(math.isfinite(v) for v in h["loss"])


def test_train_digits_divergence_raises():
    from vglab.train import DivergenceError
    d = digits(standardize=True, n=200)
    model = dm.build_mlp(3, 16, "relu", init="kaiming")
    with torch.no_grad():
        model.blocks[1].linear.weight[0, 0] = float("inf")  # inf * 0 -> NaN in the forward pass
    with pytest.raises(DivergenceError, match="step 0"):
        dm.train_digits(model, d, steps=5, lr=0.1, progress_bar=False)


def test_layer_factor_equals_finite_difference_rms():
    """Eq. (sat-rate): c = g·√E[f′(a)²], against a central finite difference of torch's own σ."""
    a = torch.linspace(-6, 6, 1001, dtype=torch.float64)
    h = 1e-6
    fd = (torch.sigmoid(a + h) - torch.sigmoid(a - h)) / (2 * h)
    assert sat.layer_factor("sigmoid", a, 2.0) == pytest.approx(2.0 * float(fd.pow(2).mean().sqrt()), rel=1e-8)
    assert sat.layer_factor("tanh", torch.zeros(5), 0.7) == pytest.approx(0.7)  # f′(0) = 1: c = g
    assert sat.layer_factor("relu", torch.tensor([-1.0, 1.0]), 1.0) == pytest.approx(2 ** -0.5)
    with pytest.raises(ValueError, match="gain"):
        sat.layer_factor("tanh", a, 0.0)
    with pytest.raises(TypeError, match="a must be"):
        sat.layer_factor("tanh", [0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match="activation"):
        sat.layer_factor("swish", a, 1.0)


@pytest.mark.parametrize("cfg", [dict(activation="sigmoid"), dict(activation="tanh"), dict(activation="relu"),
                                 dict(activation="tanh", init="xavier"), dict(activation="relu", init="kaiming"),
                                 dict(activation="tanh", init="normal", gain=0.5)])
def test_predicted_slope_matches_the_measured_one(batch, cfg):
    """The factor of eq. (sat-rate), from the recorded pre-activations, predicts the fitted slope."""
    p = dm.gradient_profile(*batch, depth=20, width=64, keep=True, **cfg)
    pred = dm.predicted_slope(p, cfg.get("init", "default"), cfg.get("gain", 1.0))
    assert pred == pytest.approx(dm.log_slope(p.grad_a)[0], abs=0.03)
    if cfg.get("gain") == 0.5:  # linear regime: f′ ≈ 1, so c ≈ g
        assert pred == pytest.approx(math.log10(0.5), abs=0.01)


def test_predicted_slope_checks_its_arguments(batch):
    p = dm.gradient_profile(*batch, depth=3, width=8)
    with pytest.raises(ValueError, match="keep=True"):
        dm.predicted_slope(p)
    with pytest.raises(ValueError, match="init"):
        dm.predicted_slope(dm.gradient_profile(*batch, depth=3, width=8, keep=True), "glorot")
    with pytest.raises(TypeError, match="p must be"):
        dm.predicted_slope([1.0, 2.0])


def test_run_stats_reads_a_history():
    from vglab.train import History

    h = History()
    for s in range(4):
        h.log(step=s, loss=[2.3, 2.0, 5.0, 1.0][s])
    for s, acc in ((0, 0.1), (2, 0.5), (3, 0.4)):
        h.log(probe_step=s, test_acc=acc, pct_saturated=torch.tensor([1.0, 3.0 * s]), pct_dead=torch.tensor([s, 0.0]),
              update_ratio=torch.tensor([1e-3, 1e-2]))
    r = dm.run_stats(h, tail=2)
    assert r["acc"] == 0.4 and r["tail_loss"] == pytest.approx(3.0) and r["loss_max"] == 5.0
    assert (r["acc_lo"], r["acc_hi"]) == (0.4, 0.5) and r["sat_max"] == 9.0 and r["dead_max"] == 3.0
    # the true median over layers and probes (numpy's, the mean of the two middle values), not torch's lower one
    assert r["update"] == pytest.approx(float(np.median([1e-3, 1e-2] * 3))) and r["update"] == pytest.approx(5.5e-3)
    # sat_peak / dead_peak: the largest value over every probe, here a hand-made history that peaks mid-run
    h2 = History()
    for s, p in ((0, 40.0), (1, 2.0)):
        h2.log(step=s, loss=1.0)
        h2.log(probe_step=s, test_acc=0.5, pct_saturated=torch.tensor([p, 1.0]), pct_dead=torch.tensor([0.0, p]),
               update_ratio=torch.tensor([1e-3, 1e-3]))
    r2 = dm.run_stats(h2, tail=1)
    assert (r2["sat_max"], r2["sat_peak"], r2["dead_max"], r2["dead_peak"]) == (2.0, 40.0, 2.0, 40.0)
    assert r["sat_peak"] == 9.0 and r["dead_peak"] == 3.0
    with pytest.raises(TypeError, match="History"):
        dm.run_stats({"loss": [1.0]})


def test_saturation_plot_shows_dead_units_for_relu(batch):
    import matplotlib

    matplotlib.use("Agg")
    from vglab.plots import saturation as psat

    profiles = {k: dm.gradient_profile(*batch, depth=6, width=16, activation=k) for k in ("relu", "tanh")}
    ax = psat.plot_saturation_profile(profiles)
    relu_line, tanh_line = ax.get_lines()[:2]
    assert list(relu_line.get_ydata()) == pytest.approx(profiles["relu"].pct_dead.tolist())
    assert list(tanh_line.get_ydata()) == pytest.approx(profiles["tanh"].pct_saturated.tolist())
    assert relu_line.get_label() == "relu (% dead)"


def test_saturation_plot_zoom_inset_redraws_only_the_saturated_lines(batch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import saturation as psat

    profiles = {k: dm.gradient_profile(*batch, depth=6, width=16, activation=k) for k in ("relu", "tanh")}
    fig, ax = plt.subplots()
    psat.plot_saturation_profile(profiles, ax=ax, zoom=np.int64(6))
    (ins,) = ax.child_axes
    (line,) = ins.get_lines()  # tanh only: the ReLU line is not redrawn
    assert list(line.get_ydata()) == pytest.approx(profiles["tanh"].pct_saturated.tolist())
    assert ins.get_ylim()[1] == 6.0
    for bad in (0, -1, 101, float("nan"), "6", True):
        with pytest.raises(ValueError, match="zoom"):
            psat.plot_saturation_profile(profiles, ax=ax, zoom=bad)
    plt.close(fig)


def test_update_ratio_plot_labels_a_layer_hidden_on_the_floor():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import saturation as psat

    h = {"probe_step": [0, 1], "update_ratio": [torch.tensor([0.0, 0.0, 1e-3]), torch.tensor([0.0, 1e-9, 1e-3])]}
    fig, ax = plt.subplots()
    psat.plot_update_ratio(h, ax=ax)
    labels = [ln.get_label() for ln in ax.get_lines()[:3]]
    assert labels[0] == "layer 1 (always 0: on the floor)" and labels[2] == "layer 3"
    plt.close(fig)


def test_derivative_plot_draws_no_segment_across_a_jump():
    """ReLU′, leaky ReLU′ and PReLU′ jump at a = 0; the plotted lines must break there, not join the two
    sides with a vertical segment. Every other step of every line stays small (smooth curves)."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import saturation as psat

    fig, ax = plt.subplots()  # a fresh axes: no lines left by another test
    psat.plot_derivatives(ax=ax, threshold=False)
    plt.close(fig)
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) > 2]
    assert len(lines) >= len(sat.ACTIVATIONS)
    for ln in lines:
        y = np.asarray(ln.get_ydata(), dtype=float)
        steps = np.abs(np.diff(y))
        assert np.isfinite(y).sum() >= 100, ln.get_label()  # the curve itself is still drawn
        assert np.nanmax(steps) < 0.05, ln.get_label()  # a jump of 0.75 or 1 would be drawn as a segment


def test_norm_does_not_underflow_in_float32():
    """A plain float32 norm squares 1e-24 to 0; probe's norm must give the float64 answer."""
    t = torch.full((2048,), 1e-24)
    assert float(torch.linalg.vector_norm(t)) == 0.0  # the trap
    assert float(sat._norm(t)) == pytest.approx(1e-24 * math.sqrt(2048), rel=1e-6)
    assert float(sat._norm(torch.zeros(5))) == 0.0 and math.isinf(float(sat._norm(torch.tensor([1.0, math.inf]))))


def test_deep_sigmoid_gradient_norms_match_float64(batch):
    """30 sigmoid layers: layer 1's gradient entries (~1e-28) are far above float32's minimum, so the
    probe must report the same norms as the same net run in float64 (none of them 0)."""
    x, y = batch
    model = dm.build_mlp(30, 64, "sigmoid")
    p32 = sat.probe(model, x, y)
    p64 = sat.probe(model.double(), x.double(), y)
    assert bool((p32.grad_a > 0).all()) and float(p32.grad_a[0] / p32.grad_a[-1]) < 1e-20
    torch.testing.assert_close(p32.grad_a, p64.grad_a, rtol=1e-3, atol=0)


def test_report_marks_missing_columns_and_words_its_warnings():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    with torch.no_grad():
        net[0].bias[:] = -1e3  # every unit dead
    x, y = torch.randn(40, 8), torch.randint(3, (40,))
    text = repr(sat.saturation_report(net, x))
    assert "nan" not in text and "needs targets y" in text
    assert "no gradient to their weights" in text and "never" not in text
    assert "needs targets y" not in repr(sat.saturation_report(net, x, y, lr=0.1))
    tanh = nn.Sequential(nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))
    with torch.no_grad():
        tanh[0].weight.mul_(100.0)
    warn = " ".join(sat.saturation_report(tanh, x, y).warnings)
    assert "% saturated" in warn and "(unit, example) pairs pass back less than 5 % of their best" in warn and "mostly" not in warn


def test_sigmoid_stack_has_a_flat_gain_far_above_four(batch):
    """Eq. (sat-rate) in the linear regime gives 4; saturation lowers RMS σ′, so the measured flat
    point of a 20-layer sigmoid stack (normal init) lies between gains 8 and 12 (§2's table)."""
    x, y = batch
    s = {g: dm.log_slope(dm.gradient_profile(x, y, depth=20, width=64, activation="sigmoid", init="normal",
                                             gain=g).grad_a)[0] for g in (4.0, 8.0, 12.0)}
    assert s[4.0] < s[8.0] < 0 < s[12.0]
