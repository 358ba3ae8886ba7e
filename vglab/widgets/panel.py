"""``Panel``: controls on top, one figure below, redrawn as PNG into an Image widget.

The figure is a ``matplotlib.figure.Figure`` (no pyplot), so a panel never leaks a second copy
of its plot into the notebook, and a redraw is exactly: the draw callback + one PNG render.
Bad combinations of slider values show a message in the panel instead of a traceback.
"""
from __future__ import annotations

import html
import io
from typing import Callable

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..train import DivergenceError


class Panel(widgets.VBox):
    """A slider panel.

    ``controls``: name -> widget (its ``value`` is passed to ``draw`` under that name).
    ``draw(fig, axes, **values)``: clears and redraws the axes (pure plotting over compute).
    ``panel.update(**values)`` sets several controls and redraws once (used by tests/benchmarks).
    Speed: the layout is solved on the first draw and then frozen (``freeze_layout=False`` to
    re-solve every time); for a fast redraw, update artists' data instead of ``ax.clear()``.
    """

    def __init__(self, controls: dict, draw: Callable, *, nrows: int = 1, ncols: int = 1,
                 figsize=(8.0, 3.4), dpi: int = 80, extra: list | None = None, title: str | None = None,
                 freeze_layout: bool = True):
        self.controls = dict(controls)
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.axes = self.fig.subplots(nrows, ncols, squeeze=False).ravel()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{figsize[0] * dpi:.0f}px"))
        self.message = widgets.HTML()
        self.dpi = dpi
        self.freeze_layout = freeze_layout
        self._draw = draw
        self._hold = False
        self.n_redraws = 0
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        rows = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        box = widgets.GridBox(list(self.controls.values()) + list(extra or []),
                              layout=widgets.Layout(grid_template_columns="repeat(2, 360px)"))
        super().__init__(rows + [box, self.message, self.image])
        self.redraw()

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def _on_change(self, _change) -> None:
        if not self._hold:
            self.redraw()

    def update(self, **values) -> None:
        """Set several controls at once, then redraw once."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this panel has {sorted(self.controls)}")
        self._hold = True
        try:
            for k, v in values.items():
                self.controls[k].value = v
        finally:
            self._hold = False
        self.redraw()

    def redraw(self) -> None:
        """Run the draw callback and render the figure to PNG (what a slider move costs)."""
        try:
            self._draw(self.fig, self.axes, **self.values())
        except (ValueError, TypeError, DivergenceError) as e:
            self.message.value = f"<span style='color:#882255'><b>Can't draw that:</b> {html.escape(str(e))}</span>"
            return
        self.message.value = ""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=self.dpi, pil_kwargs={"compress_level": 1})
        if self.n_redraws == 0 and self.freeze_layout:
            # constrained layout costs as much as the drawing itself: solve it once, then keep it
            self.fig.set_layout_engine(None)  # None, not "none": a placeholder engine would draw twice
        self.image.value = buf.getvalue()
        self.n_redraws += 1
