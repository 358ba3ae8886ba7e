"""Figures for notebook 00: the gradient after k layers, one factor per layer; sigmoid and σ′."""
from __future__ import annotations

import numpy as np

from .style import PALETTE
from .style import check as _check  # the plots' one input check (issue 17)


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def plot_chain_gain(gains: dict, ax=None, *, ylim=(1e-12, 1e12), styles=None):
    """``gains``: label -> array of ‖gradient‖ after 0..n layers (from ``vglab.intro.chain_gain``).

    A curve that leaves the window (``ylim``) runs off the edge of the plot; it is not clipped.
    ``styles``: optional label -> dict of line properties (e.g. ``{"ls": "--"}``).
    """
    _check("gains", gains, "dict", of="array")
    ax = _ax(ax)
    colors = [PALETTE[c] for c in ("rose", "black", "indigo", "teal", "wine")]
    for (label, g), c in zip(gains.items(), colors):
        kw = dict(color=c, lw=2) | (styles or {}).get(label, {})
        ax.semilogy(np.arange(len(g)), g, label=label, **kw)
    ax.axhline(1.0, color=PALETTE["grey"], lw=0.8, ls=":")
    ax.set_ylim(*ylim)
    ax.set_xlabel("layers (or time steps) back")
    ax.set_ylabel("‖gradient‖ relative to the top")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return ax


def plot_sigmoid(ax=None):
    """σ(a) and σ′(a) = σ(1 − σ), whose largest value is σ′(0) = 1/4."""
    import torch

    ax = _ax(ax)
    a = torch.linspace(-8, 8, 321, dtype=torch.float64)
    s = torch.sigmoid(a)
    # black and grey, not the palette's colours: the panel beside it uses those for the gains
    ax.plot(a, s, color=PALETTE["black"], lw=2, label="σ(a)")
    ax.plot(a, s * (1 - s), color=PALETTE["grey"], lw=2, ls="--", label="σ′(a) = σ(1 − σ)")
    ax.axhline(0.25, color=PALETTE["grey"], lw=0.8, ls=":")
    ax.annotate("max σ′ = σ′(0) = 1/4", (0, 0.25), xytext=(1.2, 0.33), fontsize=8,
                arrowprops=dict(arrowstyle="-", color=PALETTE["grey"]))
    ax.set_xlabel("pre-activation a")
    ax.set_ylabel("σ(a) and σ′(a)")
    ax.set_title("the sigmoid and its slope", fontsize=9)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def plot_stack_gradients(runs: dict, ax=None):
    """``runs``: label -> result of ``vglab.intro.stack_gradients``. Thin lines: ‖δ‖ per layer of each
    network, relative to the top, drawn on top; a dotted line at 1 (the size at the top); wide pale line underneath: c**k with c from eq. (sat-rate),
    the networks' mean (where prediction and measurement agree, the thin lines run inside the pale band)."""
    _check("runs", runs, "dict", of="dict")
    [_check(f"runs[{k!r}]", r, "dict", keys=("norms", "predicted")) for k, r in runs.items()]
    ax = _ax(ax)
    colors = [PALETTE[c] for c in ("indigo", "rose", "teal", "wine", "black")]
    for (label, r), c in zip(runs.items(), colors):
        rel = r["norms"] / r["norms"][:, :1]
        k = np.arange(rel.shape[1])
        ax.semilogy(k, r["predicted"].mean() ** k, color=c, lw=6, alpha=0.25, solid_capstyle="butt", zorder=1,
                    label=f"{label}: $c^k$, c = g·√E[σ′²] (pale)")
        for i, row in enumerate(rel):
            ax.semilogy(k, row, color=c, lw=0.8, zorder=3, label=f"{label}: measured" if i == 0 else None)
    ax.axhline(1.0, color=PALETTE["grey"], lw=0.8, ls=":", zorder=2)  # the size at the top: above it explodes
    ax.annotate("1 (the top)", (1.0, 1.0), xycoords=ax.get_yaxis_transform(), xytext=(3, 0),
                textcoords="offset points", va="center", fontsize=7, color=PALETTE["grey"])
    ax.set_xlabel("backward steps from the top pre-activation")
    ax.set_ylabel("‖gradient‖ = ‖δ‖ relative to the top (step 0)")
    ax.set_title("random sigmoid stacks, backprop by hand", fontsize=9)
    ax.legend(loc="lower left", fontsize=7, frameon=False)
    return ax
