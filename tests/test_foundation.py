"""The shared pieces: results (provenance), show_source, the NaN guard, digits, Panel, intro."""
import json

import ipywidgets as widgets
import numpy as np
import pytest
import torch

from vglab import data, intro, results, show, train
from vglab.widgets.intro import chain_panel
from vglab.widgets.panel import Panel


def test_results_roundtrip_with_provenance(tmp_path):
    prov = results.provenance(device=torch.device("cpu"), wall_time_s=12.345, command="python -m x --n 3")
    path = results.save("demo_run", {"score": [0.5, 1.0]}, prov, reduced=True, directory=tmp_path)
    run = results.load("demo_run", directory=tmp_path)
    assert run["data"] == {"score": [0.5, 1.0]} and run["reduced"] is True
    for key in ("command", "device", "torch", "date", "commit", "wall_time_s"):
        assert key in run["provenance"]
    assert run["provenance"]["wall_time_s"] == 12.3
    # the CPU kind, as torch's kernels see it (rounding differs between AVX2 and AVX-512 machines)
    assert run["provenance"]["cpu"].split()[-1] == torch.backends.cpu.get_cpu_capability()
    text = results.label(run)
    assert "reduced" in text and "python -m x --n 3" in text and "cpu" in text
    assert json.loads(path.read_text())["name"] == "demo_run"


def test_results_missing_and_bad_names(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved run named 'nope'"):
        results.load("nope", directory=tmp_path)
    with pytest.raises(ValueError, match="name must be a plain file stem"):
        results.load("../etc/passwd", directory=tmp_path)
    (tmp_path / "broken.json").write_text('{"data": 1}')
    with pytest.raises(ValueError, match="'provenance' is missing"):
        results.load("broken", directory=tmp_path)


def _example(x):
    """Docstring to strip."""
    y = x + 1  # the line that computes
    return y


def test_show_source_is_the_real_source():
    md = show.show_source(_example)
    assert "y = x + 1  # the line that computes" in md.data and "Docstring to strip" in md.data
    assert "Docstring to strip" not in show.show_source(_example, docstring=False).data
    with pytest.raises(TypeError, match="show_source"):
        show.source(len)


def test_check_finite_names_step_and_value():
    train.check_finite(torch.tensor(1.0), step=3)
    with pytest.raises(train.DivergenceError, match="step 7: loss = nan"):
        train.check_finite(float("nan"), step=7)
    with pytest.raises(train.DivergenceError, match="step 2: grad"):
        train.check_finite(torch.tensor([1.0, float("inf")]), step=2, what="grad")


def test_fit_stops_on_divergence():
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1e6)
    x, y = torch.randn(32, 2) * 100, torch.randn(32, 1)
    with pytest.raises(train.DivergenceError, match="training diverged at step"):
        train.fit(model, opt, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), lambda s: (x, y), 200,
                  progress_bar=False)


def test_fit_learns_a_line():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 64)[:, None]
    y = 3 * x + 0.5
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    hist = train.fit(model, opt, lambda m, b: ((m(b[0]) - b[1]) ** 2).mean(), lambda s: (x, y), 200,
                     progress_bar=False)
    assert hist["loss"][-1] < 1e-6 and len(hist["loss"]) == 200
    assert model.weight.item() == pytest.approx(3.0, abs=1e-3)


def test_digits_split_is_fixed_and_scaled():
    s = data.digits(seed=0)
    assert s.x_train.shape[1] == 64 and len(s.x_train) + len(s.x_test) == 1797
    assert 0.0 <= s.x_train.min() and s.x_train.max() <= 1.0
    assert torch.equal(s.y_test, data.digits(seed=0).y_test)
    z = data.digits(standardize=True, n=200)
    assert len(z.x_train) + len(z.x_test) == 200
    assert z.x_train.mean().abs() < 1e-5
    with pytest.raises(ValueError, match="test_fraction"):
        data.digits(test_fraction=1.5)


def test_panel_redraws_and_reports_bad_input():
    s = widgets.FloatSlider(value=1.0, min=-2, max=2)

    def draw(fig, axes, v):
        if v < 0:
            raise ValueError("v must be >= 0")
        axes[0].clear()
        axes[0].plot([0, 1], [0, v])

    p = Panel({"v": s}, draw)
    first = p.image.value
    p.update(v=2.0)
    assert p.image.value != first and p.n_redraws == 2 and p.message.value == ""
    s.value = -1.0  # a slider move goes through observe()
    assert "v must be &gt;= 0" in p.message.value and p.n_redraws == 2
    with pytest.raises(ValueError, match="unknown control"):
        p.update(w=1)


def test_chain_gain_closed_form_and_panel():
    g = intro.chain_gain(0.25, 10)
    assert g[0] == 1.0 and g[-1] == pytest.approx(0.25**10)
    assert intro.layers_until(0.25, 1e-6) == pytest.approx(np.log(1e-6) / np.log(0.25))
    with pytest.raises(ValueError, match="factor"):
        intro.chain_gain(0.0, 3)
    with pytest.raises(ValueError, match="depth"):
        intro.chain_gain(0.5, 0)
    p = chain_panel()
    before = p.image.value
    p.update(factor=1.5, depth=50)
    assert p.image.value != before


def test_label_of_an_older_run_says_1_thread():
    run = {"provenance": {"command": "python -m x", "device": "cpu (1 threads)", "date": "2026-12-03",
                          "commit": "abc1234"}, "reduced": False}
    assert "cpu (1 thread)," in results.label(run) and "threads" not in results.label(run)
    run["provenance"]["device"] = "cpu (2 threads)"
    assert "cpu (2 threads)" in results.label(run)


def test_label_hides_a_temporary_folder_of_the_machine_that_ran_it():
    run = {"provenance": {"command": "python -m x --checkpoint-dir /tmp/nb07_run/checkpoints --out y",
                          "device": "cpu", "date": "2026-12-03", "commit": "abc1234"}, "reduced": True}
    text = results.label(run)
    assert "/tmp/" not in text and "--checkpoint-dir <a temporary folder> --out y" in text
