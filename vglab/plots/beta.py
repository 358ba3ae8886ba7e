"""Plots for notebook 06, the patent's Beta penalty (SOURCES.md §2). Each draws on ``ax`` and returns it.

Colours: ``COLORS["plain"]`` for λ = 0, ``COLORS["beta"]`` for λ > 0 (lighter for smaller λ).
Inputs are runs from ``vglab.autoencoder`` (``AERun`` or the stack's history dict) or tensors.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .style import COLORS, PALETTE
from .style import check as _check  # the plots' one input check (issue 17)

ARM_COLORS = {"plain": COLORS["plain"], "omega": COLORS["beta"], "l2": PALETTE["teal"]}
ARM_LABELS = {"plain": "no penalty", "omega": "ω (claim 3)", "l2": "L2 control"}

__all__ = ["run_color", "unit_curves", "montage", "plot_unit_histograms", "plot_histogram_over_training", "plot_history",
           "plot_alpha_beta", "plot_images", "plot_reconstructions", "plot_layer_gradients",
           "plot_layer_curve", "shared_legend"]


def run_color(lam: float, lams=None) -> tuple:
    """"plain" (black) for λ = 0; for λ > 0 a distinct colour by rank among ``lams`` (cyan, orange,
    wine, purple, smallest λ first; cyan rather than sand, so that the two smallest λ are not two
    yellow-orange hues); the second value is the alpha (always 1)."""
    _check("lam", lam, "number")
    if lam == 0:
        return COLORS["plain"], 1.0
    pos = sorted(v for v in (lams or [lam]) if v > 0)
    k = pos.index(lam) if lam in pos else len(pos) - 1
    shades = [COLORS["beta"]] if len(pos) == 1 else [PALETTE["cyan"], COLORS["beta"], PALETTE["wine"], PALETTE["purple"]]
    return shades[min(k, len(shades) - 1)], 1.0


def _ax(ax):
    return ax if ax is not None else plt.gca()


def unit_color(j: int) -> tuple:
    """Unit j's colour in every per-unit plot: a qualitative palette (tab10), so that neighbouring
    units are told apart (a sequential map made units 0–2 and 4–5 look alike)."""
    return plt.get_cmap("tab10")(int(j) % 10)


def unit_curves(z, alpha=None, beta=None, *, units=None, bins: int = 20):
    """What ``plot_unit_histograms`` draws, as data: per unit ``(j, colour, counts, edges, pdf)``
    with ``pdf`` the fitted Beta density on ``BETA_X`` (clipped to 50), or None without a fit."""
    _check("z", z, "array", min_dim=2)
    z = torch.as_tensor(z).detach().cpu().double().numpy()
    units = list(range(z.shape[1]) if units is None else units)
    out = []
    for k, j in enumerate(units):
        counts, edges = np.histogram(z[:, j], bins=bins, range=(0, 1), density=True)
        pdf = None if alpha is None else np.clip(_beta_pdf(float(alpha[j]), float(beta[j])), 0, 50)
        out.append((j, unit_color(j), counts, edges, pdf))
    return out


BETA_X = np.linspace(0.005, 0.995, 199)


def _beta_pdf(a: float, b: float) -> np.ndarray:
    """The Beta(a, b) density on ``BETA_X`` (torch.distributions.Beta, float64)."""
    a, b = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    return torch.distributions.Beta(a, b).log_prob(torch.from_numpy(BETA_X)).exp().numpy()


def plot_unit_histograms(z, alpha=None, beta=None, *, units=None, color=None, ax=None, bins: int = 20,
                         title: str | None = None, ymax: float = 12.0):
    """Step histograms (density) of each bottleneck unit z[:, j], with its fitted Beta pdf dashed.

    The y-axis stops at ``ymax``; units whose histogram goes above it (a saturated unit's spike) are
    counted in a note at the top, with the bins they share, since their spikes overlap there."""
    _check("z", z, "array", min_dim=2)
    ax = _ax(ax)
    clipped = []
    for j, c, counts, edges, pdf in unit_curves(z, alpha, beta, units=units, bins=bins):
        c = color or c
        ax.stairs(counts, edges, color=c, lw=1.4, label=f"unit {j}")
        if pdf is not None:
            ax.plot(BETA_X, pdf, "--", color=c, lw=1)
        if counts.max() > ymax:
            k = int(counts.argmax())
            clipped.append((j, f"[{edges[k]:.2f}, {edges[k + 1]:.2f}]"))
    ax.axhline(1.0, color=COLORS["bound"], lw=0.8, ls=":")  # U(0, 1) density
    ax.set(xlim=(0, 1), xlabel="z", ylabel="density", title=title or "bottleneck units (dashed: fitted Beta)")
    ax.set_ylim(0, min(ax.get_ylim()[1], ymax))
    if clipped:
        where = sorted({b for _, b in clipped})
        ax.text(0.02, 0.97, f"{len(clipped)} unit{'s' if len(clipped) > 1 else ''} above {ymax:g} (clipped) in "
                f"{', '.join(where)}", transform=ax.transAxes, va="top", fontsize=7)
    return ax


def plot_histogram_over_training(run, unit: int = 0, ax=None):
    """One unit's histogram at every record step, as an image: x = z bin, y = training step.

    Each row is divided by its sum (the share of the test digits in each bin), and every panel uses
    the same fixed colour scale, a square root from 0 to 1 (a uniform unit's 1/bins stays visible),
    so panels can be compared with each other; ``fig.colorbar(ax.images[0], ...)`` draws its bar.
    """
    _check("run", run, object, attrs=("history", "label", "config"))
    _check("run.history", run.history, "dict", keys=("hist", "step"))
    from matplotlib.colors import PowerNorm

    ax = _ax(ax)
    h = torch.stack([hh[unit] for hh in run.history["hist"]]).numpy()  # (n_records, bins)
    h = h / h.sum(1, keepdims=True)
    steps = np.asarray(run.history["step"], dtype=float)
    half = (steps[-1] - steps[0]) / max(1, len(steps) - 1) / 2  # each row is centred on its record's step
    ax.imshow(h, aspect="auto", origin="lower", cmap="magma", norm=PowerNorm(0.5, vmin=0.0, vmax=1.0),
              extent=(0, 1, steps[0] - half, steps[-1] + half))
    ax.set(xlabel=f"z (unit {unit})", ylabel="step", title=f"{run.label}, d = {run.config.d}")
    return ax


def _series(run, key):
    v = run.history[key]
    if isinstance(v[0], torch.Tensor) and v[0].numel() > 1:
        return np.array([float(t.float().mean()) for t in v])
    return np.array([float(t) for t in v])


def plot_history(runs, key: str, *, ax=None, ylabel: str | None = None, logy: bool = False,
                 scale: float = 1.0, title: str | None = None, legend: bool = True):
    """``key`` of each run's history against the step (per-unit records are averaged over units).

    Runs of one λ (several seeds) share a colour and one legend entry, which says how many seeds it
    holds. With ``logy`` a value ≤ 0 cannot be drawn: it is left out of the line (a gap) and marked
    with a ▾ at the bottom edge of the axes, so an exact 0 is neither hidden nor drawn as a plunge; the
    number above a ▾ says how many of the runs are exactly 0 at that record. Each λ > 0 also has its
    own dash pattern, so curves that lie on top of each other stay visible. ``legend=False`` leaves
    the legend out (``shared_legend`` then draws one for the whole figure, off the data).
    """
    _check("runs", runs, "list", of=object), _check("key", key, "text")
    [_check(f"runs[{i}]", r, object, attrs=("history", "label", "config")) for i, r in enumerate(runs)]
    from matplotlib.transforms import blended_transform_factory

    ax = _ax(ax)
    runs = list(runs)
    lams = sorted({r.config.lam for r in runs})
    n_of = {}
    for r in runs:
        n_of[r.label] = n_of.get(r.label, 0) + 1
    seen, zeros_at = set(), {}
    floor = blended_transform_factory(ax.transData, ax.transAxes)
    for r in runs:
        c, a = run_color(r.config.lam, lams)
        ls = _DASHES[lams.index(r.config.lam) % len(_DASHES)] if r.config.lam != 0 else "-"
        steps, y = np.asarray(r.history["step"], dtype=float), scale * _series(r, key)
        label = None if r.label in seen else (r.label if n_of[r.label] == 1 else f"{r.label} ({n_of[r.label]} seeds)")
        seen.add(r.label)
        if logy and (y <= 0).any():
            zero = y <= 0
            ax.plot(steps, np.where(zero, np.nan, y), color=c, alpha=a, lw=1.6, ls=ls, marker="o", ms=2.5, label=label)
            ax.plot(steps[zero], np.full(int(zero.sum()), 0.03), transform=floor, ls="none", marker="v", ms=6,
                    color=c, clip_on=False)
            for x in steps[zero]:
                zeros_at.setdefault(x, []).append(r.label)
        else:
            ax.plot(steps, y, color=c, alpha=a, lw=1.6, ls=ls, label=label)
    if logy:
        ax.set_yscale("log")
    for x, labels in zeros_at.items():  # how many runs are exactly 0 at this record, above its ▾
        ax.text(x, 0.07, str(len(labels)), transform=floor, ha="center", va="bottom", fontsize=7)
    if zeros_at:
        ax.plot([], [], ls="none", marker="v", ms=6, color="0.3",
                label="exactly 0 (▾ in the run's colour; number above: how many runs)")
    ax.set(xlabel="step", ylabel=ylabel or key, title=title)
    if legend:
        ax.legend(fontsize=8)
    return ax


_DASHES = ["-", "--", "-.", ":"]


def shared_legend(fig, axes, *, fontsize: float = 8):
    """One legend for a row of panels, below them (outside every axes, so it hides no curve): the
    entries of all ``axes``, each label once. ``fig`` needs constrained layout (``plots.style.subplots``)."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    axes = list(axes.flat) if hasattr(axes, "flat") else axes
    if not isinstance(axes, (list, tuple)) or not axes or not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"axes must be a non-empty list of matplotlib Axes, got {type(axes).__name__}")
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return fig.legend(handles, labels, loc="outside lower center", ncol=max(1, len(labels)), fontsize=fontsize)


def plot_alpha_beta(run, *, ax=None):
    """Fitted α (solid) and β (dashed) of every unit over training; the target is α = β = 1.

    Each unit has the colour ``plot_unit_histograms`` gives it, so a curve can be matched to its
    histogram; the legend names the units and the two line styles (drawn in black, a colour no unit has)."""
    _check("run", run, object, attrs=("history", "label", "config"))
    _check("run.history", run.history, "dict", keys=("step", "alpha", "beta"))
    ax = _ax(ax)
    steps = run.history["step"]
    lo, hi = 1e-2, 1e3  # a dead unit's fit runs off to ~1e6; show the clipped value at the edge
    al = torch.stack(run.history["alpha"]).numpy().clip(lo, hi)  # (n_records, d)
    be = torch.stack(run.history["beta"]).numpy().clip(lo, hi)
    d = al.shape[1]
    for j in range(d):
        c = unit_color(j)  # the colour of unit j in plot_unit_histograms
        ax.plot(steps, al[:, j], color=c, lw=1.2, label=f"unit {j}")
        ax.plot(steps, be[:, j], color=c, lw=1.2, ls="--")
    ax.plot([], [], color="k", lw=1.2, label="α (solid)")
    ax.plot([], [], color="k", lw=1.2, ls="--", label="β (dashed)")
    ax.axhline(1.0, color=COLORS["bound"], lw=0.8, ls=":")
    ax.set(yscale="log", ylim=(lo / 1.5, hi * 1.5), xlabel="step", ylabel="fitted α, β (clipped to [0.01, 1000])",
           title=f"{run.label}, d = {run.config.d}")
    # outside the axes, so it hides no curve (inside it covered the dead units' low β curves)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    return ax


def montage(x, ncols: int = 8) -> np.ndarray:
    """8x8 digits x (n, 64) in [0, 1] tiled ``ncols`` per row on a grey grid (what ``plot_images`` shows)."""
    _check("x", x, "array", min_dim=2)
    x = torch.as_tensor(x).detach().cpu().float().reshape(-1, 8, 8).numpy()
    n = x.shape[0]
    nrows = -(-n // ncols)
    canvas = np.full((nrows * 9 + 1, ncols * 9 + 1), 0.35)
    for i in range(n):
        r, c = divmod(i, ncols)
        canvas[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c] = x[i]
    return canvas


def plot_images(x, *, ncols: int = 8, ax=None, title: str | None = None):
    """A montage of 8x8 digits x (n, 64) in [0, 1], white on black, ``ncols`` per row."""
    _check("x", x, "array", min_dim=2)
    ax = _ax(ax)
    ax.imshow(montage(x, ncols), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set(xticks=[], yticks=[], title=title)
    return ax


def plot_reconstructions(x, x_hat, *, n: int = 8, ax=None, title: str = "top: digits, bottom: reconstructions"):
    """Test digits (top row) above their reconstructions (bottom row)."""
    _check("x", x, "array", min_dim=2), _check("x_hat", x_hat, "array", min_dim=2)
    both = torch.cat([torch.as_tensor(x)[:n].cpu(), torch.as_tensor(x_hat)[:n].cpu()])
    return plot_images(both, ncols=n, ax=ax, title=title)


def _arm_lines(ax, x, ys, arm):
    """One thin line per seed (rows of ys) and the median over seeds, bold, labelled."""
    ys = np.asarray(ys, dtype=float)
    for y in ys:
        ax.plot(x, y, color=ARM_COLORS[arm], lw=0.7, alpha=0.45)
    ax.plot(x, np.median(ys, 0), color=ARM_COLORS[arm], lw=2, label=f"{ARM_LABELS[arm]}: median of {len(ys)}")


def plot_layer_gradients(histories: dict, *, ax=None, at: int = -1, key: str = "grad_norm", logy: bool = True,
                         ylabel: str = "‖∂R/∂W$_l$‖", legend: bool = True):
    """Claim 3: ``key`` per layer (1 = nearest the input) at record ``at``; per arm, every seed thin
    and their median bold. ``histories``: ``vglab.beta_stack.train_stacks``'s {arm: history}.
    ``legend=False`` leaves the legend out (``shared_legend`` then draws one below the panels)."""
    _check("histories", histories, "dict", of="dict")
    ax = _ax(ax)
    vals = {arm: h[key][at].numpy() for arm, h in histories.items()}  # each (S, depth)
    first = next(iter(vals.values()))
    if len(vals) > 1 and all(np.array_equal(v, first) for v in vals.values()):
        # identical arms (the same start): one set of lines in grey (no arm's colour), not translucent colours blended
        x = np.arange(1, first.shape[1] + 1)
        for y in first:
            ax.plot(x, y, color="0.5", lw=0.7, alpha=0.6)
        ax.plot(x, np.median(first, 0), color="0.5", lw=2,
                label=f"all {len(vals)} arms, identical here (median of {len(first)})")
    else:
        for arm, v in vals.items():
            _arm_lines(ax, np.arange(1, v.shape[1] + 1), v, arm)
    ax.set(xlabel="layer (1 = input side)", ylabel=ylabel,
           title=f"per layer at step {next(iter(histories.values()))['step'][at]}")
    if logy:
        ax.set_yscale("log")
    if legend:
        ax.legend(fontsize=7)
    return ax


def plot_layer_curve(histories: dict, key: str, *, ax=None, ylabel=None, layer: int | None = None,
                     logy: bool = False, legend: bool = True):
    """A stack record over training, per arm (seeds thin, median bold): ``key`` at one ``layer``
    (0-based), its mean over layers, or a per-seed scalar such as ``test_acc``; ``legend`` as in
    ``plot_layer_gradients``."""
    _check("histories", histories, "dict", of="dict"), _check("key", key, "text")
    ax = _ax(ax)
    for arm, h in histories.items():
        recs = [t.double() for t in h[key]]  # each (S,) or (S, depth)
        v = [t[:, layer] if layer is not None else (t.mean(1) if t.dim() == 2 else t) for t in recs]
        _arm_lines(ax, h["step"], torch.stack(v, 1).numpy(), arm)
    ax.set(xlabel="step", ylabel=ylabel or key)
    if logy:
        ax.set_yscale("log")
    if legend:
        ax.legend(fontsize=7)
    return ax
