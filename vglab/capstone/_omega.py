"""How much Pascanu's Ω changes an update in the capstone's paper regime (notebook 08 §6).

The capstone's "Pascanu's Ω" row trains with ``ds_train.train(method="pascanu")``: the gradient of the
SUMMED loss plus λ_Ω·∂Ω/∂W_rec (λ_Ω = ``ds_train.Config.omega_weight``, untuned), then clipped to norm θ.
``omega_share`` measures, on the first minibatches of that regime, how large the Ω term is against the
loss gradient before clipping, and how much it changes the clipped step -- the size that decides whether
the row can differ from the clipping row at all. It calls the training loop's own step
(``ds_train._forward_backward``), so it measures exactly what the row trains with.
"""
from __future__ import annotations

import statistics

import torch

from .. import _args, ds_train, srn


def _norms(grads, M):
    """Per-network L2 norm over all parameters, (M,)."""
    return torch.sqrt(sum((g.reshape(M, -1).double() ** 2).sum(1) for g in grads))


def omega_share(model, data, *, n_batches: int = 5, seed: int = 0) -> dict:
    """Pascanu's Ω term against the loss gradient, at ``model``'s weights, in the paper's regime.

    ``model``: an ``srn.SRN`` of M networks (``n_networks`` set); ``data``: a ``ds_train.Data``;
    the first ``n_batches`` minibatches of ``ds_train.train``'s stream (``seed``) are read, nothing is
    trained. Per network and minibatch: g = ∂E/∂θ of the summed loss, d = λ_Ω·∂Ω/∂W_rec (the difference
    between method "pascanu" and "plain" without clipping), and the clipped steps c(·) at θ.
    Returns ``share_max``/``share_median`` = ‖d‖/‖g‖, ``step_change_max`` = ‖c(g + d) − c(g)‖ / ‖c(g)‖,
    ``grad_norm_min`` = the least ‖g‖ (against θ), ``omega_weight`` = λ_Ω and ``clip`` = θ, all floats.
    """
    if not isinstance(model, srn.SRN) or model.n_networks is None:
        raise TypeError(f"model must be an srn.SRN of several networks (n_networks set), got {type(model).__name__}")
    if not isinstance(data, ds_train.Data):
        raise TypeError(f"data must be a ds_train.Data (ds_train.make_data), got {type(data).__name__}")
    n_batches = _args.integer("n_batches", n_batches, lo=1, hi=1000)
    seed = _args.integer("seed", seed, lo=0, hi=2**63 - 1)
    cfg, raw = ds_train.Config(), ds_train.Config(clip=1e300)  # raw: the same step, never clipped
    M, stream = model.n_networks, ds_train._Batches(data.train, cfg.batch_size, seed)
    share, change, gmin = [], [], []
    for _ in range(n_batches):
        x, y, lengths = stream.next()
        g = ds_train._forward_backward(model, x, y, lengths, raw, "plain")[1]
        gd = ds_train._forward_backward(model, x, y, lengths, raw, "pascanu")[1]
        cg = ds_train._forward_backward(model, x, y, lengths, cfg, "clipping")[1]
        cgd = ds_train._forward_backward(model, x, y, lengths, cfg, "pascanu")[1]
        ng = _norms(g, M)
        share += (_norms([b - a for a, b in zip(g, gd)], M) / ng).tolist()
        change += (_norms([b - a for a, b in zip(cg, cgd)], M) / _norms(cg, M)).tolist()
        gmin.append(float(ng.min()))
    return {"share_max": max(share), "share_median": statistics.median(share), "step_change_max": max(change),
            "grad_norm_min": min(gmin), "omega_weight": float(cfg.omega_weight), "clip": float(cfg.clip)}
