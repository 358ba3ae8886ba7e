"""Notebook 04's BPTT panel for the redraw-latency harness: ``PANELS = [(name, factory, moves)]``.

Mostly σ² drags (each new σ² computes a fresh gradient profile unless cached) and horizon drags
(cheap: the profile is cut), with a nonlinearity switch every tenth move.
"""
import numpy as np

from vglab.widgets.recurrent import bptt_panel

_sigma2 = np.geomspace(0.002, 0.2, 20)
_moves = [{"sigma2": float(s), "h": 100, "nonlinearity": "tanh"} for s in _sigma2]
_moves += [{"sigma2": 0.01, "h": int(h), "nonlinearity": "tanh"} for h in range(10, 100, 10)]
_moves += [{"sigma2": 0.05, "h": 60, "nonlinearity": nl} for nl in ("sigmoid", "tanh", "sigmoid")]

PANELS = [("04 BPTT profile (sigma2, h, nonlinearity)", bptt_panel, _moves)]
