"""Notebook 04's panel redraws headless; plots draw on a given ax; the cached profile is sane."""
import pytest
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from vglab.plots import recurrent as rplots  # noqa: E402
from vglab.widgets import recurrent as rwidgets  # noqa: E402


def test_panel_redraws_headless():
    panel = rwidgets.bptt_panel()
    n = panel.n_redraws
    assert n == 1 and panel.image.value[:4] == b"\x89PNG"
    panel.update(sigma2=0.005, h=40, nonlinearity="sigmoid")
    assert panel.n_redraws == n + 1 and panel.message.value == ""
    assert "Q(δ, h=40)" in panel.axes[0].get_title()
    panel.controls["h"].value = 60  # a slider move redraws too
    assert panel.n_redraws == n + 2


def test_profile_vanishes_below_and_grows_above_critical():
    small, _, _, c_small = rwidgets.profile(0.004, "tanh")
    big, bound, _, c_big = rwidgets.profile(0.04, "tanh")
    assert c_small < 1 < c_big  # the per-step factor sits on the side of 1 that the profile shows
    assert small[-1] < 1e-10 * small[0]  # vanishing
    assert big[30] > big[0]  # exploding early on
    assert (big <= bound * (1 + 1e-10)).all()


def test_weight_gradient_curve_sits_at_its_own_lag():
    """The right plot's title is ‖z(k−h−1)ᵀ δ(k−h)‖ against h: the value at x = h is that product,
    recomputed here from the net's states and δ (h = 0: the last step's z(k−1)ᵀ δ(k))."""
    from vglab import bptt, srn, tasks

    panel = rwidgets.bptt_panel()
    panel.update(h=40)
    line = panel.axes[1].lines[0]
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert x[0] == 0 and x[-1] == 40
    net = srn.SRN(6, rwidgets.K, 4, sigma2=0.01, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    xs, ys = tasks.make_batch("temporal_order", rwidgets.B, rwidgets.T_MAX, torch.Generator().manual_seed(1))
    xs = xs.double()
    _, _, z = net(xs, return_states=True)
    delta = bptt.local_gradients(net, xs, ys)
    for h in (0, 7, 40):
        n = rwidgets.T_MAX - 1 - h  # step k − h, 0-based
        expected = torch.linalg.matrix_norm(z[:, n - 1].T @ delta[:, n]).item()
        assert np.isclose(y[x == h][0], expected, rtol=1e-9)


def test_plots_take_and_return_ax():
    ax = Figure().subplots()
    prof = np.geomspace(1, 1e-5, 20)
    assert rplots.plot_gradient_vs_lag({"a": prof}, {"a": prof * 2}, ax=ax) is ax
    assert rplots.plot_product_norms(prof[1:], prof[1:] * 3, ax=ax) is ax
    assert rplots.plot_state_gradients({"c": torch.tensor(prof)}, ax=ax) is ax
    assert rplots.plot_weight_grad_norms(np.r_[0.0, prof], ax=ax) is ax


def test_panel_rejects_an_unknown_nonlinearity_and_keeps_the_figure():
    panel = rwidgets.bptt_panel()
    before = panel.image.value
    panel.update(nonlinearity="relu", h=30)
    assert "nonlinearity cannot be" in panel.message.value and "allowed: tanh, sigmoid" in panel.message.value
    assert panel.image.value == before and panel.controls["h"].value == 100


def test_moving_h_blits_and_matches_a_full_render():
    """A move that changes only the curves is a blit, pixel for pixel the same as a full render."""
    import io

    from PIL import Image

    fast, full = rwidgets.bptt_panel(), rwidgets.bptt_panel()
    full.blit = False
    n = fast.n_full_renders
    for p in (fast, full):
        p.update(h=40)
    assert fast.n_full_renders == n  # only the animated artists were redrawn
    a, b = (np.asarray(Image.open(io.BytesIO(p.image.value))) for p in (fast, full))
    assert a.shape == b.shape and (a == b).all()


def test_bound_legend_entry_is_one_neutral_grey_stub():
    """The legend's bound entry is one grey dashed stub (read 04r4, F1); each bound is drawn dashed
    in its own curve's colour."""
    ax = Figure().subplots()
    prof = np.geomspace(1, 1e-5, 20)
    rplots.plot_gradient_vs_lag({"a": prof, "b": prof}, {"a": prof * 2, "b": prof * 3}, ax=ax,
                                colors={"a": "red", "b": "blue"})
    leg = ax.get_legend()
    assert [t.get_text() for t in leg.get_texts()] == ["a", "b", "dashed, in each curve's colour: its bound"]
    dashed = [ln.get_color() for ln in ax.lines if ln.get_linestyle() == "--"]
    assert dashed == ["red", "blue"]
    stub = leg.legend_handles[-1] if hasattr(leg, "legend_handles") else leg.legendHandles[-1]
    assert stub.get_linestyle() == "--" and stub.get_color() == rplots.COLORS["bound"]

def test_state_gradient_band_edges():
    ax = Figure().subplots()
    v = np.stack([np.geomspace(1, 1e-3, 10), np.geomspace(1, 1e-5, 10), np.geomspace(1, 1e-4, 10)])
    rplots.plot_state_gradients({"c": v}, ax=ax, band="edges", styles={"c": {"color": "C1", "ls": "--"}})
    assert len(ax.lines) == 3 and not ax.collections  # median + min + max, no fill
    assert np.allclose(ax.lines[1].get_ydata(), v.min(axis=0)) and np.allclose(ax.lines[2].get_ydata(), v.max(axis=0))
    assert ax.lines[1].get_linestyle() == "--"
    with pytest.raises(ValueError, match="band"):
        rplots.plot_state_gradients({"c": v}, ax=ax, band="shade")
