"""Figure for notebook 00: the gradient after k layers, one factor per layer."""
from __future__ import annotations

import numpy as np

from .style import PALETTE


def plot_chain_gain(gains: dict, ax=None, *, ylim=(1e-12, 1e12)):
    """``gains``: label -> array of |gradient| after 0..n layers (from ``vglab.intro.chain_gain``)."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    colors = [PALETTE[c] for c in ("rose", "black", "indigo", "teal", "wine")]
    for (label, g), c in zip(gains.items(), colors):
        ax.semilogy(np.arange(len(g)), np.clip(g, *ylim), color=c, lw=2, label=label)
    ax.axhline(1.0, color=PALETTE["grey"], lw=0.8, ls=":")
    ax.set_ylim(*ylim)
    ax.set_xlabel("layers (or time steps) back")
    ax.set_ylabel("|gradient| relative to the top")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return ax
