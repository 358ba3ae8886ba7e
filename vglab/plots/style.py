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
    raise ValueError(f"no colour for {name!r}; known names: {', '.join(COLORS)}")


def subplots(nrows: int = 1, ncols: int = 1, *, width: float = 4.2, height: float = 3.2, **kw):
    """``plt.subplots`` sized per panel (width x height inches each), constrained layout."""
    kw.setdefault("layout", "constrained")
    kw.setdefault("squeeze", False)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
    return fig, (axes[0, 0] if axes.size == 1 else axes.ravel())
