"""The full-size Table-1 column (``ds_tables.long_run``) in words, rendered from its state, so that no
sentence around it needs a human edit when the run finishes (notebooks 07 and 08).

``status`` says whether the run is absent, still being trained or finished. ``compare`` sets a dS reading
against plain SGD network by network (the readings start from the same initial networks) at the run's
last test point: means, bests, how many networks scored higher or lower, and an exact two-sided
sign-flip (permutation) test of the paired differences (``sign_flip_p``); its ``verdict`` is "ahead" or
"behind" only where p < ``ALPHA`` (the mean higher or lower), else "within the spread". The words for the
three: "beats plain SGD", "scores below plain SGD", and "within the spread of the paired differences … no gain
and no clear loss". ``over_run`` gives the accept rate and Q in
the first, middle and last tenth of the run; ``applied_share`` the share of drawn minibatches a reading
applied over the whole run (the readings are compared at equal minibatches drawn, so a dS reading made
fewer weight updates). ``adjusted_p`` corrects the p of several readings compared with one baseline
(Bonferroni, Holm). ``report`` puts it all beside the paper's Table 1 or 2 (only in
the finished state with a verdict), and ``summary`` is the one sentence a notebook's summary uses. Both say
what the p covers: the initial networks are its random units (the data, the minibatch order and the test
set are one draw, shared by all readings); ``summary`` also says which verdict survives each correction.
"""
from __future__ import annotations

import numbers
import statistics

import numpy as np

from . import _args
from .show import typeset_minus

__all__ = ["ALPHA", "adjusted_p", "applied_share", "compare", "over_run", "report", "sign_flip_p", "status", "summary"]

ALPHA = 0.05  # the test level of ``compare``'s verdict (two-sided)
_TIE = 1e-9  # paired differences smaller than this (in points) count as equal


def _check_view(view, *, allow_none=False):
    if view is None and allow_none:
        return
    if not isinstance(view, dict) or not {"rows", "finished", "task", "updates", "updates_done"} <= set(view):
        raise TypeError("view must be a dict from ds_tables.long_run (with 'rows', 'finished', 'task', 'updates', "
                        f"'updates_done'){' or None' if allow_none else ''}, got {type(view).__name__}")


def _check_paper(paper, view=None) -> tuple[str, int | None]:
    """``ds_tables.paper_table(paper)``: its table's name and T; a ValueError where the run has the T of the paper's other table
    (a T = 150 run beside Table 1). A run at another T (a rehearsal) may sit beside either: its status says its T."""
    from .ds_tables import paper_table
    name, T = paper_table(paper)  # a TypeError naming ``paper`` where it is not a dict
    run_T = (view or {}).get("settings", {}).get("T")
    if T is not None and run_T in (100, 150) and run_T != T:
        raise ValueError(f"paper is the paper's {name} (T = {T}), but the run has T = {run_T}: pass "
                         f"ds_tables.PAPER_T{run_T}")
    return name, T


def sign_flip_p(diffs) -> float:
    """Exact two-sided p of the paired sign-flip test: the share of the 2**n sign patterns of ``diffs``
    whose mean is at least as far from 0 as the observed mean (n ≤ 16 finite numbers)."""
    try:
        d = np.asarray(diffs, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"diffs must be a sequence of real numbers, got {type(diffs).__name__}") from None
    if not 1 <= d.size <= 16 or not np.isfinite(d).all():
        raise ValueError(f"diffs must hold 1 to 16 finite numbers, got {d.size} (finite: {bool(np.isfinite(d).all())})")
    signs = ((np.arange(2 ** d.size)[:, None] >> np.arange(d.size)) & 1) * 2 - 1
    means = np.abs(signs @ d)
    return float(np.mean(means >= abs(d.sum()) - 1e-9 * max(1.0, np.abs(d).sum())))


def adjusted_p(ps, method: str = "bonferroni") -> list:
    """The p of m tests made together, corrected for multiplicity: "bonferroni" (each p × m) or "holm"
    (step-down: the k-th smallest p × (m − k + 1), made non-decreasing), capped at 1, in the input's order."""
    _args.choice("method", method, ("bonferroni", "holm"))
    try:
        p = np.asarray(ps, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"ps must be a sequence of real numbers, got {type(ps).__name__}") from None
    if p.size == 0 or not np.isfinite(p).all() or ((p < 0) | (p > 1)).any():
        raise ValueError(f"ps must hold at least one p in [0, 1], got {p.tolist()}")
    m = p.size
    if method == "bonferroni":
        return [float(min(1.0, v * m)) for v in p]
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return [float(v) for v in out]


def applied_share(view: dict, reading: str) -> float | None:
    """The share of its drawn minibatches ``reading`` applied over the whole run, mean over networks: from
    the run's per-network count over every minibatch (``accept_rate``, a finished run) where the view has
    it, else estimated from the traced epochs (the trace's equal blocks of updates); None without either."""
    _check_view(view)
    if not isinstance(reading, str) or reading not in view["rows"]:
        raise ValueError(f"reading must be one of the run's readings {sorted(view['rows'])}, got {reading!r}")
    row = view["rows"][reading]
    if row.get("accept_rate"):
        return float(np.mean(np.asarray(row["accept_rate"], float)))
    tr = row.get("trace")
    if not tr or not tr.get("update"):
        return None
    return float(np.mean(np.asarray(tr["accepted"], float)))


def _decimals(base, scores):
    """The fewest decimals (1 to 6) at which every pair the count calls unequal prints unequal."""
    for dec in range(1, 7):
        if all((f"{b:.{dec}f}" == f"{a:.{dec}f}") == (abs(a - b) <= _TIE) for b, a in zip(base, scores)):
            return dec
    return 6


def _pairs(base, scores, dec=None):
    """"b → a" per network, at ``dec`` decimals (default ``_decimals``: the fewest that keep every
    unequal pair unequal); ``report`` passes one ``dec`` for all readings (read 08r15 S8)."""
    dec = _decimals(base, scores) if dec is None else dec
    return ", ".join(f"{b:.{dec}f} → {a:.{dec}f}" for b, a in zip(base, scores))


def _last(view, reading):
    row = view["rows"].get(reading)
    if not row or not row.get("test_score"):
        return None, None
    return [float(v) for v in row["test_score"][-1]], row["test_at"][len(row["test_score"]) - 1]


def compare(view: dict, reading: str = "ds", baseline: str = "plain", *, alpha: float = ALPHA) -> dict | None:
    """``reading`` against ``baseline`` at the last test point both have, network by network: ``{"at",
    "n", "scores", "base_scores" (%), "mean", "base_mean", "best", "base_best", "higher", "lower", "equal",
    "p" (``sign_flip_p`` of the differences), "verdict"}``, None where either has no test point yet."""
    _check_view(view)
    for name, v in (("reading", reading), ("baseline", baseline)):
        if not isinstance(v, str) or v not in view["rows"]:
            raise ValueError(f"{name} must be one of the run's readings {sorted(view['rows'])}, got {v!r}")
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be a real number in (0, 1), got {alpha!r}")
    (a, at_a), (b, at_b) = _last(view, reading), _last(view, baseline)
    if a is None or b is None:
        return None
    if len(a) != len(b) or at_a != at_b:
        raise ValueError(f"{reading} and {baseline} must have the same networks and test points "
                         f"({len(a)} vs {len(b)} networks, update {at_a} vs {at_b})")
    d = np.subtract(a, b)
    p = sign_flip_p(d)
    verdict = "within the spread" if p >= alpha else "ahead" if d.mean() > 0 else "behind"
    return {"at": at_a, "n": len(a), "scores": a, "base_scores": b, "mean": float(np.mean(a)),
            "base_mean": float(np.mean(b)), "best": max(a), "base_best": max(b), "higher": int((d > _TIE).sum()),
            "lower": int((d < -_TIE).sum()), "equal": int((abs(d) <= _TIE).sum()), "p": p, "verdict": verdict}


def over_run(view: dict, reading: str) -> dict | None:
    """The accept rate (mean over networks and traced epochs) and Q (median over networks of the mean over
    traced epochs) in the first, middle and last tenth of the updates done, and the share of all traced Q
    inside [−1, 1]: ``{"accept": (first, middle, last), "q": (...), "inside": share}``; None without a trace."""
    _check_view(view)
    if not isinstance(reading, str) or reading not in view["rows"]:
        raise ValueError(f"reading must be one of the run's readings {sorted(view['rows'])}, got {reading!r}")
    tr = view["rows"][reading].get("trace")
    if not tr or not tr.get("update"):
        return None
    u = np.asarray(tr["update"], float)
    acc, q = np.asarray(tr["accepted"], float), np.asarray(tr["q"], float)  # (networks, points)
    span = max(float(view["updates_done"]), u.max())
    out = {"accept": [], "q": []}
    for lo in (0.0, 0.45, 0.9):
        sel = (u >= lo * span) & (u <= (lo + 0.1) * span)
        if not sel.any():  # a short trace: the point nearest the window's middle
            sel = np.arange(u.size) == np.abs(u - (lo + 0.05) * span).argmin()
        out["accept"].append(float(acc[:, sel].mean()))
        out["q"].append(float(statistics.median(q[:, sel].mean(1).tolist())))
    return {"accept": tuple(out["accept"]), "q": tuple(out["q"]), "inside": float(np.mean(np.abs(q) <= 1))}


def status(view: dict | None) -> str:
    """One sentence: absent, still being trained (at which update), or finished."""
    _check_view(view, allow_none=True)
    if view is None:
        return ("This copy holds no state of the full-size run (neither its result nor its progress file): "
                "nothing to show, and no verdict.")
    s = view.get("settings", {})
    what = f"The T = {s['T']} {view['task'].replace('_', ' ')} run" if "T" in s else "The long run"  # 2 runs share T = 100
    if view["finished"]:
        return f"{what} **has finished** ({view['updates']} minibatches drawn per reading; {view['label']})."
    if view["updates_done"] >= view["updates"]:
        return (f"{what} has drawn all its {view['updates']} minibatches but has not written its result yet: "
                "nothing it shows is a verdict yet.")
    return (f"{what} **is still being trained**: {view['updates_done']} of {view['updates']} minibatches drawn in this "
            "copy. Nothing it shows is a verdict yet: **neither** that dS sampling beats plain SGD **nor** that it "
            "loses.")


def _signed(v):  # +0.70 / −1.04: a minus sign, not a hyphen, as the notebooks print; two decimals, so that
    return typeset_minus(f"{v:+.2f}")  # a Q just outside [−1, 1] does not read as on its edge (read 07r28 S2)


def _cell(paper, meth, task):
    c = paper.get(meth, {}).get(task)
    return " / ".join(c) if c else "–"


def _verdict_words(c, reading):
    """Three outcomes, one rule: "beats" only where p < alpha and the mean is higher, "scores below" only
    where p < alpha and it is lower; otherwise "within the spread": no significant gain or loss."""
    if c["verdict"] == "ahead":
        return f"`{reading}` beats plain SGD here: its mean is higher (p = {c['p']:.3f})"
    if c["verdict"] == "behind":
        return f"`{reading}` scores below plain SGD here: its mean is lower (p = {c['p']:.3f})"
    how = "higher" if c["mean"] > c["base_mean"] else "lower" if c["mean"] < c["base_mean"] else "the same"
    return (f"`{reading}`'s mean is {how}, but the difference is within the spread of the paired differences "
            f"(p = {c['p']:.2f}): this run shows no significant gain or loss from `{reading}`")


def report(view: dict | None, paper: dict) -> str:
    """Markdown: ``status``; the kept networks' best / mean at every test point per reading beside the
    paper's cells; the accept rate and Q over the run; and, once finished, ``compare`` for every dS
    reading against plain, with every network's pair of scores, and where a reading falls behind."""
    _check_view(view, allow_none=True)
    tab, _ = _check_paper(paper, view)
    out = [status(view)]
    if view is None:
        return out[0]
    task, rows = view["task"], view["rows"]
    names = list(rows)
    pts = sorted({at for r in rows.values() for at in r["test_at"][:len(r["test_score"])]})
    if pts:
        head = "| minibatches drawn | " + " | ".join(f"`{k}` best / mean" for k in names) + " |\n|---|" + "---|" * len(names)
        lines = []
        for at in pts:
            cells = []
            for k in names:
                r = rows[k]
                ats = r["test_at"][:len(r["test_score"])]
                sc = r["test_score"][ats.index(at)] if at in ats else None
                cells.append("–" if sc is None else f"{max(sc):.1f} / {sum(sc) / len(sc):.1f}")
            lines.append(f"| {at} | " + " | ".join(cells) + " |")
        lines.append(f"| paper, {tab} | " + " | ".join(
            _cell(paper, "plain" if k == "plain" else "ds", task) for k in names) + " |")
        out.append("Test accuracy (%) of the kept networks at each test point, best / mean of "
                   f"{len(rows[names[0]]['test_score'][0]) if rows[names[0]]['test_score'] else '?'} networks "
                   "(every dS reading sits beside the paper's dS row):\n\n" + head + "\n" + "\n".join(lines))
    else:
        out.append("No test point yet.")
    runs = {k: over_run(view, k) for k in names}
    if any(runs.values()):
        out.append("Over the run (first / middle / last tenth of the updates done, from the traced epochs): "
                   + "; ".join(f"`{k}` applied {' / '.join(f'{a:.0%}' for a in r['accept'])} of its minibatches, "
                               f"Q {' / '.join(_signed(q) for q in r['q'])} (median over networks of each one's mean Q in the window), {r['inside']:.0%} of traced Q "
                               "inside [−1, 1]" for k, r in runs.items() if r) + ".")
    if not view["finished"] or "plain" not in rows:
        return "\n\n".join(out)
    out.append(f"The paper's {tab} (best / mean of 10 networks): plain {_cell(paper, 'plain', task)}, "
               f"dS {_cell(paper, 'ds', task)}.")
    comps, cs = [], {k: compare(view, k, "plain") for k in names if k != "plain"}
    # one precision for every reading's list, the finest any of them needs (read 08r15 S8)
    dec = max((_decimals(c["base_scores"], c["scores"]) for c in cs.values() if c), default=1)
    for k, c in cs.items():
        if c is None:
            continue
        if not comps:
            out.append(_units(c["n"]))
        pairs = _pairs(c["base_scores"], c["scores"], dec)
        share = applied_share(view, k)
        text = (f"**`{k}` against plain SGD**, network by network at update {c['at']} (the same {c['n']} initial "
                f"networks): mean {c['mean']:.1f} % against {c['base_mean']:.1f} %, best {c['best']:.1f} % against "
                f"{c['base_best']:.1f} %; higher on {c['higher']}, lower on {c['lower']}, equal on {c['equal']} "
                f"networks (plain → `{k}`: {pairs}; a best is one network's score). Exact sign-flip test of "
                f"the {c['n']} paired differences: "
                + _verdict_words(c, k) + "."
                + ("" if share is None else f" At equal minibatches drawn, `{k}` applied {share:.0%} of its minibatches "
                   "over the run (mean of its networks; plain SGD applies all), so it made that share of plain's "
                   "weight updates."))
        comps.append((k, c["p"]))
        if c["verdict"] != "ahead":
            behind = [at for at in pts if _mean_at(rows[k], at) is not None and _mean_at(rows["plain"], at) is not None
                      and _mean_at(rows[k], at) < _mean_at(rows["plain"], at)]
            text += (f" Its mean is below plain's at {len(behind)} of {len(pts)} test points"
                     + (f" (the first at update {behind[0]})" if behind else "") + "; its accept rate and Q over the run: above.")
        out.append(text)
    if len(comps) > 1:
        out.append(_multiplicity(comps))
    return "\n\n".join(out)


def _units(n):
    """What the sign-flip p covers: the initial networks are its random units; the data are one draw."""
    return (f"The sign-flip p below treats the {n} initial networks as the random units: all readings share one "
            "training set, one order of minibatches drawn and one test set, so the p does not cover other data or "
            "another order.")


def _multiplicity(comps):
    """The sentence on several readings against one baseline: their p corrected (Bonferroni, Holm)."""
    names, ps = [k for k, _ in comps], [p for _, p in comps]
    parts = []
    for method, label in (("bonferroni", f"Bonferroni (each p × {len(ps)})"), ("holm", "Holm (step-down)")):
        adj = adjusted_p(ps, method)
        below = [f"`{k}`" for k, a in zip(names, adj) if a < ALPHA]
        parts.append(f"{label} gives " + ", ".join(f"`{k}` {a:.3f}" for k, a in zip(names, adj))
                     + f" (below {ALPHA:g}: {', '.join(below) if below else 'none'})")
    return (f"The p above are per comparison, but {len(ps)} readings are compared with the same plain SGD "
            "networks. Corrected for that, " + "; ".join(parts) + ".")


def _mean_at(row, at):
    ats = row["test_at"][:len(row["test_score"])]
    if at not in ats:
        return None
    sc = row["test_score"][ats.index(at)]
    return sum(sc) / len(sc)


def summary(view: dict | None, paper: dict) -> str:
    """The one sentence a notebook's summary says about a full-size run (T = 100 or 150), from its state."""
    _check_view(view, allow_none=True)
    tab, T = _check_paper(paper, view)
    if view is None or not view["finished"]:
        T = (view or {}).get("settings", {}).get("T") or T
        where = "" if view is None else f" (it stands at {view['updates_done']} of {view['updates']} minibatches drawn in this copy)"
        return (f"Whether dS sampling beats plain SGD{'' if T is None else f' at T = {T}'}, as the paper's {tab} says, "
                f"stays open until the full-size temporal-order run has finished{where}.")
    task = view["task"]
    parts, comps = [], []
    for k in view["rows"]:
        c = None if k == "plain" else compare(view, k, "plain")
        if c is not None:
            share = applied_share(view, k)
            parts.append(f"`{k}` mean {c['mean']:.1f} % against plain's {c['base_mean']:.1f} % (best {c['best']:.1f} "
                         f"against {c['base_best']:.1f}" + ("" if share is None else
                                                            f"; it applied {share:.0%} of its minibatches") + "): "
                         + _verdict_words(c, k))
            comps.append((k, c["p"]))
    if len(comps) > 1:
        methods = (("bonferroni", "Bonferroni"), ("holm", "Holm"))
        adj = {name: adjusted_p([p for _, p in comps], m) for m, name in methods}
        held = []
        for i, (k, p) in enumerate(comps):
            if p < ALPHA:  # a per-comparison verdict: does it survive the corrections?
                ok = [name for name in adj if adj[name][i] < ALPHA]
                held.append(f"`{k}`'s verdict holds under " + ("both" if len(ok) == 2 else
                            f"{ok[0]} only, not under {next(n for n in adj if n not in ok)}" if ok else "neither"))
        parts[-1] += (f" (these p are per comparison; corrected for the {len(comps)} readings compared with one "
                      "baseline: " + "; ".join(name + " " + ", ".join(f"`{k}` {a:.3f}" for (k, _), a in zip(comps, adj[name]))
                                               for name in adj)
                      + ("; " + "; ".join(held) if held else "") + ")")
    s = view.get("settings", {})
    return (f"The T = {s.get('T', '?')} {task.replace('_', ' ')} run ({s.get('networks', '?')} networks per reading, {view['updates']} "
            "minibatches drawn each; one run, whose p treat the initial networks as the random units: one training set, one "
            "minibatch order and one test set shared by all readings) has finished: " + "; ".join(parts)
            + f". The paper's {tab}: plain {_cell(paper, 'plain', task)}, dS {_cell(paper, 'ds', task)}.")
