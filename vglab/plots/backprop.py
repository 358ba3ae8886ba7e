"""Figures for notebook 01 (backprop through modules; the NYU lecture, SOURCES.md §5).

Each takes ``ax=None`` (or ``axes=None``), draws only there and returns it.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import modules as M
from .style import PALETTE, subplots
from .style import check as _check  # the plots' one input check (issue 17)

HEAD_COLORS = {
    "softmax+log": PALETTE["orange"],
    "softmax+mse": PALETTE["rose"],
    "log_softmax+ce": PALETTE["green"],
}
HEAD_LABELS = {
    "softmax+log": "softmax → log → NLL",
    "softmax+mse": "softmax → squared error",
    "log_softmax+ce": "log-softmax + cross-entropy",
}
DTYPES = {"float32": torch.float32, "float64": torch.float64}
MARGINS = np.concatenate(
    [np.linspace(-20, 10, 121), np.geomspace(10, 1000, 240)[1:]]
)  # dense near 0


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def head_curves(margins, n_classes: int = 3, dtype: str = "float64") -> dict:
    """head -> numpy array of dC/ds_true (the true class's logit) at each margin, by the modules."""
    _check("margins", margins, "array")
    X, y = M.confident_logits(margins, n_classes, dtype=DTYPES[dtype])
    return {h: M.head_gradient(X, y, h)[1][:, 0].double().numpy() for h in M.HEADS}


def plot_head_gradients(
    margins=None, n_classes: int = 3, dtype: str = "float64", ax=None, *, mark=None
):
    """|dC/ds_true| against the margin (how confidently wrong), for the three classifier heads.

    Log y, symmetric-log x (linear for |m| < 10); an exact 0 is a ▼ in a grey strip along the bottom
    edge (a position, not a value on the y-axis; one row per head, so coinciding zeros all show; every
    8th zero plus the first and last of the run), a NaN/inf is a × along the top edge of the axes. No
    curve is drawn inside the strip: a value below its top edge is left out by choice (it is finite and
    drawable, but there it would mix with the ▼).
    ``mark``: a dashed vertical line at that margin (the slider's), in the legend; the legend then gets a
    white box (and its last entry two lines), so that the line passes behind it.
    """
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    ax = _ax(ax)
    margins = MARGINS if margins is None else np.asarray(margins, dtype=float)
    floor, top = (1e-47, 1e12) if dtype == "float32" else (1e-322, 1e60)  # room above 1 for the ×
    ax.add_patch(Rectangle((0, 0), 1, 0.15, transform=ax.transAxes, color=PALETTE["grey"], alpha=0.15,
                           lw=0, zorder=0))  # the strip of the ▼ rows: "exactly 0", not a y value
    lo, hi = np.log10(floor), np.log10(top)  # top / floor would overflow float64
    strip_top = 10.0 ** (lo + 0.15 * (hi - lo))  # the strip's top edge as a y value (log axis)
    for i, (h, g) in enumerate(head_curves(margins, n_classes, dtype).items()):
        mag, bad = np.abs(g), ~np.isfinite(g)
        ok = ~bad & (mag >= strip_top)  # no curve inside the strip: there it would mix with the ▼
        wide = h == "log_softmax+ce"  # drawn wide underneath; softmax → log dashed on top of it
        ax.plot(
            margins[ok],
            mag[ok],
            color=HEAD_COLORS[h],
            lw=4 if wide else 1.8,
            ls=(0, (4, 2)) if h == "softmax+log" else "-",
            zorder=1 if wide else 2,
            label=HEAD_LABELS[h],
        )
        zero = np.flatnonzero(~bad & (mag == 0))
        zero = np.unique(np.concatenate([zero[::8], zero[-1:]]))  # every 8th, and the last one too
        ax.plot(  # in the grey strip, one row per head (axes coordinates in y), so none hides another
            margins[zero],
            np.full(len(zero), 0.03 + 0.045 * i),
            "v",
            ms=5,
            color=HEAD_COLORS[h],
            transform=ax.get_xaxis_transform(),
        )
        ax.plot(  # at the top edge of the axes (axes coordinates in y), clear of every curve
            margins[bad][::8], np.full(bad.sum(), 0.95)[::8], "x", ms=8, mew=2, color=HEAD_COLORS[h],
            transform=ax.get_xaxis_transform(),
        )
    if mark is not None:
        ax.axvline(mark, color=PALETTE["grey"], lw=1, ls="--", label="the slider's margin m")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_yscale("log")
    ax.set_ylim(floor, top)
    # fixed ticks: a 300-decade log axis would otherwise spend most of a redraw on tick labels
    # MARGINS start at −20; −10 (where the axis turns linear) gets a tick but no label: "−20" and "−10"
    # sit too close on the log part to both be read
    ax.set_xticks([-20, -10, 0, 10, 100, 1000], ["−20", "", "0", "10", "100", "1000"])
    yt = [1e-30, 1e-20, 1e-10, 1] if dtype == "float32" else [1e-200, 1e-100, 1]  # none in the ▼ strip
    ax.set_yticks(
        yt, [f"{v:.0e}".replace("e+00", "").replace("1e-", "1e−") for v in yt]
    )  # no mathtext: faster
    ax.minorticks_off()
    ax.set_xlabel("margin m (symlog axis: linear for |m| < 10)")
    ax.set_ylabel("|dC/ds| of the true logit")
    ax.set_title(f"{dtype}: ▼ (grey strip) = exactly 0, × (top edge) = NaN/inf", fontsize=9)
    handles, _ = ax.get_legend_handles_labels()
    zero_label = "exactly 0 (a position in the grey strip, not a y value)"
    if mark is not None:  # narrower, so that its white box stays clear of the curves
        zero_label = zero_label.replace(" (", "\n(")
    zeros = tuple(Line2D([], [], ls="", marker="v", ms=5, color=c) for c in HEAD_COLORS.values())
    handles.append(zeros)  # one ▼ per head, in its colour, as in the strip
    labels = [h.get_label() for h in handles[:-1]] + [zero_label]
    legend = ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 0.16), fontsize=7,
                       frameon=mark is not None, handler_map={tuple: HandlerTuple(ndivide=None)})
    if mark is not None:  # the dashed line at the mark passes behind the legend, not through its text
        legend.get_frame().set(facecolor="white", edgecolor="none", alpha=0.9)
    return ax


def _logit_gradients(margin, n_classes, dtype):
    X, y = M.confident_logits([margin], n_classes, dtype=DTYPES[dtype])
    return {h: M.head_gradient(X, y, h)[1][0].double().numpy() for h in M.HEADS}


def plot_logit_gradient_bars(margin: float, n_classes: int = 3, dtype: str = "float64", ax=None):
    """dC/ds for every logit at one margin, one group of bars per head; NaN written in place.

    Call ``set_logit_gradient_bars(ax, margin, ...)`` afterwards to move the bars cheaply.
    """
    _check("margin", margin, "number")
    ax = _ax(ax)
    width, idx = 0.8 / len(M.HEADS), np.arange(n_classes)
    for k, h in enumerate(M.HEADS):
        x = idx + (k - 1) * width
        ax.bar(x, np.zeros(n_classes), width, color=HEAD_COLORS[h], label=HEAD_LABELS[h])
        for xi in x:
            ax.text(
                xi,
                0.05,
                "",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=7,
                color=HEAD_COLORS[h],
            )
    ax.axhline(0, color=PALETTE["black"], lw=0.6)
    wrong = "wrong {}" if n_classes <= 4 else "w{}"  # short labels when many classes share the axis
    ax.set_xticks(idx, ["true"] + [wrong.format(j) for j in range(1, n_classes)])
    ax.set_ylim(-1.1, 1.1)
    ax.set_ylabel("dC / d s")
    ax.set_title(" ", fontsize=9)
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    return set_logit_gradient_bars(ax, margin, n_classes, dtype)


def set_logit_gradient_bars(ax, margin: float, n_classes: int = 3, dtype: str = "float64"):
    """Update the bars drawn by ``plot_logit_gradient_bars`` to a new margin (same K and heads)."""
    _check("ax", ax, "ax"), _check("margin", margin, "number")
    grads = _logit_gradients(margin, n_classes, dtype)
    texts = iter(ax.texts)
    for bars, h in zip(ax.containers, M.HEADS):
        for rect, gi in zip(bars, grads[h]):
            rect.set_height(gi if np.isfinite(gi) else 0.0)
            next(texts).set_text(_bar_label(gi))
    ax.title.set_text(f"dC/ds at margin m = {margin:g}")  # not set_title: it re-places all three titles
    return ax


def _bar_label(g: float) -> str:
    """Say what a bar too small to see holds: NaN, inf, exactly 0, or its order of magnitude."""
    if np.isnan(g):
        return "NaN"
    if not np.isfinite(g):
        return "inf"
    return "= 0" if g == 0 else f"{g:.0e}".replace("-", "−") if abs(g) < 1e-2 else ""  # typeset minus


def plot_log_sigmoid(s=None, ax=None):
    """The softplus part log(1 + e^s) that the lecture plots, with log σ(s) = s − softplus(s) and its
    slope 1 − σ(s) added."""
    ax = _ax(ax)
    s = (
        torch.linspace(-10, 10, 401, dtype=torch.float64)
        if s is None
        else torch.as_tensor(s, dtype=torch.float64)
    )
    ax.plot(s, torch.nn.functional.softplus(s), color=PALETTE["indigo"], lw=2, label="softplus: log(1 + e^s)")
    ax.plot(s, M.log_sigmoid(s), color=PALETTE["green"], lw=2, label="log σ(s) = s − log(1 + e^s)")
    ax.plot(
        s,
        1 - torch.sigmoid(s),
        color=PALETTE["rose"],
        lw=2,
        ls="--",
        label="slope d log σ / ds = 1 − σ(s)",
    )
    ax.axhline(0, color=PALETTE["grey"], lw=0.6)
    ax.set_xlabel("score s of the true class")
    ax.set_ylabel("function value, or slope (dashed)")
    ax.set_title("two classes: log σ(s) = s − softplus(s), and its slope", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return ax


def plot_jacobian_chain(Js, product, axes=None):
    """Heat maps of each module's Jacobian J_k = dY_k/dX_k and of their product dy/dx, on one shared
    colour scale with a colour bar; row i = output i, column j = input j."""
    _check("Js", Js, "list", of=(tuple, list)), _check("product", product, "array", min_dim=2)
    for k, pair in enumerate(Js):
        if len(pair) != 2 or not isinstance(pair[0], str):
            raise TypeError(f"Js[{k}] must be a (name, Jacobian) pair, got {pair!r:.50}")
        _check(f"Js[{k}]", pair[1], "array", min_dim=2)
    mats = [(f"J{k}: {name}", J) for k, (name, J) in enumerate(Js, 1)] + [
        (r"dy/dx = $J_L \cdots J_1$", product)
    ]
    if axes is None:
        _, axes = subplots(1, len(mats), width=2.3, height=2.6)
    axes = np.atleast_1d(axes)
    if len(axes) < len(mats):
        raise ValueError(f"axes: need {len(mats)} axes, got {len(axes)}")
    lim = max(max(float(np.abs(J.detach().double().numpy()).max()) for _, J in mats), 1e-12)
    for ax, (title, J) in zip(axes, mats):
        J = J.detach().double().numpy()
        im = ax.imshow(J, cmap="RdBu_r", vmin=-lim, vmax=lim)
        n = min(J.shape)
        if J.shape[0] == J.shape[1] and np.array_equal(J, np.diag(np.diag(J))) and n <= 12:
            for d in range(n):  # a diagonal Jacobian (ReLU, sigmoid): write its entries, 0s included
                ax.text(d, d, f"{J[d, d]:.2g}", ha="center", va="center", fontsize=7,
                        color="white" if abs(J[d, d]) > 0.5 * lim else PALETTE["black"])
        ax.set_title(f"{title}\n{J.shape[0]}×{J.shape[1]}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("input j", fontsize=7)
        ax.set_ylabel("output i", fontsize=7)  # on every panel: each is read on its own
    ax.figure.colorbar(im, ax=list(axes[: len(mats)]), shrink=0.8, label=r"$\partial Y_i / \partial X_j$")
    return axes
