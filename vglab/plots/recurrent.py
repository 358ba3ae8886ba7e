"""Plots for notebook 04 (BPTT and Jacobian products): ``plot_x(..., ax=None) -> Axes``.

They take numbers already computed by ``vglab.bptt`` / ``vglab.lstm`` and only draw.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .style import COLORS, PALETTE
from .style import check as _check  # the plots' one input check (issue 17)

SERIES = [PALETTE[k] for k in ("indigo", "teal", "rose", "olive", "purple", "cyan")]
"""Colours for a family of curves that has no name in ``COLORS`` (e.g. several spectral radii)."""


def _ax(ax):
    return plt.gca() if ax is None else ax


def _np(v):
    return np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=float)


def plot_gradient_vs_lag(profiles: dict, bounds: dict | None = None, *, ax=None, colors: dict | None = None,
                         ylabel: str = r"$\|\delta(k-h)\|$", title: str | None = None, legend_loc: str = "best"):
    """‖δ(k−h)‖ against h on a log axis, one solid curve per label; its bound dashed beside it.

    ``profiles``/``bounds``: label -> values for h = 0, 1, …; ``colors``: label -> colour.
    """
    _check("profiles", profiles, "dict", of="array")
    _check("bounds", bounds, "dict", of="array", optional=True)
    ax = _ax(ax)
    dashed = []
    for i, (label, prof) in enumerate(profiles.items()):
        c = (colors or {}).get(label, SERIES[i % len(SERIES)])
        p = _np(prof)
        ax.semilogy(np.arange(len(p)), p, color=c, lw=2, label=label)
        if bounds is not None and label in bounds:
            b = _np(bounds[label])
            ax.semilogy(np.arange(len(b)), b, color=c, lw=1.2, ls="--")
            dashed.append(c)
    ax.set_xlabel("h (steps back from the last step k)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    bound_legend(ax, dashed, loc=legend_loc)
    ax.grid(alpha=0.3, which="major")
    return ax


def bound_legend(ax, bound_colors, *, loc: str = "best"):
    """The axes' legend, plus one neutral entry, a grey dashed stub, "dashed, in each curve's colour:
    its bound" (each bound is drawn in its own curve's colour; one coloured swatch would match only
    one of them, so the label says the stub's grey is not the bounds' colour); returns the legend."""
    _check("ax", ax, "ax"), _check("bound_colors", bound_colors, (dict, list, tuple))
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    if len(bound_colors):
        handles.append(Line2D([], [], color=COLORS["bound"], ls="--", lw=1.2))
        labels.append("dashed, in each curve's colour: its bound" if len(bound_colors) > 1
                      else "dashed, in the curve's colour: its bound")
    return ax.legend(handles, labels, fontsize=8, loc=loc)


def plot_product_norms(norms, bound, *, ax=None, label: str = "", color=None):
    """‖J(k)…J(k−h+1)‖₂ against h (solid) and ∏ σ_max(J) (dashed), log axis."""
    _check("norms", norms, "array"), _check("bound", bound, "array")
    ax = _ax(ax)
    c = color or COLORS["plain"]
    n, b = _np(norms), _np(bound)
    h = np.arange(1, len(n) + 1)
    ax.semilogy(h, n, color=c, lw=2, label=rf"$\|\prod J\|_2$ {label}".strip())
    ax.semilogy(h, b, color=COLORS["bound"], lw=1.5, ls="--", label=r"$\prod \sigma_{max}(J)$")
    ax.set_xlabel("h (number of Jacobians)")
    ax.set_ylabel(r"$\|\prod J\|_2$ (solid), its bound (dashed)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_state_gradients(curves: dict, *, ax=None, styles: dict | None = None, title: str | None = None,
                         relative: bool = False, band: str = "fill"):
    """Per-step gradient norms against the step t = 1…T (log axis); label -> (T,) or (M, T) values.

    (M, T): M networks, drawn as their median with the min-max range shaded (``band="fill"``), or
    outlined by two thin lines in the curve's colour and line style (``band="edges"``: overlapping
    ranges stay apart), or not drawn (``band="none"``). ``relative=True``
    divides each network's curve by its value at the last step (what reaches step t per unit of
    gradient at the end). ``styles``: label -> dict of matplotlib line kwargs (colour, linestyle).
    """
    _check("curves", curves, "dict", of="array")
    if band not in ("fill", "edges", "none"):
        raise ValueError(f"band must be 'fill', 'edges' or 'none', got {band!r:.40}")
    ax = _ax(ax)
    for i, (label, v) in enumerate(curves.items()):
        kw = {"color": SERIES[i % len(SERIES)], "lw": 2} | dict((styles or {}).get(label, {}))
        v = np.atleast_2d(_np(v))
        if relative:
            v = v / v[:, -1:]
        k = np.arange(1, v.shape[-1] + 1)
        ax.semilogy(k, np.median(v, axis=0), label=label, **kw)
        if v.shape[0] > 1 and band == "fill":
            ax.fill_between(k, v.min(axis=0), v.max(axis=0), color=kw["color"], alpha=0.12, lw=0)
        elif v.shape[0] > 1 and band == "edges":
            edge = {key: val for key, val in kw.items() if key in ("color", "ls", "linestyle")}
            for bound in (v.min(axis=0), v.max(axis=0)):
                ax.semilogy(k, bound, lw=0.8, alpha=0.9, **edge)  # near-opaque: the colour stays recognisable
    ax.set_xlabel("step t")
    ax.set_ylabel("gradient norm / its value at the last step" if relative
                  else "median over nets of the mean norm")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return ax


def plot_weight_grad_norms(norms, *, ax=None, color=None, label: str | None = None):
    """‖∂E/∂W_rec(n)‖_F = ‖z(n−1)ᵀ δ(n)‖_F against the step n (paper eq. (4)), log axis."""
    _check("norms", norms, "array")
    v = _np(norms)
    if v.ndim != 1:
        raise ValueError(f"norms must be 1-D (one norm per step n), got shape {v.shape}")
    ax = _ax(ax)
    steps = np.arange(1, len(v) + 1)
    ok = v > 0
    ax.semilogy(steps[ok], v[ok], color=color or COLORS["plain"], lw=1.5, ls="-", label=label)
    ax.set_xlabel("step n")
    ax.set_ylabel(r"$\|\partial E/\partial W_{rec}(n)\|_F$")
    ax.grid(alpha=0.3)
    return ax


def state_styles(labels) -> dict:
    """Line styles for ``lstm.state_gradient_curves`` labels: SRN black, LSTM f-bias 0 orange,
    other LSTMs purple; cell state solid, hidden state dashed (thicker, so dashes read at 1 px)."""
    _check("labels", labels, (list, tuple, dict, type({}.keys())))
    [_check("labels", k, "text") for k in labels]
    styles = {}
    for label in labels:
        kw = {"color": COLORS["lstm"] if label.startswith("LSTM") else COLORS["plain"]}
        if "f-bias 0 " in label:
            kw["color"] = PALETTE["orange"]
        if "∂h" in label:
            kw["ls"] = (0, (4, 2))
        styles[label] = kw
    return styles


def few_log_ticks(ax, n: int = 6):
    """At most ``n`` major ticks and no minor ticks on a log y axis (a fast redraw in panels)."""
    _check("ax", ax, "ax")
    from matplotlib.ticker import LogLocator, NullLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=n))
    ax.yaxis.set_minor_locator(NullLocator())
    return ax


def plot_eigenvalues(eigenvalues, *, ax=None, title: str | None = None, color=None, radius: float = 1.0):
    """Eigenvalues of W_rec (complex, (K,) or (M, K)) in the complex plane, with the circle of
    ``radius`` (the unit circle by default) dotted; equal axes."""
    _check("eigenvalues", eigenvalues, (np.ndarray, list, tuple, torch.Tensor))
    try:
        ev = np.asarray(eigenvalues.detach().cpu() if hasattr(eigenvalues, "detach") else eigenvalues, complex).ravel()
    except (TypeError, ValueError) as e:
        raise TypeError(f"eigenvalues must hold numbers (complex or real), got {eigenvalues!r:.50}") from e
    if ev.size == 0 or not np.isfinite(ev).all():
        raise ValueError(f"eigenvalues must be non-empty and finite, got {ev.size} values")
    ax = _ax(ax)
    ax.scatter(ev.real, ev.imag, s=12, color=color or COLORS["plain"], alpha=0.9, lw=0, zorder=3)
    t = np.linspace(0, 2 * np.pi, 200)  # the circle thin, grey and beneath the dots: dots on it stay visible
    ax.plot(radius * np.cos(t), radius * np.sin(t), color=COLORS["bound"], lw=0.6, ls=":", zorder=2)
    ax.set_aspect("equal")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    return ax
