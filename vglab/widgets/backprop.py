"""Slider panel for notebook 01: how confidently wrong -> the gradient through each classifier head.

Thin wiring over ``vglab.modules.head_gradient`` (via ``vglab.plots.backprop``); no maths here.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots.backprop import plot_head_gradients, plot_logit_gradient_bars, set_logit_gradient_bars
from .panel import Panel

# The margin slider's stops, spaced like a symlog axis: fine steps where the heads differ (−20 … 120,
# where float32's softmax → log breaks), coarse ones in between, finer again from 700 (float64's break).
MARGIN_STOPS = [float(v) for v in np.unique(np.round(np.concatenate([
    np.arange(-20, 10, 0.5), np.arange(10, 120, 1), np.arange(120, 700, 10), np.arange(700, 800, 2.5),
    np.arange(800, 1001, 10)]), 1))]


def head_gradient_panel(margin: float = 5.0, n_classes: int = 3, dtype: str = "float64") -> Panel:
    """Slide the margin (wrong logits − true logit): softmax + squared error goes to 0,
    softmax → log breaks (NaN) once 1/p_y overflows, log-softmax + cross-entropy stays at −1."""
    controls = {
        "margin": widgets.SelectionSlider(
            options=[(f"{v:g}", v) for v in MARGIN_STOPS], value=float(margin), description="margin m"
        ),
        "dtype": widgets.ToggleButtons(
            value=dtype, options=["float32", "float64"], description="dtype"
        ),
        "n_classes": widgets.IntSlider(value=n_classes, min=2, max=10, description="classes K"),
    }
    snap = widgets.Button(description="snap m to 0 (undecided)")

    state = {}

    def draw(fig, axes, margin, dtype, n_classes):
        if state.get("key") != (dtype, n_classes):  # rebuild only when dtype or K change
            if state.get("key", (None,))[0] != dtype:  # new y tick labels: solve the layout again
                fig.set_layout_engine("constrained")  # (the panel freezes it after this render)
            for ax in axes:
                ax.clear()
            plot_head_gradients(None, n_classes, dtype, ax=axes[0], mark=margin)
            plot_logit_gradient_bars(margin, n_classes, dtype, ax=axes[1])
            state.update(key=(dtype, n_classes), mark=axes[0].lines[-1])
            # a margin move changes only these: the panel redraws just them over a kept background
            # (the left legend too: drawn after the marker, by zorder, it keeps the line off its text)
            for artist in [state["mark"], axes[0].get_legend(), axes[1].title, *axes[1].patches,
                           *axes[1].lines, *axes[1].texts]:
                artist.set_animated(True)
        state["mark"].set_xdata([margin, margin])  # move the marker and the bar heights
        set_logit_gradient_bars(axes[1], margin, n_classes, dtype)

    panel = Panel(
        controls,
        draw,
        ncols=2,
        figsize=(9.0, 3.4),
        dpi=72,
        extra=[snap],
        title="Gradient on the logits through three classifier heads",
    )
    snap.on_click(lambda _b: panel.update(margin=0.0))
    return panel
