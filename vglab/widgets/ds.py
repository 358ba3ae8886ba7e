"""Notebook 07's safe-zone panel: move [q_min, q_max] and ds_max, see the accept/skip regions and
which of a run's recorded decisions would flip. Thin wiring over ``ds_sampling.accept`` and
``plots.ds``; holds no maths."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from ..ds_sampling import accept
from ..plots.ds import ACCEPT, Q_LIM, SKIP, accept_regions, _ds_limit, plot_ds_plane, region_handles
from ..plots.style import PALETTE
from ..plots.style import check as _check  # the plots' one input check (issue 17)
from .panel import Panel


def safe_zone_panel(q, ds, accepted, *, rule: str = "corrected", q_min=-1.0, q_max=1.0, ds_max=1.0,
                    max_points: int = 3000) -> Panel:
    """A Panel over recorded decisions ``q``, ``ds``, ``accepted`` (same length, any shape).

    Green/wine dots: applied/skipped under the zone on the sliders; black rings: decisions that
    differ from the recorded ones (taken with the paper's zone [−1, 1], ds_max = 1); a legend says so.
    """
    _check("q", q, "array"), _check("ds", ds, "array"), _check("accepted", accepted, "array")
    q, ds, rec = (np.asarray(v).ravel() for v in (q, ds, accepted))
    if not (len(q) == len(ds) == len(rec)) or len(q) == 0:
        raise ValueError("q, ds and accepted must be non-empty and of the same length")
    keep = np.linspace(0, len(q) - 1, min(len(q), max_points)).astype(int)
    q, ds, rec = q[keep], ds[keep], rec[keep].astype(bool)
    lim = _ds_limit(ds)  # the y-limit the plot draws: these dots' own range, as plot_ds_plane's default
    xy = np.c_[np.clip(q, *Q_LIM), np.clip(ds, -lim, lim)]  # where each dot sits (clipped to the plot)
    rgba = np.array([to_rgba(SKIP, 0.7), to_rgba(ACCEPT, 0.7)])  # skipped, applied
    controls = {
        "q_min": widgets.FloatSlider(value=q_min, min=-5, max=0, step=0.1, description="Q_min"),
        "q_max": widgets.FloatSlider(value=q_max, min=0, max=8, step=0.1, description="Q_max"),
        "ds_max": widgets.FloatLogSlider(value=ds_max, base=10, min=-6, max=3, step=0.1, description="|dS| max"),
        "rule": widgets.Dropdown(options=["corrected", "as_printed"], value=rule, description="rule"),
    }
    snap = widgets.Button(description="snap to the paper's zone")
    state = {}

    def draw(fig, axes, q_min, q_max, ds_max, rule):
        ax = axes[0]
        if not state:  # build once, then only move patches and recolour the dots
            plot_ds_plane(q_min=q_min, q_max=q_max, ds_max=ds_max, rule=rule, ax=ax, ds_lim=lim)
            for line in ax.lines[:2]:  # the plane's fixed zone edges: the moving ones below replace them
                line.remove()
            state["patches"] = list(ax.patches)
            state["dots"] = ax.scatter(xy[:, 0], xy[:, 1], s=7, linewidths=0)
            state["flips"] = ax.scatter([], [], s=30, facecolors="none", edgecolors="black", linewidths=0.8)
            state["vlines"] = [ax.axvline(v, color=PALETTE["grey"], lw=1.2, ls="--") for v in (q_min, q_max)]
            ax.legend(handles=[*region_handles(),
                               Line2D([], [], ls="", marker="o", ms=4, color=ACCEPT, label="applied"),
                               Line2D([], [], ls="", marker="o", ms=4, color=SKIP, label="skipped"),
                               Line2D([], [], ls="", marker="o", ms=6, mfc="none", color="black",
                                      label="would flip")], loc="lower right", fontsize=7)
            ax.set_title(" ", fontsize=9)
            for artist in [*state["patches"], state["dots"], state["flips"], *state["vlines"], ax.title]:
                artist.set_animated(True)  # fixed axes: a move redraws only these over a kept background
        for patch, r in zip(state["patches"], accept_regions(q_min, q_max, ds_max, rule)):
            patch.set_bounds(*r)
        for line, v in zip(state["vlines"], (q_min, q_max)):
            line.set_xdata([v, v])
        now = np.asarray(accept(q, ds, q_min, q_max, ds_max, rule=rule), bool)
        state["dots"].set_color(rgba[now.astype(int)])
        flip = now != rec
        state["flips"].set_offsets(xy[flip])
        ax.title.set_text(f"{rule.replace('_', ' ')}: applied {now.mean():.0%} of {len(now)} | "
                          f"{(flip & now).sum()} skip→apply, {(flip & ~now).sum()} apply→skip (rings)")

    panel = Panel(controls, draw, figsize=(7.0, 3.8))
    snap.on_click(lambda _b: panel.update(q_min=-1.0, q_max=1.0, ds_max=1.0))
    panel.children = panel.children[:-1] + (snap, panel.children[-1])
    return panel
