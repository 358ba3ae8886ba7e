"""Reading the rows of ``vglab.capstone`` (notebook 08): verdicts, the summary table, rules of thumb.

No training here: ``add_verdicts`` compares each remedy's score with its baseline row's (a remedy
"helped" when it wins by ≥ ``MARGIN``); ``healthy_flow`` applies the gradient-flow rules (MLP:
‖∂L/∂a_1‖ / ‖∂L/∂a_L‖ within 10×, ``saturation.RULES_OF_THUMB["grad_ratio"]``; SRN: the Q-factor,
paper eq. (25), in [−1, 1], paper §5); ``format_table`` and ``rules_of_thumb`` put the measured
numbers into words.
"""
from __future__ import annotations

import math

MLP = "deep MLP"  # the testbed name of the MLP rows
MARGIN = 0.05  # a remedy "helped" when it beats its baseline by >= 5 points of accuracy


def add_verdicts(rows: list[dict], margin: float = MARGIN) -> list[dict]:
    """Fill each row's ``verdict`` by its score against its baseline row (same testbed), in plain words."""
    by = {(r["testbed"], r["remedy"]): r for r in rows}
    for r in rows:
        b = by.get((r["testbed"], r["baseline"]))
        if r["baseline"] is None:
            r["verdict"] = "baseline"
        elif b is None:
            r["verdict"] = f"(no {r['baseline']} row to compare with)"
        else:
            d = 100 * (r["score"] - b["score"])
            learned = lambda x: x["score"] >= x["chance"] + 2 * margin  # noqa: E731
            if not learned(r) and not learned(b):
                r["verdict"] = "no gain here: neither learned in this budget"
            elif d >= 100 * margin:
                r["verdict"] = f"helped: {d:+.0f} pts vs {r['baseline']}"
            elif d <= -100 * margin:
                r["verdict"] = f"hurt: {d:+.0f} pts vs {r['baseline']}"
            else:
                r["verdict"] = f"no gain here: {d:+.0f} pts vs {r['baseline']}"
            if healthy_flow(r) and not healthy_flow(b):
                r["verdict"] += "; gradient flow healthy, the baseline's not"
    return rows


def healthy_flow(row: dict) -> bool:
    """After training: layer-1/last within 10× (MLP; saturation.RULES_OF_THUMB), Q in [−1, 1] (SRN;
    paper §5)."""
    v = row.get("flow")
    if v is None or not math.isfinite(v):
        return False
    return 0.1 <= v <= 10 if row["testbed"] == MLP else -1.0 <= v <= 1.0


def _fmt_flow(r, key):
    v = r[key]
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.1e}" if r["testbed"] == MLP else f"{v:+.1f}"


def format_table(rows: list[dict], markdown: bool = True) -> str:
    """The summary table: one line per row (Markdown, or aligned plain text)."""
    head = ["testbed", "remedy", "score (mean / best)", "flow at init", "flow after", "% saturated",
            "wall s", "device", "verdict"]
    body = []
    for r in rows:
        sat = f"{r['pct_saturated']:.0f}" + (f" ({r['pct_dead']:.0f} dead)" if r.get("pct_dead") else "")
        body.append([r["testbed"], r["remedy"], f"{100 * r['score']:.0f} / {100 * r['score_best']:.0f} %",
                     _fmt_flow(r, "flow_init"), _fmt_flow(r, "flow"), sat, f"{r['wall_s']:.1f}",
                     r["device"], r["verdict"]])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip() for x in [head] + body)


def _names(rows, pick):
    out = [f"{r['remedy']} ({_fmt_flow(r, 'flow_init')} at init, {100 * r['score']:.0f} %)"
           for r in rows if pick(r)]
    return ", ".join(out) if out else "none"


def rules_of_thumb(rows: list[dict], saved: list[dict] | None = None) -> list[str]:
    """Rules of thumb in numbers, read off the rows (and a saved run's rows): every number is measured."""
    out, helped = [], lambda r: r["verdict"].startswith("helped")  # noqa: E731
    mlp = [r for r in rows if r["testbed"] == MLP]
    if mlp:
        p = next(r for r in mlp if r["baseline"] is None)
        ok = [r for r in mlp if 0.1 < r["flow_init"] < 10]
        out += [f"Deep MLP: healthy = gradient of layer 1 within 10× of the last. Plain sigmoid: "
                f"{p['flow_init']:.0e} at init, {100 * p['score']:.0f} % (chance 10 %), only "
                f"{p['pct_saturated']:.0f} % saturated — "
                "σ′ ≤ 1/4 per layer, not saturation, is what kills it.",
                f"Worked here: {_names(mlp, helped)}.",
                f"Did not help here: {_names(mlp, lambda r: r['baseline'] and not helped(r))}.",
                f"Within 10× at init → learned: {sum(helped(r) for r in ok)} of {len(ok)}; "
                f"outside 10× → learned: {sum(helped(r) for r in mlp if r not in ok)} of "
                f"{len(mlp) - len(ok) - 1}."]
    for group in ([r for r in rows if r["testbed"] != MLP], saved or []):
        if not group:
            continue
        by = {r["remedy"]: r for r in group}
        t, base = group[0]["testbed"], by.get("plain SGD")
        won = [r["remedy"] for r in group if helped(r)]
        line = f"{t}: healthy = Q in [−1, 1]."
        if base:
            line += f" Plain SGD starts at Q {base['flow_init']:+.1f} ({base['regime']})."
        out.append(line + f" Beat its baseline by ≥ {100 * MARGIN:.0f} points: "
                   f"{', '.join(won) or 'no remedy'}.")
        sat = lambda r: f" ({r['pct_saturated']:.0f} % saturated)" if r["pct_saturated"] > 5 else ""  # noqa
        out.append(f"{t}: Q after training — " + ", ".join(f"{r['remedy']} {r['flow']:+.1f}" + sat(r)
                                                           for r in group) + ".")
        if "LSTM f-bias 0" in by and "LSTM f-bias 1" in by:
            d = by["LSTM f-bias 0"]["flow_init"] - by["LSTM f-bias 1"]["flow_init"]
            out.append(f"{t}: forget-gate bias 1 instead of 0 keeps 10^{d:.1f} more cell gradient over the "
                       "sequence at init.")
    return out
