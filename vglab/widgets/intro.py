"""The first slider of the lab (notebook 00): per-layer factor and depth -> ‖gradient‖ profile."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..intro import chain_gain
from ..plots.intro import plot_chain_gain
from .panel import Panel, set_if_changed


REFERENCE = "sigmoid, gain 1: c ≤ 1/4"


def chain_panel(factor: float = 0.9, depth: int = 30) -> Panel:
    """Slide the per-layer factor c and the depth n; the plot shows c**k for k = 0..n, with the
    sigmoid's bound at gain 1 (c ≤ 1/4, dashed) for reference."""
    controls = {
        "factor": widgets.FloatLogSlider(value=factor, base=10, min=-1.3, max=0.7, step=0.01,
                                         description="factor c", readout_format=".3f"),
        "depth": widgets.IntSlider(value=depth, min=2, max=100, description="depth n"),
    }
    snap = widgets.Button(description="snap c to 1 (critical)", layout=widgets.Layout(width="200px"))
    state = {}

    def draw(fig, axes, factor, depth):
        ax = axes[0]
        mine, quarter = chain_gain(factor, depth), chain_gain(0.25, depth)
        if not state:  # first call: build the artists once; later calls only move the data
            plot_chain_gain({"your factor c": mine, REFERENCE: quarter}, ax=ax,
                            styles={"your factor c": dict(lw=2.5, zorder=3), REFERENCE: dict(lw=1.2, ls="--")})
            state["lines"] = ax.get_lines()[:2]
            ax.set_title(" ", fontsize=10)
            for artist in state["lines"] + [ax.title]:  # only these change when c moves: a blit
                artist.set_animated(True)
        for line, g in zip(state["lines"], (mine, quarter)):
            line.set_data(np.arange(depth + 1), g)  # not clipped: a curve that leaves the window runs off it
        set_if_changed(ax, xlim=(0, depth))
        ax.title.set_text(f"c = {factor:.3f}: after {depth} layers ‖gradient‖ × {factor ** depth:.2e}")
        if not 1e-12 <= factor ** depth <= 1e12:
            k = int(np.argmax((mine < 1e-12) | (mine > 1e12)))
            return (f"c^n = {factor ** depth:.1e} is off the plot (1e-12 to 1e12): the curve leaves it "
                    f"after {k} layers and keeps going")
        return ""

    panel = Panel(controls, draw, figsize=(6.5, 3.2), extra=[snap])
    snap.on_click(lambda _b: panel.update(factor=1.0))
    return panel
