"""Slider panels of notebook 02 and realistic slider moves, for the redraw-time harness.

``PANELS = [(name, factory, moves)]``: ``factory()`` builds the panel, each move is passed to
``panel.update(**move)`` (one redraw = the draw callback + one PNG render).
"""
from vglab.widgets import optim as w

# dragging η through a decade and back, as a learner does, in "all" mode and for one optimizer
_LR_DRAG = [0.02, 0.03, 0.05, 0.08, 0.12, 0.08, 0.05, 0.03]

OPTIMIZER_MOVES = (
    [dict(lr=v) for v in _LR_DRAG]                                     # all eight, quadratic
    + [dict(gamma=v) for v in (0.8, 0.7, 0.5, 0.9, 0.95)]              # γ: 4 of 8 re-run
    + [dict(alpha=v) for v in (0.9, 0.95, 0.999)]                      # α: 4 of 8 re-run
    + [dict(noise=v) for v in (0.3, 0.8, 0.0)]
    + [dict(steps=v) for v in (60, 150, 100)]
    + [dict(surface="saddle"), dict(surface="cliff"), dict(surface="quadratic")]
    + [dict(optimizer="Adam"), dict(lr=0.2), dict(lr=0.5), dict(optimizer="NAG", lr=0.02),
       dict(gamma=0.5), dict(optimizer="SGD", lr=0.09), dict(lr=0.11), dict(noise=0.5)]
    + [dict(optimizer="all", noise=0.0, surface="rosenbrock", lr=0.001, steps=300),
       dict(lr=0.002), dict(optimizer="Momentum"), dict(gamma=0.95)]
)

CLIFF_MOVES = (
    [dict(threshold=v) for v in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 20.0, 5.0, 1.0)]
    + [dict(lr=v) for v in (0.05, 0.02, 0.2, 0.1)]
    + [dict(steps=v) for v in (50, 150, 100)]
    + [dict(threshold=v) for v in (0.3, 0.2, 0.7, 1.5, 3.0, 7.0, 15.0, 30.0, 60.0, 2.0, 1.0, 0.5)]
)

PANELS = [
    ("02 optimizers on a surface", lambda: w.optimizer_panel("quadratic", "all"), OPTIMIZER_MOVES),
    ("02 cliff and clipping", w.cliff_panel, CLIFF_MOVES),
]
