"""Notebook 06's slider panel: pick λ and the bottleneck size d from a precomputed grid.

Thin wiring only: ``vglab.autoencoder.summarize_grid`` holds the numbers, ``vglab.plots.beta``
draws them, so a slider move is a redraw, never a training run.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots import beta as pb
from ..plots.style import COLORS
from ..plots.style import check as _check  # the plots' one input check (issue 17)
from .panel import Panel, quietly

_KL_FLOOR = 1e-3  # the KL axis is log; smaller values (and 0) are drawn at this floor, as its label says


def beta_panel(stats: dict, *, dpi: int = 72) -> Panel:
    """A Panel over ``stats`` = ``summarize_grid(train_grid(lams, ds))``: sliders λ and d.

    Draws the chosen model's bottleneck histograms with fitted Beta pdfs, KL to U(0, 1) and
    % saturated over training next to the λ = 0 model of the same d, and decoded U(0, 1)^d samples.
    """
    _check("stats", stats, "dict", of="dict")
    if not all(isinstance(k, tuple) and len(k) == 2 for k in stats):
        raise TypeError("stats must be summarize_grid's dict keyed by (λ, d)")
    if not stats:
        raise ValueError("stats is empty: pass summarize_grid(train_grid(lams, ds))")
    lams = sorted({k[0] for k in stats})
    ds = sorted({k[1] for k in stats})
    controls = {
        "lam": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in lams], value=lams[-1],
                                       description="λ", continuous_update=True),
        "d": widgets.SelectionSlider(options=[(str(v), v) for v in ds], value=ds[-1],
                                     description="d", continuous_update=True),
    }

    # every model on the same axes (limits from the whole grid): comparing λ is easier, and a
    # move redraws only the curves, the image and the titles over a kept background
    curves = {k: pb.unit_curves(v["z"], v["alpha"], v["beta"], units=range(min(k[1], 8))) for k, v in stats.items()}
    hist_top = min(12.0, 1.05 * max(max(c[2].max(), 1.0 if c[4] is None else c[4].max())
                                    for cs in curves.values() for c in cs))
    steps = [t for v in stats.values() for t in v["step"]]
    limits = {}
    for key in ("kl", "saturated"):
        vals = np.array([x for v in stats.values() for x in v[key]], dtype=float)
        lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
        pad = 0.05 * max(hi - lo, 1e-3)
        limits[key] = (min(0.0, lo - pad), hi + pad) if key == "saturated" else (_KL_FLOOR, max(hi, _KL_FLOOR) * 1.3)
    state = {}

    def build(axes):
        ax = axes[0]
        z0 = np.zeros(20)
        edges = np.linspace(0, 1, 21)
        state["stairs"] = [ax.stairs(z0, edges, lw=1.4) for _ in range(8)]
        state["pdfs"] = [ax.plot(pb.BETA_X, np.zeros_like(pb.BETA_X), "--", lw=1)[0] for _ in range(8)]
        ax.axhline(1.0, color=COLORS["bound"], lw=0.8, ls=":")  # U(0, 1) density
        ax.set(xlim=(0, 1), ylim=(0, hist_top), xlabel="z", ylabel="density", title=" ")
        animated = [ax.title, *state["stairs"], *state["pdfs"]]
        for key, ax, label in (("kl", axes[1], "mean KL(fit ‖ U), floor 10⁻³"), ("saturated", axes[2], "% saturated")):
            state[key] = [ax.plot([], [], lw=1.6)[0] for _ in range(2)]  # λ = 0 for reference, then λ
            ax.set(xlabel="step", ylabel=label, xlim=(min(steps), max(steps)))
            if key == "kl":
                ax.set_yscale("log")  # a plain log axis, as in §5.2 (read 06r8 F2: symlog's linear band was unlabelled)
            ax.set_ylim(*limits[key])
            animated += state[key]
        state["image"] = axes[3].imshow(pb.montage(next(iter(stats.values()))["samples"], 6), cmap="gray",
                                        vmin=0, vmax=1, interpolation="nearest")
        # four title lines (draw's), kept clear of the figure's edge: the image sits at the bottom of its
        # slot, level with the other panels' x axes, and leaves the room above it to the title
        axes[3].set(xticks=[], yticks=[], title=" \n \n \n ", anchor="S")
        axes[3].title.set_color(COLORS["plain"])
        for artist in animated + [state["image"], axes[3].title]:
            artist.set_animated(True)

    def draw(fig, axes, lam, d):
        if (lam, d) not in stats:
            raise ValueError(f"no precomputed model for λ = {lam:g}, d = {d}")
        if not state:
            build(axes)
        s = stats[(lam, d)]
        shown = curves[(lam, d)]
        for k, (stair, pdf) in enumerate(zip(state["stairs"], state["pdfs"])):
            on = k < len(shown)
            stair.set_visible(on)
            pdf.set_visible(on and shown[k][4] is not None)
            if on:
                j, c, counts, edges, y = shown[k]
                stair.set_data(counts, edges)
                stair.set_edgecolor(c)
                stair.set_label(f"unit {j}")
                pdf.set_color(c)
                if y is not None:
                    pdf.set_ydata(y)
        axes[0].title.set_text(f"λ = {lam:g}, d = {d}: ω = {s['omega']:.3g}")
        runs = ([stats[(0.0, d)]] if lam != 0 and (0.0, d) in stats else []) + [s]
        for key, ax in (("kl", axes[1]), ("saturated", axes[2])):
            for line, t in zip(state[key], runs + [None]):
                line.set_visible(t is not None)
                if t is not None:
                    c, a = pb.run_color(t["lam"], lams)
                    y = np.maximum(np.asarray(t[key], dtype=float), _KL_FLOOR) if key == "kl" else t[key]
                    line.set(data=(t["step"], y), color=c, alpha=a, label=f"λ = {t['lam']:g}")
            with quietly(fig):  # a new legend for the new lines: drawn with them, not with the axes
                ax.legend(handles=[ln for ln in state[key] if ln.get_visible()], fontsize=8).set_animated(True)
        state["image"].set_data(pb.montage(s["samples"], 6))
        # KS and |corr| are the test digits' codes', not the samples' (read 06r32 F1): the title says so
        axes[3].title.set_text(f"decoded z ~ U(0,1)$^{{{d}}}$\ncodes of the test digits:\n"
                               f"KS max {s['ks_max']:.2f}, |corr| {s['corr']:.2f}\ntest R {s['test_R']:.1f}")

    return Panel(controls, draw, nrows=1, ncols=4, figsize=(13.0, 3.3), dpi=dpi, png_cache=len(stats),
                 title="Beta penalty: λ and bottleneck size d (precomputed models)")
