"""Slider panels of notebook 05 (init σ²) for benchmarks/slider_latency.py."""
from vglab.widgets.init_sigma import init_sigma_panel

# a drag across σ in both readings: 36 distinct values (each one a fresh float64 δ profile)
_values = [10 ** (-3.0 + 0.05 * i) for i in range(36)]
MOVES = [{"value": v, "reading": "variance"} for v in _values[:24]] + \
        [{"value": v, "reading": "std"} for v in _values[24:]]
EIG_MOVES = [{"value": v} for v in _values]

PANELS = [
    ("05 init σ²: eigenvalues + live ‖δ‖ profile", init_sigma_panel, MOVES),
    ("05 init σ²: eigenvalues only", lambda: init_sigma_panel(profile=False), EIG_MOVES),
]
