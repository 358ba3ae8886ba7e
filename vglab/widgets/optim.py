"""Slider panels for notebook 02 (optimizers on 2-D surfaces; the cliff and clipping).

Thin wiring: the maths is ``vglab.surfaces.trajectory`` (the real ``vglab.optim`` classes on
closed-form gradients), the drawing ``vglab.plots.optim``. To redraw fast, the contour is drawn
once per surface and a slider move only updates the trajectory lines; runs are cached per
optimizer by the hyper-parameters it actually uses, so moving γ re-runs only the four
optimizers that have a γ.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
from matplotlib.ticker import NullLocator
import numpy as np
import torch

from .. import optim, surfaces
from ..plots import optim as plots
from ..plots.style import COLORS
from .panel import Panel, set_if_changed, set_quietly, snap_limits

__all__ = ["optimizer_panel", "cliff_panel"]

_LOG = dict(base=10, continuous_update=True, readout_format=".2g", style={"description_width": "70px"})
_STYLE = dict(style={"description_width": "70px"})


class _Runs:
    """A small cache of trajectories; a shorter run is the prefix of a cached longer one."""

    def __init__(self, size: int = 256):
        self.size, self.store = size, {}

    def get(self, surface, name, steps, noise, hp):
        used = optim.hyper_names(name)
        key = (surface.name, name, float(noise), tuple(sorted((k, v) for k, v in hp.items() if k in used)))
        for (k, n), tr in self.store.items():
            if k == key and n >= steps:
                return _prefix(tr, steps)
        gen = torch.Generator().manual_seed(0) if noise else None
        tr = surfaces.trajectory(surface, name, steps=steps, noise=noise, generator=gen, on_diverge="stop",
                                 **{k: v for k, v in hp.items() if k in used})
        if len(self.store) >= self.size:
            self.store.pop(next(iter(self.store)))
        self.store[(key, steps)] = tr
        return tr


def _prefix(tr, steps):
    if len(tr.path) <= steps + 1:
        return tr
    return surfaces.Trajectory(tr.name, tr.path[:steps + 1], tr.loss[:steps + 1], tr.grad_norm[:steps],
                               tr.clipped_norm[:steps], None)


def _decades(lo: float, hi: float) -> tuple:
    """(lo, hi) widened to whole powers of ten (a log axis that moves only between decades)."""
    lo_e, hi_e = snap_limits(math.log10(lo), math.log10(max(hi, lo * 10)), 1)
    return 10.0 ** lo_e, 10.0 ** hi_e


def _line_sets(ax, ax_loss, names):
    """One path line, end marker and loss line per optimizer, drawn empty (data set per redraw)."""
    ax_loss.clear()
    ax_loss.set_yscale("log")
    ax_loss.yaxis.set_minor_locator(NullLocator())  # fewer ticks to render on every redraw
    ax_loss.set(xlabel="step", ylabel="$L - L^*$", title="loss against step (legend: left)")
    ls = {n: plots.LINESTYLES.get(n, "-") for n in names}  # the grids' dashes: close colours differ in dash too
    return dict(path={n: ax.plot([], [], ls=ls[n], color=COLORS[n], lw=1.5, label=n)[0] for n in names},
                end={n: ax.plot([], [], "o", color=COLORS[n], ms=4)[0] for n in names},
                loss={n: ax_loss.plot([], [], ls=ls[n], color=COLORS[n], lw=1.4)[0] for n in names})


def optimizer_panel(surface: str = "quadratic", optimizer: str = "all", *, lr: float | None = None) -> Panel:
    """Optimizer (or all eight), surface, log-scale η, γ, α, gradient noise, steps.

    Left: the trajectories on the surface's contour; right: L − L* against the step. In "all"
    mode one η drives all eight (they do not all want the same η: that is part of the lesson);
    the "tuned η" button snaps η to a value that works for the chosen optimizer on this surface.
    """
    names = list(optim.OPTIMIZERS)
    s0 = surfaces.get(surface)
    lr0 = lr if lr is not None else (s0.hp[optimizer]["lr"] if optimizer in names else 0.05)
    controls = {
        "optimizer": widgets.Dropdown(options=["all"] + names, value=optimizer, description="optimizer", **_STYLE),
        "surface": widgets.Dropdown(options=list(surfaces.SURFACES), value=s0.name, description="surface", **_STYLE),
        "lr": widgets.FloatLogSlider(value=lr0, min=-4, max=0.5, step=0.05, description="η (lr)", **_LOG),
        "gamma": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="γ", **_STYLE),
        "alpha": widgets.FloatSlider(value=0.99, min=0.5, max=0.999, step=0.001, readout_format=".3f",
                                     description="α", **_STYLE),
        "noise": widgets.FloatSlider(value=0.0, min=0.0, max=3.0, step=0.1, description="grad noise", **_STYLE),
        "steps": widgets.IntSlider(value=s0.steps, min=10, max=500, step=10, description="steps", **_STYLE),
    }
    tuned = widgets.Button(description="tuned η", tooltip="snap η to a value that works for this optimizer here")
    runs, state = _Runs(), {}

    def draw(fig, axes, optimizer, surface, lr, gamma, alpha, noise, steps):
        s = surfaces.get(surface)
        ax, ax_loss = axes
        if state.get("surface") != s.name:  # the contour once per surface; then only lines move
            ax.clear()
            plots.plot_surface(s, ax)
            state.update(surface=s.name, shown=None, **_line_sets(ax, ax_loss, names))
            ax.set_title(" ", fontsize=9)
            for artist in [ax.title, *ax.lines, *state["loss"].values()]:  # ax.lines: paths, ends, ○ and ★
                artist.set_animated(True)  # what a move changes: redrawn over a kept background
        shown = names if optimizer == "all" else [optimizer]
        hp = dict(lr=lr, gamma=gamma, alpha=alpha)
        trajs = {n: runs.get(s, n, steps, noise, hp) for n in shown}
        for n in names:
            tr = trajs.get(n)
            path = tr.path if tr is not None else np.empty((0, 2))
            state["path"][n].set_data(path[:, 0], path[:, 1])
            state["end"][n].set_data(path[-1:, 0], path[-1:, 1])
            state["end"][n].set_marker("X" if tr is not None and tr.diverged_at else "o")
            gap = np.maximum(tr.loss - s.min_value, 1e-12) if tr is not None else []
            state["loss"][n].set_data(np.arange(len(gap)), gap)
            state["path"][n].set_label(plots._label(tr, None) if tr is not None else n)
        if state["shown"] != shown:  # a new legend only when the set of optimizers changes
            state["shown"] = shown
            ax.legend(handles=[state["path"][n] for n in shown], fontsize=7, loc="best",
                      framealpha=0.8).set_animated(True)
        for text, n in zip(ax.get_legend().get_texts(), shown):
            set_quietly(text, text=state["path"][n].get_label())  # "(diverged, step k)" comes and goes
        ax.title.set_text(f"{s.name}: η = {lr:.2g}, γ = {gamma:g}, α = {alpha:g}")
        # a fixed loss axis per surface (from 1e-12 to above the start): it stays put while η, γ, α move
        top = max(3 * (s.value(*s.start, math) - s.min_value), 1e-6)
        set_if_changed(ax_loss, ylim=_decades(1e-12, top), xlim=(0, steps))
        return _optimizer_notes(state, trajs, optimizer, dict(gamma=gamma, alpha=alpha), lr)

    panel = Panel(controls, draw, nrows=1, ncols=2, figsize=(9.0, 3.8), dpi=90, extra=[tuned],
                  title="Optimizers on a 2-D loss surface")

    def snap(_button):
        s, o = surfaces.get(panel.controls["surface"].value), panel.controls["optimizer"].value
        lrs = [s.hp[n]["lr"] for n in names if n != "AdaDelta"]
        panel.update(lr=s.hp[o]["lr"] if o in names else float(np.exp(np.mean(np.log(lrs)))))

    tuned.on_click(snap)
    panel.snap_tuned = snap
    return panel


_SYMBOLS = {"gamma": "γ", "alpha": "α", "lr": "η", "eps": "ε", "clip_norm": "θ"}


def _optimizer_notes(state, trajs, optimizer, hp, lr) -> str:
    """What the learner should know about this move: a γ or α the chosen optimizer does not use,
    runs that diverged (the figure marks them ✕; this says why)."""
    notes = []
    before, state["hp"] = state.get("hp"), hp
    if optimizer != "all" and before is not None:
        used = optim.hyper_names(optimizer)
        moved = [k for k in hp if hp[k] != before[k] and k not in used]
        if moved:
            notes.append(f"{', '.join(_SYMBOLS[k] for k in moved)} has no effect on {optimizer} (it uses "
                         f"{', '.join(_SYMBOLS[k] for k in used if k in ('lr', 'gamma', 'alpha'))})")
    diverged = [f"{n} (step {t.diverged_at})" for n, t in trajs.items() if t.diverged_at]
    if diverged:
        notes.append(f"diverged at η = {lr:.2g}: {', '.join(diverged)}; a smaller η keeps them on the surface")
    return "; ".join(notes)


THETA_RANGE = (0.1, 10**2.5)
"""The clipping threshold slider's range."""


def cliff_panel(threshold: float = 1.0, lr: float = 0.1, steps: int = 100) -> Panel:
    """Plain SGD against SGD with the lecture's clipping at θ on the cliff surface.

    Left: both paths (plain SGD is thrown off the wall); right: ‖g‖ before and after clipping
    with the threshold θ. Drag θ up until the clipped run is thrown off too.
    """
    s = surfaces.get("cliff")
    controls = {
        "threshold": widgets.FloatLogSlider(value=threshold, min=math.log10(THETA_RANGE[0]),
                                            max=math.log10(THETA_RANGE[1]), step=0.05, description="θ (clip)", **_LOG),
        "lr": widgets.FloatLogSlider(value=lr, min=-3, max=0, step=0.05, description="η (lr)", **_LOG),
        "steps": widgets.IntSlider(value=steps, min=10, max=300, step=10, description="steps", **_STYLE),
    }
    runs, state = _Runs(), {}

    def draw(fig, axes, threshold, lr, steps):
        if not math.isfinite(threshold) or threshold <= 0:
            raise ValueError(f"θ must be a positive number, got {threshold}")
        plain = runs.get(s, "SGD", steps, 0.0, dict(lr=lr))
        clipped = runs.get(s, "SGD", steps, 0.0, dict(lr=lr, clip_norm=threshold))
        ax, ax_n = axes
        if not state:  # contour, axes and legends once; a move updates these artists in place
            plots.plot_surface(s, ax)
            ax.set_title("the cliff: a gentle slope, then a wall")
            plots.plot_clip_norms(clipped, threshold, ax_n, plain=plain)
            ax_n.legend(fontsize=7, loc="lower right", framealpha=0.8)
            n_marks = len(ax.lines)
            plots.plot_cliff_paths(s, plain, clipped, threshold, ax)
            for t in list(ax.texts):  # two persistent "thrown to" notes instead
                t.remove()
            notes = [ax.annotate("", xy=(0, 0), xytext=(0.3, 0.12), textcoords="axes fraction", fontsize=8,
                                 color=c, arrowprops=dict(arrowstyle="->", color=c))
                     for c in (COLORS["SGD"], COLORS["clipped"])]
            state.update(paths=ax.lines[n_marks:], notes=notes, norms=ax_n.lines)
            for artist in [*ax.lines, *notes, ax.get_legend(), *ax_n.lines, ax_n.get_legend()]:
                artist.set_animated(True)  # what a move changes: redrawn over a kept background
        # plot_cliff_paths draws the clipped run first, then plain SGD (dashed, on top): keep that order,
        # so each run keeps the colour and dash of §4's figure (read 02r6, F1)
        c_path, c_end, p_path, p_end = state["paths"]
        for (path, end, note), tr in zip(((p_path, p_end, state["notes"][0]), (c_path, c_end, state["notes"][1])),
                                         (plain, clipped)):
            path.set_data(tr.path[:, 0], tr.path[:, 1])
            end.set_data(tr.path[-1:, 0], tr.path[-1:, 1])
            end.set_marker("X" if tr.diverged_at else "o")
            end.set_markersize(6 if tr.diverged_at else 3.5)
            out = plots.thrown(s, tr)
            note.set_visible(out is not None)
            note.set_text("" if out is None else f"thrown to ({out[1][0]:.1f}, {out[1][1]:.1f})\nat step {out[0]}")
            if out is not None:
                note.xy = out[2]
        for text, label in zip(ax.get_legend().get_texts(),
                               (plots._label(clipped, f"SGD clipped, θ = {threshold:.3g}"),
                                plots._label(plain, "plain SGD (dashed, on top)"))):
            set_quietly(text, text=label)
        p_line, before, after, theta = state["norms"]
        p_line.set_data(range(1, len(plain.grad_norm) + 1), plain.grad_norm)
        before.set_data(range(1, len(clipped.grad_norm) + 1), clipped.grad_norm)
        after.set_data(range(1, len(clipped.clipped_norm) + 1), clipped.clipped_norm)
        theta.set_ydata([threshold, threshold])
        set_quietly(ax_n.get_legend().get_texts()[-1], text=f"θ = {threshold:.3g}")
        # the norm axis spans the θ slider's range and the runs' norms, in whole decades
        lo = 0.3 * min(THETA_RANGE[0], clipped.clipped_norm.min(), plain.grad_norm.min())
        hi = 3 * max(THETA_RANGE[1], plain.grad_norm.max(), clipped.grad_norm.max())
        set_if_changed(ax_n, xlim=(0, steps + 1), ylim=_decades(lo, hi))
        if clipped.grad_norm.max() <= threshold:
            return (f"θ = {threshold:.3g} is above every gradient norm of this run: clipping never acts, "
                    "so the clipped run is plain SGD")
        return ""

    panel = Panel(controls, draw, nrows=1, ncols=2, figsize=(9.0, 3.6), dpi=72,
                  title="The cliff: plain SGD against clipped SGD")
    return panel
