"""The T = 150 column beside the paper's Table 2: which table a dict of cells is, a run refused beside the other
T's table, the words "Table 2" where the report names the paper's table, the saved run read back against the
file itself (numpy), and the CPU kind in a saved run's label."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from vglab import ds_long_run, ds_tables, results  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "results"
T150 = "table1_T150_temporal_order"


def test_paper_table_names_each_table_by_value():
    assert ds_tables.paper_table(ds_tables.PAPER_T100) == ("Table 1", 100)
    copy = {m: {t: tuple(c) for t, c in row.items()} for m, row in ds_tables.PAPER_T150.items()}
    assert ds_tables.paper_table(copy) == ("Table 2", 150)
    assert ds_tables.paper_table({"plain": {"temporal_order": ("1", "2")}}) == ("its table", None)
    with pytest.raises(TypeError, match="paper"):
        ds_tables.paper_table([1, 2])


@pytest.fixture(scope="module")
def view150():
    v = ds_tables.long_run(T150, RESULTS)
    if v is None or not v["finished"]:
        pytest.skip("the finished T = 150 result is not in this copy")
    return v


def test_T150_run_is_refused_beside_table_1_and_named_beside_table_2(view150):
    with pytest.raises(ValueError, match="PAPER_T150"):
        ds_long_run.report(view150, ds_tables.PAPER_T100)
    with pytest.raises(ValueError, match="Table 1"):
        ds_long_run.summary(view150, ds_tables.PAPER_T100)
    text = ds_long_run.report(view150, ds_tables.PAPER_T150)
    assert "| paper, Table 2 | 51 / 30 | 72 / 42 |" in text and "Table 1" not in text
    assert "The paper's Table 2: plain 51 / 30, dS 72 / 42." in ds_long_run.summary(view150, ds_tables.PAPER_T150)


def test_T150_comparison_matches_the_file_read_with_numpy(view150):
    raw = json.loads((RESULTS / f"{T150}.json").read_text())["data"]["rows"]["temporal_order"]
    last = {k: 100 * np.array([col[-1] for col in r["test_curve"]["test_score"]]) for k, r in raw.items()}
    for k in ("ds", "ds_own"):
        c = ds_long_run.compare(view150, k)
        assert c["mean"] == pytest.approx(last[k].mean()) and c["base_mean"] == pytest.approx(last["plain"].mean())
        d = last[k] - last["plain"]
        # the exact sign-flip p by brute force over the 2**10 sign patterns (independent of sign_flip_p's bit trick)
        import itertools
        obs = abs(d.sum())
        hits = sum(abs(np.dot(s, d)) >= obs - 1e-9 for s in itertools.product((-1, 1), repeat=d.size))
        assert c["p"] == pytest.approx(hits / 2 ** d.size)


def test_unfinished_summary_names_the_table_and_T():
    assert "at T = 150, as the paper's Table 2 says" in ds_long_run.summary(None, ds_tables.PAPER_T150)
    assert "at T = 100, as the paper's Table 1 says" in ds_long_run.summary(None, ds_tables.PAPER_T100)


def test_label_names_the_cpu_kind_where_the_run_recorded_it():
    run = {"provenance": results.provenance("cpu", wall_time_s=1.0, command="x"), "reduced": False}
    assert f"CPU {run['provenance']['cpu']}" in results.label(run)
    del run["provenance"]["cpu"]
    assert "CPU" not in results.label(run)


def test_T150_provenance_keeps_its_two_cpu_kinds(view150):
    prov = results.load(T150, RESULTS)["provenance"]
    assert "AVX-512" in prov["cpu"] and "AVX2" in prov["cpu"] and "9c9bc91" in prov["note"]
    assert "AVX-512" in view150["label"]


def test_long_run_plot_names_table_2_in_its_legend(view150):
    import matplotlib.pyplot as plt
    from vglab.plots.ds import plot_long_run
    axes = plot_long_run(view150, paper=ds_tables.PAPER_T150)
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert "paper dS (Table 2): 72 / 42" in labels and "paper plain (Table 2): 51 / 30" in labels
    plt.close("all")


def test_status_names_the_task_so_two_runs_at_one_T_are_told_apart(view150):
    assert ds_long_run.status(view150).startswith("The T = 150 temporal order run **has finished**")
    assert ds_long_run.status({**view150, "task": "addition", "finished": False, "updates_done": 5}).startswith(
        "The T = 150 addition run **is still being trained**")
    assert ds_long_run.summary(view150, ds_tables.PAPER_T150).startswith("The T = 150 temporal order run (10 networks")
