"""Figures for notebook 02: loss surfaces, optimizer trajectories, loss curves, the cliff.

Every function takes ``ax=None`` (then it makes its own figure), draws only on ``ax`` and
returns it. Colours come from ``vglab.plots.style`` (one per optimizer, lab-wide).
"""
from __future__ import annotations

import numpy as np

from .. import surfaces
from .style import COLORS, PALETTE, color, subplots
from .style import check as _check  # the plots' one input check (issue 17)

__all__ = ["plot_surface", "plot_trajectory", "plot_trajectories", "plot_trajectory_grid",
           "plot_loss_curves", "plot_cliff", "plot_cliff_paths", "plot_clip_norms", "thrown"]


def _ax(ax, size=(4.6, 3.6)):
    if ax is None:
        _, ax = subplots(width=size[0], height=size[1])
    return ax


def _color(name):
    return VARIANT_COLORS.get(name) or color(name, COLORS["SGD"])


def plot_surface(surface, ax=None, *, n: int = 120, levels: int = 18, marks: bool = True):
    """Contour lines of ``surface`` over its window, log-spaced in L − L_min (walls show up as
    bunched lines); the start (○) and the minimum (★)."""
    _check("surface", surface, surfaces.Surface)
    ax = _ax(ax)
    X, Y, Z = surface.grid(n)
    gap = Z - surface.min_value
    lv = np.geomspace(max(np.percentile(gap, 1), 1e-3), gap.max(), levels)
    ax.contour(X, Y, gap, levels=lv, colors=COLORS["bound"], linewidths=0.6, alpha=0.7)
    if marks:
        ax.plot(*surface.start, "o", ms=6, mfc="white", mec="black", zorder=5)
        ax.plot(*surface.minimum, "*", ms=11, color=COLORS["paper"], mec="black", mew=0.5, zorder=5)
    (x0, x1), (y0, y1) = surface.window
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="$w_1$", ylabel="$w_2$", title=surface.name)
    return ax


def _label(tr, label):
    label = label or tr.name
    return label + (f" (diverged, step {tr.diverged_at})" if tr.diverged_at else "")


def plot_trajectory(tr, ax=None, *, label=None, color_=None, lw: float = 1.4, marker: bool = True,
                    ls="-", zorder=None):
    """One path ``tr.path`` (a ``surfaces.Trajectory``); a diverged run ends in ✕."""
    _check("tr", tr, surfaces.Trajectory)
    ax = _ax(ax)
    c = color_ or _color(tr.name)
    ax.plot(tr.path[:, 0], tr.path[:, 1], ls=ls, color=c, lw=lw, label=_label(tr, label), zorder=zorder)
    if marker:
        ax.plot(*tr.path[-1], "X" if tr.diverged_at else "o", color=c, ms=6 if tr.diverged_at else 3.5)
    return ax


def plot_trajectories(surface, trajs, ax=None, *, legend: bool = True):
    """All ``trajs`` over the contour of ``surface`` (the classic side-by-side picture)."""
    _check("surface", surface, surfaces.Surface), _check("trajs", trajs, "list", of=surfaces.Trajectory)
    ax = plot_surface(surface, ax)
    for tr in trajs:
        plot_trajectory(tr, ax)
    if legend:
        ax.legend(fontsize=7, loc="best", framealpha=0.8)
    return ax


def plot_trajectory_grid(surface, trajs, axes):
    """One small panel per trajectory, same contour, titled with the optimizer and its final L − L*;
    ``axes`` an array with at least ``len(trajs)`` Axes. Returns ``axes``."""
    _check("surface", surface, surfaces.Surface), _check("trajs", trajs, "list", of=surfaces.Trajectory)
    _check("axes", axes, "axes")
    axes = np.asarray(axes).ravel()
    for ax, tr in zip(axes, trajs):
        plot_surface(surface, ax, n=80, levels=14)
        plot_trajectory(tr, ax)
        gap = tr.loss[-1] - surface.min_value
        end = f"diverged at {tr.diverged_at}" if tr.diverged_at else f"L−L* = {gap:.1e}"
        ax.set_title(f"{tr.name}: {end}", fontsize=9)  # black text: light path colours read badly as text
        ax.label_outer()  # with shared axes, tick and axis labels (w₁, w₂) only on the outer panels
    for ax in axes[len(trajs):]:
        ax.set_visible(False)
    return axes


# optimizers whose colours are close to another's get their own dash (Momentum/NAG, Adam/Nadam, AdaDelta,
# SGD/Adam: black and dark indigo); a curve named "<optimizer> (<variant>)" is looked up by its full name first
LINESTYLES = {"NAG": "--", "AdaDelta": "-.", "Adam": ":", "Nadam": "--", "AdaDelta (ε inside)": (0, (4, 1, 1, 1, 1, 1))}
# a variant drawn next to its optimizer gets a palette colour no optimizer uses, not a shade of the same one
VARIANT_COLORS = {"AdaDelta (ε inside)": PALETTE["orange"]}
FLOOR = 1e-12  # log-scale loss curves draw L − L* below this (an exact 0 included) at this value


def plot_loss_curves(curves, ax=None, *, min_value: float = 0.0, log: bool = True,
                     xlabel: str = "step", ylabel: str | None = None, legend: bool = True):
    """Loss against step. ``curves``: Trajectories, or a dict name -> sequence of losses.
    With ``log=True`` the y-axis is L − ``min_value`` on a log scale, floored at ``FLOOR`` (a note
    says so when a curve reaches it). ``legend=False`` leaves the legend to the caller (e.g. one
    ``fig.legend`` for a row of panels)."""
    _check("curves", curves, "dict", of="array") if isinstance(curves, dict) else \
        _check("curves", curves, "list", of=surfaces.Trajectory)
    ax = _ax(ax, (4.6, 3.2))
    items = curves.items() if isinstance(curves, dict) else [(_label(t, None), t.loss) for t in curves]
    floored = False
    for name, loss in items:
        y = np.asarray(loss, dtype=float) - min_value
        if log:
            floored |= bool((y < FLOOR).any())
        key = name.split(" ")[0]
        ax.plot(np.arange(len(y)), np.maximum(y, FLOOR) if log else y, color=VARIANT_COLORS.get(name) or _color(key),
                ls=LINESTYLES.get(name, LINESTYLES.get(key, "-")), lw=1.4, label=name)
    if log:
        ax.set_yscale("log")
    if floored:
        ax.text(0.03, 0.03, f"below {FLOOR:.0e} (or 0):\ndrawn at {FLOOR:.0e}", transform=ax.transAxes,
                ha="left", va="bottom", fontsize=7, color=COLORS["bound"])
    ax.set(xlabel=xlabel, ylabel=ylabel or ("$L - L^*$" if log else "loss"))
    if legend:
        ax.legend(fontsize=8, loc="best", framealpha=0.8)
    return ax


def plot_cliff(surface, plain, clipped, threshold: float, ax=None):
    """The cliff (Pascanu et al. 2013, Fig. 6): plain SGD against SGD clipped at θ = ``threshold``.
    If plain SGD was thrown out of the window, an arrow points to where it landed."""
    _check("surface", surface, surfaces.Surface), _check("threshold", threshold, "number")
    _check("plain", plain, surfaces.Trajectory), _check("clipped", clipped, surfaces.Trajectory)
    ax = plot_surface(surface, ax)
    plot_cliff_paths(surface, plain, clipped, threshold, ax)
    ax.set_title("the cliff: a gentle slope, then a wall")
    return ax


def plot_cliff_paths(surface, plain, clipped, threshold: float, ax):
    """The two paths of ``plot_cliff`` without the contour (panels keep the contour). The two runs share
    their first steps, so plain SGD is drawn dashed on top of the clipped one (read 02r5, F1)."""
    _check("surface", surface, surfaces.Surface), _check("threshold", threshold, "number")
    _check("plain", plain, surfaces.Trajectory), _check("clipped", clipped, surfaces.Trajectory)
    _check("ax", ax, "ax")
    plot_trajectory(clipped, ax, label=f"SGD clipped, θ = {threshold:.3g}", color_=COLORS["clipped"], lw=2.2)
    plot_trajectory(plain, ax, label="plain SGD (dashed, on top)", color_=COLORS["SGD"], ls=(0, (3, 2)), lw=1.2, zorder=4)
    for tr, c in ((plain, COLORS["SGD"]), (clipped, COLORS["clipped"])):
        out = thrown(surface, tr)
        if out is not None:
            k, far, xa = out
            ax.annotate(f"thrown to ({far[0]:.1f}, {far[1]:.1f})\nat step {k}", xy=xa, xytext=(0.3, 0.12),
                        textcoords="axes fraction", fontsize=8, color=c,
                        arrowprops=dict(arrowstyle="->", color=c))
    ax.legend(fontsize=7, loc="upper right", framealpha=0.8)
    return ax


def thrown(surface, tr):
    """``(step, landing point, that point clipped to the window)`` of the first point of ``tr.path``
    outside ``surface.window``, or None if the path stays inside."""
    k = surfaces.leaves_window(surface, tr)
    if k is None:
        return None
    (x0, x1), (y0, y1) = surface.window
    return k, tr.path[k], np.clip(tr.path[k], [x0, y0], [x1, y1])


def plot_clip_norms(clipped, threshold: float, ax=None, *, plain=None):
    """‖g‖ per step before clipping (thin) and after (thick), the threshold θ (orange dashes, drawn on top:
    where every step is clipped the thick line lies on θ); optionally the unclipped run's ‖g‖."""
    _check("clipped", clipped, surfaces.Trajectory), _check("threshold", threshold, "number")
    _check("plain", plain, surfaces.Trajectory, optional=True)
    ax = _ax(ax, (4.6, 3.2))
    k = np.arange(1, len(clipped.grad_norm) + 1)
    if plain is not None:
        ax.plot(np.arange(1, len(plain.grad_norm) + 1), plain.grad_norm, color=COLORS["SGD"], lw=1.0,
                alpha=0.6, label="plain SGD: ‖g‖")
    ax.plot(k, clipped.grad_norm, color=COLORS["clipped"], lw=0.8, ls=":", label="clipped run: ‖g‖ before")
    ax.plot(k, clipped.clipped_norm, color=COLORS["clipped"], lw=1.8, label="clipped run: ‖g‖ after")
    # θ in orange, dashed, on top of the thick green line: where a step is clipped the two coincide,
    # and the green shows between the orange dashes (read 02r4, F1)
    ax.axhline(threshold, color=PALETTE["orange"], ls=(0, (4, 3)), lw=1.3, zorder=5, label=f"θ = {threshold:.3g}")
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="gradient norm", title="norm before and after clipping")
    # below the axes: inside, every corner covers a curve ("best" hid the thrown-back run, read 02r5, F2)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return ax
