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
