"""The sigmoid-bottleneck autoencoder and the deep sigmoid stack (patent Fig. 1, claims 1 and 3)."""
import pytest
import torch

from vglab import autoencoder as ae
from vglab import beta_penalty as bp
from vglab.data import digits
from vglab.train import DivergenceError


@pytest.fixture(scope="module")
def data():
    return digits(seed=0, n=400)


@pytest.fixture(scope="module")
def runs(data):
    base = ae.AEConfig(d=4, steps=80, batch=128, lr=1e-2, record_every=20)
    return ae.train_grid([0.0, 3.0], [4], base, data=data, progress_bar=False)


def test_penalty_lowers_omega_during_training(runs):
    h0, h1 = runs[(0.0, 4)].history, runs[(3.0, 4)].history
    assert h1["omega"][-1] < h1["omega"][0]           # ω decreases over the λ > 0 run
    assert h1["omega"][-1] < h0["omega"][-1]          # and ends below the λ = 0 run
    assert h1["kl"][-1].mean() < h1["kl"][0].mean()


def test_history_has_every_recorded_quantity(runs):
    h = runs[(3.0, 4)].history
    assert h["step"] == [0, 20, 40, 60, 80]
    for key in ("alpha", "beta", "kl", "ks", "saturated"):
        assert h[key][-1].shape == (4,)
    assert h["hist"][-1].shape == (4, ae.N_BINS) and float(h["hist"][-1].sum()) == 4 * runs[(3.0, 4)].z_test.shape[0]
    assert all(g > 0 for g in h["enc_grad_R"]) and h["enc_grad_omega"][1] > 0
    assert runs[(0.0, 4)].history["enc_grad_omega"][1] == 0.0  # λ = 0: ω sends nothing to the encoder


def test_omega_gradient_reaches_only_the_encoder(data):
    model = ae.SigmoidAutoencoder(d=3)
    _, a, _ = model(data.x_train[:50])
    bp.beta_penalty_from_logits(a).backward()
    assert all(p.grad is None for p in model.decoder.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())


def test_recorded_stats_match_the_library_on_the_final_codes(runs):
    run = runs[(3.0, 4)]
    a, b = bp.fit_beta(run.z_test)
    torch.testing.assert_close(run.history["alpha"][-1], a)
    torch.testing.assert_close(run.history["kl"][-1], bp.kl_to_uniform(a, b))


def test_generation_shapes_and_ranges(runs, data):
    run = runs[(0.0, 4)]
    x = ae.sample_uniform(run.model, 9)
    assert x.shape == (9, 64) and (x >= 0).all() and (x <= 1).all()
    with pytest.raises(ValueError, match="d = 2"):
        ae.decode_grid(run.model)
    grid = ae.decode_grid(ae.SigmoidAutoencoder(d=2), n=5)
    assert grid.shape == (25, 64)
    rep = ae.generation_report(run, data, n=50)
    assert rep["uniform_samples"] > 0 and 0 <= rep["mean_abs_corr"] <= 1


def test_nearest_distance_is_zero_for_a_training_image(data):
    d = ae.nearest_distance(data.x_train[:3].cpu(), data.x_train)
    torch.testing.assert_close(d, torch.zeros(3, dtype=torch.float64))


def test_divergence_is_reported(data):
    with pytest.raises(DivergenceError, match="diverged at step"):
        ae.train_autoencoder(ae.AEConfig(d=2, steps=50, lr=1e30), data=data, progress_bar=False)


def test_nan_data_is_refused_before_training():
    bad = digits(seed=0, n=100)
    bad.x_train[:, 0] = float("nan")
    with pytest.raises(ValueError, match="x_train holds NaN"):
        ae.train_autoencoder(ae.AEConfig(d=2, steps=5), data=bad, progress_bar=False)


def test_bad_config_raises():
    with pytest.raises(ValueError, match="lam"):
        ae.AEConfig(lam=-1.0)
    with pytest.raises(ValueError, match="d"):
        ae.SigmoidAutoencoder(d=0)


def test_diversity_measures_against_explicit_loops(data):
    x = data.x_train[:6].cpu()
    assert ae.nearest_labels(x, data.x_train, data.y_train).tolist() == data.y_train[:6].cpu().tolist()
    pairs = [float((x[i] - x[j]).pow(2).mean().sqrt()) for i in range(6) for j in range(6) if i != j]
    assert ae.mean_pairwise_distance(x) == pytest.approx(sum(pairs) / len(pairs), rel=1e-9)
    assert ae.effective_classes(torch.arange(10).repeat(3)) == pytest.approx(10.0)
    assert ae.effective_classes(torch.full((30,), 9)) == pytest.approx(1.0)
    assert ae.effective_classes(torch.tensor([0, 0, 1, 1])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="images"):
        ae.mean_pairwise_distance(x[:1])
    with pytest.raises(ValueError, match="labels"):
        ae.nearest_labels(x, data.x_train, data.y_train[:5])


def test_generation_report_has_diversity(runs, data):
    rep = ae.generation_report(runs[(0.0, 4)], data, n=60)
    assert 1.0 <= rep["classes_samples"] <= 10.0 and 1.0 <= rep["classes_reconstructions"] <= 10.0
    assert rep["spread_samples"] > 0 and rep["spread_reconstructions"] > 0


def test_enc_scale_saturates_the_start(data):
    """A large encoder scale puts the bottleneck into saturation at step 0 (default: none)."""
    sat = {}
    for scale in (1.0, 50.0):
        r = ae.train_autoencoder(ae.AEConfig(d=2, steps=1, record_every=1, enc_scale=scale), data=data,
                                 progress_bar=False)
        sat[scale] = float(r.history["saturated"][0].mean())
    assert sat[1.0] < 0.05 < 0.3 < sat[50.0]
    with pytest.raises(ValueError, match="enc_scale"):
        ae.AEConfig(enc_scale=0.0)


def test_count_distinct_against_a_python_set():
    """count_distinct equals the size of a set of rounded pixel tuples; a decoder that ignores its
    code (one image for every code) counts 1."""
    x = torch.rand(20, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    imgs = torch.cat([x, x[:5], x[:5] + 1e-9])  # exact repeats and repeats below the rounding
    as_set = {tuple(round(float(v), 3) for v in row) for row in imgs}
    assert ae.count_distinct(imgs) == len(as_set) == len({tuple(r.tolist()) for r in x})
    assert ae.count_distinct(imgs, decimals=12) > len(as_set)
    assert ae.count_distinct(x[:1].expand(7, -1)) == 1
    with pytest.raises(ValueError, match="images"):
        ae.count_distinct(x[0])
    with pytest.raises(ValueError, match="decimals"):
        ae.count_distinct(x, decimals=-1)


def test_unit_histograms_mark_clipped_units():
    """Saturated units whose spikes pass the y-limit are counted in a note, with their bin."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import beta as pb

    z = torch.rand(400, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    z[:, 3:] = 0.999  # two dead units, all in the last bin: density 20 > 12
    fig, ax = plt.subplots()
    pb.plot_unit_histograms(z, ax=ax)
    notes = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert notes == ["2 units above 12 (clipped) in [0.95, 1.00]"]
    fig, ax = plt.subplots()
    pb.plot_unit_histograms(z[:, :3], ax=ax)
    assert not ax.texts and ax.get_ylim()[1] <= 12
    plt.close(fig)


def test_history_log_axis_marks_exact_zeros():
    """Read 06r2 F1: on a log axis an exact 0 is a gap in the line plus a ▾ at the floor, not a plunge;
    the legend says how many seeds share a colour."""
    from types import SimpleNamespace

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from vglab.plots import beta as pb

    def run(lam, vals):
        return SimpleNamespace(config=SimpleNamespace(lam=lam), label=f"λ = {lam:g}",
                               history={"step": [0, 50, 100], "g": vals})

    runs = [run(0.0, [1.0, 0.0, 0.0]), run(0.0, [1.0, 1e-14, 0.0]), run(1.0, [1.0, 2.0, 3.0])]
    fig, ax = plt.subplots()
    pb.plot_history(runs, "g", ax=ax, logy=True)
    first = ax.lines[0].get_ydata()
    assert first[0] == 1.0 and np.isnan(first[1:]).all()  # zeros left out of the line
    floor = [ln for ln in ax.lines if ln.get_marker() == "v"]
    assert sum(len(ln.get_xdata()) for ln in floor) == 3  # one ▾ per exact zero
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "λ = 0 (2 seeds)" in labels and "λ = 1" in labels
    assert any(t.startswith("exactly 0") for t in labels)
    # read 06r5 F19: above each ▾, how many runs are exactly 0 there (2 at step 100, 1 at step 50)
    counts = sorted((float(t.get_position()[0]), t.get_text()) for t in ax.texts)
    assert counts == [(50.0, "1"), (100.0, "2")]
    plt.close(fig)


def test_histogram_heatmap_rows_centred_on_their_steps():
    """Read 06r5 F18: the row of the record at step s spans [s − Δ/2, s + Δ/2], Δ the record spacing."""
    from types import SimpleNamespace

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import beta as pb

    run = SimpleNamespace(label="λ = 0", config=SimpleNamespace(d=2),
                          history={"step": [0, 50, 100], "hist": [torch.ones(2, 5)] * 3})
    fig, ax = plt.subplots()
    pb.plot_histogram_over_training(run, unit=1, ax=ax)
    assert tuple(ax.images[0].get_extent()) == (0, 1, -25.0, 125.0)
    plt.close(fig)


def test_histogram_heatmaps_share_one_colour_scale():
    """Read 06r7 F1: panels of different data use the same fixed scale, so brightness compares across panels."""
    from types import SimpleNamespace

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglab.plots import beta as pb

    spread_out = SimpleNamespace(label="a", config=SimpleNamespace(d=1),
                                 history={"step": [0, 50], "hist": [torch.ones(1, 4)] * 2})
    one_bin = SimpleNamespace(label="b", config=SimpleNamespace(d=1),
                              history={"step": [0, 50], "hist": [torch.tensor([[0.0, 0.0, 0.0, 9.0]])] * 2})
    fig, axes = plt.subplots(1, 2)
    for r, ax in zip((spread_out, one_bin), axes):
        pb.plot_histogram_over_training(r, ax=ax)
    for ax in axes:
        assert ax.images[0].get_clim() == (0.0, 1.0)
    # the same share maps to the same colour in both panels: a quarter in every bin of the first panel
    a, b = (ax.images[0] for ax in axes)
    assert torch.allclose(torch.tensor(a.to_rgba([0.25])), torch.tensor(b.to_rgba([0.25])))
    plt.close(fig)
