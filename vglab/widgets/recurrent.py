"""Notebook 04's slider panel: the backward profile ‖δ(k−h)‖ of an SRN, live in σ², h and f.

Wiring only: ``vglab.srn`` builds the network, ``vglab.bptt`` computes δ and the bound,
``vglab.plots.recurrent`` draws. Results are cached per (σ², nonlinearity); moving h only
re-draws. The weights are the same standard-normal draws scaled by √σ², so σ² is the only change.
"""
from __future__ import annotations

import math
from functools import lru_cache, partial

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.ticker import FixedLocator

from .. import _args, bptt, tasks
from ..init_scale import circle_radius
from ..plots import recurrent as rplots
from ..plots.style import COLORS
from ..plots.style import check as _check  # the plots' one input check (issue 17)
from ..runtime import cpu_threads
from ..saturation import max_derivative
from ..srn import ACTIVATIONS, SRN, sigma2_for_radius
from .panel import Panel, quietly, set_if_changed, set_quietly, snap_limits

K, T_MAX, B = 100, 101, 16


@lru_cache(maxsize=64)
def profile(sigma2: float, activation: str, seed: int = 0):
    """``(‖δ(k−h)‖, bound, ‖∂E/∂W_rec‖ per step, c)`` for h = 0 … 100, an SRN K = 100, float64;
    c = g·√E[f′(a)²] is ``bptt.step_factor``'s per-step factor (Q ≈ −h·log10 c)."""
    with cpu_threads(1):  # 16 sequences × 100 units: one thread is faster than two
        return _profile(sigma2, activation, seed)


def _profile(sigma2, activation, seed):
    g = torch.Generator().manual_seed(seed)
    model = SRN(6, K, 4, sigma2=sigma2, activation=activation, generator=g, dtype=torch.float64)
    x, y = tasks.make_batch("temporal_order", B, T_MAX, torch.Generator().manual_seed(seed + 1))
    x = x.double()
    with torch.no_grad():  # only the states z (for eq. (4)); δ comes from its own pass below
        _, _, z = model(x, return_states=True)
    delta = bptt.local_gradients(model, x, y)  # (B, T, K)
    prof = bptt.delta_profile(delta)  # (T,)
    bound = bptt.norm_bound(model, prof[0], T_MAX - 1)
    wg = bptt.weight_grad_norms(z, delta).flip(-1)  # same orientation as prof: h = 0 first
    return prof.numpy(), bound.numpy(), wg.numpy(), bptt.step_factor(model, x)["factor"]


def critical_sigma2(activation: str) -> float:
    """σ² at which spectral radius × f′(0) = 1 (the linearised model): 1/K for tanh, 16/K for the sigmoid.

    Only tanh's units sit near a = 0; the sigmoid's output, centred on ½ (σ(0) = ½), shifts every a,
    its E f′² falls far below (1/4)², and at 16/K the gradient still vanishes (the panel's c shows it)."""
    _args.choice("activation", activation, ACTIVATIONS)
    return sigma2_for_radius(1.0 / max_derivative(activation), K)


def _span(values, block: int = 10) -> tuple:
    """Log-axis limits around the positive ``values``: a decade of room each side, rounded out to
    whole blocks of ``block`` decades (the axis and its tick labels move only between blocks)."""
    v = values[values > 0]
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (1e-300, 1.0)
    lo_e, hi_e = snap_limits(math.log10(max(lo, 1e-300)) - 1, math.log10(hi) + 1, block)
    return 10.0 ** lo_e, 10.0 ** hi_e


def draw(fig, axes, *, sigma2: float, h: int, nonlinearity: str, state: dict | None = None):
    """Panel callback: left ‖δ(k−h′)‖ and its bound for h′ ≤ h; right ‖∂E/∂W_rec‖ per step back.

    Both x axes span every step back (0 … 100) and the horizon h is a dotted line, so moving h or
    σ² within a block of decades only redraws the curves (``state``: the panel's artists).
    """
    from matplotlib.figure import Figure
    _check("fig", fig, Figure), _check("axes", axes, "axes"), _args.positive_real("sigma2", sigma2)
    _args.integer("h", h, 1, T_MAX - 1), _args.choice("nonlinearity", nonlinearity, ACTIVATIONS)
    prof, bound, wg, factor = profile(round(float(sigma2), 6), nonlinearity)
    state = {} if state is None else state
    c = COLORS[nonlinearity]
    label = f"{nonlinearity}, σ² = {sigma2:.3g}"
    if not state:  # build the axes once; later moves update these artists
        for ax in axes:
            ax.clear()
        rplots.plot_gradient_vs_lag({label: prof}, {label: bound}, ax=axes[0], colors={label: c},
                                    legend_loc="lower left", ylabel=r"$\|\delta(k-h')\|$")
        rplots.plot_weight_grad_norms(wg, ax=axes[1], color=c)
        for ax in axes:  # h′ is the running lag; h is the slider's horizon (the dotted line)
            ax.set_xlabel("h′ (steps back from k)")
        axes[1].set_ylabel(r"$\|\partial E/\partial W_{rec}(k-h')\|_F$")
        axes[1].set_title(r"term of eq. (4): $\|z(k-h'-1)^\top \delta(k-h')\|_F$", fontsize=10)
        axes[0].set_title(" ", fontsize=9)
        marks = [ax.axvline(h, color=COLORS["bound"], lw=0.8, ls=":") for ax in axes]
        for ax in axes:
            rplots.few_log_ticks(ax)
            ax.set_xlim(-0.05 * (T_MAX - 1), 1.05 * (T_MAX - 1))
        state.update(nonlinearity=nonlinearity, lines=axes[0].lines[:2], wg=axes[1].lines[0], marks=marks)
        for artist in [*axes[0].lines, *axes[1].lines, axes[0].title, axes[0].get_legend()]:
            artist.set_animated(True)  # what a move changes: redrawn over a kept background
    prof_line, bound_line = state["lines"]
    if state["nonlinearity"] != nonlinearity:  # the f toggle: new colours, a new legend for them
        state["nonlinearity"] = nonlinearity
        for line in (prof_line, bound_line, state["wg"]):
            line.set_color(c)
        prof_line.set_label(label)
        with quietly(fig):  # the lines and the legend are animated: the axes stay as they are
            rplots.bound_legend(axes[0], [c], loc="lower left").set_animated(True)
    prof_line.set_data(range(h + 1), prof[: h + 1])
    bound_line.set_data(range(h + 1), bound[: h + 1])
    steps, ok = range(h + 1), wg[: h + 1] > 0  # wg[j] = ‖z(k−j−1)ᵀ δ(k−j)‖ belongs at x = j
    state["wg"].set_data(np.asarray(steps)[ok], wg[: h + 1][ok])
    for mark in state["marks"]:
        mark.set_xdata([h, h])
    set_quietly(axes[0].get_legend().get_texts()[0], text=label)
    Q = math.log10(prof[0]) - math.log10(prof[h]) if prof[h] > 0 else float("inf")
    axes[0].title.set_text(f"Q(δ, h={h}) = {Q:.2f}; c = {factor:.3f}, −h·log₁₀c = {-h * math.log10(factor):.1f}\n"
                           f"(√(σ²K) = {circle_radius(sigma2, K):.2f}; c = g·√E f′²)")
    for ax, values in ((axes[0], prof), (axes[1], wg)):  # limits from all 101 steps: moving h keeps them
        lo, hi = _span(values)
        if set_if_changed(ax, ylim=(lo, hi)):  # ticks on round decades: every 10 (or 5 on a short axis)
            e0, e1 = round(math.log10(lo)), round(math.log10(hi))
            ax.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(e0, e1 + 1, 10 if e1 - e0 > 30 else 5)))


def bptt_panel(sigma2: float = 0.01, h: int = 100, nonlinearity: str = "tanh") -> Panel:
    """σ² (log slider), horizon h and nonlinearity; a button snaps σ² to the critical value."""
    controls = {
        "sigma2": widgets.FloatLogSlider(value=sigma2, base=10, min=-3, max=-0.5, step=0.05,
                                         description="σ² (init var.)", continuous_update=False,
                                         readout_format=".4f"),
        "h": widgets.IntSlider(value=h, min=5, max=T_MAX - 1, step=1, description="horizon h",
                               continuous_update=False),
        "nonlinearity": widgets.ToggleButtons(options=["tanh", "sigmoid"], value=nonlinearity,
                                              description="f"),
    }
    snap = widgets.Button(description="snap σ² to radius·f′(0) = 1 (linearised)",
                          layout=widgets.Layout(width="330px"))
    panel = Panel(controls, partial(draw, state={}), ncols=2, figsize=(9.0, 3.4), dpi=96, extra=[snap],
                  title="Backward flow through an SRN (K = 100, T = 101, float64)")
    snap.on_click(lambda _b: panel.update(sigma2=critical_sigma2(panel.controls["nonlinearity"].value)))
    return panel
