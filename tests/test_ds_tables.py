"""ds_tables: saved Table-1 runs beside the paper's tables (SOURCES.md §1.4) and the constant predictor."""
import pytest

from vglab import ds_tables as DTab
from vglab.ds_train import READINGS
from vglab.experiments.table1 import PAPER_T100, PAPER_T150


def _run(T=20):
    row = {"best": 99.0, "mean": 90.0, "success": 1, "test_score": [0.99, 0.81], "config": {"criterion": "lstm"}}
    own = {**row, "model": {"hidden": 50, "init": "smart_tanh"}}
    return {"provenance": {"device": "cpu (1 threads)"},
            "data": {"settings": {"T": T, "networks": 2, "updates": 300, "n_train": 40, "n_val": 10,
                                  "n_test": 10, "hidden": 100},
                     "rows": {"addition": {"plain": row, "ds_loss": row},
                              "temporal_order": {"ds_own": row, "pascanu_own": own}}}}


def test_rows_sit_beside_the_papers_rows_with_size_and_constant():
    rows = DTab.comparison(_run(), n_const=4000)
    by = {(r["task"], r["reading"]): r for r in rows}
    assert by["addition", "plain"]["paper_T100"] == PAPER_T100["plain"]["addition"] == ("99", "68")
    assert by["addition", "ds_loss"]["paper_T150"] == PAPER_T150["ds"]["addition"]
    assert by["addition", "ds_loss"]["whose"] == "ours"  # the loss-scaled limit is not the paper's
    assert by["temporal_order", "pascanu_own"]["paper_T100"] is None  # the paper has no baseline rows
    assert "50 units smart_tanh" in by["temporal_order", "pascanu_own"]["size"]
    assert "T = 20, 2 nets, 300 minibatches drawn, sets 40/10/10, 100 units N(0, variance 0.01)" in by["addition", "plain"]["size"]  # the paper writes σ for the variance
    # constant predictor on addition under |e| < 0.04: the closed form 4τ − 4τ² = 15.36 % (τ = 0.04)
    assert abs(by["addition", "plain"]["constant"] - 15.36) < 1.5
    assert abs(by["temporal_order", "ds_own"]["constant"] - 25.0) < 2.5  # the most frequent of 4 classes
    text = DTab.markdown(rows)
    assert text.count("\n") == len(rows) + 1 and "| – |" in text


def test_paper_tables_in_full_and_every_reading_labelled():
    text = DTab.paper_tables()
    for tab in (PAPER_T100, PAPER_T150):
        for meth in tab.values():
            for best, mean in meth.values():
                assert f"{best} / {mean}" in text
    assert text.count("– / –") == 2  # Table 2 has no multiplication result
    assert set(DTab.READING_NOTES) == set(READINGS)
    assert [DTab.paper_row(r) for r in ("plain", "ds", "ds_as_printed", "clipping", "plain_own")] == \
        ["plain", "ds", "ds", None, None]


def test_bad_arguments():
    with pytest.raises(ValueError, match="run"):
        DTab.comparison({"data": {}})
    with pytest.raises(ValueError, match="n_const"):
        DTab.comparison(_run(), n_const=0)
    with pytest.raises(ValueError, match="reading"):
        DTab.paper_row("magic")


def test_long_run_view_of_a_progress_file_and_its_plot(tmp_path):
    """A run in progress is read from results/runs/<name>.progress.json; the plot draws one mean and
    one best line per reading and the paper's two cells for plain and dS as horizontal lines."""
    import matplotlib
    matplotlib.use("Agg")
    from vglab.plots import ds as P
    from vglab.runfiles import write_json
    trace = {"update": [50, 100], "per": "epoch", "q": [[3.0, 4.0], [5.0, 6.0]], "accepted": [[1.0, 0.5], [0.5, 0.5]]}
    rows = {f"temporal_order/{k}": {"test_at": [100, 200], "test_score": [[0.5, 0.75]], "trace": trace}
            for k in ("plain", "ds")}
    write_json(tmp_path / "runs" / "x.progress.json", {"settings": {"tasks": ["temporal_order"], "updates": 1000},
                                                        "updates_done": 150, "wall_s": 7200.0, "rows": rows})
    view = DTab.long_run("x", tmp_path)
    assert not view["finished"] and "150 of 1000 updates (2.0 h so far)" in view["label"]
    assert view["rows"]["ds"]["test_score"] == [[50.0, 75.0]]
    ax_s, ax_a, ax_q = P.plot_long_run(view, paper=PAPER_T100)
    assert len(ax_s.lines) == 2 * 2 + 4  # mean + best per reading; paper 96/44 and >99/60
    assert sorted(round(ln.get_ydata()[0], 1) for ln in ax_s.lines[4:]) == [44.0, 60.0, 96.0, 99.0]
    # equal test points of two readings do not hide each other: shifted sideways, near their update (read 07r4 F1)
    xs = [ln.get_xdata()[0] for ln in ax_s.lines[:4:2]]
    assert xs[0] != xs[1] and all(abs(x - 100) <= 0.02 * 1000 for x in xs)
    assert ax_a.lines[0].get_ydata().tolist() == [0.75, 0.5] and ax_q.lines[0].get_ydata().tolist() == [4.0, 5.0]
    # the Q panel draws the safe zone's edges, as the notebook's other Q plots (read 07r5 F1)
    edges = [ln for ln in ax_q.lines if ln.get_linestyle() == "--"]
    assert sorted(ln.get_ydata()[0] for ln in edges) == [-1.0, 1.0]
    assert "safe zone edges" in [t.get_text() for t in ax_q.get_legend().get_texts()]
    # readable (read 08r15 F6): one-line titles, legends at 8 pt or more, below the axes
    for ax in (ax_s, ax_a, ax_q):
        assert "\n" not in ax.get_title() and ax.title.get_fontsize() >= 10
        assert all(t.get_fontsize() >= 8 for t in ax.get_legend().get_texts())
    assert [t.get_text() for t in ax_s.get_legend().get_texts()][:4] == ["plain", "ds", "mean of nets (hollow)",
                                                                        "best net (filled)"]
    # curves that coincide stay visible (read 08r15 F5): each reading narrower than the one before, on top
    assert ax_q.lines[1].get_linewidth() < ax_q.lines[0].get_linewidth() and ax_q.lines[1].get_zorder() >= 2
    # the Q panel's update axis is logarithmic from just before the first epoch: the first epochs are visible (read 07r9 F1)
    assert ax_q.get_xscale() == "log" and 0 < ax_q.get_xlim()[0] < 50 and ax_q.get_xlim()[1] >= 1000
    assert ax_s.get_xscale() == ax_a.get_xscale() == "linear"
    # each traced epoch is a dot: what lies between two dots is visibly not kept (read 07r20 F1, 07r22 S12)
    dots = [ln for ln in ax_q.lines if ln.get_marker() == "o" and ln.get_linestyle() == "None"]
    assert [ln.get_xdata().tolist() for ln in dots] == [[50, 100]] * 2 and dots[0].get_ydata().tolist() == [4.0, 5.0]
    assert "not kept" in ax_q.get_legend().get_title().get_text()
    # the paper's lines lie beneath the lab's points (read 07r20 F3)
    assert all(ln.get_zorder() < 2 for ln in ax_s.lines[4:]) and all(ln.get_zorder() >= 2 for ln in ax_s.lines[:4])
    # the last test point, shifted sideways, stays inside the axes: room right of the run's end (read 07r16 F1)
    last_x = max(max(ln.get_xdata()) for ln in ax_s.lines[:4])
    assert ax_s.get_xlim()[1] > 1000 and ax_a.get_xlim()[1] > 1000 and ax_s.get_xlim()[1] - last_x >= 0.02 * 1000


def test_constant_closed_form_matches_a_fitted_constant():
    """The exact constant-predictor scores against tasks.constant_baseline's fitted constant on a
    large generated set (independent: counting, not a formula) and SOURCES.md §6.8's 64.00 / 76.65 %."""
    import torch
    from vglab import tasks
    assert DTab.constant_closed_form("addition", "pascanu") == pytest.approx(64.0)
    assert DTab.constant_closed_form("multiplication", "pascanu") == pytest.approx(76.65, abs=0.01)
    for task in ("addition", "multiplication"):
        for crit in tasks.CRITERIA:
            _, s = tasks.constant_baseline(task, 20, crit, n=50_000, generator=torch.Generator().manual_seed(3))
            assert abs(100 * s - DTab.constant_closed_form(task, crit)) < 1.0, (task, crit)
    with pytest.raises(ValueError, match="task"):
        DTab.constant_closed_form("temporal_order")
    with pytest.raises(ValueError, match="criterion"):
        DTab.constant_closed_form("addition", "loose")


def test_long_run_state_from_traces_old_progress_files_and_no_test_point(tmp_path):
    from vglab.runfiles import write_json
    trace = {"update": [50, 100], "per": "epoch", "q": [[3.0, 4.0], [5.0, 2.0]], "accepted": [[1.0, 0.5], [0.5, 0.3]]}
    rows = {"temporal_order/plain": {"test_at": [100, 200], "test_score": [[0.5, 0.75]], "trace": trace},
            "temporal_order/ds": {"test_at": [100, 200], "test_score": [],  # an older progress file
                                  "last_epoch": {"accept_rate": [1.0, 0.0, 0.5], "q_mean": [7.0, -1.0, 2.0]}}}
    write_json(tmp_path / "runs" / "x.progress.json", {"settings": {"tasks": ["temporal_order"], "updates": 1000},
                                                        "updates_done": 150, "wall_s": 7200.0, "rows": rows})
    st = DTab.long_run_state(DTab.long_run("x", tmp_path))
    assert st["plain"] == {"test_at": 100, "best": 75.0, "mean": 62.5, "accept": 0.4, "q": 3.0}
    assert st["ds"] == {"test_at": None, "best": None, "mean": None, "accept": 0.5, "q": 2.0}
    import matplotlib
    matplotlib.use("Agg")
    from vglab.plots import ds as P
    _, ax_a, _ = P.plot_long_run(DTab.long_run("x", tmp_path), paper=PAPER_T100)
    assert ax_a.lines[1].get_xdata().tolist() == [150] and ax_a.lines[1].get_ydata().tolist() == [0.5]
    # the middle panel names its colours and says when it holds only the last epoch (read 07r2 F3);
    # the paper's ">99" is drawn at 99 and the legend says so
    assert [t.get_text() for t in ax_a.get_legend().get_texts()] == ["plain", "ds"]
    assert "last epoch" in ax_a.get_title()
    ax_s = P.plot_long_run(DTab.long_run("x", tmp_path), paper=PAPER_T100)[0]
    assert any(">99 / 60 (>99 drawn at 99)" in t.get_text() for t in ax_s.get_legend().get_texts())
    assert any(t.get_text().startswith("paper dS") for t in ax_s.get_legend().get_texts())  # read 07r3 S9
    # two readings at the same point stay visible: hollow markers of different shape and size (read 07r3 F2)
    m = [(ln.get_marker(), ln.get_markersize(), ln.get_markerfacecolor()) for ln in ax_a.lines[:2]]
    assert m[0][:2] != m[1][:2] and all(f == "none" for *_, f in m)
    # before any test point and with no paper lines: no legend, and no "no artists" warning
    import warnings
    for r in rows.values():
        r["test_score"] = []
        r.pop("trace", None), r.pop("last_epoch", None)
    write_json(tmp_path / "runs" / "y.progress.json", {"settings": {"tasks": ["temporal_order"], "updates": 1000},
                                                        "updates_done": 0, "wall_s": 0.0, "rows": rows})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        axes = P.plot_long_run(DTab.long_run("y", tmp_path))
    assert all(ax.get_legend() is None for ax in axes)
    assert DTab.long_run("absent", tmp_path) is None
    with pytest.raises(TypeError, match="view"):
        DTab.long_run_state(None)


def test_size_text_says_one_thread_in_the_singular():
    """Saved provenance reads 'cpu (1 threads)'; the size column says '1 thread' (read 07r4 S1)."""
    s = {"T": 20, "networks": 4, "updates": 2000, "n_train": 2000, "n_val": 200, "n_test": 500, "hidden": 100}
    one = DTab.size_text({"data": {"settings": s}, "provenance": {"device": "cpu (1 threads)"}})
    two = DTab.size_text({"data": {"settings": s}, "provenance": {"device": "cpu (2 threads)"}})
    assert one.endswith("cpu (1 thread)") and two.endswith("cpu (2 threads)")
