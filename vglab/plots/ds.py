"""Figures for dS sampling (notebook 07): the (Q, dS) plane with its accept/skip regions, Q over
training, Table 1 beside the paper's. Plot functions take ``ax=None`` and return the Axes."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .style import PALETTE, color
from .style import check as _check  # the plots' one input check (issue 17)

LINTHRESH = 1e-4  # dS spans many decades: a symmetric log axis, linear within ±1e-4
Q_LIM = (-4.0, 6.0)
DS_LIM = 1e3  # the largest y-limit: a |dS| beyond it is drawn at the edge
SHIFT = 0.03  # plot_long_run: test points of neighbouring readings this share of the run apart (read 07r19 F1)
TITLE_SIZE, LEGEND_SIZE = 11, 8  # plot_long_run's titles and legends (read 08r15 F6)
ACCEPT, SKIP = PALETTE["green"], PALETTE["wine"]


def accept_regions(q_min=-1.0, q_max=1.0, ds_max=1.0, rule="corrected", q_lim=Q_LIM):
    """The accept region as rectangles ``(q0, ds0, width, height)`` (SOURCES.md §1.3, §1.6; both rules)."""
    lo, hi = q_lim
    zone = (q_min, -ds_max, q_max - q_min, 2 * ds_max)
    right_up, left_down = (q_max, 0.0, hi - q_max, ds_max), (lo, -ds_max, q_min - lo, ds_max)
    right_down, left_up = (q_max, -ds_max, hi - q_max, ds_max), (lo, 0.0, q_min - lo, ds_max)
    if rule == "corrected":
        return [zone, right_up, left_down]
    if rule == "as_printed":
        return [zone, right_down, left_up]
    raise ValueError(f"rule must be 'corrected' or 'as_printed', got {rule!r}")


def region_handles():
    """Legend proxies for the (Q, dS) plane: the apply region, the zone's edges."""
    return [Patch(facecolor=ACCEPT, alpha=0.18, label="apply region (white: skip)"),
            Line2D([], [], color=PALETTE["grey"], lw=0.8, ls="--", label="safe zone edges")]


def _ds_limit(ds=None) -> float:
    """The (Q, dS) plane's symlog y-limit: the smallest power of 10 that is at least 10 and at least
    every |dS| given, at most ``DS_LIM`` (read 07r15 F1: a fixed ±1e3 left a third of each half empty)."""
    a = np.abs(np.asarray([] if ds is None else ds, float))
    top = float(a[np.isfinite(a)].max(initial=0.0))
    return float(min(DS_LIM, max(10.0, 10.0 ** np.ceil(np.log10(top)) if top > 0 else 10.0)))


def plot_ds_plane(q=None, ds=None, accepted=None, *, q_min=-1.0, q_max=1.0, ds_max=1.0, rule="corrected",
                  ax=None, title=None, max_points=4000, ds_lim=None):
    """The (Q, dS) plane: green = apply, white = skip (inside the zone too, where |dS| > ds_max);
    dashed lines = the zone's edges; dots = recorded decisions (if given). The y-axis runs to
    ±``ds_lim`` (default ``_ds_limit(ds)``); a dot beyond it is drawn at the edge."""
    ax = ax or plt.gca()
    if _check("ds_lim", ds_lim, "number", optional=True) is not None and ds_lim <= 0:
        raise ValueError(f"ds_lim must be a positive number, got {ds_lim!r}")
    lim = _ds_limit(ds) if ds_lim is None else float(ds_lim)
    for r in accept_regions(q_min, q_max, ds_max, rule):
        ax.add_patch(Rectangle(r[:2], r[2], r[3], facecolor=ACCEPT, alpha=0.18, edgecolor="none"))
    for v in (q_min, q_max):
        ax.axvline(v, color=PALETTE["grey"], lw=0.8, ls="--")
    ax.axhline(0, color="black", lw=0.6)
    handles = region_handles()
    if q is not None:
        q, ds = np.asarray(q, float).ravel(), np.asarray(ds, float).ravel()
        keep = np.linspace(0, len(q) - 1, min(len(q), max_points)).astype(int)
        acc = np.ones(len(q), bool) if accepted is None else np.asarray(accepted, bool).ravel()
        for mask, c, lab in ((acc[keep], ACCEPT, "applied"), (~acc[keep], SKIP, "skipped")):
            handles.append(ax.scatter(np.clip(q[keep][mask], *Q_LIM), np.clip(ds[keep][mask], -lim, lim),
                                      s=6, c=c, label=lab, alpha=0.6, linewidths=0))
        ax.legend(handles=handles, loc="lower right", fontsize=7, markerscale=2)
    ax.set_yscale("symlog", linthresh=LINTHRESH)
    ax.yaxis.set_major_locator(FixedLocator([-lim, -1, -LINTHRESH, 0, LINTHRESH, 1, lim]))  # ±LINTHRESH: the seam (read 07r22 F7)
    ax.yaxis.set_minor_locator(NullLocator())  # symlog's default minor ticks cost most of a redraw
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # plain text: no mathtext to lay out
    ax.set_xlim(*Q_LIM)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("Q-factor (> 0: vanishing, < 0: exploding)")
    ax.set_ylabel(f"dS (symlog, linear within ±{LINTHRESH:g})")  # read 07r20 F2: the seam is named
    ax.set_title(title or f"rule: {rule.replace('_', ' ')}", fontsize=10)
    return ax


def plot_q_over_training(runs: dict, *, q_min=-1.0, q_max=1.0, ax=None, smooth=50):
    """Q per update for several runs ``{name: q (n_updates, M)}``: the running mean of each network
    (thin) and their median (thick), one colour and one line style per run (solid, dashed, dotted, ...:
    runs that coincide, e.g. two rules that decide alike inside the zone, stay visible as a
    dashed line over a solid one; a network whose line equals an earlier run's is drawn again in
    dashes of both runs' colours and named in the legend with its index, counted from 0); the safe zone's
    edges dashed grey."""
    _check("runs", runs, "dict", of="array")
    ax = ax or plt.gca()
    for v, lab in ((q_min, "safe zone edges"), (q_max, None)):
        ax.axhline(v, color=PALETTE["grey"], lw=0.8, ls="--", label=lab)
    styles = ("-", (0, (4, 2)), (0, (1, 1.5)), "-.")
    drawn = []  # (name, smoothed q) of the runs drawn so far, to find networks whose lines coincide
    for i, (name, q) in enumerate(runs.items()):
        ls = styles[i % len(styles)]
        q = np.asarray(q, float)
        q = q[:, None] if q.ndim == 1 else q
        k = max(1, min(smooth, len(q) // 5))
        sm = np.stack([np.convolve(c, np.ones(k) / k, mode="valid") for c in q.T], 1)  # running mean
        x = np.arange(sm.shape[0]) + k // 2
        c = color(name, PALETTE["grey"])
        # dotted/dashed thin lines opaque: where two runs coincide the later one lies on top in its own colour
        # instead of blending with the earlier into a grey that looks like plain's (read 07r8 F8)
        ax.plot(x, sm, color=c, lw=0.9 if ls == "-" else 1.4, alpha=0.85 if ls == "-" else 1.0, ls=ls)
        for other, sm_o in drawn:  # a network whose line is another run's: dashes in both colours, named
            same = [j for j in range(sm.shape[1]) if sm_o.shape == sm.shape and np.allclose(sm[:, j], sm_o[:, j])]
            nets = f"network{'s' if len(same) > 1 else ''} {', '.join(map(str, same))}"  # counted from 0 (read 07r19 F2)
            for j in same:
                ax.plot(x, sm[:, j], color=c, gapcolor=color(other, PALETTE["grey"]), lw=1.6, ls=(0, (3, 3)),
                        label=f"{other} = {name} ({nets}, both colours)" if j == same[0] else None)
        drawn.append((name, sm))
        med = dict(marker="os^D"[i % 4], ms=5, markevery=max(1, len(x) // 6))  # marked: no thin line looks like it
        ax.plot(x, np.median(sm, 1), color=c, lw=2.6, ls=ls, label=f"{name} (median, marked; thin: each network)",
                **med)
    ax.set_xlabel("update (minibatches drawn)")
    ax.set_ylabel("Q(δ, h)")
    ax.set_title(f"Q (running mean over {k} updates)" if len(runs) else "Q", fontsize=9)
    # below the axes: inside, a legend would hide the lines that leave the zone's middle
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=1, frameon=False)
    return ax


def plot_accept_rate(runs: dict, *, ax=None, window=100):
    """Running fraction of applied minibatches per run ``{name: accepted (n_updates, M)}``, pooled
    over the M networks (their mean), over a window of ``window`` updates, each point at the centre of
    its window; the title says both."""
    _check("runs", runs, "dict", of="array")
    ax = ax or plt.gca()
    ks = set()
    for name, acc in runs.items():
        a = np.asarray(acc, float)
        a = a.mean(1) if a.ndim == 2 else a
        k = max(1, min(window, len(a) // 5))
        ks.add(k)
        sm = np.convolve(a, np.ones(k) / k, mode="valid")  # running mean, centred as in plot_q_over_training
        ax.plot(np.arange(len(sm)) + k // 2, sm, color=color(name, PALETTE["grey"]), label=name)
    n_nets = {np.asarray(a).shape[1] if np.ndim(a) == 2 else 1 for a in runs.values()}
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("update (minibatches drawn)")
    ax.set_ylabel("fraction applied")
    nets = f"{n_nets.pop()} networks" if len(n_nets) == 1 else "networks"
    win = f"window {ks.pop()} updates" if len(ks) == 1 else "running window"
    ax.set_title(f"running fraction applied ({win}, mean of the {nets})", fontsize=9)
    ax.legend(fontsize=8)
    return ax


def plot_table1(rows: dict, task: str, *, paper: dict | None = None, ax=None):
    """Per-network test accuracy (%) per method for one task; the paper's best/mean as marks."""
    _check("task", task, "text"), _check("rows", rows, "dict", keys=(task,))
    _check(f"rows[{task!r}]", rows[task], "dict", of="dict")
    ax = ax or plt.gca()
    names = list(rows[task])
    for i, name in enumerate(names):
        sc = 100 * np.asarray(rows[task][name]["test_score"])
        c = color(name, PALETTE["grey"])
        ax.scatter(np.full(len(sc), i) + np.linspace(-0.15, 0.15, len(sc)), sc, color=c, s=18)
        ax.hlines(sc.mean(), i - 0.3, i + 0.3, color=c, lw=2)
        ref = (paper or {}).get("ds" if name.startswith("ds") else name, {}).get(task)
        if ref:
            for v, ls in zip(ref, ("-", ":")):
                ax.hlines(float(v.strip(">")), i - 0.35, i + 0.35, color=color("paper"), lw=1.2, ls=ls)
    ax.set_xticks(range(len(names)), names, rotation=30, fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 102)
    ax.set_title(task, fontsize=10)
    return ax


def plot_long_run(view: dict, *, paper: dict | None = None, axes=None):
    """A long Table-1 run (``ds_tables.long_run``) over its updates, one colour per reading: the kept
    networks' test accuracy (mean of the networks solid, best dashed, each reading's points shifted
    sideways by ``SHIFT`` of the run so that equal values do not hide each other; the paper's best / mean as
    lines in the lab's paper colour, beneath the lab's points), the fraction of updates applied and the mean Q at each traced epoch
    (``ds_tables.epoch_trace``: about 200 over the run, every epoch of a short run, one in ten of 2 000)
    (median over networks) on a log-scaled update axis, so that its first epochs are visible, with a dot at each
    traced epoch (between two dots the line is drawn straight: those epochs are not kept in the trace); from a
    progress file that has only the last epoch, one mark each. The linear update axes end a little past
    the run's last update, so that its shifted last markers are not cut by the spine."""
    _check("view", view, "dict", keys=("rows", "updates", "task")), _check("view['rows']", view["rows"], "dict", of="dict")
    _check("axes", axes, "axes", optional=True)
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    ax_s, ax_a, ax_q = axes
    n_rows = len(view["rows"])
    dots = []  # (updates, Q) of each traced reading: a dot per traced epoch, drawn after every line (read 07r20 F1)
    # room right of the last update: the last test points are shifted sideways and drawn as markers (read 07r16 F1)
    right = view["updates"] * (1 + SHIFT * max(n_rows - 1, 0) / 2 + 0.03)
    for i, (name, row) in enumerate(view["rows"].items()):
        shift = (i - (n_rows - 1) / 2) * SHIFT * view["updates"]  # test points side by side: equal ones stay visible
        # ds_own in indigo here: its usual cyan is too close to ds's teal where their points overlap
        c = PALETTE["indigo"] if name == "ds_own" else color(name, PALETTE["grey"])
        mk = dict(marker="osD^v"[i % 5], ms=9 - 2 * (i % 3), mfc="none", mew=1.5)  # hollow, nested: none hides another
        if row["test_score"]:
            sc = np.asarray(row["test_score"], float)  # (points, networks), %
            at = np.asarray(row["test_at"][:len(sc)], float) + shift
            # one legend entry per reading; mean and best are told apart by two grey keys (long_run_legends)
            ax_s.plot(at, sc.mean(1), color=c, label=name, **mk)  # a lone point stays visible
            ax_s.plot(at, sc.max(1), color=c, ls="--", lw=1, label=f"_{name} best",
                      **dict(mk, mfc=c, ms=mk["ms"] - 2))  # nested: later ones smaller, on top
        tr, le = row.get("trace"), row.get("last_epoch")
        # nested lines (read 08r15 F5): each reading drawn narrower than the one before, on top of it, and from
        # the third on dashed, so that where two readings' curves coincide both colours stay visible
        nest = dict(lw=1.4 + 1.2 * (n_rows - 1 - i) / max(n_rows - 1, 1), ls="-" if i < 2 else (0, (3, 2)))
        if tr and tr["update"]:
            last_pt = dict(mk, markevery=[len(tr["update"]) - 1], **nest)  # the latest epoch marked, as the dots below
            ax_a.plot(tr["update"], np.mean(tr["accepted"], 0), color=c, label=name, **last_pt)
            ax_q.plot(tr["update"], np.median(tr["q"], 0), color=c, label=name, **last_pt)
            dots.append((tr["update"], np.median(tr["q"], 0), c))
        elif le:  # an older progress file: only the last epoch, one mark at the updates done
            ax_a.plot([view["updates_done"]], [np.mean(le["accept_rate"])], color=c, ls="", label=name, **mk)
            ax_q.plot([view["updates_done"]], [np.median(le["q_mean"])], color=c, ls="", label=name, **mk)
    for u, q, c in dots:  # what the trace keeps; the lines between two dots are drawn straight (epochs not kept)
        ax_q.plot(u, q, color=c, ls="", marker="o", ms=3.5, mec="white", mew=0.4, label="_traced epochs")
    ref = (paper or {})
    from ..ds_tables import paper_table  # which of the paper's tables the lines are (Table 1 or 2)
    tab = paper_table(ref) if isinstance(ref, dict) and ref else ("", None)
    tab = f" ({tab[0]})" if tab[1] is not None else ""
    for meth, ls in (("plain", "-"), ("ds", ":")):
        cell = ref.get(meth, {}).get(view["task"])
        shown = " / ".join(cell or ())  # best / mean; a ">99" is drawn at 99 and the label says so
        at = "".join(f" ({v} drawn at {v.strip('>')})" for v in cell or () if v.startswith(">"))
        for v, what in zip(cell or (), ("best", "mean")):
            ax_s.axhline(float(v.strip(">")), color=color("paper"), lw=1, ls=ls, zorder=1,  # beneath the lab's points
                         label=f"paper {'dS' if meth == 'ds' else meth}{tab}: {shown}{at}" if what == "best" else None)
    ax_s.set(xlabel="minibatches drawn", ylabel="test accuracy (%), kept nets", ylim=(0, 102), xlim=(0, right))
    ax_s.set_title("test score of the kept nets", fontsize=TITLE_SIZE)  # the rest is in the legend (read 08r15 F6)
    traced = [bool((r.get("trace") or {}).get("update")) for r in view["rows"].values()]
    last = "" if all(traced) else " (last epoch only)" if not any(traced) else " (a dot: last epoch only)"
    ax_a.set(xlabel="minibatches drawn", ylabel="share applied (mean of nets)", ylim=(-0.05, 1.05), xlim=(0, right))
    ax_a.set_title("share applied, last epoch only" if not any(traced) else "share applied, traced epochs" + last,
                   fontsize=TITLE_SIZE)
    named = bool(ax_q.lines)  # the edges join the legend only beside a drawn Q (no legend of edges alone)
    for v, lab in ((-1.0, "safe zone edges"), (1.0, None)):  # drawn last: the readings' lines come first
        ax_q.axhline(v, color=PALETTE["grey"], lw=0.8, ls="--", label=lab if named else None)
    first = [u for r in view["rows"].values() for u in ((r.get("trace") or {}).get("update") or [])[:1]
             if u > 0] + ([view["updates_done"]] if not all(traced) and view["updates_done"] > 0 else [])
    if first:  # a log axis: the first epochs (where dS sampling moves Q most) are not squeezed against the y axis
        ax_q.set_xscale("log")
        ax_q.set(xlabel="minibatches drawn (log scale)", xlim=(min(first) / 1.5, view["updates"] * 1.3))
    else:
        ax_q.set(xlabel="minibatches drawn", xlim=(0, right))
    ax_q.set(ylabel="Q (epoch mean, median of nets)")
    ax_q.set_title("Q-factor, traced epochs" + last, fontsize=TITLE_SIZE)
    for ax in axes:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v else "0"))
    long_run_legends(axes)
    return axes


def long_run_legends(axes):
    """The legends of ``plot_long_run``'s three panels, below the axes (inside they hid points and lines:
    read 07r8 F7, 08r15 F6), at a readable size; each says how its panel keeps equal values visible.
    A panel with nothing drawn yet gets none. ``plots.capstone.long_run_panel`` calls it again after
    adding its band."""
    notes = ("readings offset sideways, so equal points stay visible\npaper: best / mean, beneath the points",
             "later readings narrower, on top",
             "later readings narrower, on top\na dot per traced epoch, the last one large and hollow;\nepochs between dots not kept")
    _check("axes", axes, "axes")
    for k, (ax, note, ncol) in enumerate(zip(axes, notes, (2, 3, 2))):
        handles, labels = ax.get_legend_handles_labels()
        if not handles:  # nothing drawn yet (a run before its first record): no legend
            continue
        if k == 0 and not all(lab.startswith("paper") for lab in labels):  # test points drawn: the two grey keys
            n = sum(not lab.startswith("paper") for lab in labels)
            key = dict(color=PALETTE["grey"], marker="o", mew=1.5)
            handles[n:n] = [Line2D([], [], mfc="none", ms=7, **key), Line2D([], [], ls="--", lw=1, ms=5, **key)]
            labels[n:n] = ["mean of nets (hollow)", "best net (filled)"]
        ax.legend(handles, labels, fontsize=LEGEND_SIZE, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol,
                  frameon=False, title=note, title_fontsize=LEGEND_SIZE)
