"""Reading the rows of ``vglab.capstone`` (notebook 08): verdicts, the summary table, rules of thumb.

No training here: ``add_verdicts`` compares each remedy's score with its baseline row's (a remedy
"helped" when it wins by ≥ ``MARGIN``); ``healthy_flow`` applies the gradient-flow rules (MLP:
‖∂L/∂a_1‖ / ‖∂L/∂a_L‖ within 10×, ``saturation.RULES_OF_THUMB["grad_ratio"]``; SRN: the Q-factor,
paper eq. (25), in [−1, 1], paper §5); ``format_table`` and ``rules_of_thumb`` put the measured
numbers into words.
"""
from __future__ import annotations

import math

from .. import _args, _checked
from ..results import rows as _rows

MLP = "deep MLP"  # the testbed name of the MLP rows
MARGIN = 0.05  # a remedy "helped" when it beats its baseline by >= 5 points of accuracy
KEYS = ("testbed", "remedy", "baseline", "score", "chance")  # what every capstone row holds (results.rows checks)


def add_verdicts(rows: list[dict], margin: float = MARGIN) -> list[dict]:
    """Fill each row's ``verdict`` by its mean score against its baseline row's (same testbed), in plain
    words, and its ``cost``: its measured ``sec_per_update`` over the baseline's (1 for a baseline), only
    where both rows were computed in one session (the same ``commit`` key, or neither has one): a ratio
    across sessions would mix machine loads, so it is None there (printed "—").
    "helped" needs the mean ≥ ``margin`` above the baseline's; a "helped" or "hurt" verdict says
    "(ranges overlap)" where the two rows' min–max ranges overlap ("no gain here" never does)."""
    rows, margin = _rows("rows", rows, KEYS, what="capstone rows"), _args.real("margin", margin, 0, 1)
    by = {(r["testbed"], r["remedy"]): r for r in rows}
    for r in rows:
        b = by.get((r["testbed"], r["baseline"]))
        sec = r.get("sec_per_update")
        same_session = b is not None and r.get("commit") == b.get("commit")  # rows of one run: same load
        r["cost"] = 1.0 if r["baseline"] is None else (
            sec / b["sec_per_update"] if same_session and sec and b.get("sec_per_update") else None)
        if r["baseline"] is None:
            r["verdict"] = "baseline"
        elif b is None:
            r["verdict"] = f"(no {r['baseline']} row to compare with)"
        else:
            d = 100 * (r["score"] - b["score"])
            learned = lambda x: x["score"] >= x["chance"] + 2 * margin  # noqa: E731
            overlap = "score_min" in r and "score_min" in b and r["score_min"] <= b["score_best"] \
                and b["score_min"] <= r["score_best"]
            if not learned(r) and not learned(b):
                r["verdict"] = "no gain here: neither learned in this budget"
            elif d >= 100 * margin:
                r["verdict"] = f"helped: {d:+.0f} pts vs {r['baseline']}" + (" (ranges overlap)" if overlap else "")
            elif d <= -100 * margin:
                r["verdict"] = f"hurt: {d:+.0f} pts vs {r['baseline']}" + (" (ranges overlap)" if overlap else "")
            else:
                r["verdict"] = f"no gain here: {d:+.0f} pts vs {r['baseline']}"
    return rows


def _row(row: dict, *keys) -> dict:
    """One capstone row (a dict holding ``keys``), else a TypeError/ValueError naming ``row``."""
    _checked.instance("row", row, dict, "a capstone row (a dict from capstone.run_mlp/run_srn)")
    if any(k not in row for k in keys):
        raise ValueError(f"row must hold {keys} (a capstone row), got keys {sorted(row)[:8]}")
    return row


def helped(row: dict) -> bool:
    _row(row, "verdict")
    return row["verdict"].startswith("helped")


def healthy_flow(row: dict, key: str = "flow") -> bool:
    """Layer-1/last within 10× (MLP; saturation.RULES_OF_THUMB), Q in [−1, 1] (SRN; paper §5)."""
    v = _row(row, "testbed").get(_args.text("key", key))
    if v is not None and not _args.is_real(v):
        raise TypeError(f"row[{key!r}] must be a number or None, got {type(v).__name__}")
    if v is None or not math.isfinite(v):
        return False
    return 0.1 <= v <= 10 if row["testbed"] == MLP else -1.0 <= v <= 1.0


def _fmt_flow(r, key):
    v = r[key]
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.0e}" if r["testbed"] == MLP else f"{v:+.1f}"


def _pct(v):
    return "—" if v is None else f"{v:.0f}"


def format_table(rows: list[dict], markdown: bool = True) -> str:
    """The summary table: one line per row (Markdown, or aligned plain text). Score: % correct of the
    last weights, mean (min–max) over the row's n networks or seeds; flow: layer-1/last gradient ratio
    (MLP) or Q (SRN), at init → after training; % saturated init → after, with "(N % dead)" where units
    are dead (N % of the units); cost: time per update / the baseline's."""
    head = ["testbed", "remedy", "n", "score % mean (min–max)", "flow init → after", "% saturated init → after",
            "cost ×", "verdict"]
    _args.boolean("markdown", markdown)
    body, rows = [], _rows("rows", rows, KEYS + ("score_best", "flow_init", "flow", "pct_saturated", "verdict"),
                           what="capstone rows (capstone.add_verdicts)")
    for r in rows:
        lo = r.get("score_min", r["score"])
        sat = f"{_pct(r.get('pct_saturated_init'))} → {_pct(r['pct_saturated'])}" + (
            f" ({r['pct_dead']:.0f} % dead)" if r.get("pct_dead") else "")
        cost = "—" if r.get("cost") is None else f"{r['cost']:.1f}"
        body.append([r["testbed"], r["remedy"], str(r.get("n", len(r.get("scores", [])))),
                     f"{100 * r['score']:.0f} ({100 * lo:.0f}–{100 * r['score_best']:.0f})",
                     f"{_fmt_flow(r, 'flow_init')} → {_fmt_flow(r, 'flow')}", sat, cost, r["verdict"]])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip() for x in [head] + body)


def _names(rows):
    return ", ".join(r["remedy"] for r in rows) or "none"


def rules_of_thumb(rows: list[dict], saved: list[dict] | None = None) -> list[str]:
    """Rules of thumb read off the rows (and a saved run's rows); each says how many rows (and networks
    or seeds per row) it rests on and holds only for those rows."""
    rows = _rows("rows", rows, KEYS + ("regime", "n", "verdict"), what="capstone rows (capstone.add_verdicts)")
    saved = [] if saved is None or isinstance(saved, (list, tuple)) and not saved else \
        _rows("saved", saved, KEYS + ("regime", "n", "verdict"), what="capstone rows")
    out = []
    mlp = [r for r in rows if r["testbed"] == MLP]
    if mlp:
        n = min(r["n"] for r in mlp)
        tried = [r for r in mlp if r["baseline"]]
        ok = [r for r in tried if healthy_flow(r, "flow_init")]
        bad = [r for r in tried if not healthy_flow(r, "flow_init")]
        out += [f"Deep MLP ({len(mlp)} rows, {n} seeds each, {mlp[0]['regime']}): helped — {_names([r for r in tried if helped(r)])}; "
                f"did not — {_names([r for r in tried if not helped(r)])}.",
                f"Deep MLP: of the {len(ok)} remedies whose layer-1/last ratio starts within 10×, "
                f"{sum(helped(r) for r in ok)} helped; of the {len(bad)} that start outside, {sum(helped(r) for r in bad)} "
                "helped (this testbed, this budget only)."]
    for group in ([r for r in rows if r["testbed"] != MLP], saved or []):
        if not group:
            continue
        t, n = group[0]["testbed"], min(r["n"] for r in group)
        for regime in dict.fromkeys(r["regime"] for r in group):
            g = [r for r in group if r["regime"] == regime]
            base = [r for r in g if r["baseline"] is None]
            learned = [b for b in base if b["score"] >= b["chance"] + 2 * MARGIN]
            status = (f"its baseline {_names(base)} learned ({100 * base[0]['score']:.0f} %, chance "
                      f"{100 * base[0]['chance']:.0f} %)" if learned else f"its baseline {_names(base)} stayed at chance")
            out.append(f"{t}, {regime} ({len(g)} rows, {n} networks each): {status}; beat it by ≥ "
                       f"{100 * MARGIN:.0f} points — {_names([r for r in g if helped(r)])}.")
    return out


def long_run_summary(view: dict | None, paper: dict) -> str:
    """What a long Table-1 run (``ds_tables.long_run``) shows now, in words, beside the paper's cells
    (``paper[reading][task]`` = (best, mean) as printed): ``ds_long_run.report``, the same words as
    notebook 07's: nothing yet, still being trained (never a verdict), or finished with a verdict per dS
    reading against plain SGD that follows the numbers (ahead, behind or within the spread)."""
    from ..ds_long_run import report
    if view is not None:  # a dict of another kind: a ValueError naming what it lacks, not a KeyError
        _checked.record("view", view, ("rows", "finished", "task", "updates", "updates_done"), "a ds_tables.long_run view")
    return report(view, paper)
