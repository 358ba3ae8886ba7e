"""``Panel``: controls on top, one figure below, redrawn as PNG into an Image widget.

The figure is a ``matplotlib.figure.Figure`` (no pyplot), so a panel never leaks a second copy
of its plot into the notebook, and a redraw is exactly: the draw callback + one PNG render.

Fast redraws (blitting, the classic matplotlib recipe): artists a draw callback marks with
``artist.set_animated(True)`` are the *changing* ones. A full render draws everything else once
(axes, ticks, labels, legends), keeps that background (``canvas.copy_from_bbox``), then draws the
changing artists on top. On the next move, if the callback touched only changing artists, the
background is restored and only they are drawn again (no text layout for ticks and labels). If
it touched anything else (axis limits, a legend, a new artist) matplotlib marks the figure stale
and the panel falls back to a full render by itself. ``set_if_changed`` helps callbacks keep
limits and texts untouched when their values do not change.

Bad input never ends in a traceback: an impossible combination of controls (the callback raises
``ValueError``, ``TypeError``, ``DivergenceError``, ...) shows a short message in the panel and
keeps the previous figure; a value a control cannot take (not an option, out of its range)
is reported the same way. A callback may return a string: a note shown above a new figure.
"""
from __future__ import annotations

import base64
import html
import io
import math
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from traitlets import TraitError

from .. import _args, _checked
from ..train import DivergenceError

_EXPECTED = (ValueError, TypeError, DivergenceError, ArithmeticError)


class Panel(widgets.VBox):
    """A slider panel.

    ``controls``: name -> widget (its ``value`` is passed to ``draw`` under that name).
    ``draw(fig, axes, **values)``: redraws the axes (pure plotting over compute); it may return a
    note (str) to show above the figure, and raises ``ValueError`` for an impossible combination.
    ``panel.update(**values)`` sets several controls and redraws once (used by tests/benchmarks).
    Speed: the layout is solved on the first draw and then frozen (``freeze_layout=False`` to
    re-solve every time); update artists' data instead of ``ax.clear()``, and mark the artists
    that change on every move ``set_animated(True)`` so that a move redraws only them (``blit``).
    ``png_cache=n`` keeps the last n PNGs by control values: only for a draw that is a pure
    function of the values (e.g. a panel over a precomputed grid).
    """

    blit_default = True
    """Class-wide switch (benchmarks compare blitting against full renders in one process)."""

    def __init__(self, controls: dict, draw: Callable, *, nrows: int = 1, ncols: int = 1,
                 figsize=(8.0, 3.4), dpi: int = 80, extra: list | None = None, title: str | None = None,
                 freeze_layout: bool = True, blit: bool | None = None, png_cache: int = 0):
        _checked.instance("controls", controls, dict, "a dict of name -> ipywidgets control (a slider, a dropdown)")
        if not all(isinstance(k, str) and isinstance(w, widgets.ValueWidget) for k, w in controls.items()):
            raise TypeError(f"controls must map names (str) to ipywidgets controls with a value, got {controls!r:.80}")
        if not callable(draw):
            raise TypeError(f"draw must be a function draw(fig, axes, **values), got {_args._kind(draw)}")
        nrows, ncols = _args.integer("nrows", nrows, 1, 10), _args.integer("ncols", ncols, 1, 10)
        _args.real("dpi", dpi, 10, 600)
        self.controls = dict(controls)
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.axes = self.fig.subplots(nrows, ncols, squeeze=False).ravel()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width=f"{figsize[0] * dpi:.0f}px"))
        self.message = widgets.HTML()
        self.freeze_layout = freeze_layout
        self.blit = self.blit_default if blit is None else blit
        self.n_redraws = 0
        self.n_full_renders = 0
        self._draw = draw
        self._hold = False
        self._background = None
        self._png_cache: OrderedDict = OrderedDict()
        self.png_cache_size = png_cache
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        rows = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        box = widgets.GridBox(list(self.controls.values()) + list(extra or []),
                              layout=widgets.Layout(grid_template_columns="repeat(2, 360px)"))
        super().__init__(rows + [box, self.message, self.image])
        self.redraw()

    def values(self) -> dict:
        return {k: w.value for k, w in self.controls.items()}

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a still PNG of the current figure and a one-line text in the same
        output: JupyterLab with a kernel shows the widget (the figure once); a static view (GitHub,
        nbviewer, nbconvert's HTML) shows the PNG instead of the widget's bare text."""
        data = super()._repr_mimebundle_(**kwargs)
        if isinstance(data, tuple):  # (data, metadata)
            data = data[0]
        data = dict(data or {})
        if self.image.value:
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        what = ", ".join(self.controls)
        if any("Slider" in type(w).__name__ for w in self.controls.values()):  # IntSlider, FloatLogSlider, ...
            data["text/plain"] = f"[slider panel ({what}): run the notebook to move the sliders]"
        else:  # menus, check boxes: no slider to move
            data["text/plain"] = f"[panel ({what}): run the notebook to use its controls]"
        return data

    def _on_change(self, _change) -> None:
        if not self._hold:
            self.redraw()

    def update(self, **values) -> None:
        """Set several controls at once, then redraw once.

        A value a control cannot take (not one of its options, wrong type) shows a message and
        leaves every control and the figure as they were; a value outside a slider's range is
        clamped by the slider, and the panel says so.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this panel has {sorted(self.controls)}")
        before = self.values()
        notes = []
        self._hold = True
        try:
            for k, v in values.items():
                self.controls[k].value = v
                got = self.controls[k].value
                if _differs(got, v):
                    notes.append(f"{k} = {v!r} is not on the slider (range {_range(self.controls[k])}): "
                                 f"using {_fmt(got)}")
        except TraitError:
            bad, value = k, v
            for name, old in before.items():
                self.controls[name].value = old
            allowed = getattr(self.controls[bad], "options", None)
            hint = f"; allowed: {', '.join(_option_values(allowed))}" if allowed else ""
            self._show(f"{bad} cannot be {value!r}{hint}", error=True)
            return
        finally:
            self._hold = False
        self.redraw(note="; ".join(notes))

    def _show(self, text: str, *, error: bool) -> None:
        if not text:
            self.message.value = ""
        elif error:
            self.message.value = (f"<span style='color:#882255'><b>Can't draw that:</b> {html.escape(text)}"
                                  " (the figure still shows the previous setting)</span>")
        else:
            self.message.value = f"<span style='color:#555555'>{html.escape(text)}</span>"

    def redraw(self, note: str = "") -> None:
        """Run the draw callback and render the figure to PNG (what a slider move costs)."""
        key = None
        if self.png_cache_size:
            key = tuple(sorted((k, _hashable(v)) for k, v in self.values().items()))
            if key in self._png_cache:
                png, said = self._png_cache[key]
                self._png_cache.move_to_end(key)
                self._show("; ".join(t for t in (note, said) if t), error=False)
                self.image.value = png
                self.n_redraws += 1
                return
        try:
            said = self._draw(self.fig, self.axes, **self.values())
            png = self.render()
        except _EXPECTED as e:
            self._show(str(e), error=True)
            return
        except Exception as e:  # a learner-facing widget never shows a traceback
            self._show(f"{type(e).__name__}: {e}", error=True)
            return
        said = said if isinstance(said, str) else ""
        self._show("; ".join(t for t in (note, said) if t), error=False)
        if key is not None:
            self._png_cache[key] = (png, said)
            if len(self._png_cache) > self.png_cache_size:
                self._png_cache.popitem(last=False)
        self.image.value = png
        self.n_redraws += 1

    def _animated(self) -> list:
        arts = [a for ax in self.fig.axes for a in ax.get_children() if a.get_animated()]
        arts += [a for a in self.fig.get_children() if a.get_animated()]
        return sorted(arts, key=lambda a: a.get_zorder())

    def render(self) -> bytes:
        """PNG of the figure: a full render when anything static changed, else a blit."""
        canvas, fig = self.fig.canvas, self.fig
        animated = self._animated()
        if self._background is None or fig.stale or not self.blit:
            canvas.draw()  # everything but the animated artists (Figure.draw skips those)
            self.n_full_renders += 1
            if self.freeze_layout and fig.get_layout_engine() is not None:
                # constrained layout costs as much as the drawing itself: solve it once, then keep
                # it (a callback that rebuilds its axes may switch it on again for one render)
                fig.set_layout_engine(None)  # None, not "none": a placeholder engine would draw twice
                fig.stale = False
            self._background = canvas.copy_from_bbox(fig.bbox) if animated and self.blit else None
        else:
            canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for a in animated:
            a.draw(renderer)
        # drawing an animated artist may touch its static helpers (a legend sets its frame's
        # bounds): what counts is only what the next callback changes
        for ax in fig.axes:
            ax.stale = False
        fig.stale = False
        return encode_png(canvas)


def encode_png(canvas) -> bytes:
    """The Agg canvas's pixels as PNG, fast zlib level (what ``savefig(format="png")`` writes,
    minus the metadata)."""
    _checked.instance("canvas", canvas, FigureCanvasAgg, "a matplotlib Agg canvas (fig.canvas)")
    w, h = canvas.get_width_height(physical=True)
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def set_if_changed(artist, **props) -> bool:
    """Set ``props`` (e.g. ``xlim=(0, 5)``, ``text="..."``) only where they differ from the
    artist's current ones, so an unchanged axis does not force a full render. True if any changed."""
    changed = False
    for name, value in props.items():
        current = getattr(artist, f"get_{name}")()
        if _differs(current, value):
            getattr(artist, f"set_{name}")(value)
            changed = True
    return changed


def snap_limits(lo: float, hi: float, step: float, step_hi: float | None = None) -> tuple:
    """``(lo, hi)`` widened outward to whole multiples of ``step`` (``step_hi`` for ``hi`` if given):
    axis limits that move only between blocks, so most moves keep the axis and can blit."""
    lo, hi, step = _args.real("lo", lo), _args.real("hi", hi), _args.positive_real("step", step)
    step_hi = _args.optional(_args.positive_real, "step_hi", step_hi)
    step_hi = step if step_hi is None else step_hi
    return step * math.floor(lo / step), step_hi * math.ceil(hi / step_hi)


@contextmanager
def quietly(fig):
    """Changes made inside touch only animated artists (e.g. a new legend marked animated): keep
    the figure's and the axes' stale flags as they were, so the next render can still blit."""
    before = [(a, a.stale) for a in [fig, *fig.axes]]
    try:
        yield
    finally:
        for a, was in before:
            a.stale = was


def set_quietly(artist, **props) -> None:
    """Set ``props`` on a part of an animated artist (e.g. a text of an animated legend) without
    marking the figure stale: the part is redrawn with its animated parent on every move anyway."""
    from matplotlib.artist import Artist
    _checked.instance("artist", artist, Artist, "a matplotlib Artist")
    callback, artist.stale_callback = artist.stale_callback, None
    try:
        artist.set(**props)
    finally:
        artist.stale_callback = callback


def _differs(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a != b
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return a != b
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True)


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else repr(v)


def _range(w) -> str:
    lo, hi = getattr(w, "min", None), getattr(w, "max", None)
    if lo is None or hi is None:
        return "?"
    if hasattr(w, "base"):  # a log slider's min/max are exponents
        lo, hi = w.base ** lo, w.base ** hi
    return f"{lo:.4g} to {hi:.4g}"


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def _option_values(options) -> list:
    return [str(o[1] if isinstance(o, tuple) else o) for o in options]
