"""Notebook 01's slider panel for the redraw-latency harness: ``PANELS = [(name, factory, moves)]``.

Most moves drag the margin (the cheap path: a marker and the bar heights); every tenth changes
dtype or K, which rebuilds both axes (the expensive path).
"""

from vglab.widgets.backprop import head_gradient_panel

_margins = [
    -20.0,
    -10.0,
    -5.0,
    -2.0,
    0.0,
    1.0,
    2.5,
    5.0,
    10.0,
    20.0,
    35.0,
    50.0,
    75.0,
    100.0,
    104.0,
    110.0,
    150.0,
    200.0,
    300.0,
    400.0,
    500.0,
    600.0,
    700.0,
    740.0,
    745.0,
    750.0,
    800.0,
    900.0,
    1000.0,
    3.0,
    0.5,
    -1.0,
]
MOVES = [{"margin": m} for m in _margins]
for i in range(0, len(MOVES), 10):
    MOVES[i] = {**MOVES[i], "dtype": "float32" if (i // 10) % 2 == 0 else "float64"}
MOVES.append({"n_classes": 5})
MOVES.append({"n_classes": 3, "margin": 30.0})

PANELS = [("01 head gradients", head_gradient_panel, MOVES)]
