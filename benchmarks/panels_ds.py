"""Notebook 07's slider panel for benchmarks/slider_latency.py: the safe zone over 3 000 decisions."""
import numpy as np

from vglab import ds_sampling


def _panel():
    from vglab.widgets.ds import safe_zone_panel

    rng = np.random.default_rng(0)
    q = rng.normal(1.0, 1.5, 3000)
    ds = rng.normal(0, 1, 3000) * 10 ** rng.uniform(-6, 1, 3000)
    return safe_zone_panel(q, ds, ds_sampling.accept(q, ds))


MOVES = [{"q_min": -0.1 * (i % 20) - 0.2, "q_max": 0.25 * (i % 16) + 0.5, "ds_max": 10 ** (-4 + 0.2 * i),
          "rule": "as_printed" if i % 7 == 3 else "corrected"} for i in range(32)]
PANELS = [("07 safe zone (q_min, q_max, ds_max, rule)", _panel, MOVES)]
