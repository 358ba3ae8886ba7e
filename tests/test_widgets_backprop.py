"""Notebook 01's panel builds and redraws headless; its plots agree with the modules."""

import matplotlib

matplotlib.use("Agg")  # in the pytest process only

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from vglab import modules as M  # noqa: E402
from vglab.plots import backprop as P  # noqa: E402
from vglab.widgets.backprop import head_gradient_panel  # noqa: E402


def test_panel_builds_and_redraws():
    panel = head_gradient_panel()
    first = bytes(panel.image.value)
    assert first.startswith(b"\x89PNG") and panel.message.value == ""
    n = panel.n_redraws
    panel.update(margin=800.0)
    assert panel.n_redraws == n + 1 and bytes(panel.image.value) != first
    bars = panel.axes[1]
    # at m = 800 in float64: softmax + MSE's gradient is exactly 0, softmax → log is NaN
    assert "= 0" in [t.get_text() for t in bars.texts] and "NaN" in [
        t.get_text() for t in bars.texts
    ]
    panel.update(dtype="float32", n_classes=5, margin=-10.0)
    assert panel.message.value == "" and len(panel.axes[1].patches) == 3 * 5
    panel.controls["margin"].value = 50.0  # moving the slider redraws by itself
    assert panel.n_redraws == n + 3


def test_snap_button():
    panel = head_gradient_panel(margin=300.0)
    snap = [w for w in panel.children[1].children if hasattr(w, "on_click")][0]
    snap.click()
    assert panel.controls["margin"].value == 0.0


def test_bars_show_the_modules_gradients():
    ax = P.plot_logit_gradient_bars(3.0, 4, "float64", ax=plt.figure().gca())
    X, y = M.confident_logits([3.0], 4)
    for bars, head in zip(ax.containers, M.HEADS):
        g = M.head_gradient(X, y, head)[1][0].numpy()
        np.testing.assert_allclose([r.get_height() for r in bars], g)
    plt.close("all")


def test_curves_and_jacobian_plots():
    curves = P.head_curves(np.array([0.0, 50.0, 2000.0]))
    assert curves["log_softmax+ce"][2] == -1.0 and curves["softmax+mse"][2] == 0.0
    assert np.isnan(curves["softmax+log"][2])
    ax = P.plot_head_gradients(np.linspace(-5, 900, 50), ax=plt.figure().gca(), mark=10.0)
    assert ax.get_yscale() == "log"
    net = M.Sequential(
        M.Linear(3, 4, generator=torch.Generator().manual_seed(0)), M.ReLU(), M.Softmax()
    )
    Js, prod = M.jacobian_chain(net, torch.ones(3, dtype=torch.float64))
    axes = P.plot_jacobian_chain(Js, prod)
    assert len(axes) == 4
    assert all(ax.get_ylabel() == "output i" and ax.get_xlabel() == "input j" for ax in axes)
    assert P.plot_log_sigmoid(ax=plt.figure().gca()).get_legend() is not None
    plt.close("all")


def test_bad_values_give_a_message_not_a_traceback():
    panel = head_gradient_panel()
    before = bytes(panel.image.value)
    panel.update(dtype="float16")
    assert "dtype cannot be" in panel.message.value and bytes(panel.image.value) == before
    panel.update(n_classes=50)  # more classes than the slider allows: clamped to 10 and said so
    assert "not on the slider" in panel.message.value and len(panel.axes[1].patches) == 3 * 10
