"""Notebook 00's panel and the Panel machinery: blitting draws what a full render draws, falls back
to a full render when an axis changes, and bad input gives a message instead of a traceback."""
import io

import ipywidgets as widgets
import numpy as np
from PIL import Image

from vglab.widgets.intro import chain_panel
from vglab.widgets.panel import Panel


def _pixels(panel):
    return np.asarray(Image.open(io.BytesIO(panel.image.value)))


def test_blit_equals_full_render_and_falls_back_when_limits_change():
    fast, full = chain_panel(), chain_panel()
    full.blit = False
    n = fast.n_full_renders
    for move in (dict(factor=0.5), dict(factor=1.2), dict(depth=60), dict(factor=0.9)):
        for p in (fast, full):
            p.update(**move)
        assert (_pixels(fast) == _pixels(full)).all(), move
    assert fast.n_full_renders == n + 1  # only the depth move changed the x axis
    assert full.n_full_renders == 5


def test_panel_never_shows_a_traceback():
    def draw(fig, axes, v, kind):
        if kind == "broken":
            raise RuntimeError("an unexpected bug")
        if v > 1.5:
            raise ValueError("v must be <= 1.5")
        axes[0].plot([0, 1], [0, v])
        return "a note" if v < 0 else ""

    p = Panel({"v": widgets.FloatSlider(value=1.0, min=-2, max=2),
               "kind": widgets.Dropdown(options=["line", "broken"], value="line")}, draw)
    good = p.image.value
    p.update(v=1.8)
    assert "v must be &lt;= 1.5" in p.message.value and p.image.value == good
    p.update(v=-1.0)
    assert p.message.value.endswith("a note</span>") and "Can't" not in p.message.value
    p.update(kind="broken")
    assert "RuntimeError: an unexpected bug" in p.message.value
    p.update(kind="circle")
    assert "kind cannot be &#x27;circle&#x27;; allowed: line, broken" in p.message.value
    assert p.controls["kind"].value == "broken"


def test_chain_panel_says_when_the_curve_leaves_the_plot():
    p = chain_panel()
    p.update(factor=0.1, depth=100)  # 1e-100: far below the plot's floor
    assert "off the plot" in p.message.value and "Can't" not in p.message.value
    p.update(factor=1.0)
    assert p.message.value == ""


def test_snap_limits_rounds_outward_to_whole_blocks():
    from vglab.widgets.panel import snap_limits

    assert snap_limits(-0.3, 2.1, 0.5) == (-0.5, 2.5)
    assert snap_limits(-13.0, 0.4, 10, 5) == (-20, 5)  # a separate block for the top
    assert snap_limits(-2.0, 4.0, 2) == (-2, 4)  # already on a block: unchanged
