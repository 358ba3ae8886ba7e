"""Figures for notebook 03 (saturation): activations and derivatives, per-layer histograms,
gradient-norm profiles, % saturated, update:data ratios, training curves.

``profiles`` arguments are dicts label -> ``vglab.saturation.Probe``; a label's colour is the lab
colour of its last word that has one (``"tanh xavier"`` -> xavier, ``"tanh"`` -> tanh), or given in ``colors``.
"""
from __future__ import annotations

import numbers

import numpy as np
import torch

from ..saturation import ACTIVATIONS, RULES_OF_THUMB, SATURATION_LEVEL, activation, derivative, max_derivative
from .style import PALETTE, color
from .style import check as _check  # the plots' one input check (issue 17)
from ..saturation import Probe


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _color(label: str, colors: dict | None = None) -> str:
    if colors and label in colors:
        return colors[label]
    for word in reversed(str(label).replace("+", " ").replace(",", " ").split()):  # the remedy wins
        found = color(word, "")
        if found:
            return _READABLE.get(found, found)
    return PALETTE["grey"]


def _legend(ax, **kw):
    """A small legend on a white box where the lines leave most room, so no line hides its text."""
    kw.setdefault("loc", "best")
    return ax.legend(fontsize=7, frameon=True, framealpha=0.9, edgecolor="none", **kw)


def _legend_below(ax, ncol: int = 2):
    """The legend under the axes, so it hides no line (constrained layout makes room for it)."""
    return _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=ncol)


def _int_layers(ax):
    """Whole layer numbers on the x axis."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _np(t) -> np.ndarray:
    return t.detach().cpu().double().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, float)


# The lab's pale sand ("kaiming") is hard to follow on white in thin lines: a darker shade of it here.
_READABLE = {PALETTE["sand"]: "#B8860B"}
LEAKY = PALETTE["orange"]  # leaky ReLU has no lab colour of its own; ReLU's green would hide it


def _act_color(n: str) -> str:
    return LEAKY if n == "leaky_relu" else _color(n)


def plot_activations(names=ACTIVATIONS, ax=None, *, lim: float = 5.0):
    """f(a) for each activation on [−lim, lim]."""
    ax = _ax(ax)
    a = torch.linspace(-lim, lim, 401, dtype=torch.float64)
    for n in names:
        ax.plot(a, activation(n, a), color=_act_color(n), lw=2, ls="--" if n == "leaky_relu" else "-", label=n,
                zorder=3 if n == "relu" else 2)  # ReLU on top: the others cover it on a > 0
    ax.axhline(0, color=PALETTE["grey"], lw=0.6)
    ax.set(xlabel="pre-activation a", ylabel="f(a)", ylim=(-1.5, 3), title="activations")
    ax.legend(fontsize=8, frameon=False)
    return ax


_JUMP_AT_0 = ("relu", "leaky_relu", "prelu")  # activations whose f′ is discontinuous at a = 0


def plot_derivatives(names=ACTIVATIONS, ax=None, *, lim: float = 6.0, threshold: bool = True):
    """f′(a); with ``threshold`` dotted lines at 5 % of the maximum (the saturation rule): one for
    the sigmoid (5 % of 1/4), one grey line shared by every activation whose maximum is 1."""
    ax = _ax(ax)
    a = torch.linspace(-lim, lim, 601, dtype=torch.float64)
    for n in names:
        d = derivative(n, a)
        x = a
        if n in _JUMP_AT_0:  # f′ jumps at a = 0: a NaN breaks the line there, so no vertical segment suggests
            neg = a <= 0    # that f′ takes the values in between
            gap = a.new_tensor([float("nan")])
            x, d = torch.cat([a[neg], gap, a[~neg]]), torch.cat([d[neg], gap, d[~neg]])
        if n == "relu":  # on top for a > 0 (the others equal it there); under leaky ReLU's 0.01 for a <= 0
            pos = x > 0
            ax.plot(x[pos], d[pos], color=_act_color(n), lw=2, label=n, zorder=3)
            ax.plot(x[~pos], d[~pos], color=_act_color(n), lw=2, zorder=1)
            continue
        ax.plot(x, d, color=_act_color(n), lw=2, ls="--" if n == "leaky_relu" else "-", label=n, zorder=2)
    if threshold:
        levels = {}
        for n in names:
            levels.setdefault(SATURATION_LEVEL * max_derivative(n), []).append(n)
        for level, who in levels.items():
            ax.axhline(level, color=_act_color(who[0]) if len(who) == 1 else PALETTE["grey"], lw=1.2, ls=":",
                       label=f"5 % of max ({who[0]})" if len(who) == 1 else "5 % of max (the others)")
    ax.set(xlabel="pre-activation a", ylabel="f′(a)", ylim=(-0.05, 1.1),
           title="derivatives (dotted: 5 % of max; below = saturated)")
    ax.legend(fontsize=8, frameon=False, loc="center right")
    if threshold and "sigmoid" in names:  # the sigmoid's threshold is too low to read on the main axes
        ins = ax.inset_axes([0.12, 0.45, 0.26, 0.36])  # right edge left of a ≈ −1.5: clear of tanh′ > 0.45
        level = SATURATION_LEVEL * max_derivative("sigmoid")
        b = torch.linspace(-lim, lim, 601, dtype=torch.float64)
        ins.plot(b, derivative("sigmoid", b), color=_act_color("sigmoid"), lw=1.5)
        ins.axhline(level, color=_act_color("sigmoid"), lw=1.0, ls=":")
        ins.set_ylim(0, 4 * level)
        ins.set_title("sigmoid, zoomed", fontsize=7)
        ins.set_xlabel("a", fontsize=6, labelpad=1)
        ins.set_ylabel("σ′(a)", fontsize=6, labelpad=1)
        ins.tick_params(labelsize=6)
    return ax


def _layer_hist(tensors, ax, xlabel, bins, log_abs=False, every=1):
    import matplotlib

    n = len(tensors)
    shown = [i for i in range(n) if tensors[i] is not None and (i % every == 0 or i == n - 1)]
    for i, t in enumerate(tensors):
        if i not in shown:
            continue
        v = _np(t).ravel()
        if log_abs:
            v = np.log10(np.abs(v[v != 0]) + 1e-45)
        h, e = np.histogram(v, bins=bins, density=True)
        last = i == n - 1 and n > 6  # the last layer thin and behind: its spikes must not hide the others
        color = matplotlib.colormaps["viridis"](0.9 * i / max(n - 1, 1))  # dark purple = layer 1; 0.9: no pale yellow
        ax.plot(0.5 * (e[1:] + e[:-1]), h, color=color, lw=0.9 if last else 1.2,
                ls=":" if last else "-", zorder=1 if last else 2,
                label=f"layer {i + 1}" + (" (dotted)" if last else ""))
    ax.set(xlabel=xlabel, ylabel="density")
    _legend_below(ax, ncol=4)  # every drawn layer named, under the axes so it hides no curve
    return ax


def plot_activation_histograms(probe, ax=None, *, bins: int = 60, every: int = 1):
    """Histogram of each layer's activations z (viridis: dark purple = first layer, yellow-green = last;
    Glorot & Bengio 2010, fig. 6, at initialisation). ``every`` = k draws every k-th layer and the last."""
    _check("probe", probe, Probe)
    ax = _ax(ax)
    if not probe.z:
        raise ValueError("probe has no raw activations: call probe(..., keep=True)")
    _layer_hist(probe.z, ax, "activation z", bins, every=every)
    ax.set_title(f"activations per layer ({probe.kinds[0]})")
    return ax


def plot_gradient_histograms(probe, ax=None, *, bins: int = 60, every: int = 1):
    """Histogram of log10 |∂L/∂a| per layer (Glorot & Bengio 2010, fig. 7): vanishing shows as the
    curves sliding left. ``every`` = k draws every k-th layer and the last."""
    _check("probe", probe, Probe)
    ax = _ax(ax)
    if not probe.grads:
        raise ValueError("probe has no raw gradients: call probe(..., keep=True) with targets y")
    _layer_hist(probe.grads, ax, "log10 |∂L/∂a|", bins, log_abs=True, every=every)
    ax.set_title(f"gradients per layer ({probe.kinds[0]})")
    return ax


def _per_layer(profiles: dict, field: str, ax, colors, log: bool, **kw):
    n = len(profiles)
    for i, (label, p) in enumerate(profiles.items()):
        v = _np(getattr(p, field))  # earlier lines wider, so a line lying under a later one shows as a rim
        ax.plot(np.arange(1, len(v) + 1), v, color=_color(label, colors), lw=2 + 1.5 * (n - 1 - i) / max(n - 1, 1),
                marker=".", ms=4, label=label, **kw)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    _int_layers(ax)
    _legend(ax)
    return ax


def plot_gradient_profile(profiles: dict, ax=None, *, colors: dict | None = None, field: str = "grad_a"):
    """‖∂L/∂a_l‖ (or ``field="grad_W"``) against layer l, log scale: a straight slope = geometric decay."""
    _check("profiles", profiles, "dict", of=Probe)
    ax = _per_layer(profiles, field, _ax(ax), colors, True)
    ax.set(ylabel="‖∂L/∂a‖" if field == "grad_a" else "‖∂L/∂W‖", title="gradient norm per layer")
    return ax


def plot_forward_std(profiles: dict, ax=None, *, colors: dict | None = None):
    """std of each layer's activations z (log scale)."""
    _check("profiles", profiles, "dict", of=Probe)
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax = _per_layer(profiles, "z_std", _ax(ax), colors, True)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # labels readable inside one decade
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set(ylabel="std(z)", title="forward: activation std per layer")
    _legend_below(ax)
    return ax


RELU_FAMILY = ("relu", "leaky_relu", "prelu")


def plot_saturation_profile(profiles: dict, ax=None, *, colors: dict | None = None, dead: bool = False,
                            zoom: float | None = None):
    """% saturated (or % dead with ``dead=True``) per layer, with the 5 % / 20 % rules of thumb.

    A ReLU-family net always has about half its units at a ≤ 0 (that is how ReLU works), so for it
    the panel draws % dead instead (dashed, "(% dead)" in the legend): the number the rule is about.
    ``zoom`` (a % > 0): an inset redraws the lines of the nets outside the ReLU family on [0, zoom]."""
    _check("profiles", profiles, "dict", of=Probe)
    if zoom is not None and (isinstance(zoom, bool) or not isinstance(zoom, numbers.Real)
                             or not 0 < float(zoom) <= 100):
        raise ValueError(f"zoom must be None or a real number in (0, 100], got {zoom!r}")
    ax = _ax(ax)
    n = len(profiles)
    ins = ax.inset_axes([0.1, 0.66, 0.86, 0.28]) if zoom is not None else None  # above the % dead lines
    for i, (label, p) in enumerate(profiles.items()):
        relu = p.kinds and p.kinds[0] in RELU_FAMILY
        v = _np(p.pct_dead if dead or relu else p.pct_saturated)  # earlier lines wider (see _per_layer)
        style = dict(color=_color(label, colors), lw=2 + 1.5 * (n - 1 - i) / max(n - 1, 1), marker=".", ms=4)
        ax.plot(np.arange(1, len(v) + 1), v, **style,
                ls="--" if relu and not dead else "-", label=f"{label} (% dead)" if relu and not dead else label)
        if ins is not None and not relu:
            ins.plot(np.arange(1, len(v) + 1), v, **{**style, "lw": style["lw"] / 2, "ms": 2})
    if ins is not None:
        ins.set_ylim(-0.02 * float(zoom), float(zoom))
        ins.text(0.98, 0.9, f"zoom: 0 to {float(zoom):g} % (not the ReLU family)", transform=ins.transAxes,
                 fontsize=7, ha="right", va="top")
        _int_layers(ins)
        ins.tick_params(labelsize=6)
    ax.set_xlabel("layer (1 = next to the input)")
    _int_layers(ax)
    rule = RULES_OF_THUMB["pct_dead" if dead else "pct_saturated"]
    ax.axhspan(0, rule["healthy"], color=PALETTE["green"], alpha=0.2, label=f"aim: ≤ {rule['healthy']:g} %")
    ax.axhline(rule["worry"], color=PALETTE["black"], lw=0.8, ls=":", label=f"worry: > {rule['worry']:g} %")
    ax.set(ylim=(-2, 102), ylabel="% dead units" if dead else "% saturated (ReLU family: % dead)",
           title="% dead per layer" if dead else "% saturated per layer")
    _legend_below(ax) if ins is not None else _legend(ax)  # the inset takes the room above the lines
    return ax


def plot_update_ratio(history, ax=None, *, label: str = "", color: str | None = None):
    """log10 update:data ‖ΔW‖/‖W‖ of each layer over training (Karpathy's plot; layers coloured as in
    ``plot_gradient_norm_over_training``); dotted: 1e-3.
    An update below float32's resolution leaves W unchanged (ratio exactly 0): drawn on a dashed grey
    floor line one decade below the smallest non-zero ratio (and at most −16), so that a tiny
    non-zero ratio is never drawn where "unchanged" is."""
    _check("history", history, "dict", keys=("probe_step", "update_ratio"))
    ax = _ax(ax)
    steps = np.asarray(history["probe_step"])
    r = np.stack([_np(t) for t in history["update_ratio"]]).astype(np.float64)  # (n_probes, L)
    L = r.shape[1]
    pos = r[r > 0]
    floor = min(-16.0, np.floor(np.log10(pos.min())) - 1) if pos.size else -16.0
    with np.errstate(divide="ignore"):
        y = np.where(r > 0, np.log10(np.where(r > 0, r, 1.0)), floor)
    for l in range(L):
        lab = _layer_label(l, L)  # a layer whose W never changed lies hidden on the floor line: say so
        lab = f"{lab} (always 0: on the floor)" if lab and (r[:, l] == 0).all() else lab
        ax.plot(steps, y[:, l], color=_layer_color(l, L, color), lw=1, label=lab)
    if (r == 0).any():
        ax.axhline(floor, color=PALETTE["grey"], ls="--", lw=0.8, zorder=0, label="exactly 0: W unchanged")
    _legend_below(ax)
    aim = np.log10(RULES_OF_THUMB["update_ratio"]["healthy"])
    ax.axhline(aim, color=PALETTE["black"], ls=":", lw=1)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, max(hi, aim + 0.1 * (hi - lo)))  # the dotted line clear of the frame
    ax.set(xlabel="step", ylabel="log10 update:data", title="update:data per layer" + (f": {label}" if label else ""))
    return ax


def plot_training_curves(histories: dict, ax=None, *, metric: str = "test_acc", colors: dict | None = None):
    """``metric`` (``"test_acc"``, ``"train_acc"`` at probe steps, or ``"loss"`` every step) per run;
    a label may map to one History or to a list of them (seeds: one thin line each, one legend entry)."""
    _check("histories", histories, "dict", of=(dict, list, tuple))
    ax = _ax(ax)
    for label, hs in histories.items():
        hs = hs if isinstance(hs, (list, tuple)) else [hs]
        for i, h in enumerate(hs):
            x = h["step"] if metric == "loss" else h["probe_step"]
            ax.plot(x, h[metric], color=_color(label, colors), lw=1.8 if len(hs) == 1 else 1.0,
                    alpha=1.0 if len(hs) == 1 else 0.7, label=label if i == 0 else None,
                    ls="--" if "residual" in label else "-")
    if metric == "loss":
        ax.set_yscale("log")
    name = "training minibatch loss" if metric == "loss" else metric.replace("_", " ")
    ax.set(xlabel="step", ylabel=name, title=name)
    _legend(ax)
    return ax


def _layer_color(l: int, L: int, color: str | None):
    """Layer l of L: a given colour, or viridis from dark purple (layer 1) to yellow (layer L)."""
    import matplotlib

    return color or matplotlib.colormaps["viridis"](l / max(L - 1, 1))


def _layer_label(l: int, L: int):
    return f"layer {l + 1}" if l in (0, L - 1) else None


def plot_gradient_norm_over_training(history, ax=None, *, label: str = "", color: str | None = None):
    """‖∂L/∂a_l‖ of every layer l over training, log scale (viridis: dark purple = layer 1, yellow =
    the last; ``color`` draws every layer in one colour instead)."""
    _check("history", history, "dict", keys=("probe_step", "grad_a"))
    ax = _ax(ax)
    steps = np.asarray(history["probe_step"])
    g = np.stack([_np(t) for t in history["grad_a"]])  # (n_probes, L)
    L = g.shape[1]
    for l in range(L):
        ax.semilogy(steps, np.clip(g[:, l], 1e-45, None), color=_layer_color(l, L, color), lw=1,
                    label=_layer_label(l, L))
    _legend_below(ax)
    ax.set(xlabel="step", ylabel="‖∂L/∂a_l‖", title="gradient norm per layer" + (f": {label}" if label else ""))
    return ax
