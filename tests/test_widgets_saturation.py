"""The saturation panel builds and redraws headless; the picture follows the controls."""
import pytest

from vglab.widgets.saturation import saturation_panel


@pytest.fixture(scope="module")
def panel():
    return saturation_panel(depth=10)


def test_panel_builds_and_redraws(panel):
    before, n = panel.image.value, panel.n_redraws
    assert before[:4] == b"\x89PNG"
    panel.update(depth=50, activation="tanh", init="normal", gain=1.0, residual=False)
    assert panel.n_redraws == n + 1 and panel.message.value == ""
    assert panel.image.value != before
    assert len(panel.axes[0].get_lines()[0].get_xdata()) == 50


def test_profile_in_panel_is_the_computed_one(panel):
    panel.update(depth=20, activation="sigmoid", init="default", gain=1.0, residual=False)
    assert "layer 1 / layer 20 = " in panel.axes[0].get_title()
    ratio = float(panel.axes[0].get_title().split("= ")[1])
    assert ratio < 1e-10  # the sigmoid stack vanishes
    panel.update(residual=True)
    assert float(panel.axes[0].get_title().split("= ")[1]) > 0.1


def test_snap_button_sets_critical_gain(panel):
    panel.update(activation="relu", init="normal", gain=0.3, residual=False)
    snap = [w for w in panel.children[1].children if getattr(w, "description", "") == "snap gain to critical"][0]
    snap.click()
    assert panel.controls["gain"].value == pytest.approx(2 ** 0.5, rel=0.02)


def test_diverging_setting_shows_a_message_and_keeps_the_figure(panel):
    panel.update(depth=20, activation="tanh", init="default", gain=1.0, residual=False)
    good, n = panel.image.value, panel.n_redraws
    panel.update(depth=60, activation="relu", init="kaiming", gain=10.0)  # ×10 per layer: float32 overflows
    assert "overflows" in panel.message.value and "lower the gain" in panel.message.value
    assert panel.image.value == good and panel.n_redraws == n  # the previous figure stays
    panel.update(gain=1.0)  # back to a possible setting: drawn, message gone
    assert panel.message.value == "" and panel.n_redraws == n + 1


def test_impossible_control_values_are_reported(panel):
    panel.update(depth=20, activation="tanh", gain=1.0, residual=False)
    good = panel.image.value
    panel.update(activation="swish", depth=30)  # not an option: nothing changes
    assert "activation cannot be" in panel.message.value and "allowed: sigmoid" in panel.message.value
    assert panel.controls["activation"].value == "tanh" and panel.controls["depth"].value == 20
    assert panel.image.value == good
    panel.update(depth=500)  # beyond the slider: clamped, and said so
    assert panel.controls["depth"].value == 60 and "not on the slider" in panel.message.value


def test_underflow_is_noted(panel):
    panel.update(depth=60, activation="relu", init="normal", gain=0.1, residual=False)
    assert "exactly 0" in panel.message.value and "Can't draw" not in panel.message.value


def test_third_plot_shows_dead_units_for_relu_and_saturation_otherwise(panel):
    from vglab.data import digits
    from vglab.deep_mlp import gradient_profile

    d = digits(standardize=True)
    x, y = d.x_train[:32], d.y_train[:32]
    for act in ("relu", "tanh"):
        panel.update(depth=20, activation=act, init="normal", gain=3.0, residual=False)
        p = gradient_profile(x, y, depth=20, width=64, activation=act, init="normal", gain=3.0)
        want = (p.pct_dead if act == "relu" else p.pct_saturated).numpy()
        assert list(panel.axes[2].get_lines()[0].get_ydata()) == pytest.approx(list(want))
        assert panel.axes[2].get_title().startswith("dead" if act == "relu" else "saturated")


def test_deep_sigmoid_profile_is_not_floored(panel):
    """The committed view (sigmoid, default init, 30 layers): every layer's norm is drawn, none at the
    −45 floor, and the title's ratio is the probe's own (about 10^-25, not floor / last layer)."""
    from vglab.data import digits
    from vglab.deep_mlp import gradient_profile

    panel.update(depth=30, activation="sigmoid", init="default", gain=1.0, residual=False)
    ys = panel.axes[0].get_lines()[0].get_ydata()
    assert min(ys) > -40 and panel.message.value == ""
    d = digits(standardize=True)
    p = gradient_profile(d.x_train[:32], d.y_train[:32], depth=30, width=64, activation="sigmoid")
    ratio = float(panel.axes[0].get_title().split("= ")[1])
    assert ratio == pytest.approx(float(p.grad_a[0] / p.grad_a[-1]), rel=0.01) and 1e-35 < ratio < 1e-15
