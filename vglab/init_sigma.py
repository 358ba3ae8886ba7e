"""Recurrent theory beside notebook 05's measurements: Pascanu's σ_max conditions, Bengio's latching.

Pascanu, Mikolov & Bengio (2013, §2.1; SOURCES.md §6.1): with γ = max f′ (tanh: 1, logistic
sigmoid: 1/4) each step back multiplies ‖δ‖ by at most ‖J(n)‖₂ ≤ σ_max(W_rec)·γ (paper eq. 8:
J(n) = W_recᵀ diag f′(a(n−1))). So σ_max < 1/γ is *sufficient* for the long-term components to
vanish, and σ_max > 1/γ is *necessary* for them to explode. Over h steps the bound reads
Q ≥ −h·log10(σ_max·γ) (``q_bound``): a guarantee, not a prediction. The typical per-step factor is
the gain × √E[f′²] of eq. (sat-rate) (``init_scale.sat_rate_factor``), well below σ_max·γ.

Bengio, Simard & Frasconi (1994): storing a bit robustly needs a contracting map near the stored
state, and contraction makes the gradient vanish over long spans. ``latching_q`` reads a saved
Table-1 run (``vglab.results.load``) and returns each network's Q at initialisation, Q late in
training and its test score, so the argument can be set beside trained networks that store the bit.
"""
from __future__ import annotations

import ast
import math

import torch

from ._args import integer, is_real, real
from .init_scale import recurrent_weights

__all__ = ["GAMMA", "max_fprime", "q_bound", "pascanu_rows", "format_pascanu_table", "latching_q", "q_of_mean_groups"]

GAMMA = {"tanh": 1.0, "sigmoid": 0.25}
"""γ = max f′ of each activation: tanh′(0) = 1, σ′(0) = 1/4."""


def max_fprime(activation: str = "tanh") -> float:
    """γ = max over a of f′(a): 1 for tanh, 1/4 for the logistic sigmoid (both at a = 0)."""
    if not isinstance(activation, str) or activation not in GAMMA:
        raise ValueError(f"activation must be one of {sorted(GAMMA)}, got {activation!r}")
    return GAMMA[activation]


def q_bound(sigma_max, activation: str = "tanh", h: int = 100):
    """The Q that Pascanu's bound guarantees over h steps: Q ≥ −h·log10(σ_max·γ).

    ``sigma_max``: σ_max(W_rec), a number or a tensor (one per network); returns the same kind.
    Positive (a guaranteed vanishing) exactly when σ_max < 1/γ; for σ_max > 1/γ it is negative and
    allows, but does not predict, an explosion.
    """
    gamma = max_fprime(activation)
    h = integer("h", h, lo=1)
    if isinstance(sigma_max, torch.Tensor):
        s = sigma_max.detach().to(torch.float64)
        if s.numel() == 0 or not bool(((s > 0) & torch.isfinite(s)).all()):
            raise ValueError(f"sigma_max must be finite and > 0, got {sigma_max!r}")
        return -h * torch.log10(s * gamma)
    s = real("sigma_max", sigma_max, 0, lo_open=True)
    return -h * math.log10(s * gamma)


def _check_rows(rows) -> list:
    if isinstance(rows, (str, bytes, dict)) or not hasattr(rows, "__iter__") or getattr(rows, "ndim", 1) == 0:
        raise TypeError(f"rows must be a list of init_scale.q_rows rows (dicts), got {type(rows).__name__}")
    rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one row of init_scale.q_rows")
    for r in rows:
        ok = (isinstance(r, dict) and isinstance(r.get("setting"), str) and is_real(r.get("std"))
              and 0 < float(r["std"]) < math.inf and isinstance(r.get("Q"), (list, tuple)) and r["Q"]
              and all(is_real(q) and math.isfinite(q) for q in r["Q"]))
        if not ok:
            raise ValueError("rows must be rows of init_scale.q_rows: dicts with 'setting' (text), 'std' "
                             f"(a number > 0) and 'Q' (finite numbers, one per network), got {r!r:.120}")
    return rows


def pascanu_rows(rows, *, seed: int = 0, n_hidden: int = 100, activation: str = "tanh", h: int = 100) -> list[dict]:
    """Pascanu's conditions for the networks behind ``init_scale.q_rows(...)``, one dict per row.

    The W_rec of each row are drawn again with ``init_scale.recurrent_weights(std², n_hidden, M, seed)``
    (the same draws as ``gradient_profile(seed=seed)``, whose per-network Q the row holds). Keys:
    ``setting``, ``n_networks``, ``smax`` (per network), ``smax_mean``/``_min``/``_max``, ``inv_gamma``
    (1/γ), ``n_sufficient`` (networks with σ_max < 1/γ: vanishing guaranteed), ``q_mean``/``_min``/
    ``_max`` (measured), ``bound`` (per network, ``q_bound``) and ``bound_holds`` (every measured Q ≥ its
    bound; the bound is a theorem, so False would mean a bug).
    """
    rows = _check_rows(rows)
    gamma = max_fprime(activation)
    seed, n_hidden = integer("seed", seed, lo=0, hi=2**63 - 1), integer("n_hidden", n_hidden, lo=1, hi=4096)
    integer("h", h, lo=1)
    out, unit = [], {}  # σ² only rescales one fixed draw (recurrent_weights): one SVD per M, times std
    for r in rows:
        Q = torch.tensor([float(q) for q in r["Q"]], dtype=torch.float64)
        M = Q.numel()
        if M not in unit:
            W = recurrent_weights(1.0, n_hidden, M, seed).reshape(M, n_hidden, n_hidden)
            unit[M] = torch.linalg.matrix_norm(W, ord=2)  # (M,): σ_max of each W_rec at std 1
        smax = unit[M] * float(r["std"])  # (M,): the largest singular value of each W_rec
        bound = q_bound(smax, activation, h)
        out.append({"setting": r["setting"], "n_networks": M, "smax": smax.tolist(),
                    "smax_mean": float(smax.mean()), "smax_min": float(smax.min()), "smax_max": float(smax.max()),
                    "inv_gamma": 1 / gamma, "n_sufficient": int((smax < 1 / gamma).sum()),
                    "q_mean": float(Q.mean()), "q_min": float(Q.min()), "q_max": float(Q.max()),
                    "bound": bound.tolist(), "bound_holds": bool((Q >= bound - 1e-9).all())})
    return out


def format_pascanu_table(prows) -> str:
    """A plain-text table of ``pascanu_rows``: σ_max (mean, range), 1/γ, how many networks meet the
    sufficient condition for vanishing, the weakest bound on Q over the networks (``q_bound``, the
    lowest per-network guarantee) and the measured Q (mean, range)."""
    if isinstance(prows, (str, bytes, dict)) or not hasattr(prows, "__iter__") or getattr(prows, "ndim", 1) == 0:
        raise TypeError(f"prows must be a list of pascanu_rows rows, got {type(prows).__name__}")
    keys = ("setting", "n_networks", "smax_mean", "smax_min", "smax_max", "inv_gamma", "n_sufficient",
            "bound", "q_mean", "q_min", "q_max")
    prows = list(prows)
    if not prows or not all(isinstance(p, dict) and all(k in p for k in keys) for p in prows):
        raise ValueError(f"prows must be a non-empty list of pascanu_rows rows (dicts with {keys})")
    lines = [f"{'setting':15s}  {'σ_max: mean (min … max)':>24s}  {'1/γ':>3s}  {'σ_max < 1/γ':>11s}  "
             f"{'bound: Q ≥':>10s}  {'measured Q: mean (min … max)':>28s}"]
    for p in prows:
        lines.append(f"{p['setting']:15s}  {p['smax_mean']:9.3f} ({p['smax_min']:5.3f} … {p['smax_max']:5.3f})  "
                     f"{p['inv_gamma']:3.0f}  {p['n_sufficient']:5d} of {p['n_networks']:<3d}  {min(p['bound']):10.0f}  "
                     f"{p['q_mean']:12.1f} ({p['q_min']:5.1f} … {p['q_max']:5.1f})")
    return "\n".join(lines)


def latching_q(run, method: str = "plain", task: str = "temporal_order", tail: float = 0.1) -> dict:
    """Q at initialisation and late in training, per network, from a saved Table-1 run.

    ``run``: ``vglab.results.load(name)`` of a ``table1`` run, whose ``rows[task][method]["trace"]``
    holds each network's Q (over h = T − 1 steps, on the training minibatch of that update) every few
    updates. Returns ``{"T", "n_networks", "updates", "test_score", "q_init", "q_late", "late_from",
    "kept_after"}``:
    ``q_init`` is the Q recorded at update 0 (the initial network), ``q_late`` the mean of the records in
    the last ``tail`` of the updates (from update ``late_from`` on), ``test_score`` the kept network's
    test score (fraction correct), ``kept_after`` the number of updates after which each kept network
    was saved (its ``best_epoch`` × the run's epoch length; 0 = the initial network), or ``None`` where
    the run does not record them.
    """
    tail = real("tail", tail, 0, 1, lo_open=True)
    if not isinstance(run, dict):  # a tensor or array indexed with "data" would only warn or misbehave
        raise TypeError(f"run must be a saved table1 run from vglab.results.load (a dict), got {type(run).__name__}")
    try:
        data = run["data"]
        T = data["settings"]["T"]
        rows = data["rows"]
    except Exception as e:  # noqa: BLE001 -- whatever was passed, the answer names ``run``
        raise TypeError(f"run must be a saved table1 run from vglab.results.load, got {type(run).__name__}") from e
    if not isinstance(rows, dict) or not isinstance(task, str) or task not in rows:
        raise ValueError(f"task must be one of {sorted(rows) if isinstance(rows, dict) else []}, got {task!r}")
    if not isinstance(rows[task], dict) or not isinstance(method, str) or method not in rows[task]:
        raise ValueError(f"method must be one of {sorted(rows[task]) if isinstance(rows[task], dict) else []}, "
                         f"got {method!r}")
    row = rows[task][method]
    try:
        upd = [int(u) for u in row["trace"]["update"]]
        q = torch.tensor(row["trace"]["q"], dtype=torch.float64)  # (M, records)
        score = [float(s) for s in row["test_score"]]
    except Exception as e:  # noqa: BLE001 -- a malformed trace is the caller's ``run``
        raise ValueError(f"run must hold a trace with 'update' and 'q' for {task}/{method}: {e}") from e
    if q.ndim != 2 or q.shape[1] != len(upd) or not upd or upd[0] != 0 or len(score) != q.shape[0] \
            or not bool(torch.isfinite(q).all()):
        raise ValueError(f"run's trace for {task}/{method} must start at update 0 and hold finite Q per network")
    n = upd[-1] + (upd[1] - upd[0] if len(upd) > 1 else 1)  # the number of updates
    late_from = n - tail * n
    late = torch.tensor([u >= late_from for u in upd])
    kept = None
    try:  # the kept network's epoch and the epoch length (the run's config: a dict, or its repr)
        cfg = row["config"]
        epoch = int((ast.literal_eval(cfg) if isinstance(cfg, str) else cfg)["epoch"])
        kept = [int(e) * epoch for e in row["best_epoch"]]
    except Exception:  # noqa: BLE001 -- optional: a run without them gives None
        kept = None
    if not bool(late.any()):
        late[-1] = True
    return {"T": int(T), "n_networks": int(q.shape[0]), "updates": int(n), "test_score": score,
            "q_init": q[:, 0].tolist(), "q_late": q[:, late].mean(dim=1).tolist(),
            "late_from": int(min(u for u, keep in zip(upd, late.tolist()) if keep)), "kept_after": kept}


def q_of_mean_groups(delta, group_size) -> torch.Tensor:
    """Eq. (25) on the mean curve of each disjoint group of ``group_size`` consecutive networks.

    ``delta``: an (M, h+1) tensor of per-network norms ‖δ(k−j)‖, j = 0 … h (``Profile.delta``), all
    finite and > 0; ``group_size``: an integer from 1 to M that divides M. Returns the M / group_size
    values log10 m(0) − log10 m(h), where m is the group's norms averaged over its networks. Group size
    1 gives the per-network Q's; group size M the Q of the mean curve (``Profile.q_of_mean``). Shows
    how the Q of a mean curve depends on how many networks it averages.
    """
    if not isinstance(delta, torch.Tensor):
        raise TypeError(f"delta must be a torch.Tensor of shape (M, h+1), got {type(delta).__name__}")
    if delta.ndim != 2 or delta.shape[0] < 1 or delta.shape[1] < 2:
        raise ValueError(f"delta must have shape (M, h+1) with M >= 1 and h >= 1, got {tuple(delta.shape)}")
    d = delta.detach().to(torch.float64)
    if not bool(((d > 0) & torch.isfinite(d)).all()):
        raise ValueError("delta must hold finite norms > 0")
    m = delta.shape[0]
    g = integer("group_size", group_size, lo=1, hi=m)
    if m % g:
        raise ValueError(f"group_size must divide the number of networks {m}, got {g}")
    mean = d.reshape(m // g, g, -1).mean(dim=1)  # (groups, h+1)
    return torch.log10(mean[:, 0]) - torch.log10(mean[:, -1])
