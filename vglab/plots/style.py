"""The lab's one colour-blind-safe palette (Paul Tol's "muted" + Okabe-Ito black/grey).

Every optimizer, activation and method has one colour, used in every notebook.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

PALETTE = {
    "indigo": "#332288", "cyan": "#88CCEE", "teal": "#44AA99", "green": "#117733",
    "olive": "#999933", "sand": "#DDCC77", "rose": "#CC6677", "wine": "#882255",
    "purple": "#AA4499", "black": "#000000", "grey": "#888888", "orange": "#E69F00",
}

COLORS = {
    # optimizers (notebook 02)
    "SGD": PALETTE["black"], "Momentum": PALETTE["rose"], "NAG": PALETTE["wine"],
    "AdaGrad": PALETTE["olive"], "RMSProp": PALETTE["teal"], "AdaDelta": PALETTE["purple"],
    "Adam": PALETTE["indigo"], "Nadam": PALETTE["cyan"], "clipped": PALETTE["green"],
    # activations (notebooks 01, 03, 04)
    "sigmoid": PALETTE["rose"], "tanh": PALETTE["indigo"], "relu": PALETTE["green"],
    "prelu": PALETTE["teal"], "elu": PALETTE["olive"], "linear": PALETTE["grey"],
    # output heads (notebook 01)
    "softmax+log": PALETTE["orange"], "softmax+mse": PALETTE["rose"], "log_softmax+ce": PALETTE["green"],
    # methods and remedies (notebooks 03-08)
    "plain": PALETTE["black"], "residual": PALETTE["wine"], "xavier": PALETTE["cyan"],
    "kaiming": PALETTE["sand"], "lstm": PALETTE["purple"], "clipping": PALETTE["green"],
    "beta": PALETTE["orange"], "ds": PALETTE["teal"], "ds_as_printed": PALETTE["rose"],
    "ds_own": PALETTE["cyan"], "ds_loss": PALETTE["sand"], "ds_own_loss": PALETTE["wine"],
    "pascanu": PALETTE["olive"], "bound": PALETTE["grey"], "paper": PALETTE["orange"],
}


def color(name: str, default: str | None = None) -> str:
    """The lab's colour for an optimizer/activation/method name (case-insensitive); an unknown
    name gets ``default``, or a ``ValueError`` when no default is given."""
    for key, value in COLORS.items():
        if key.lower() == str(name).lower():
            return value
    if default is not None:
        return default
    raise ValueError(f"name {name!r} has no colour; known names: {', '.join(COLORS)}")


def subplots(nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.2, **kw):
    """``plt.subplots`` sized per panel (width x height inches each), constrained layout."""
    kw.setdefault("layout", "constrained")
    kw.setdefault("squeeze", False)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
    return fig, (axes[0, 0] if axes.size == 1 else axes.ravel())


_KINDS = {"ax": "a matplotlib Axes", "axes": "a non-empty list or array of matplotlib Axes",
          "number": "a finite number", "text": "a str", "array": "a non-empty tensor, array or list of numbers",
          "dict": "a non-empty dict", "list": "a non-empty list or tuple"}


def check(name: str, v, kind, *, of=None, keys=(), attrs=(), min_dim: int = 1, optional: bool = False):
    """The plots' and widgets' one check of an input (issue 17), before anything is drawn: ``kind`` is one of
    ``_KINDS`` or a class (tuple of classes); ``of``: the kind of every value of a dict / item of a list;
    ``keys``/``attrs``: what a dict / object must hold (a saved result of another experiment does not);
    ``min_dim``: of an array. A TypeError (wrong kind) or ValueError (empty, too few dimensions, lacking a
    key) that names ``name``; returns ``v`` unchanged. ``optional``: None passes."""
    import numbers

    import numpy as np
    import torch
    from matplotlib.axes import Axes
    if not isinstance(name, str) or not (kind in _KINDS if isinstance(kind, str) else isinstance(kind, type) or isinstance(
            kind, tuple) and kind and all(isinstance(k, type) for k in kind)):
        raise TypeError(f"name must be a str and kind one of {tuple(_KINDS)} or a class, got {name!r:.30}, {kind!r:.30}")
    if v is None and optional:
        return v
    what = _KINDS.get(kind) if isinstance(kind, str) else " or ".join(k.__name__ for k in np.atleast_1d(kind))
    ok = {"ax": lambda: isinstance(v, Axes),
          "axes": lambda: isinstance(v, (list, tuple, np.ndarray)) and len(v) > 0
          and all(isinstance(a, Axes) for a in np.ravel(np.asarray(v, dtype=object))),
          "number": lambda: isinstance(v, numbers.Real) and not isinstance(v, bool),
          "text": lambda: isinstance(v, str), "dict": lambda: isinstance(v, dict),
          "list": lambda: isinstance(v, (list, tuple)),
          "array": lambda: isinstance(v, (torch.Tensor, np.ndarray, list, tuple))}.get(kind, lambda: isinstance(v, kind))
    if not ok() or attrs and not all(hasattr(v, a) for a in attrs):
        got = f"a saved run named {v.get('name')!r}" if isinstance(v, dict) and "name" in v else \
            f"{type(v).__name__} {v!r:.50}"
        raise TypeError(f"{name} must be {what}{' with ' + ', '.join(attrs) if attrs else ''}, got {got}")
    if kind == "number" and not np.isfinite(float(v)):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if kind == "array":
        try:
            a = np.asarray(v.detach().cpu().float() if isinstance(v, torch.Tensor) else v, dtype=float)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{name} must be {what}, got {type(v).__name__} {v!r:.50}") from e
        if a.size == 0 or a.ndim < min_dim:
            raise ValueError(f"{name} must be a non-empty array with >= {min_dim} dimensions, got shape {a.shape}")
    if kind in ("dict", "list") and len(v) == 0:
        raise ValueError(f"{name} must be {what}, got {v!r:.50}")
    if missing := [k for k in keys if k not in v]:
        raise ValueError(f"{name} lacks {missing}: it must hold {', '.join(map(repr, keys))} (a result of another kind?)")
    for k, item in (v.items() if kind == "dict" else enumerate(v) if kind == "list" else ()):
        if of is not None:
            check(f"{name}[{k!r}]", item, of, min_dim=min_dim)
    return v
