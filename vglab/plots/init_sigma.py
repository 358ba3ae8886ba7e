"""Figures for notebook 05 (init-σ sensitivity, paper Fig. 2-3): profiles, eigenvalues, training.

Each function draws on ``ax`` (a new one if None) and returns it; nothing here computes
gradients or trains (see ``vglab.init_scale``).
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .. import results
from ..init_scale import PAPER_Q_BOUNDS, Profile, circle_radius
from ..show import typeset_minus

from .style import COLORS, PALETTE, subplots
from .style import check as _check  # the plots' one input check (issue 17)

SETTING_COLORS = {
    "variance 0.005": PALETTE["indigo"], "variance 0.01": PALETTE["teal"], "variance 0.02": PALETTE["rose"],
    "std 0.05": PALETTE["cyan"], "std 0.2": PALETTE["wine"],
    "std 0.005": PALETTE["grey"], "std 0.01": PALETTE["olive"], "std 0.02": PALETTE["sand"],
}
"""One colour per init setting (vanishing blue, healthy teal, exploding red; stds lighter)."""
LAG_COLORS = [PALETTE[c] for c in ("black", "teal", "indigo", "orange", "rose", "olive", "sand")]
"""Lags in the training plot: neighbours differ in hue and lightness (j = 75 orange, j = 99 rose)."""


def setting_color(label: str) -> str:
    """The colour of an init setting ("variance 0.01", "std 0.2", …); grey for unknown ones."""
    _check("label", label, "text")
    return SETTING_COLORS.get(label, PALETTE["grey"])


def _ax(ax, size=(5.0, 3.4)):
    if ax is None:
        _, ax = subplots(width=size[0], height=size[1])
    return ax


def plot_gradient_profiles(profiles, ax=None, *, which: str = "delta", show_paper: bool = True,
                           band: bool = True, legend: bool = True):
    """Fig. 2: mean norm vs steps back j (log scale), one colour per setting, Q in the legend.

    ``profiles``: ``init_scale.Profile`` objects. ``which``: "delta" (‖δ(k−j)‖, solid) or
    "weight" (‖∂E/∂W_rec(k−j)‖ of the minibatch-summed gradient, dashed). Each line is the mean
    over the networks (a thin line); the band spans their 10-90 % range, its edges outlined. The legend gives the Q of the drawn mean
    curve (``Profile.q_of_mean``) and the mean Q ± 95 % CI over the networks (``Profile.q_ci``).
    """
    _check("profiles", profiles, "list", of=Profile)
    if which not in ("delta", "weight"):
        raise ValueError(f"which must be 'delta' or 'weight', got {which!r}")
    ax = _ax(ax)
    for p in profiles:
        data = p.delta if which == "delta" else p.weight
        if data is None:
            raise ValueError(f"{p.setting.label}: no weight gradients (use weight_grads=True)")
        y = np.asarray(data, dtype=float)  # (M, h+1)
        j = np.arange(y.shape[-1])
        keep = (y > 0).any(axis=0)  # ∂E/∂W_rec(1) = z(0)ᵀδ(1) = 0: nothing to draw on a log axis
        j, y = j[keep], np.where(y[:, keep] > 0, y[:, keep], np.nan)
        q = typeset_minus(f"Q {p.q_of_mean:.1f} (curve), {p.q_mean:.1f} ± {p.q_ci:.1f} (networks)")  # −, as the paper's
        if show_paper and p.setting.paper_q != "—":
            q += f"; paper {p.setting.paper_q}"
        c = setting_color(p.setting.label)
        ax.semilogy(j, np.nanmean(y, axis=0), color=c, ls="-" if which == "delta" else "--", lw=1.0,
                    label=f"{p.setting.label}: {q}")
        if band and y.shape[0] > 1:
            lo, hi = np.nanquantile(y, [0.1, 0.9], axis=0)
            ax.fill_between(j, lo, hi, color=c, alpha=0.15, lw=0)
            # the band's edges as thin outlines: far back the 90 % edge can run close above the mean line (a
            # mean of norms is pulled toward its largest norms) and would hide under a thicker line
            ax.fill_between(j, lo, hi, facecolor="none", edgecolor=c, alpha=0.8, lw=0.5)
    ax.set_xlabel("steps back j (from the last step k)")
    ax.set_ylabel("mean ‖δ(k−j)‖" if which == "delta" else "mean ‖∂E/∂W_rec(k−j)‖ (minibatch sum)")
    if legend:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15))  # below the axes: covers no line
    ax.grid(alpha=0.3, which="major")
    return ax


def plot_eigenvalues(eigs, sigma2: float, n_hidden: int, ax=None, *, label: str | None = None):
    """Eigenvalues of W_rec in the complex plane, the circle of radius std·√K and the unit circle."""
    ax = _ax(ax, (3.6, 3.6))
    eigs = np.asarray(eigs)
    r = circle_radius(sigma2, n_hidden)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(t), np.sin(t), color=COLORS["bound"], ls=":", lw=1.2, label="|λ| = 1", zorder=3)  # on top
    ax.plot(r * np.cos(t), r * np.sin(t), color=COLORS["paper"], lw=1.5, label=f"std·√K = {r:.2f}")
    rho = float(np.abs(eigs).max())
    ax.scatter(eigs.real, eigs.imag, s=8, color=PALETTE["indigo"], label=label or f"eigenvalues, ρ = {rho:.2f}")
    lim = max(1.25, 1.15 * max(r, rho))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below the axes: covers no point
    return ax


def plot_q_comparison(rows, ax=None):
    """Our Q per setting (one dot per network, mean ± 95 % CI, × the Q of the mean curve) beside the paper's.

    The paper's three numbers sit beside their settings (▲ lower bound "> 25", ◆ "≈ 0.7",
    ▼ upper bound "< −6"); its two bounds are also drawn as dashed lines across all settings, so
    that one sees which settings clear them.
    """
    rows = results.rows("rows", rows, ("setting", "q_mean"), what="init_scale.q_rows rows")
    ax = _ax(ax, (5.4, 3.2))
    rng = np.random.default_rng(0)
    for i, r in enumerate(rows):
        c = setting_color(r["setting"])
        q = np.asarray(r.get("Q", [r["q_mean"]]), dtype=float)
        ax.scatter(i - 0.12 + 0.08 * rng.uniform(-1, 1, q.size), q, s=9, color=c, alpha=0.45, lw=0)
        ax.errorbar(i, r["q_mean"], yerr=r.get("q_ci", 0.0), fmt="o", color=c, capsize=4)
        if "q_of_mean" in r:
            ax.plot(i + 0.14, r["q_of_mean"], marker="x", color=c, ms=6, ls="none")
    # the shared keys in a neutral grey: the same symbols mean the same thing in every setting's colour
    key = PALETTE["grey"]
    ax.scatter([], [], s=9, color=key, alpha=0.45, lw=0, label="one network")
    ax.errorbar([np.nan], [np.nan], yerr=[np.nan], fmt="o", color=key, capsize=4, label="mean ± 95 % CI")
    if any("q_of_mean" in r for r in rows):
        ax.plot([], [], marker="x", color=key, ms=6, ls="none", label="Q of the mean curve")
    for i, r in enumerate(rows):
        lo, hi = PAPER_Q_BOUNDS.get(r["setting"], (None, None))
        if lo is not None:
            y = lo if math.isfinite(lo) else hi
            marker = "^" if not math.isfinite(hi) else ("v" if not math.isfinite(lo) else "D")
            ax.plot(i + 0.32, y, marker=marker, color=COLORS["paper"], ms=6, ls="none")  # beside the ×
    ax.plot([], [], marker="^", color=COLORS["paper"], ls="none", label="paper: ▲ > 25, ◆ ≈ 0.7, ▼ < −6")
    for y in (25.0, -6.0):  # the markers sit on these bounds; the paper's values lie beyond them
        ax.axhline(y, color=COLORS["paper"], ls="--", lw=0.8,
                   label="paper's bounds 25 and −6 (not values)" if y > 0 else None)
    ax.axhspan(-1, 1, color=PALETTE["teal"], alpha=0.12, label="safe zone [−1, 1]")
    ax.axhline(0, color=COLORS["bound"], lw=0.8)
    ax.set_xticks(range(len(rows)), [r["setting"] for r in rows], rotation=20, fontsize=8)
    ax.set_ylabel("Q = log10 ‖δ(k)‖ − log10 ‖δ(k−100)‖")
    handles, labels = ax.get_legend_handles_labels()
    first = ("one network", "mean ± 95 % CI", "Q of the mean curve")  # the grey keys first, in drawing order
    order = sorted(range(len(labels)), key=lambda k: (first.index(labels[k]) if labels[k] in first else len(first), k))
    ax.legend([handles[k] for k in order], [labels[k] for k in order], fontsize=7)
    return ax


def plot_training_norms(hist, lags, ax=None, *, network: int | None = None):
    """Fig. 3 (left): ‖δ(k−j)‖ at several lags over training iterations (mean over networks, log)."""
    _check("hist", hist, "dict", keys=("step", "delta")), _check("lags", lags, "list", of="number")
    ax = _ax(ax)
    steps = np.asarray(hist["step"])
    d = np.stack([np.asarray(v, dtype=float) for v in hist["delta"]])  # (n_rec, M, n_lags)
    d = d.mean(axis=1) if network is None else d[:, network]
    for i, j in enumerate(lags):
        ax.semilogy(steps, d[:, i], color=LAG_COLORS[i % len(LAG_COLORS)], label=f"j = {j}")
    ax.set_xlabel("training iteration")
    ax.set_ylabel("mean ‖δ(k−j)‖")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # labels even within a decade
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.2g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    top = float(np.nanmax(d))
    if top > 0 and math.isfinite(top):  # up to the next 1, 2 or 5 × 10^n: a labelled tick above every line
        e = 10.0 ** math.floor(math.log10(top))
        ax.set_ylim(top=max(ax.get_ylim()[1], min(m * e for m in (1, 2, 5, 10) if m * e >= top)))
    ax.legend(fontsize=7, title="steps back", title_fontsize=7, ncol=len(lags), loc="upper center",
              bbox_to_anchor=(0.5, -0.18))  # below the axes: it covers no line
    ax.grid(alpha=0.3)
    return ax


def plot_training_q(hist, ax=None):
    """Fig. 3 (right): Q per network and the fraction of saturated unit states (mean over networks) over training."""
    _check("hist", hist, "dict", keys=("step", "Q", "saturated"))
    ax = _ax(ax)
    steps = np.asarray(hist["step"])
    Q = np.stack([np.asarray(v, dtype=float) for v in hist["Q"]])  # (n_rec, M)
    sat = np.stack([np.asarray(v, dtype=float) for v in hist["saturated"]]).mean(axis=1)
    for m in range(Q.shape[1]):
        ax.plot(steps, Q[:, m], color=COLORS["plain"], alpha=0.6, lw=1, ls=("-", "--", "-.")[m % 3],
                label=f"Q, network {m}")  # one line style per network: the lines can be told apart
    ax.axhspan(-1, 1, color=PALETTE["teal"], alpha=0.12, label="safe zone [−1, 1]")
    ax.set_xlabel("training iteration")
    ax.set_ylabel("Q (h = T − 1)")
    lo, hi = min(float(Q.min()), -1.0), max(float(Q.max()), 1.0)
    span = hi - lo
    ax.set_ylim(lo - 0.35 * span, hi + 0.05 * span)  # a free strip under the Q range for the % line
    ax.set_yticks([t for t in ax.get_yticks() if lo - 1e-9 <= t <= hi + 0.05 * span])  # no Q ticks in the strip
    ax.axhline(lo - 0.1 * span, color=COLORS["bound"], lw=0.6)  # the strip's edge: below it only the % line
    ax2 = ax.twinx()
    ax2.plot(steps, 100 * sat, color=PALETTE["orange"], lw=2, ls=":", marker=".",
             label=f"% saturated |z| > 0.95, mean over networks, right axis (max of the mean {100 * float(sat.max()):.2g} %)")
    top = max(5.0, 110 * float(sat.max()))
    ax2.set_ylim(-top / 9, top)  # 0 % at a tenth of the height: in the free strip, below every Q and the safe zone
    ax2.set_ylabel("% of unit states saturated", color=PALETTE["orange"])
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))  # below the axes
    return ax
