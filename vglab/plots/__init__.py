"""Plot functions: ``plot_x(..., ax=None) -> Axes``. They draw on ``ax`` and return it.

They never train, never call ``plt.show()`` and never touch rcParams. One module per topic;
colours come from ``vglab.plots.style`` so every optimizer and method has one colour everywhere.
"""
from .style import COLORS, PALETTE, color

__all__ = ["COLORS", "PALETTE", "color"]
