"""BatchNorm and LayerNorm as a fix, and what BatchNorm costs, in numbers (notebook 03 §5), plus the
first sanity check of any training run: the initial loss against ln(number of classes).

The normalisers themselves are torch's nn.BatchNorm1d and nn.LayerNorm, placed by
``deep_mlp.build_mlp(..., norm="batch" | "layer")`` between each linear map and its activation
(Ioffe & Szegedy 2015; Ba, Kiros & Hinton 2016). BatchNorm standardises each unit over the *batch*:
in train mode an example's output depends on the other examples in its batch, a batch of one has
no variance to divide by, and eval mode uses running averages instead. LayerNorm standardises each
example over its own units, the same in both modes.
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from ._args import int_at_least, integer

__all__ = ["expected_initial_loss", "initial_loss", "batch_dependence"]


def expected_initial_loss(n_classes: int) -> float:
    """ln(n_classes): the cross-entropy of a uniform guess, where a fresh classifier whose logits are
    all about equal starts (Karpathy's initial-loss check; ln 10 ≈ 2.303 for the ten digits)."""
    return math.log(int_at_least("n_classes", n_classes, 2))


def _check_xy(model, x, y):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 2 or x.shape[0] < 2:
        raise ValueError(f"x must be a floating-point tensor (B >= 2, n_in), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    if y is not None and (not isinstance(y, torch.Tensor) or y.dtype != torch.long or y.shape != x.shape[:1]):
        raise ValueError(f"y must be a long tensor of {x.shape[0]} class labels (one per row of x), got "
                         f"{(y.dtype, tuple(y.shape)) if isinstance(y, torch.Tensor) else type(y).__name__}")


@torch.no_grad()
def initial_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean cross-entropy of ``model(x)`` against ``y`` in the model's current mode, computed on a
    copy (a BatchNorm model's running statistics are left as they were)."""
    if y is None:
        raise ValueError("y must be a long tensor of class labels, got None")
    _check_xy(model, x, y)
    out = _forward(copy.deepcopy(model), x)
    if y.numel() and not (0 <= int(y.min()) and int(y.max()) < out.shape[-1]):
        raise ValueError(f"y must hold class labels in [0, {out.shape[-1]}), got {int(y.min())}..{int(y.max())}")
    return float(F.cross_entropy(out, y))


def _forward(model, x):
    try:
        return model(x)
    except RuntimeError as e:  # a shape/dtype/device mismatch deep in torch: say which argument
        raise ValueError(f"x of shape {tuple(x.shape)} ({x.dtype}) does not fit the model: {e}") from e


def _accuracy_in_chunks(model, x, y, batch_size):
    hits = [(model(xc).argmax(-1) == yc).sum() for xc, yc in zip(x.split(batch_size), y.split(batch_size))
            if len(xc) > 1]  # a last batch of one cannot pass BatchNorm in train mode
    return float(sum(hits)) / sum(len(yc) for yc in y.split(batch_size) if len(yc) > 1)


@torch.no_grad()
def batch_dependence(model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *,
                     batch_size: int = 8, seed: int = 0) -> dict:
    """What the batch does to a model's outputs, measured on a copy (``model`` is left untouched).

    * ``two_batches``: max |logit difference| of example x[0] placed in two batches of ``batch_size``
      whose other examples differ (random rows of x, drawn from ``seed``), in train mode;
    * ``two_batches_eval``: the same in eval mode (running statistics: 0 up to rounding);
    * ``batch_of_one``: the error torch raises for a batch of one in train mode ("" if none);
    * with labels ``y``: ``acc_eval`` and ``acc_train_mode``, the accuracy over x evaluated in
      batches of ``batch_size``, in eval mode and (the mistake) in train mode.
    """
    _check_xy(model, x, y)
    batch_size = integer("batch_size", batch_size, lo=2)
    seed = integer("seed", seed, lo=0)
    if x.shape[0] < 2 * batch_size - 1:
        raise ValueError(f"x must have >= 2·batch_size − 1 = {2 * batch_size - 1} rows, got {x.shape[0]}")
    m_eval, m_train = copy.deepcopy(model).eval(), copy.deepcopy(model).train()  # train mode updates its copy
    perm = torch.randperm(x.shape[0] - 1, generator=torch.Generator().manual_seed(seed)) + 1
    a = torch.cat([x[:1], x[perm[:batch_size - 1]]])  # (batch_size, n_in), x[0] first
    b = torch.cat([x[:1], x[perm[batch_size - 1:2 * batch_size - 2]]])  # x[0] with other companions
    out = {"two_batches": float((_forward(m_train, a)[0] - _forward(m_train, b)[0]).abs().max()),
           "two_batches_eval": float((_forward(m_eval, a)[0] - _forward(m_eval, b)[0]).abs().max())}
    try:
        m_train(x[:1])
        out["batch_of_one"] = ""
    except (ValueError, RuntimeError) as e:
        out["batch_of_one"] = f"{type(e).__name__}: {e}"
    if y is not None:
        out["acc_eval"] = _accuracy_in_chunks(m_eval, x, y, batch_size)
        out["acc_train_mode"] = _accuracy_in_chunks(m_train, x, y, batch_size)
    return out
