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
    ax = panel.fig.axes[0]  # the zone edges: dashed, in the legend, as in the static plane (read 07r2 F4)
    assert "safe zone edges" in [t.get_text() for t in ax.get_legend().get_texts()]
    edges = sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_linestyle() == "--")
    assert edges == [-1.0, 3.0]  # only the moving pair, no fixed edges left behind


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


def test_figures_label_what_they_draw_and_share_the_x_axis():
    """The plane shades only the apply regions (no grey column over the |dS| > 1 skip strips) and
    its legend names region and dots; Q over training draws every network and the median; the
    accept rate's running mean sits at the same (centred) x as Q's."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    q, ds, rec = _decisions(100)
    _, ax = plt.subplots()
    P.plot_ds_plane(q, ds, rec, ax=ax)
    assert len(ax.patches) == len(P.accept_regions())  # the apply rectangles, nothing else
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("apply region") and "applied" in labels and "skipped" in labels
    _, (a1, a2) = plt.subplots(1, 2)
    qs = np.random.default_rng(1).normal(size=(50, 3))
    P.plot_q_over_training({"plain": qs}, ax=a1, smooth=10)
    assert len(a1.lines) == 2 + 3 + 1  # zone edges, one per network, the median
    P.plot_accept_rate({"ds": qs > 0}, ax=a2, window=10)
    assert a2.lines[0].get_xdata()[0] == a1.lines[-1].get_xdata()[0] == 5
    assert "window 10 updates" in a2.get_title() and "3 networks" in a2.get_title()  # read 07r2 F2
    _, a3 = plt.subplots()
    P.plot_q_over_training({"ds": qs, "ds_as_printed": qs}, ax=a3, smooth=10)  # runs that coincide (F1)
    assert a3.lines[2].get_linestyle() != a3.lines[-1].get_linestyle()
    # a network whose line is the same in both runs: dashes in both colours, named (read 07r8 F8)
    both = [ln for ln in a3.lines if ln.get_gapcolor() is not None]
    assert len(both) == 3 and {ln.get_color() for ln in both} == {P.color("ds_as_printed")}
    assert {matplotlib.colors.to_hex(ln.get_gapcolor()) for ln in both} == {matplotlib.colors.to_hex(P.color("ds"))}
    # the legend names the networks, so a reader can tell which pairs coincide (read 07r19 F2)
    assert "ds = ds_as_printed (networks 0, 1, 2, both colours)" in [t.get_text() for t in a3.get_legend().get_texts()]
    _, a4 = plt.subplots()
    qs2 = qs.copy()
    qs2[:, 0] += 1.0  # only networks 1 and 2 coincide
    P.plot_q_over_training({"plain": qs, "ds": qs2}, ax=a4, smooth=10)
    assert "plain = ds (networks 1, 2, both colours)" in [t.get_text() for t in a4.get_legend().get_texts()]
    plt.close("all")


def test_plane_y_limit_fits_the_dots():
    """The symlog y-axis ends at the smallest power of 10 (at least 10) above every |dS| drawn, not at a
    fixed ±1e3 (read 07r15 F1); no dot is moved by it, and the panel draws the same limit."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    q, ds, rec = _decisions(100)
    ds = np.clip(ds, -3.0, 3.0)  # as in notebook 07's live run: every |dS| within about 3
    _, ax = plt.subplots()
    P.plot_ds_plane(q, ds, rec, ax=ax)
    assert ax.get_ylim() == (-10.0, 10.0)
    drawn = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert np.allclose(np.sort(drawn), np.sort(ds))  # the limit clips nothing here
    assert P._ds_limit([0.5, -42.0]) == 100.0 and P._ds_limit(None) == 10.0 and P._ds_limit([1e7]) == P.DS_LIM
    panel = safe_zone_panel(q, ds, rec)
    assert panel.fig.axes[0].get_ylim() == (-10.0, 10.0)
    # the symlog's linear band is named on the axis, in the panel too (read 07r20 F2)
    assert "linear within ±0.0001" in ax.get_ylabel() and panel.fig.axes[0].get_ylabel() == ax.get_ylabel()
    with pytest.raises(ValueError, match="ds_lim"):
        P.plot_ds_plane(ax=ax, ds_lim=-1.0)
    with pytest.raises(TypeError, match="ds_lim"):
        P.plot_ds_plane(ax=ax, ds_lim="big")
    plt.close("all")
