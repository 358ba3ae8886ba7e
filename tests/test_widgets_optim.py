"""Notebook 02's panels build and redraw headless, and the PNG changes with the sliders."""
import numpy as np
import pytest

from vglab.widgets import optim as w


def test_optimizer_panel_redraws_and_png_changes():
    panel = w.optimizer_panel("quadratic", "all")
    first = panel.image.value
    assert first[:4] == b"\x89PNG" and panel.message.value == ""
    moves = [dict(lr=0.02), dict(gamma=0.5), dict(noise=0.5), dict(optimizer="NAG", steps=40),
             dict(surface="rosenbrock", optimizer="all", lr=0.3)]
    seen = {first}
    for move in moves:
        panel.update(**move)
        assert "Can't draw" not in panel.message.value, move  # a note (e.g. "diverged") is fine
        assert panel.image.value not in seen, move  # each move changes the picture
        seen.add(panel.image.value)
    # η = 0.3 makes SGD and Momentum diverge on Rosenbrock: marked in the legend, never NaN
    legend = [t.get_text() for t in panel.axes[0].get_legend().get_texts()]
    assert any("diverged" in t for t in legend)


def test_tuned_button_snaps_lr():
    panel = w.optimizer_panel("rosenbrock", "SGD", lr=0.5)
    panel.snap_tuned(None)
    assert panel.controls["lr"].value == pytest.approx(2e-3, rel=0.1)


def test_cliff_panel_threshold_slider():
    panel = w.cliff_panel()
    before = panel.image.value
    panel.update(threshold=50.0)
    assert panel.message.value == "" and panel.image.value != before
    texts = [t.get_text() for t in panel.axes[0].texts]
    assert sum("thrown" in t for t in texts) == 2  # both runs thrown off at θ = 50
    panel.update(threshold=1.0)
    assert sum("thrown" in t.get_text() for t in panel.axes[0].texts) == 1  # only plain SGD


def test_benchmark_panels_have_30_realistic_moves():
    from benchmarks.panels_optim import PANELS
    for name, factory, moves in PANELS:
        assert len(moves) >= 30, name
        controls = set(factory().controls)
        assert all(set(m) <= controls for m in moves), name


def test_notes_and_bad_values_in_the_optimizer_panel():
    panel = w.optimizer_panel("quadratic", "SGD")
    panel.update(gamma=0.5)  # SGD has no γ: drawn, and the panel says γ does nothing here
    assert "γ has no effect on SGD" in panel.message.value
    panel.update(optimizer="all", surface="rosenbrock", lr=0.3)
    assert "diverged at η = 0.3" in panel.message.value and "SGD (step" in panel.message.value
    before = panel.image.value
    panel.update(surface="bowl", lr=0.01)  # not a surface: message, every control and the figure kept
    assert "surface cannot be" in panel.message.value and "allowed: quadratic" in panel.message.value
    assert panel.controls["surface"].value == "rosenbrock" and panel.controls["lr"].value == 0.3
    assert panel.image.value == before


def test_cliff_panel_says_when_clipping_never_acts():
    panel = w.cliff_panel()
    panel.update(threshold=300.0)
    assert "clipping never acts" in panel.message.value
    panel.update(threshold=1.0)
    assert panel.message.value == ""
    panel.update(threshold=-1.0)  # a log slider clamps to its range and says so
    assert "not on the slider" in panel.message.value and panel.controls["threshold"].value > 0


def test_cliff_panel_keeps_each_runs_colour_and_label():
    """Read 02r6, F1: the panel's lines carry the same run, colour and label as §4's static figure."""
    from matplotlib.colors import same_color
    from vglab import surfaces
    from vglab.plots.optim import COLORS
    panel = w.cliff_panel()
    panel.update(threshold=1.0)
    s, lr, steps = surfaces.get("cliff"), panel.controls["lr"].value, panel.controls["steps"].value
    plain = surfaces.trajectory(s, "SGD", steps=steps, lr=lr)
    clipped = surfaces.trajectory(s, "SGD", steps=steps, lr=lr, clip_norm=1.0)
    ax = panel.axes[0]
    by_label = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
    for tr, colour, label in ((clipped, "clipped", "SGD clipped"), (plain, "SGD", "plain SGD (dashed")):
        line = next(ln for ln in ax.lines if len(ln.get_xdata()) == len(tr.path)
                    and np.allclose(ln.get_xdata(), tr.path[:, 0]) and np.allclose(ln.get_ydata(), tr.path[:, 1]))
        assert same_color(line.get_color(), COLORS[colour])
        handle = next(h for t, h in by_label.items() if t.startswith(label))
        assert same_color(handle.get_color(), COLORS[colour])
