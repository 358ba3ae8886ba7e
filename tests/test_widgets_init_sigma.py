"""The σ² panel of notebook 05 redraws headless and its picture changes."""
import math

from vglab.widgets.init_sigma import init_sigma_panel


def test_panel_redraws_and_png_changes():
    p = init_sigma_panel(n_sequences=3)
    first = p.image.value
    assert first[:4] == b"\x89PNG" and p.message.value == ""
    p.update(value=0.02)
    assert p.image.value != first and p.message.value == ""
    assert "std·√K = 1.41" in p.axes[0].get_title()
    p.update(value=0.01, reading="std")  # σ read as a std: radius 0.1, deep vanishing
    assert "std·√K = 0.10" in p.axes[0].get_title()
    assert "above the safe zone: shrinking" in p.axes[1].get_title()
    n = p.n_redraws
    p.children[1].children[-1].click()  # the snap button: std 0.1 puts the radius at 1
    assert p.n_redraws == n + 1 and math.isclose(p.controls["value"].value, 0.1, rel_tol=1e-9)
    assert "std·√K = 1.00" in p.axes[0].get_title()


def test_panel_without_profile():
    p = init_sigma_panel(profile=False)
    before = p.image.value
    p.update(value=0.005)
    assert p.image.value != before and len(p.axes) == 1


def test_plots_draw_without_warnings():
    import warnings

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab import init_scale as S
    from vglab.plots import init_sigma as P

    profs = [S.gradient_profile(s, h=20, n_networks=2, n_sequences=3) for s in (S.variance(0.01), S.std(0.2))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = P.plot_gradient_profiles(profs, which="weight")
        assert len(ax.get_lines()) == 2 and len(ax.get_lines()[0].get_xdata()) == 20  # z(0) = 0 term dropped
        P.plot_gradient_profiles(profs, which="delta")
        rows = S.q_table((S.variance(0.01),), h=20, n_networks=2, n_sequences=3)
        P.plot_q_comparison(rows)
        h = S.train_plain(T=20, n_steps=2, n_networks=2, n_train=20, record_every=1, lags=(0, 19),
                          n_probe=4, progress_bar=False)
        axn = P.plot_training_norms(h, (0, 19))
        ax = P.plot_training_q(h)
    # a labelled tick at or above the highest norm line (the j = 0 curve could not be read)
    d_max = max(float(x) for rec in h["delta"] for row in rec for x in row)
    axn.figure.canvas.draw()
    ticks = [t for t in axn.get_yticks() if axn.get_ylim()[0] <= t <= axn.get_ylim()[1]]
    assert max(ticks) >= d_max
    # the strip under the Q range carries no Q tick: the % line there cannot be read as a Q value
    Q_all = [float(q) for qs in h["Q"] for q in qs]
    assert min(t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]) >= min(Q_all + [-1.0]) - 1e-9
    # the % saturated line's 0 must not sit on the safe zone or any Q (it read as a Q trace at −1)
    ax2 = [a for a in ax.figure.axes if a is not ax and a.bbox.bounds == ax.bbox.bounds][0]
    zero_frac = ax2.transAxes.inverted().transform(ax2.transData.transform((0, 0)))[1]
    Q = [float(q) for qs in h["Q"] for q in qs]
    band_frac = ax.transAxes.inverted().transform(ax.transData.transform((0, min(Q + [-1.0]))))[1]
    assert 0 < zero_frac < band_frac
    # the % line is the mean over the networks, and its legend says so (the max is that mean's max)
    assert any("mean over networks" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close("all")


def test_panel_reports_an_unknown_reading():
    p = init_sigma_panel(profile=False)
    before = p.image.value
    p.update(reading="precision")
    assert "reading cannot be" in p.message.value and p.image.value == before
    p.update(value=1.0)  # above the slider's top (10**-0.5): clamped and said
    assert "not on the slider" in p.message.value and p.controls["value"].value < 1.0


def test_both_panels_show_one_network():
    import numpy as np
    import torch

    from vglab import init_scale as S, srn
    p = init_sigma_panel(n_sequences=3)
    p.update(value=0.02)
    dots = p.axes[0].collections[0].get_offsets()
    model = srn.SRN(6, 100, 4, 0.02, n_networks=1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    eig = torch.linalg.eigvals(model.W_rec.detach()[0]).numpy()  # the profile's network, drawn independently
    key = lambda z: np.round(np.sort_complex(z), 8)
    assert np.array_equal(key(dots[:, 0] + 1j * dots[:, 1]), key(eig))
    prof = S.gradient_profile(0.02, n_networks=1, n_sequences=3, weight_grads=False)
    assert f"Q = {float(prof.Q[0]):.1f}" in p.axes[1].get_title()


def test_q_comparison_legend_keys_are_grey():
    """The shared keys (one network, mean ± CI, Q of the mean curve) are drawn in a neutral grey, not
    in the first setting's colour, since the same symbols appear in every setting's colour."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from vglab.plots import init_sigma as P
    from vglab.plots.style import PALETTE

    rows = [{"setting": s, "Q": [1.0, 2.0], "q_mean": 1.5, "q_ci": 0.3, "q_of_mean": 1.2}
            for s in ("variance 0.005", "variance 0.01")]
    ax = P.plot_q_comparison(rows)
    leg = ax.get_legend()
    texts = [t.get_text() for t in leg.get_texts()]
    grey = to_hex(PALETTE["grey"])
    for label in ("one network", "mean ± 95 % CI", "Q of the mean curve"):
        h = leg.legend_handles[texts.index(label)]
        colour = h.get_facecolor()[0] if hasattr(h, "get_facecolor") and label == "one network" else (
            h[0].get_color() if isinstance(h, tuple) else h.get_color())
        assert to_hex(colour) == grey, label
    assert to_hex(P.setting_color("variance 0.005")) != grey
    plt.close("all")
