"""Notebook 06's panel redraws headless from a tiny precomputed grid, and reports bad choices."""
import pytest

from vglab import autoencoder as ae
from vglab.data import digits
from vglab.widgets.beta import beta_panel


@pytest.fixture(scope="module")
def runs():
    return ae.train_grid([0.0, 1.0], [2, 4], ae.AEConfig(steps=20, record_every=10, batch=64),
                         data=digits(seed=0, n=200), progress_bar=False)


@pytest.fixture(scope="module")
def stats(runs):
    return ae.summarize_grid(runs, n_samples=6)


def test_panel_redraws_on_every_move(stats):
    p = beta_panel(stats)
    n0 = p.n_redraws
    for lam, d in [(0.0, 2), (1.0, 2), (1.0, 4), (0.0, 4)]:
        p.update(lam=lam, d=d)
    assert p.n_redraws == n0 + 4 and p.message.value == ""
    assert p.image.value[:4] == b"\x89PNG"
    assert "d = 4" in p.axes[0].get_title()


def test_panel_reports_a_missing_model(stats):
    p = beta_panel({k: v for k, v in stats.items() if k != (1.0, 4)})
    p.update(lam=1.0, d=4)
    assert "no precomputed model" in p.message.value


def test_empty_stats_raise():
    with pytest.raises(ValueError, match="stats"):
        beta_panel({})


def test_panel_rejects_a_value_off_the_grid(stats):
    p = beta_panel(stats)
    before = p.image.value
    p.update(lam=0.5)  # not a stop of the λ slider
    assert "lam cannot be 0.5" in p.message.value and p.image.value == before


def test_revisited_models_come_from_the_png_cache(stats):
    p = beta_panel(stats)
    p.update(lam=0.0, d=2)
    first = p.image.value
    p.update(lam=1.0, d=2)
    assert p.image.value != first
    p.update(lam=0.0, d=2)
    assert p.image.value == first and "λ = 1," in p.axes[0].get_title()  # the figure was not redrawn


def test_alpha_beta_units_share_their_histogram_colours_and_identical_arms_draw_once():
    """Read 06r3 F1/F3: each unit's α, β curves have its histogram's colour; arms identical at a record
    are drawn once, in grey, with one legend entry (not three translucent colours blended)."""
    import matplotlib
    matplotlib.use("Agg")
    import torch
    from vglab.plots import beta as pb
    run = ae.train_autoencoder(ae.AEConfig(d=3, steps=10, record_every=5, batch=32), data=digits(seed=0, n=100),
                               progress_bar=False)
    import matplotlib.pyplot as plt
    _, axes = plt.subplots(1, 4)
    ax = pb.plot_alpha_beta(run, ax=axes[0])
    hist_ax = pb.plot_unit_histograms(run.z_test, run.history["alpha"][-1], run.history["beta"][-1], ax=axes[1])
    unit_colours = [ln.get_edgecolor() for ln in hist_ax.patches]
    alpha_lines = [ln for ln in ax.lines if ln.get_label().startswith("unit")]
    assert [ln.get_label() for ln in alpha_lines] == ["unit 0", "unit 1", "unit 2"]
    assert all(tuple(ln.get_color()) == tuple(c) for ln, c in zip(alpha_lines, unit_colours))
    g = torch.rand(1, 3, 4)  # one record, 3 seeds, 4 layers
    same = {arm: {"grad_norm": [g.clone()[0]], "step": [0]} for arm in ("plain", "omega", "l2")}
    ax2 = pb.plot_layer_gradients(same, at=0, ax=axes[2])
    labels = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert labels == ["all 3 arms, identical here (median of 3)"]
    diff = {arm: {"grad_norm": [g[0] * (k + 1)], "step": [0]} for k, arm in enumerate(("plain", "omega", "l2"))}
    assert len(pb.plot_layer_gradients(diff, at=0, ax=axes[3]).get_legend().get_texts()) == 3
    # read 06r8 F1: legend=False leaves the legend to shared_legend, below the panels
    acc = {arm: {"test_acc": [torch.rand(3), torch.rand(3)], "step": [0, 1]} for arm in ("plain", "omega", "l2")}
    _, fresh = plt.subplots(1, 2)
    assert pb.plot_layer_gradients(diff, at=0, ax=fresh[0], legend=False).get_legend() is None
    assert pb.plot_layer_curve(acc, "test_acc", ax=fresh[1], legend=False).get_legend() is None
    plt.close("all")


def test_history_curves_get_dashes_and_one_shared_legend_below_the_panels():
    """Read 06r6 F1-F3: λ > 0 curves that coincide stay visible (each its own dash pattern) and the
    shared legend sits outside every axes, each label once, so it hides no curve."""
    from types import SimpleNamespace

    import matplotlib
    matplotlib.use("Agg")
    from vglab.plots import beta as pb
    from vglab.plots.style import subplots

    runs = [SimpleNamespace(config=SimpleNamespace(lam=lam), label=f"λ = {lam:g}",
                            history={"step": [0, 50, 100], "v": [1.0, 0.5, 0.0]}) for lam in (0.0, 0.1, 1.0)]
    fig, axes = subplots(1, 2)
    pb.plot_history(runs, "v", ax=axes[0], legend=False)
    pb.plot_history(runs, "v", ax=axes[1], logy=True, legend=False)
    assert axes[0].get_legend() is None and axes[1].get_legend() is None
    styles = [line.get_linestyle() for line in axes[0].get_lines()]
    assert len(set(styles)) == 3  # solid for λ = 0, two different dash patterns
    leg = pb.shared_legend(fig, axes)
    labels = [t.get_text() for t in leg.get_texts()]
    assert labels[:3] == ["λ = 0", "λ = 0.1", "λ = 1"] and len(labels) == len(set(labels)) == 4  # + the ▾ entry
    fig.canvas.draw()
    box = leg.get_window_extent()
    assert all(box.y1 <= ax.get_window_extent().y0 + 1 for ax in axes)
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_kl_axis_is_log_with_a_floor_and_the_title_names_test_R(stats):
    """Read 06r8 F2/S4: the KL axis is a plain log axis (no unlabelled linear band), values below the
    floor are drawn at it, and the samples' title says which R it prints."""
    from vglab.widgets.beta import _KL_FLOOR
    p = beta_panel(stats)
    p.update(lam=1.0, d=2)
    ax = p.axes[1]
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] == pytest.approx(_KL_FLOOR)
    assert all(min(ln.get_ydata()) >= _KL_FLOOR for ln in ax.get_lines() if ln.get_visible() and len(ln.get_ydata()))
    assert "floor" in ax.get_ylabel() and "test R" in p.axes[3].get_title()


def test_samples_title_says_its_ks_and_corr_are_the_test_codes_and_stays_in_the_figure(runs):
    """Read 06r32 F1: the KS and |corr| in the samples' title are the test digits' codes' (summarize_grid
    takes them from the history), not statistics of the decoded U(0, 1)^d samples; the title says so, and
    its four lines stay inside the figure (above the notebook's 4 × 6 montage, the default 24 samples)."""
    stats = ae.summarize_grid(runs)
    p = beta_panel(stats)
    p.update(lam=1.0, d=4)
    s = stats[(1.0, 4)]
    lines = p.axes[3].get_title().split("\n")
    assert lines[0].startswith("decoded z ~ U(0,1)") and lines[1] == "codes of the test digits:"
    assert lines[2] == f"KS max {s['ks_max']:.2f}, |corr| {s['corr']:.2f}" and lines[3].startswith("test R")
    renderer = p.fig.canvas.get_renderer()
    box, fig_box = p.axes[3].title.get_window_extent(renderer), p.fig.bbox
    assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1 and fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1
