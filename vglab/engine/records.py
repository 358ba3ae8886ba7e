"""What an ``Engine`` keeps of a long run: per-epoch summaries and test scores of the kept networks.

A step writes (loss, Q, dS, applied) per network; the loop reads them once per epoch (``cfg.epoch``
updates, 50 in the paper). ``summarise`` turns one epoch's records into one row per network:

    updates      updates in the row (= cfg.epoch; the last row of a run may be shorter)
    accept_rate  fraction of the updates applied          skipped   updates skipped (int)
    q_mean, q_min, q_max   Q (25) over the row's updates  loss_mean  mean minibatch loss
    ds_abs_mean  mean |dS| (NaN for networks without the sweep)

as float32 (M,) arrays: 2 000 epochs × 30 networks ≈ 2.4 MB pickled, so a 100 000-update checkpoint of 30
networks with ``records="epoch"`` is 6.0 MB in float32 (the per-update records, kept with ``records="full"``,
would be 96 MB). ``Engine.summaries()`` splits them by task and reading.

Test scores along the run (``Engine(test_at=...)``): at the first validation at or after each
listed update count, the kept ("save best" by validation) network of every network is scored on
the test set; ``every(n_updates, 0.1)`` lists every 10 % of a run. ``Engine.test_curve()``.
"""
from __future__ import annotations

import numpy as np

from .. import _args

FIELDS = ("updates", "accept_rate", "skipped", "q_mean", "q_min", "q_max", "loss_mean", "ds_abs_mean")


def every(n_updates: int, fraction: float = 0.1) -> list[int]:
    """The update counts at every ``fraction`` of a run: ``every(100_000, 0.1)`` → [10 000, …, 100 000]."""
    n_updates = _args.integer("n_updates", n_updates, lo=1)
    fraction = _args.real("fraction", fraction, 1e-6, 1)  # at most a million points
    k = int(round(1 / fraction))
    return sorted({max(1, round(n_updates * i / k)) for i in range(1, k + 1)})


def check_points(test_at) -> tuple:
    """``test_at`` as a sorted tuple of update counts >= 1 (TypeError/ValueError naming it)."""
    try:
        pts = tuple(sorted({int(p) for p in test_at}))
    except (TypeError, ValueError):
        raise TypeError(f"test_at must be an iterable of update counts, got {test_at!r}") from None
    if pts and pts[0] < 1:
        raise ValueError(f"test_at: update counts must be >= 1, got {pts[0]}")
    return pts


def summarise(rec: np.ndarray) -> dict:
    """One row per network from one epoch's records ``rec`` (n, 4, M): loss, Q, dS, applied."""
    loss, q, ds, ok = rec[:, 0], rec[:, 1], rec[:, 2], rec[:, 3] > 0.5
    n = rec.shape[0]
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    with np.errstate(invalid="ignore"):
        return {"updates": np.full(rec.shape[2], n, dtype=np.int32), "accept_rate": f32(ok.mean(0)),
                "skipped": (n - ok.sum(0)).astype(np.int32), "q_mean": f32(q.mean(0)), "q_min": f32(q.min(0)),
                "q_max": f32(q.max(0)), "loss_mean": f32(loss.mean(0)), "ds_abs_mean": f32(np.abs(ds).mean(0))}


def stack(rows: list, M: int) -> dict:
    """The per-epoch rows as ``{field: (n_rows, M)}`` arrays (empty (0, M) arrays before any)."""
    if not rows:
        return {k: np.zeros((0, M), dtype=np.int32 if k in ("updates", "skipped") else np.float32) for k in FIELDS}
    return {k: np.stack([r[k] for r in rows]) for k in FIELDS}


def by_block(eng, table: dict, extra: dict | None = None) -> dict:
    """``{task: {reading: {field: array[..., Mt]}}}`` from arrays over all M networks (last axis)."""
    from .pack import block
    out = {}
    for g, task in enumerate(eng.tasks):
        out[task] = {}
        for r, name in enumerate(eng.readings):
            sl = block(g, r, eng.m, eng.Mt)
            out[task][name] = {**(extra or {}), **{k: v[..., sl] for k, v in table.items()}}
    return out


def test_due(eng) -> list[int]:
    """The listed update counts reached by now and not scored yet."""
    done = {d["at"] for d in eng.test_points}
    return [p for p in eng.test_at if p <= eng.step_count and p not in done]


def summaries(eng) -> dict:
    """``{task: {reading: {field: (n_epochs, Mt)}}}``, the ``FIELDS``, plus ``"update_end"`` (n_epochs,):
    the update count at the end of each row."""
    ends = np.cumsum([int(r["updates"][0]) for r in eng.epochs]).astype(np.int64)
    return by_block(eng, stack(eng.epochs, eng.M), {"update_end": ends})


def test_curve(eng) -> dict:
    """``{task: {reading: {"at", "update", "test_score" (n_points, Mt)}}}``: the kept networks' test
    scores at each ``test_at`` point reached ("update": where it was scored, the validation at or after it)."""
    pts = eng.test_points
    sc = np.stack([d["test_score"] for d in pts]) if pts else np.zeros((0, eng.M))
    return by_block(eng, {"test_score": sc}, {"at": [d["at"] for d in pts], "update": [d["update"] for d in pts]})
