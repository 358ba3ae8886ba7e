"""Figures for notebook 08 (which fix when): scores and gradient flow of every remedy from
``vglab.capstone`` rows, and the wall poster that puts both testbeds on one
page. Plot functions take ``ax=None`` and return the Axes; nothing here trains."""
from __future__ import annotations

import math

import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np

from ..results import rows as _rows
from .style import PALETTE

_KEYS = ("testbed", "remedy", "colour", "score", "chance")  # what a capstone row holds for every figure

BAND = PALETTE["green"]  # the healthy band: within 10× (MLP), Q in [−1, 1] (SRN)
# One colour per training regime, none shared between the two testbeds, and black for each regime's
# baseline: a colour never suggests kinship between unrelated rows (the labels name every row).
REGIME_COLOURS = {"mlp": (PALETTE["teal"],), "srn": (PALETTE["indigo"], PALETTE["orange"], PALETTE["olive"])}
BASELINE_COLOUR = PALETTE["black"]


def _groups(rows) -> list[int]:
    """Each row's regime group: a new group starts at every baseline row (``baseline`` None) after the first."""
    out, g = [], -1
    for r in rows:
        if r.get("baseline") is None or g < 0:
            g += 1
        out.append(g)
    return out


def row_colours(rows) -> list[str]:
    """The bar colour of each row: black for a regime's baseline, else its regime's colour (``REGIME_COLOURS``;
    the MLP testbed and the SRN testbeds use different colours)."""
    rows = _rows("rows", rows, ("remedy",), what="capstone rows")
    mlp = bool(rows) and str(rows[0].get("flow_name", "")).startswith("grad ratio")
    pal = REGIME_COLOURS["mlp" if mlp else "srn"]
    return [BASELINE_COLOUR if r.get("baseline") is None else pal[g % len(pal)] for r, g in zip(rows, _groups(rows))]


def _y(rows) -> np.ndarray:
    """Bar positions, top row highest; where a panel holds more than one regime, one empty slot above
    each regime's rows for its name (``_regime_dividers``)."""
    groups = _groups(rows)
    gap = len(set(groups)) > 1
    pos, cur, seen = [], 0.0, set()
    for g in groups:
        if gap and g not in seen:
            cur -= 1.0
            seen.add(g)
        pos.append(cur)
        cur -= 1.0
    return np.asarray(pos) - min(pos, default=0.0)


def _regime_dividers(ax, rows, y) -> None:
    """Where a panel holds more than one training regime: a line above each and its name, in the empty slot."""
    groups = _groups(rows)
    if len(set(groups)) < 2:
        return
    tr = ax.get_yaxis_transform()  # x in axes coordinates, y in data
    for g in sorted(set(groups)):
        slot = max(yi for yi, gi in zip(y, groups) if gi == g) + 1.0
        if g:
            ax.axhline(slot + 0.5, color=PALETTE["grey"], lw=1)
        first = rows[groups.index(g)]
        name = ", ".join(part.strip() for part in str(first.get("regime", "")).split(",")[:2])
        # on a white box, so the chance line does not run through the name (read 08r18 F8)
        ax.text(0.01, slot, f"regime: {name}", transform=tr, ha="left", va="center", fontsize=7,
                style="italic", color=PALETTE["grey"], zorder=2.5,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
    ax.set_ylim(min(y) - 0.6, max(y) + 1.6)


def _flow_value(row, key) -> float:
    """Gradient flow on one scale: log10(layer-1 / last) for the MLP, −Q for the SRN (both: < 0 vanishing)."""
    v = row[key]
    if v is None or not math.isfinite(v):
        return math.nan
    return math.log10(max(v, 1e-300)) if row["flow_name"].startswith("grad ratio") else -v


def verdict_label(verdict: str) -> str:
    """The poster's short verdict: its first word(s), keeping the "(ranges overlap)" caveat as "(overlap)"."""
    if not isinstance(verdict, str):
        raise TypeError(f"verdict must be a str (a row's verdict), got {type(verdict).__name__}")
    return verdict.split(":")[0] + (" (overlap)" if "ranges overlap" in verdict else "")


def plot_scores(rows, *, saved=None, ax=None, title=None):
    """Horizontal bars: mean test accuracy per remedy, the black line (white-outlined) its min–max over the row's networks
    or seeds; dashed = chance. ``saved``: rows of a saved run on the same remedies, their means as open
    diamonds."""
    rows, saved = _rows("rows", rows, _KEYS, what="capstone rows"), _rows("saved", saved, ("remedy",), optional=True)
    ax = ax or plt.gca()
    y = _y(rows)
    named = {r["remedy"]: r for r in rows}
    for yi, r, c in zip(y, rows, row_colours(rows)):
        ax.barh(yi, 100 * r["score"], color=c, alpha=0.85, height=0.7)
        lo = r.get("score_min", r["score"])
        # a white outline keeps the black line readable on the black baseline bars (read 08r18 F7)
        ax.plot([100 * lo, 100 * r["score_best"]], [yi, yi], "-|", color="black", ms=7, lw=1,
                path_effects=[pe.withStroke(linewidth=3, foreground="white")])
        base = named.get(r.get("baseline"))  # a baseline that is not the black regime baseline is named
        other = f"\nvs {r['baseline'].split(' (')[0]}" if base is not None and base.get("baseline") else ""
        ax.text(103, yi, verdict_label(r["verdict"]) + other, va="center", fontsize=7 if not other else 6)
    if saved:
        by = {s["remedy"]: s for s in saved}
        # just above the bar's edge, so a diamond is not lost on the bar end or the whisker's cap; hollow,
        # so the chance line and a whisker's end stay visible through it (read 08r17 F2)
        pts = [(100 * by[r["remedy"]]["score"], yi + 0.45) for yi, r in zip(y, rows) if r["remedy"] in by]
        if pts:
            ax.plot(*zip(*pts), "D", mfc="none", mec="black", ms=5, zorder=4,
                    label=f"saved {saved[0]['testbed']}, mean of {saved[0].get('n', '?')} (just above the bar)")
            # in the panel's top slot, not under its x-axis, where it read as the next panel's (read 08r17 F1)
            ax.legend(loc="upper right", fontsize=7, borderaxespad=0.2)
    ax.axvline(100 * rows[0]["chance"], color=PALETTE["grey"], ls="--", lw=1)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    ax.set_xlim(0, 130)
    ax.set_xticks([0, 25, 50, 75, 100])
    _regime_dividers(ax, rows, y)
    ax.set_xlabel(f"test accuracy % (bar: mean of {rows[0].get('n', '?')}, line: min–max; dashed: chance)")
    ax.set_title(title or rows[0]["testbed"], fontsize=10)
    return ax


def plot_flow(rows, *, saved=None, ax=None, title=None, lim=(-20.0, 5.0)):
    """Gradient flow at initialisation (open circle) and after training (filled), one line per remedy.

    MLP: log10 of ‖∂L/∂a_1‖/‖∂L/∂a_last‖; SRN: −Q (eq. 25). On both, 0 is perfect, below −1 vanishing
    by more than 10×, above +1 exploding; the green band is the healthy zone. ``saved``: rows of a saved
    run on the same remedies, their flow after training drawn as open diamonds. Values beyond ``lim`` sit
    on the edge, labelled with their value.
    """
    rows, saved = _rows("rows", rows, _KEYS, what="capstone rows"), _rows("saved", saved, ("remedy",), optional=True)
    ax = ax or plt.gca()
    lo, hi = lim

    def clip(v, yi):
        if math.isnan(v) or lo <= v <= hi:
            return v
        ax.text(lo + 0.3 if v < lo else hi - 0.3, yi + 0.22, f"{v:.0f}", fontsize=7,
                ha="left" if v < lo else "right")
        return lo if v < lo else hi

    y = _y(rows)
    ax.axvspan(-1, 1, color=BAND, alpha=0.12, lw=0)
    ax.axvline(0, color=PALETTE["grey"], lw=0.8)
    for yi, r, c in zip(y, rows, row_colours(rows)):
        a, b = clip(_flow_value(r, "flow_init"), yi), clip(_flow_value(r, "flow"), yi)
        ax.plot([a, b], [yi, yi], color=c, lw=1.5)
        ax.plot(a, yi, "o", mfc="white", mec=c, ms=9, mew=1.5)  # a ring around the filled dot: both stay
        ax.plot(b, yi, "o", color=c, ms=5)                       # visible where init and after coincide
    if saved:
        by = {s["remedy"]: s for s in saved}
        pts = [(clip(_flow_value(by[r["remedy"]], "flow"), yi - 0.45), yi) for yi, r in zip(y, rows)
               if r["remedy"] in by]
        if pts:
            ax.plot(*zip(*pts), "D", mfc="none", mec="black", ms=6, label=f"saved {saved[0]['testbed']}, after")
            ax.legend(loc="upper right", fontsize=7, borderaxespad=0.2)  # in the top slot, beside the regime name
    mlp = rows[0]["flow_name"].startswith("grad ratio")
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    _regime_dividers(ax, rows, y)
    ax.set_xlabel("log10(‖∂L/∂a_1‖ / ‖∂L/∂a_last‖)  (a_last: the last layer)\ngreen band: healthy, within 10×" if mlp else
                  "−Q = log10(‖δ(k−h)‖ / ‖δ(k)‖)  (LSTM rows: ‖∂E/∂c‖; GRU: ‖∂E/∂h‖)\n"
                  "green band: the safe zone, Q ∈ [−1, 1]")
    ax.set_title(title or ("gradient flow: ring = init, dot = after training"), fontsize=10)
    return ax


def poster(mlp_rows, srn_rows, *, saved=None, title="Which fix when: the lab's remedies, measured"):
    """The wall poster: scores (top) and gradient flow (bottom) for both testbeds; colour = training regime
    (black: its baseline), a line between the regimes of one panel."""
    mlp_rows = _rows("mlp_rows", mlp_rows, _KEYS, what="capstone rows")
    srn_rows = _rows("srn_rows", srn_rows, _KEYS, what="capstone rows")
    fig, axes = plt.subplot_mosaic([["ms", "ss"], ["mf", "sf"]], figsize=(13, 8.5), layout="constrained")
    plot_scores(mlp_rows, ax=axes["ms"])
    plot_scores(srn_rows, saved=saved, ax=axes["ss"])
    plot_flow(mlp_rows, ax=axes["mf"])
    plot_flow(srn_rows, saved=saved, ax=axes["sf"])
    fig.suptitle(title, fontsize=14)
    return fig


METRICS = {"test accuracy %": "score", "% saturated": "pct_saturated", "cost × baseline": "cost"}


def plot_metric(rows, metric: str = "cost × baseline", *, ax=None, title=None):
    """Horizontal bars of one column of the rows: ``METRICS`` names it (accuracy, % saturated, the
    measured time per update over the baseline row's)."""
    rows = _rows("rows", rows, _KEYS, what="capstone rows")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    ax = ax or plt.gca()
    key = METRICS[metric]
    y = _y(rows)
    vals = [(100 if key == "score" else 1) * (r.get(key) if r.get(key) is not None else math.nan) for r in rows]
    ax.barh(y, vals, color=row_colours(rows), alpha=0.85, height=0.7)
    for yi, v in zip(y, vals):
        ax.text(0 if math.isnan(v) else v, yi, " —" if math.isnan(v) else f" {v:.1f}", va="center", fontsize=7)
    ax.set_yticks(y, [r["remedy"] for r in rows], fontsize=8)
    ax.set_xlim(0, max([v for v in vals if math.isfinite(v)] + [1e-9]) * 1.25)
    ax.set_xlabel(metric + (f" (per update, {rows[0]['device']}; —: baseline from another session)"
                            if key == "cost" else ""))
    _regime_dividers(ax, rows, y)
    ax.set_title(title or rows[0]["testbed"], fontsize=10)
    return ax


def long_run_panel(view: dict, *, paper: dict | None = None):
    """``plots.ds.plot_long_run`` for notebook 08, with the paper's safe zone Q ∈ [−1, 1] drawn on its
    Q panel (the poster's green band), and its x-axes labelled "minibatches drawn" (a dS reading applies
    only some of them). Returns the three Axes."""
    from .ds import long_run_legends, plot_long_run
    if not isinstance(view, dict) or not {"rows", "task", "updates"} <= set(view):
        raise TypeError("view must be a dict from ds_tables.long_run (with 'rows', 'task', 'updates'), got "
                        f"{type(view).__name__}")
    if paper is not None and not isinstance(paper, dict):
        raise TypeError(f"paper must be a dict such as ds_tables.PAPER_T100 or None, got {type(paper).__name__}")
    try:
        axes = plot_long_run(view, paper=paper)
    except (KeyError, IndexError, AttributeError, TypeError, ValueError) as e:
        raise ValueError(f"view is not a readable long run (ds_tables.long_run): {type(e).__name__}: {e}") from None
    for ax in axes:  # the run counts minibatches drawn, not applied weight updates (SOURCES.md §1.6)
        if ax.get_xlabel().startswith("update"):
            ax.set_xlabel("minibatches drawn" + ax.get_xlabel()[len("update"):])
    axes[2].axhspan(-1, 1, color=BAND, alpha=0.12, lw=0, label="safe zone [−1, 1]")
    long_run_legends(axes)  # below the axes, readable, the band named too (read 08r15 F6)
    return axes
