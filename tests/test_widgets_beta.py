"""Notebook 06's panel redraws headless from a tiny precomputed grid, and reports bad choices."""
import pytest

from vglab import autoencoder as ae
from vglab.data import digits
from vglab.widgets.beta import beta_panel


@pytest.fixture(scope="module")
def stats():
    runs = ae.train_grid([0.0, 1.0], [2, 4], ae.AEConfig(steps=20, record_every=10, batch=64),
                         data=digits(seed=0, n=200), progress_bar=False)
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
