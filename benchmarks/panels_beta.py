"""Notebook 06's (λ, d) slider panel for the redraw-latency harness: ``PANELS = [(name, factory, moves)]``.

The panel only replays precomputed models. ``factory()`` trains its own tiny grid first
(λ ∈ {0, 0.1, 1, 10} × d ∈ {2, 4, 8}, 30 Adam steps each on 400 digits: a few seconds on a CPU,
not part of the redraw time), then builds the panel. Moves drag λ through its stops at each d and
jump between bottleneck sizes, as a learner does.
"""
from vglab import autoencoder as ae
from vglab.data import digits
from vglab.widgets.beta import beta_panel

LAMS, DS = [0.0, 0.1, 1.0, 10.0], [2, 4, 8]


def _factory():
    runs = ae.train_grid(LAMS, DS, ae.AEConfig(steps=30, record_every=10, batch=128),
                         data=digits(seed=0, n=400), progress_bar=False)
    return beta_panel(ae.summarize_grid(runs))


_drag = LAMS + LAMS[::-1][1:]  # 0 → 10 → 0: seven stops
MOVES = ([dict(lam=v) for v in _drag]                                   # at d = 8 (the start)
         + [dict(d=4)] + [dict(lam=v) for v in _drag]
         + [dict(d=2)] + [dict(lam=v) for v in _drag]
         + [dict(d=8, lam=1.0), dict(d=2, lam=1.0), dict(d=8, lam=0.0), dict(d=4, lam=10.0),
            dict(d=2, lam=0.0), dict(d=8, lam=0.1), dict(d=4, lam=0.0), dict(d=8, lam=10.0)])

PANELS = [("06 Beta penalty (λ, d) over a precomputed grid", _factory, MOVES)]
