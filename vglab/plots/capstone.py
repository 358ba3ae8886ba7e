"""Figures for notebook 08 (which fix when): scores and gradient flow of every remedy from
``vglab.capstone`` rows, and the wall poster that puts both testbeds and the rules of thumb on one
page. Plot functions take ``ax=None`` and return the Axes; nothing here trains."""
from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np

from .style import PALETTE, color

BAND = PALETTE["green"]  # the healthy band: within 10× (MLP), Q in [−1, 1] (SRN)


def _flow_value(row, key) -> float:
    """Gradient flow on one scale: log10(layer-1 / last) for the MLP, −Q for the SRN (both: < 0 vanishing)."""
    v = row[key]
    if v is None or not math.isfinite(v):
        return math.nan
    return math.log10(max(v, 1e-300)) if row["flow_name"].startswith("grad ratio") else -v


def plot_scores(rows, *, saved=None, ax=None, title=None):
    """Horizontal bars: mean test accuracy per remedy (dot = best network or seed); dashed = chance.

    ``saved``: rows of a saved run on the same remedies (e.g. T = 100), drawn as open diamonds.
    """
    ax = ax or plt.gca()
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows):
        ax.barh(yi, 100 * r["score"], color=color(r["colour"]), alpha=0.85, height=0.7)
        ax.plot(100 * r["score_best"], yi, "|", color="black", ms=9)
        ax.text(101, yi, r["verdict"].split(":")[0], va="center", fontsize=7)
    if saved:
        by = {s["remedy"]: s for s in saved}
        pts = [(100 * by[r["remedy"]]["score"], yi) for yi, r in zip(y, rows) if r["remedy"] in by]
        if pts:
            ax.plot(*zip(*pts), "D", mfc="none", mec="black", ms=6, label=f"saved: {saved[0]['testbed']}")
            ax.legend(loc="lower right", fontsize=7)
    ax.axvline(100 * rows[0]["chance"], color=PALETTE["grey"], ls="--", lw=1)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    ax.set_xlim(0, 130)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("test accuracy % (bar: mean, tick: best; dashed: chance)")
    ax.set_title(title or rows[0]["testbed"], fontsize=10)
    return ax


def plot_flow(rows, *, saved=None, ax=None, title=None, lim=(-20.0, 5.0)):
    """Gradient flow at initialisation (open circle) and after training (filled), one line per remedy.

    MLP: log10 of ‖∂L/∂a_1‖/‖∂L/∂a_L‖; SRN: −Q (eq. 25). On both, 0 is perfect, below −1 vanishing
    by more than 10×, above +1 exploding; the green band is the healthy zone. ``saved``: rows of a saved
    run on the same remedies, their flow after training drawn as open diamonds. Values beyond ``lim`` sit
    on the edge, labelled with their value.
    """
    ax = ax or plt.gca()
    lo, hi = lim

    def clip(v, yi):
        if math.isnan(v) or lo <= v <= hi:
            return v
        ax.text(lo + 0.3 if v < lo else hi - 0.3, yi + 0.22, f"{v:.0f}", fontsize=7,
                ha="left" if v < lo else "right")
        return lo if v < lo else hi

    y = np.arange(len(rows))[::-1]
    ax.axvspan(-1, 1, color=BAND, alpha=0.12, lw=0)
    ax.axvline(0, color=PALETTE["grey"], lw=0.8)
    for yi, r in zip(y, rows):
        a, b = clip(_flow_value(r, "flow_init"), yi), clip(_flow_value(r, "flow"), yi)
        c = color(r["colour"])
        ax.plot([a, b], [yi, yi], color=c, lw=1.5)
        ax.plot(a, yi, "o", mfc="white", mec=c, ms=6)
        ax.plot(b, yi, "o", color=c, ms=6)
    if saved:
        by = {s["remedy"]: s for s in saved}
        pts = [(clip(_flow_value(by[r["remedy"]], "flow"), yi - 0.45), yi) for yi, r in zip(y, rows)
               if r["remedy"] in by]
        if pts:
            ax.plot(*zip(*pts), "D", mfc="none", mec="black", ms=6, label=f"saved {saved[0]['testbed']}, after")
            ax.legend(loc="upper left", fontsize=7)
    mlp = rows[0]["flow_name"].startswith("grad ratio")
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    ax.set_xlabel("log10(‖g layer 1‖ / ‖g last layer‖)" if mlp else "−Q = log10(‖δ(k−h)‖ / ‖δ(k)‖)")
    ax.set_title(title or ("gradient flow: open = init, filled = after training"), fontsize=10)
    return ax


def plot_rules(lines, *, ax=None, title="Rules of thumb, measured here", width=150):
    """A text panel: one rule of thumb per bullet, wrapped at ``width`` characters."""
    ax = ax or plt.gca()
    ax.axis("off")
    ax.set_title(title, fontsize=11, loc="left")
    text = "\n".join(textwrap.fill(s, width, initial_indent="• ", subsequent_indent="   ") for s in lines)
    ax.text(0.0, 1.0, text, va="top", ha="left", fontsize=8.5, transform=ax.transAxes)
    return ax


def poster(mlp_rows, srn_rows, rules, *, saved=None, title="Which fix when: every remedy, measured"):
    """The wall poster: scores and gradient flow for both testbeds, and the rules of thumb below."""
    fig, axes = plt.subplot_mosaic([["ms", "ss"], ["mf", "sf"], ["r", "r"]], figsize=(13, 11),
                                   layout="constrained", height_ratios=[1.0, 1.0, 0.6])
    plot_scores(mlp_rows, ax=axes["ms"])
    plot_scores(srn_rows, saved=saved, ax=axes["ss"])
    plot_flow(mlp_rows, ax=axes["mf"])
    plot_flow(srn_rows, saved=saved, ax=axes["sf"])
    plot_rules(rules, ax=axes["r"])
    fig.suptitle(title, fontsize=14)
    return fig


METRICS = {"test accuracy %": "score", "% saturated": "pct_saturated", "wall time s": "wall_s"}


def plot_metric(rows, metric: str = "wall time s", *, ax=None, title=None):
    """Horizontal bars of one column of the rows: ``METRICS`` names it (accuracy, % saturated, wall time)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    ax = ax or plt.gca()
    key = METRICS[metric]
    y = np.arange(len(rows))[::-1]
    vals = [(100 if key == "score" else 1) * r[key] for r in rows]
    ax.barh(y, vals, color=[color(r["colour"]) for r in rows], alpha=0.85, height=0.7)
    for yi, v in zip(y, vals):
        ax.text(v, yi, f" {v:.1f}", va="center", fontsize=7)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    ax.set_xlim(0, max(vals + [1e-9]) * 1.25)
    ax.set_xlabel(metric + (f" (on {rows[0]['device']})" if key == "wall_s" else ""))
    ax.set_title(title or rows[0]["testbed"], fontsize=10)
    return ax
