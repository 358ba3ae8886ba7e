"""Notebook 08's panel: pick a testbed and a column of the summary table, re-plot the precomputed rows.
Thin wiring over ``plots.capstone``; nothing is trained or computed here."""
from __future__ import annotations

import ipywidgets as widgets

from ..plots.capstone import METRICS, plot_flow, plot_metric, plot_scores
from .panel import Panel

VIEWS = ("test accuracy", "gradient flow") + tuple(m for m in METRICS if m != "test accuracy %")


def summary_panel(rows: list[dict], saved: list[dict] | None = None) -> Panel:
    """A Panel over ``capstone`` rows (and a saved run's rows): testbed × view (accuracy, gradient flow,
    % saturated, cost per update against the baseline). Each testbed is one ``row["testbed"]`` value."""
    from ..results import rows as _rows
    rows = _rows("rows", rows, ("testbed", "remedy"), what="capstone rows")
    saved = _rows("saved", saved, ("testbed", "remedy"), what="capstone rows", optional=True)
    groups: dict = {}
    for r in list(rows) + list(saved or []):
        groups.setdefault(r["testbed"], []).append(r)
    if not groups:
        raise ValueError("rows is empty: run capstone.run_mlp / run_srn first")
    controls = {"testbed": widgets.Dropdown(options=list(groups), description="testbed"),
                "view": widgets.Dropdown(options=list(VIEWS), description="show")}

    def draw(fig, axes, testbed, view):
        ax = axes[0]
        ax.clear()
        g = groups[testbed]
        if view == "test accuracy":
            plot_scores(g, ax=ax)
        elif view == "gradient flow":
            plot_flow(g, ax=ax, title=f"{testbed}: gradient flow (open = init, filled = after)")
        else:
            plot_metric(g, view, ax=ax)
        return f"{len(g)} remedies; {g[0]['regime'] if len({r['regime'] for r in g}) == 1 else 'see the regime column'}"

    return Panel(controls, draw, figsize=(7.5, 3.8), freeze_layout=False, png_cache=16)
