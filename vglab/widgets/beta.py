"""Notebook 06's slider panel: pick λ and the bottleneck size d from a precomputed grid.

Thin wiring only: ``vglab.autoencoder.summarize_grid`` holds the numbers, ``vglab.plots.beta``
draws them, so a slider move is a redraw, never a training run.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..plots import beta as pb
from ..plots.style import COLORS
from .panel import Panel


def beta_panel(stats: dict, *, dpi: int = 72) -> Panel:
    """A Panel over ``stats`` = ``summarize_grid(train_grid(lams, ds))``: sliders λ and d.

    Draws the chosen model's bottleneck histograms with fitted Beta pdfs, KL to U(0, 1) and
    % saturated over training next to the λ = 0 model of the same d, and decoded U(0, 1)^d samples.
    """
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

    def draw(fig, axes, lam, d):
        if (lam, d) not in stats:
            raise ValueError(f"no precomputed model for λ = {lam:g}, d = {d}")
        for ax in axes:
            ax.clear()
        s = stats[(lam, d)]
        pb.plot_unit_histograms(s["z"], s["alpha"], s["beta"], units=range(min(d, 8)), ax=axes[0],
                                title=f"λ = {lam:g}, d = {d}: ω = {s['omega']:.3g}")
        shown = [stats[(0.0, d)]] if lam != 0 and (0.0, d) in stats else []
        for key, ax, label in (("kl", axes[1], "mean KL(fit ‖ U)"), ("saturated", axes[2], "% saturated")):
            for t in shown + [s]:
                c, a = pb.run_color(t["lam"], lams)
                ax.plot(t["step"], t[key], color=c, alpha=a, lw=1.6, label=f"λ = {t['lam']:g}")
            ax.set(xlabel="step", ylabel=label)
            ax.legend(fontsize=8)
        axes[1].set_yscale("symlog", linthresh=0.01)
        pb.plot_images(s["samples"], ncols=6, ax=axes[3],
                       title=f"decoded z ~ U(0,1)^{d}\nKS max {s['ks_max']:.2f}, |corr| {s['corr']:.2f}, "
                             f"R {s['test_R']:.1f}")
        axes[3].title.set_color(COLORS["plain"])

    return Panel(controls, draw, nrows=1, ncols=4, figsize=(13.0, 3.3), dpi=dpi,
                 title="Beta penalty: λ and bottleneck size d (precomputed models)")
