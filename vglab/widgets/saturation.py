"""Notebook 03's panel: depth, activation, init, gain, residual -> per-layer gradient-norm profile,
forward std and % saturated of a fresh deep MLP, one forward+backward on a small digits batch."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..data import digits
from ..deep_mlp import INITS, critical_gain, gradient_profile
from ..plots.saturation import RELU_FAMILY
from ..plots.style import COLORS, PALETTE, color
from ..saturation import ACTIVATIONS, RULES_OF_THUMB
from .panel import Panel, set_if_changed, snap_limits


def saturation_panel(depth: int = 20, activation: str = "sigmoid", init: str = "default", gain: float = 1.0,
                     residual: bool = False, *, width: int = 64, batch: int = 32, max_depth: int = 60) -> Panel:
    """Slide depth (1..``max_depth``), gain (log scale), pick activation/init/residual; the three plots
    redraw live. "snap gain" sets the linear-regime critical gain (``deep_mlp.critical_gain``)."""
    d = digits(standardize=True)
    x, y = d.x_train[:batch], d.y_train[:batch]
    style = {"description_width": "90px"}
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=max_depth, description="depth", style=style),
        "gain": widgets.FloatLogSlider(value=gain, base=10, min=-1, max=1, step=0.01, description="init gain",
                                       readout_format=".3f", style=style),
        "activation": widgets.Dropdown(options=ACTIVATIONS, value=activation, description="activation",
                                       style=style),
        "init": widgets.Dropdown(options=INITS, value=init, description="init", style=style),
        "residual": widgets.Checkbox(value=residual, description="residual (skip) connections"),
    }
    snap = widgets.Button(description="snap gain to critical")
    state = {}

    def draw(fig, axes, depth, gain, activation, init, residual):
        p = gradient_profile(x, y, depth=depth, width=width, activation=activation, init=init, gain=gain,
                             residual=residual)
        note = _check(p, depth, gain, activation)
        layers = np.arange(1, depth + 1)
        c = COLORS["residual"] if residual else color(activation.replace("leaky_", ""), PALETTE["grey"])
        # log10 on linear axes: plain tick labels render far faster than log-axis mathtext
        relu = activation in RELU_FAMILY  # half a ReLU layer is at a <= 0 by design: show % dead instead
        series = (np.log10(np.clip(p.grad_a.numpy(), 1e-45, None)),
                  np.log10(np.clip(p.z_std.numpy(), 1e-45, None)),
                  (p.pct_dead if relu else p.pct_saturated).numpy())
        if not state:  # build the artists once; later redraws only move the data
            fig.set_layout_engine(None)  # a fixed layout: one render per redraw, not two
            for i, ax in enumerate(axes):
                ax.set_position([0.065 + i * 0.333, 0.16, 0.26, 0.72])
            for ax, ylabel in zip(axes, ("log10 ‖∂L/∂a‖", "log10 std(z)", "% saturated (ReLU family: % dead)")):
                state.setdefault("lines", []).append(ax.plot([], [], marker=".", ms=4, lw=2)[0])
                ax.set(xlabel="layer (1 = next to the input)", ylabel=ylabel)
                ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))
            axes[2].axhline(RULES_OF_THUMB["pct_saturated"]["worry"], color=PALETTE["grey"], ls=":", lw=1)
            axes[2].set_ylim(-2, 102)
            for ax, title in zip(axes, (" ", "forward: std of activations", " ")):
                ax.set_title(title, fontsize=11)
            for artist in state["lines"] + [axes[0].title, axes[2].title]:
                artist.set_animated(True)  # a move redraws these over a kept background
        for ax, line, v in zip(axes, state["lines"], series):
            line.set_data(layers, v)
            line.set_color(c)
        for ax in axes:
            set_if_changed(ax, xlim=(0.5, depth + 0.5))
        for ax, v in zip(axes[:2], series[:2]):  # whole blocks of 2 decades: the axes move less often
            set_if_changed(ax, ylim=snap_limits(v.min() - 0.5, v.max() + 0.5, 2))
        g = p.grad_a.numpy()
        axes[0].title.set_text(f"gradient: layer 1 / layer {depth} = {g[0] / g[-1]:.1e}" if g[0] > 0 else
                               "gradient: layer 1 is 0 (float32 underflow)")
        axes[2].title.set_text(f"{'dead' if relu else 'saturated'} (mean {float(series[2].mean()):.0f} %)")
        return note

    panel = Panel(controls, draw, ncols=3, figsize=(10.5, 3.0), dpi=72, extra=[snap],
                  title="Gradient flow through a deep MLP at initialisation (one digits batch)")
    snap.on_click(lambda _b: panel.update(
        gain=float(np.clip(critical_gain(panel.controls["activation"].value, panel.controls["init"].value),
                           0.1, 10.0))))
    return panel


def _check(p, depth, gain, activation) -> str:
    """Raise ValueError (the panel shows it) where float32 overflowed; a note where it underflowed."""
    z, g = p.z_std.numpy(), p.grad_a.numpy()
    for values, what in ((z, "the forward pass"), (g, "the backward pass (the gradient)")):
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"float32 overflows (inf/NaN) in {what} at layer {int(np.argmax(bad)) + 1} of {depth} "
                             f"with {activation} and gain {gain:.3g}: every layer multiplies the scale, so this "
                             "setting diverges; lower the gain or the depth")
    if (g == 0).any():
        return (f"the gradient is exactly 0 (float32 underflow) in {int((g == 0).sum())} of {depth} layers: "
                "float32 stores nothing below 1.4e-45, so those layers would not learn (the plot draws them at −45)")
    return ""
