"""The σ² slider of notebook 05: eigenvalues of W_rec against the circle std·√K, and ‖δ(k−j)‖ live.

Thin wiring over ``vglab.init_scale`` (compute) and ``vglab.plots.init_sigma`` (drawing).
The "read σ as" toggle turns the slider value into a variance (σ² = value) or a standard
deviation (σ² = value²), so a learner can see what each reading of the paper's "σ" does.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import init_scale
from ..plots.init_sigma import plot_eigenvalues
from ..runtime import cpu_threads
from ..plots.style import COLORS, PALETTE
from .panel import Panel, set_if_changed, snap_limits

CRITICAL = {"variance": 0.01, "std": 0.1}
"""The value that puts std·√K at 1 for K = 100, in each reading."""


def _sigma2(value: float, reading: str) -> float:
    if reading not in CRITICAL:
        raise ValueError(f"reading must be one of {list(CRITICAL)}, got {reading!r}")
    return value if reading == "variance" else value**2


def init_sigma_panel(value: float = 0.01, reading: str = "variance", *, n_hidden: int = 100, h: int = 100,
                     n_sequences: int = 10, seed: int = 0, profile: bool = True) -> Panel:
    """σ slider (log scale) + "read σ as" toggle; left: eigenvalues and circles, right: ‖δ(k−j)‖.

    The network is the same for every σ (same seed, so the same standard-normal draws, scaled):
    only the scale moves. Both panels show this one network (``init_scale.recurrent_weights`` is
    its W_rec): its eigenvalues, and its profile on ``n_sequences`` temporal-order sequences,
    float64, cached per σ² (``profile=False`` drops the right panel).
    """
    controls = {
        "value": widgets.FloatLogSlider(value=value, base=10, min=-5, max=-0.5, step=0.05,
                                        description="σ", readout_format=".4f", continuous_update=False),
        "reading": widgets.ToggleButtons(options=["variance", "std"], value=reading, description="read σ as"),
    }
    snap = widgets.Button(description="snap to std·√K = 1", layout=widgets.Layout(width="200px"))
    cache: dict[float, tuple] = {}

    def compute(sigma2):
        key = round(math.log10(sigma2), 6)
        if key not in cache:
            with cpu_threads(1):  # one small float64 RNN: a second thread only adds contention
                cache[key] = _compute(sigma2)
        return cache[key]

    def _compute(sigma2):
        eigs = init_scale.eigenvalues(sigma2, n_hidden, seed=seed).numpy()
        prof = None
        if profile:
            prof = init_scale.gradient_profile(sigma2, n_hidden=n_hidden, h=h, n_networks=1,
                                               n_sequences=n_sequences, seed=seed, weight_grads=False)
        return eigs, prof

    state = {}
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 120))

    def draw(fig, axes, value, reading):
        sigma2 = _sigma2(value, reading)
        eigs, prof = compute(sigma2)
        r, rho = init_scale.circle_radius(sigma2, n_hidden), float(np.abs(eigs).max())
        ax = axes[0]
        if not state:  # first call: build the artists once; later calls only move their data
            plot_eigenvalues(eigs, sigma2, n_hidden, ax=ax, label="eigenvalues of W_rec")
            state["circle"], state["dots"] = ax.get_lines()[1], ax.collections[0]
            ax.get_legend().remove()  # text dominates the redraw cost: no legend, few ticks
            ax.set_xlabel("Re λ   (orange: std·√K, dotted: |λ| = 1)", fontsize=8)
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(MaxNLocator(4))
            ax.set_title(" ", fontsize=9)
            for artist in (state["dots"], state["circle"], ax.title):
                artist.set_animated(True)  # a move redraws these over a kept background
        state["dots"].set_offsets(np.c_[eigs.real, eigs.imag])
        state["circle"].set_data((r * circle).real, (r * circle).imag)
        lim = max(1.25, 1.15 * max(r, rho))
        lims = snap_limits(-lim, lim, 0.5)  # in steps of 0.5: the axes move less often
        set_if_changed(ax, xlim=lims, ylim=lims)
        ax.title.set_text(f"σ = {value:.4g} as {reading}: std·√K = {r:.2f}, ρ = {rho:.2f}")
        if prof is None:
            return
        ax = axes[1]
        y = np.log10(np.clip(prof.delta[0].numpy(), 1e-300, None))  # log10 on a linear axis: cheap ticks
        if "line" not in state:
            state["line"], = ax.plot(np.arange(h + 1), y, color=PALETTE["indigo"], label="this σ")
            ref = compute(0.01)[1]  # cached: the slider at σ² = 0.01 shares it
            state["q_ref"] = float(ref.Q[0])  # printed in the title: the grey line is not the paper's case
            ax.plot(np.arange(h + 1), np.log10(ref.delta[0].numpy()), color=COLORS["bound"], lw=4, alpha=0.35,
                    zorder=1, label="variance 0.01 (reference)")  # wide and pale: visible under the line
            ax.set_xlabel("steps back j")
            ax.set_ylabel("log10 mean ‖δ(k−j)‖ (float64)")
            ax.legend(fontsize=7, loc="lower left")
            ax.yaxis.set_major_locator(MaxNLocator(6, integer=True))
            ax.set_title(" ", fontsize=9)
            for artist in (state["line"], ax.title):
                artist.set_animated(True)
        state["line"].set_ydata(y)
        set_if_changed(ax, ylim=snap_limits(min(y.min(), -3), max(y.max(), 1), 10, 5))
        q = float(prof.Q[0])
        # outside [−1, 1] only: §1's "vanishing"/"exploding" mean Q ≫ 0 / Q ≪ 0, a stronger statement
        kind = ("above the safe zone: shrinking" if q > 1 else
                ("below the safe zone: growing" if q < -1 else "in the safe zone"))
        ax.title.set_text(f"this σ: Q = {q:.1f} ({kind})\n"
                          f"grey, variance 0.01, this draw: Q = {state['q_ref']:.1f} (paper: Q ≈ 0.7)")

    panel = Panel(controls, draw, ncols=2 if profile else 1, figsize=(9.0, 3.8) if profile else (4.6, 4.2),
                  extra=[snap], title="Init scale: eigenvalues of W_rec and the gradient profile")

    def on_snap(_b):
        panel.update(value=CRITICAL[panel.controls["reading"].value])

    snap.on_click(on_snap)
    return panel
