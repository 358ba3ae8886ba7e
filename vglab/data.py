"""Real data that ships inside an installed package: scikit-learn's 8x8 handwritten digits.

No network at run time: ``sklearn.datasets.load_digits`` reads a file inside scikit-learn.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Split:
    x_train: torch.Tensor  # (N_train, 64) in [0, 1]
    y_train: torch.Tensor  # (N_train,) long, 0..9
    x_test: torch.Tensor   # (N_test, 64)
    y_test: torch.Tensor   # (N_test,)

    def __post_init__(self):
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim != 2:
                raise TypeError(f"x_{part} must be a 2-D float tensor (images, pixels), got {_kind(x)}")
            if not isinstance(y, torch.Tensor) or y.is_floating_point() or y.is_complex() or y.ndim != 1:
                raise TypeError(f"y_{part} must be a 1-D integer tensor of class labels, got {_kind(y)}")
            if len(x) != len(y):
                raise ValueError(f"x_{part} and y_{part} must hold the same number of examples: {len(x)} != {len(y)}")
            if not bool(torch.isfinite(x).all()):
                raise ValueError(f"x_{part} holds NaN or Inf")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError(f"x_train and x_test must have the same number of pixels: "
                             f"{self.x_train.shape[1]} != {self.x_test.shape[1]}")

    def to(self, device) -> "Split":
        return Split(*(t.to(device) for t in (self.x_train, self.y_train, self.x_test, self.y_test)))


def _kind(v) -> str:
    if isinstance(v, torch.Tensor):
        return f"a {v.ndim}-D {str(v.dtype).removeprefix('torch.')} tensor"
    return type(v).__name__


def digits(*, test_fraction: float = 0.25, seed: int = 0, standardize: bool = False,
           n: int | None = None, dtype=torch.float32, device=None) -> Split:
    """The 1 797 digits (8x8 pixels, grey levels 0-16: 17 values) scaled to [0, 1], split train/test.

    ``standardize=True`` centres and scales each pixel by the training mean/std (the lecture's
    "normalise the inputs"). ``n`` keeps only the first ``n`` shuffled images (quick mode).
    The split is a fixed permutation from ``seed``, independent of the global seed.
    """
    from . import _args
    _args.real("test_fraction", test_fraction, 0, 1, lo_open=True, hi_open=True)
    seed = _args.integer("seed", seed, lo=0)
    _args.boolean("standardize", standardize)
    n = _args.optional(_args.integer, "n", n, lo=20)  # >= 20, or None for all 1797 images
    _args.torch_dtype("dtype", dtype)
    device = _args.device("device", device)
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.tensor(d.data, dtype=dtype) / 16.0  # (1797, 64)
    y = torch.tensor(d.target, dtype=torch.long)  # (1797,)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    if n is not None:
        perm = perm[:n]
    x, y = x[perm], y[perm]
    n_test = max(1, round(len(x) * test_fraction))
    x_tr, y_tr, x_te, y_te = x[n_test:], y[n_test:], x[:n_test], y[:n_test]
    if standardize:
        mu, sd = x_tr.mean(0), x_tr.std(0).clamp_min(1e-3)
        x_tr, x_te = (x_tr - mu) / sd, (x_te - mu) / sd
    return Split(x_tr, y_tr, x_te, y_te).to(device if device is not None else "cpu")
