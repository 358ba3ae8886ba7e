"""The σ² panel of notebook 05 redraws headless and its picture changes."""
import math

from vglab.widgets.init_sigma import init_sigma_panel


def test_panel_redraws_and_png_changes():
    p = init_sigma_panel(n_sequences=3)
    first = p.image.value
    assert first[:4] == b"\x89PNG" and p.message.value == ""
    p.update(value=0.02)
    assert p.image.value != first and p.message.value == ""
    assert "std·√K = 1.41" in p.axes[0].get_title()
    p.update(value=0.01, reading="std")  # σ read as a std: radius 0.1, deep vanishing
    assert "std·√K = 0.10" in p.axes[0].get_title()
    assert "vanishing" in p.axes[1].get_title()
    n = p.n_redraws
    p.children[1].children[-1].click()  # the snap button: std 0.1 puts the radius at 1
    assert p.n_redraws == n + 1 and math.isclose(p.controls["value"].value, 0.1, rel_tol=1e-9)
    assert "std·√K = 1.00" in p.axes[0].get_title()


def test_panel_without_profile():
    p = init_sigma_panel(profile=False)
    before = p.image.value
    p.update(value=0.005)
    assert p.image.value != before and len(p.axes) == 1
