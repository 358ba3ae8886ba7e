"""Saved Table-1 runs beside the paper's Tables 1 and 2 (SOURCES.md §1.4), row by row, with the size of
each run in its row and what a constant predictor scores under the same criterion.

``PAPER_T100`` / ``PAPER_T150`` (also ``table1.PAPER_*``) hold the paper's numbers (% correct, best / mean of 10
networks). The paper has rows only for plain SGD and dS sampling: a lab reading of dS sampling is
put beside the paper's dS row, a baseline (clipping, Ω, Pascanu's own regime) beside nothing.
``READING_NOTES`` says whose each reading is (the paper's, the lab's reading of the paper's open points,
the lab's own, or Pascanu's). ``constant_closed_form`` gives the constant predictor's exact score,
``long_run_state`` where a long run stands, ``paper_table`` which of the paper's tables a dict is.
"""
from __future__ import annotations

import functools
import math
import statistics
from pathlib import Path

import torch

from . import _args, _checked, tasks as _tasks
from .ds_train import READINGS, Run

_RUN = "a ds_train.Run (ds_train.train, engine.Engine.runs())"
_SUMM = ("update_end", "q_mean", "q_min", "q_max", "ds_abs_mean", "accept_rate", "loss_mean")  # epoch_trace's

READING_NOTES = {
    # name: (whose, what it is)
    "plain": ("paper's regime; summed loss ours", "momentum SGD, lr 1e-5, summed loss, batch 10 (the paper's §8 "
              "regime; the paper does not say sum or mean)"),
    "ds": ("paper's method, lab's reading A", "dS sampling, corrected rule; dW_rec = the full momentum step; summed "
           "loss; |dS| > 1 skips (dW_rec, the loss and the sign: lab's choices)"),
    "ds_own": ("paper's method, lab's reading B", "as ds, but dW_rec = the minibatch's own −lr ∂E/∂W_rec (the paper "
               "leaves it open)"),
    "ds_loss": ("ours", "as ds, but the |dS| limit is scaled to the step's loss change (not in the paper)"),
    "ds_own_loss": ("ours", "ds_own with the loss-scaled |dS| limit (not in the paper)"),
    "ds_as_printed": ("paper's printed step 4 on lab's reading A", "as ds, but step 4 as the paper prints it"),
    # the paper runs no clipping or Ω baseline: θ = 1 and Ω's weight 1 are the lab's choices (read 07r15 M2)
    "clipping": ("Pascanu et al., paper's settings; θ ours", "clipping at 1 with the paper's lr 1e-5, μ 0.9, "
                 "batch 10 and our summed loss; Pascanu's rule for a NaN, Inf or huge gradient (§6)"),
    "pascanu": ("Pascanu et al., paper's settings; θ, weight ours", "Ω (weight 1) + clipping at 1 (of the gradient "
                "with Ω's added) with the paper's lr 1e-5, μ 0.9, batch 10 and our summed loss; Pascanu's rule for a "
                "NaN, Inf or huge gradient (§6)"),
    # his regime includes his network: 50 units, smart_tanh init (ds_train.PASCANU_MODEL; read 07r19 S5)
    "plain_own": ("Pascanu's regime", "plain SGD, lr 0.01, no momentum, batch 20, batch-mean loss, on his 50-unit "
                  "network with `smart_tanh` init"),
    "clipping_own": ("Pascanu's regime", "as plain_own + clipping at 1 (his code's defaults with α = 0)"),
    "pascanu_own": ("Pascanu's regime", "as plain_own + Ω (α = 2) + clipping at 1 (his code's defaults)"),
}


PAPER_T100 = {  # Table 1, % correct, (best, mean) of 10 networks; ">99" kept as text
    "plain": {"addition": ("99", "68"), "multiplication": (">99", "72"),
              "temporal_order": ("96", "44"), "temporal_order_3bit": (">99", "50")},
    "ds": {"addition": (">99", "96"), "multiplication": (">99", "68"),
           "temporal_order": (">99", "60"), "temporal_order_3bit": (">99", "62")},
}
PAPER_T150 = {
    "plain": {"addition": ("34", "11"), "temporal_order": ("51", "30"), "temporal_order_3bit": ("32", "24")},
    "ds": {"addition": ("47", "13"), "temporal_order": ("72", "42"), "temporal_order_3bit": ("37", "30")},
}


def summarise(r) -> dict:
    """What the JSON keeps of one run: scores per network, acceptance and Q over training."""
    _checked.instance("r", r, Run, _RUN)
    n = len(r.q)
    stride = max(1, n // 200)  # Q, dS and acceptance thinned to ~200 points per network
    return {"method": r.method, "config": r.config,
            "test_score": [round(float(s), 4) for s in r.test_score],
            "best_val": [round(float(s), 4) for s in r.best_val],
            "best_epoch": [int(e) for e in r.best_epoch],
            "accept_rate": [round(float(a), 4) for a in r.accepted.mean(0)],
            "trace": {"update": list(range(0, n, stride)),
                      "q": [[round(float(v), 3) for v in row] for row in r.q[::stride].T],
                      "ds": [[float(f"{v:.3g}") for v in row] for row in r.ds[::stride].T],
                      "accepted": [[round(float(v), 3) for v in row] for row in
                                   r.accepted.reshape(-1, stride, r.accepted.shape[1]).mean(1).T]
                      if n % stride == 0 else []}}


def table(args, done: dict) -> dict:
    """Per task and method: per-network test scores, best and mean (in %), the paper beside."""
    import argparse
    from .experiments.table1 import SETTINGS
    _checked.instance("args", args, argparse.Namespace, "the table1 CLI's parsed Namespace (table1.parse)")
    if any(not hasattr(args, k) for k in SETTINGS):
        raise ValueError(f"args must be the table1 CLI's parsed Namespace (table1.parse), with {SETTINGS}")
    _checked.instance("done", done, dict, "a dict of 'task/method' -> run summary (ds_tables.summarise)")
    for key, v in done.items():
        if key.count("/") != 1:
            raise ValueError(f"done's keys must be 'task/method', got {key!r}")
        _checked.record(f"done[{key!r}]", v, ("test_score",), "a run summary (ds_tables.summarise)")
    rows = {}
    for key, s in done.items():
        task, name = key.split("/")
        if task not in args.tasks or name not in args.methods:
            continue
        sc = [100 * v for v in s["test_score"]]
        rows.setdefault(task, {})[name] = {**s, "best": round(max(sc), 1), "mean": round(sum(sc) / len(sc), 1),
                                           "success": sum(v > 99 for v in sc)}
    paper = PAPER_T100 if args.T == 100 else PAPER_T150 if args.T == 150 else {}
    settings = {k: getattr(args, k) for k in SETTINGS}
    return {"settings": settings, "rows": rows, "paper": paper, "paper_T100": PAPER_T100,
            "paper_T150": PAPER_T150}


def epoch_trace(summ: dict) -> dict:
    """~200 points per network of an ``Engine(records="epoch")`` run's per-epoch summaries
    (``engine.Engine.summaries()[task][reading]``): update count at each point, Q mean/min/max,
    mean |dS|, accept rate and mean loss, each a list per network."""
    _checked.record("summ", summ, _SUMM, "one reading's engine summaries (engine.Engine.summaries()[task][reading])")
    ends = summ["update_end"]
    stride = max(1, len(ends) // 200)
    rnd = lambda a, d: [[round(float(v), d) for v in row] for row in a[::stride].T]  # noqa: E731
    return {"update": [int(u) for u in ends[::stride]], "per": "epoch",
            "q": rnd(summ["q_mean"], 3), "q_min": rnd(summ["q_min"], 3), "q_max": rnd(summ["q_max"], 3),
            "ds": [[float(f"{v:.3g}") for v in row] for row in summ["ds_abs_mean"][::stride].T],
            "accepted": rnd(summ["accept_rate"], 3), "loss": rnd(summ["loss_mean"], 4)}


def summarise_epochs(r, summ: dict, curve: dict) -> dict:
    """What the JSON keeps of one run trained with ``records="epoch"`` (``engine.Engine``): the
    final scores as ``summarise``, the accept rate over the whole run, ``epoch_trace`` and the kept
    networks' test scores along the run (``test_curve``, e.g. every 10 %)."""
    _checked.instance("r", r, Run, _RUN)
    _checked.record("summ", summ, _SUMM + ("updates",), "one reading's engine summaries (engine.Engine.summaries())")
    _checked.record("curve", curve, ("at", "update", "test_score"), "one reading's engine test curve (Engine.test_curve())")
    upd = summ["updates"].astype("float64")
    return {"method": r.method, "config": r.config,
            "test_score": [round(float(s), 4) for s in r.test_score],
            "best_val": [round(float(s), 4) for s in r.best_val],
            "best_epoch": [int(e) for e in r.best_epoch],
            "accept_rate": [round(float(a), 4) for a in (summ["accept_rate"] * upd).sum(0) / upd.sum(0)],
            "trace": epoch_trace(summ),
            "test_curve": {"at": list(curve["at"]), "update": list(curve["update"]),
                           "test_score": [[round(float(v), 4) for v in row] for row in curve["test_score"].T]}}


def paper_table(paper) -> tuple[str, int | None]:
    """Which of the paper's tables ``paper`` holds: ``("Table 1", 100)`` for ``PAPER_T100``, ``("Table 2", 150)``
    for ``PAPER_T150`` (compared by value), ``("its table", None)`` for any other dict of cells."""
    if not isinstance(paper, dict):
        raise TypeError(f"paper must be a dict such as ds_tables.PAPER_T100, got {type(paper).__name__}")
    if paper == PAPER_T100:
        return "Table 1", 100
    if paper == PAPER_T150:
        return "Table 2", 150
    return "its table", None


def long_run(name: str, directory=None) -> dict | None:
    """A long Table-1 run as it stands: the finished ``results/<name>.json``, else the progress file
    ``results/runs/<name>.progress.json`` the run rewrites at every checkpoint, else None.

    Returns ``{"finished", "updates_done", "updates", "settings", "label", "rows": {reading: {"test_at",
    "test_score" (points × networks, in %), "trace" (``epoch_trace``: about 200 traced epochs), for a finished
    run "accept_rate" (per network, counted over every minibatch drawn), and for a progress file written
    by an older ``table1`` "last_epoch" (accept rate and mean Q of the last epoch per network)}}}`` for
    the run's first task."""
    from . import results
    from .runfiles import read_json
    _args.file_stem("name", name)
    base = _args.path_like("directory", directory) if directory is not None else results.results_dir()
    if (base / f"{name}.json").is_file():
        run = results.load(name, base)
        s = run["data"]["settings"]
        task = s["tasks"][0]
        rows = {k: {"test_at": r["test_curve"]["at"], "trace": r["trace"], "accept_rate": r.get("accept_rate"),
                    "test_score": [[100 * v for v in col] for col in zip(*r["test_curve"]["test_score"])]}
                for k, r in run["data"]["rows"][task].items()}
        return {"finished": True, "updates_done": s["updates"], "updates": s["updates"], "settings": s,
                "label": results.label(run), "rows": rows, "task": task}
    prog = base / "runs" / f"{name}.progress.json"
    if not prog.is_file():
        return None
    p = read_json(prog)
    s = p["settings"]
    task = s["tasks"][0]
    rows = {k.split("/")[1]: {"test_at": r["test_at"], "trace": r.get("trace"), "last_epoch": r.get("last_epoch"),
                              "test_score": [[100 * v for v in pt] for pt in r["test_score"]]}
            for k, r in p["rows"].items() if k.split("/")[0] == task}
    return {"finished": False, "updates_done": p["updates_done"], "updates": s["updates"], "settings": s,
            "label": f"in progress: {p['updates_done']} of {s['updates']} updates ({p['wall_s'] / 3600:.1f} h so far)",
            "rows": rows, "task": task}


def long_run_state(view: dict) -> dict:
    """Where a ``long_run`` view stands, per reading: ``{"test_at"`` (the update of the last test point, or
    None before the first), ``"best"``, ``"mean"`` (% of the kept networks there), ``"accept"`` (mean over
    networks of the last epoch's accept rate) and ``"q"`` (median over networks of its mean Q), each
    None where the view has no such record}."""
    if not isinstance(view, dict) or not isinstance(view.get("rows"), dict):
        raise TypeError(f"view must be a ds_tables.long_run view (a dict with rows), got {type(view).__name__}")
    out = {}
    for name, row in view["rows"].items():
        st = dict.fromkeys(("test_at", "best", "mean", "accept", "q"))
        if row.get("test_score"):
            last = [float(v) for v in row["test_score"][-1]]
            st.update(test_at=row["test_at"][len(row["test_score"]) - 1], best=max(last), mean=sum(last) / len(last))
        tr, le = row.get("trace"), row.get("last_epoch")
        acc, q = ([c[-1] for c in tr["accepted"]], [c[-1] for c in tr["q"]]) if tr and tr.get("update") else \
            (le.get("accept_rate"), le.get("q_mean")) if le else (None, None)
        if acc:
            st["accept"] = sum(acc) / len(acc)
        if q:
            st["q"] = float(statistics.median(q))
        out[name] = st
    return out


def constant_closed_form(task: str, criterion: str = "lstm") -> float:
    """% correct of the best constant prediction on addition or multiplication, exactly: with the
    tolerance τ of ``criterion`` (``tasks.TOLERANCE``), 4τ − 4τ² for addition ((a + b)/2 of two
    U[0, 1) values) and 2τ − 2τ ln 2τ for multiplication (a·b); SOURCES.md §6.8."""
    _args.choice("task", task, ("addition", "multiplication")), _args.choice("criterion", criterion, _tasks.CRITERIA)
    tau = _tasks.TOLERANCE[criterion][task][0]
    return 100 * (4 * tau - 4 * tau**2 if task == "addition" else 2 * tau - 2 * tau * math.log(2 * tau))


def paper_row(reading: str) -> str | None:
    """Which row of the paper's tables a reading sits beside: "plain", "ds" or None (no such row)."""
    _args.choice("reading", reading, tuple(READINGS))
    if reading == "plain":
        return "plain"
    return "ds" if READINGS[reading][0].startswith("ds") else None


@functools.lru_cache(maxsize=64)
def constant_scores(task: str, T: int, criterion: str = "lstm", *, n: int = 20_000, seed: int = 0) -> float:
    """% correct of the best constant prediction (``tasks.constant_baseline``) on a seeded set of n
    (cached: the tables ask for the same (task, T, criterion) many times)."""
    _, s = _tasks.constant_baseline(task, T, criterion, n=n, generator=torch.Generator().manual_seed(seed))
    return 100 * float(s)


def size_text(run: dict, row: dict | None = None) -> str:
    """The size of a saved run in words: T, networks, minibatches drawn (a skipped one applies no update),
    set sizes, units and init, device."""
    if not isinstance(run, dict) or "data" not in run or "settings" not in run["data"]:
        raise ValueError("run must be a saved Table-1 run (vglab.results.load), with data.settings")
    s, dev = run["data"]["settings"], str(run.get("provenance", {}).get("device", "?"))
    dev = dev.replace("(1 threads)", "(1 thread)")  # saved provenance says "1 threads"; the table says it right
    model = (row or {}).get("model") or {"hidden": s["hidden"], "init": "N(0, 0.01)"}
    init = str(model["init"]).replace("N(0, 0.01)", "N(0, variance 0.01)")  # the paper's σ is a variance
    return (f"T = {s['T']}, {s['networks']} nets, {s['updates']} minibatches drawn, sets {s['n_train']}/{s['n_val']}/"
            f"{s['n_test']}, {model['hidden']} units {init}, {dev}")


def comparison(run: dict, *, n_const: int = 20_000) -> list[dict]:
    """One dict per (task, reading) of a saved run: ours (best, mean, successes > 99 %), the run's size,
    the paper's (best, mean) at T = 100 and T = 150 for the matching row (None where the paper has
    none), the constant predictor's score under the row's criterion, and whose the reading is."""

    size_text(run)  # checks the shape of ``run``
    _args.integer("n_const", n_const, 1, 10**7)  # the constant predictor's sample: 20 000 by default
    T, out = run["data"]["settings"]["T"], []
    for task, rows in run["data"]["rows"].items():
        for name, row in rows.items():
            crit = row.get("config", {}).get("criterion", "lstm")
            prow = paper_row(name) if name in READINGS else None
            out.append({
                "task": task, "reading": name, "whose": READING_NOTES.get(name, ("?", ""))[0],
                "best": row["best"], "mean": row["mean"], "success": row["success"],
                "networks": len(row["test_score"]), "size": size_text(run, row), "criterion": crit,
                "paper_T100": None if prow is None else PAPER_T100[prow].get(task),
                "paper_T150": None if prow is None else PAPER_T150[prow].get(task),
                "constant": constant_scores(task, T, crit, n=n_const)})
    return out


def markdown(rows: list[dict]) -> str:
    """``comparison`` rows as a Markdown table (paper cells as printed: "best / mean")."""
    from .results import rows as _rows
    rows = _rows("rows", rows, ("task", "reading", "whose", "best", "mean", "success", "networks", "constant",
                                "paper_T100", "paper_T150", "size"), what="ds_tables.comparison rows")

    def paper(v):
        return "–" if v is None else f"{v[0]} / {v[1]}"
    head = ("| task | reading (whose) | ours: best / mean | > 99 % | constant | paper T = 100 | paper T = 150 "
            "| size of our run |\n|---|---|---|---|---|---|---|---|\n")
    return head + "\n".join(
        f"| {r['task']} | `{r['reading']}` ({r['whose']}) | {r['best']:.1f} / {r['mean']:.1f} | "
        f"{r['success']}/{r['networks']} | {r['constant']:.1f} | {paper(r['paper_T100'])} | "
        f"{paper(r['paper_T150'])} | {r['size']} |" for r in rows)


def paper_tables() -> str:
    """The paper's Tables 1 (T = 100) and 2 (T = 150) in full, as Markdown (SOURCES.md §1.4)."""

    head = "| table | method | " + " | ".join(_tasks.TASKS) + " |\n|---|---|" + "---|" * len(_tasks.TASKS) + "\n"
    lines = []
    for label, tab in (("1 (T = 100)", PAPER_T100), ("2 (T = 150)", PAPER_T150)):
        for meth, who in (("plain", "plain SGD"), ("ds", "dS sampling")):
            cells = [" / ".join(tab[meth][t]) if t in tab[meth] else "– / –" for t in _tasks.TASKS]
            lines.append(f"| {label} | {who} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines)
