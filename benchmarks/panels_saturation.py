"""Notebook 03's slider panel for the redraw-latency harness: ``PANELS = [(name, factory, moves)]``.

Every move is a fresh 50-layer (or deeper) width-64 MLP, one forward+backward on 32 digits, and one
PNG render; the moves drag depth and gain and switch activation, init and residual, as a learner would.
"""
from vglab.widgets.saturation import saturation_panel

_depth_drag = [dict(depth=d) for d in (5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60)]
_gain_drag = [dict(gain=g) for g in (0.3, 0.5, 0.7, 0.85, 1.0, 1.15, 1.3, 1.5, 2.0, 3.0)]
_switches = [
    dict(activation="tanh", init="normal"), dict(activation="relu"), dict(init="kaiming", gain=1.0),
    dict(residual=True), dict(activation="sigmoid"), dict(residual=False), dict(activation="elu"),
    dict(activation="prelu"), dict(activation="leaky_relu", init="xavier"), dict(activation="tanh", init="default"),
]
MOVES = _depth_drag + [dict(depth=50)] + _gain_drag + _switches

PANELS = [("03 saturation: gradient-norm profile", lambda: saturation_panel(depth=50), MOVES)]
