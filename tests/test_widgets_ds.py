"""Notebook 07's safe-zone panel redraws headless; its flips agree with ds_sampling.accept."""
import numpy as np
import pytest

from vglab import ds_sampling as D
from vglab.plots import ds as P
from vglab.widgets.ds import safe_zone_panel


def _decisions(n=300):
    rng = np.random.default_rng(0)
    q = rng.normal(1.0, 1.5, n)
    ds = rng.normal(0, 1, n) * 10 ** rng.uniform(-5, 1, n)
    return q, ds, D.accept(q, ds)


def test_panel_redraws_and_counts_flips():
    q, ds, rec = _decisions()
    panel = safe_zone_panel(q, ds, rec)
    assert "0 skip→apply, 0 apply→skip" in panel.fig.axes[0].get_title()  # the recorded zone itself
    panel.update(q_max=3.0, ds_max=10.0)
    now = D.accept(q, ds, -1.0, 3.0, 10.0)
    assert f"{int((now & ~rec).sum())} skip→apply" in panel.fig.axes[0].get_title()
    assert panel.message.value == "" and panel.n_redraws == 2 and panel.image.value[:4] == b"\x89PNG"
    panel.update(rule="as_printed")
    assert "as printed" in panel.fig.axes[0].get_title()


def test_regions_match_accept_on_a_grid():
    """A point is inside a drawn rectangle exactly when accept() applies it (both rules)."""
    qs, dss = np.meshgrid(np.linspace(-3.9, 5.9, 41), np.linspace(-2, 2, 41) + 0.013)
    for rule in ("corrected", "as_printed"):
        inside = np.zeros(qs.shape, bool)
        for q0, d0, w, h in P.accept_regions(-1.0, 1.0, 1.0, rule):
            inside |= (qs >= q0) & (qs <= q0 + w) & (dss >= d0) & (dss <= d0 + h)
        assert (inside == D.accept(qs, dss, rule=rule)).all()


def test_panel_rejects_mismatched_input():
    with pytest.raises(ValueError, match="same length"):
        safe_zone_panel([0.0, 1.0], [0.1], [True])


def test_panel_reports_an_unknown_rule():
    q, ds, rec = _decisions(50)
    panel = safe_zone_panel(q, ds, rec)
    before = panel.image.value
    panel.update(rule="strict")
    assert "rule cannot be" in panel.message.value and panel.image.value == before
    panel.update(q_max=2.0)  # a later possible move draws again and clears the message
    assert panel.message.value == "" and panel.image.value != before
