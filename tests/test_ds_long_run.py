"""ds_long_run: the full-size Table-1 run in words, rendered from its state (issue 16 items 3-4).

A tiny run of the real CLI gives a FINISHED result and its progress file in the same formats as the
long run's; hand-made views set dS ahead, behind and within the spread, and the verdict's words must
follow the numbers."""
import copy
import itertools

import numpy as np
import pytest

from vglab import capstone, ds_long_run as L, ds_tables as DTab
from vglab.ds_tables import PAPER_T100


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from vglab.experiments import table1
    d = tmp_path_factory.mktemp("long")
    rc = table1.main(["--tasks", "temporal_order", "--T", "10", "--networks", "3", "--updates", "40",
                      "--methods", "plain,ds,ds_own", "--n-train", "200", "--n-val", "50", "--n-test", "100",
                      "--hidden", "8", "--engine", "fast", "--mode", "eager", "--records", "epoch",
                      "--test-every", "0.5", "--results-dir", str(d), "--checkpoint-dir", str(d / "runs"),
                      "--out", "tiny", "--no-progress", "--device", "cpu"])
    assert rc == 0
    return d


def _view(plain, ds, finished=True, at=(5000, 10000)):
    """A hand-made finished view: two test points, the last with these per-network scores (%)."""
    tr = {"update": [100, 5000, 9900], "accepted": [[1.0, 0.5, 0.25]] * len(plain), "q": [[3.0, 0.5, -0.5]] * len(plain)}
    rows = {"plain": {"test_at": list(at), "test_score": [[25.0] * len(plain), list(plain)], "trace": tr},
            "ds": {"test_at": list(at), "test_score": [[25.0] * len(ds), list(ds)], "trace": tr}}
    return {"finished": finished, "updates_done": 10000 if finished else 6000, "updates": 10000,
            "task": "temporal_order", "label": "saved run" if finished else "in progress",
            "settings": {"T": 100, "networks": len(plain)}, "rows": rows}


def test_a_median_q_just_outside_the_zone_does_not_print_as_its_edge():
    """Read 07r28 S2: a last-tenth median Q of −1.04 printed "−1.0" read as on the zone's edge."""
    view = _view([25.0 + i for i in range(10)], [20.0 + i for i in range(10)])
    for r in view["rows"].values():
        r["trace"] = dict(r["trace"], q=[[0.96, -0.3, -1.04]] * 10)
    text = L.report(view, PAPER_T100)
    assert "Q +0.96 / −0.30 / −1.04 (median over networks" in text and "−1.0 " not in text and "−1.0," not in text
    assert L.over_run(view, "ds")["q"][2] < -1  # outside [−1, 1], and the text says so by its digits


def test_sign_flip_p_is_the_exact_permutation_test():
    rng = np.random.default_rng(0)
    for n in (1, 4, 9):
        d = rng.normal(0.5, 1.0, n)
        flips = [abs(sum(s * v for s, v in zip(signs, d))) for signs in itertools.product((1, -1), repeat=n)]
        assert L.sign_flip_p(d) == pytest.approx(np.mean([f >= abs(d.sum()) - 1e-9 for f in flips]))
    from scipy import stats  # an independent implementation (exact for 10 pairs)
    a, b = rng.normal(30, 5, 10), rng.normal(28, 5, 10)
    ref = stats.permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
                                 n_resamples=np.inf).pvalue
    assert L.sign_flip_p(a - b) == pytest.approx(ref)
    assert L.sign_flip_p([1.0] * 10) == pytest.approx(2 / 1024)  # all ten higher: the smallest two-sided p


def test_finished_and_in_progress_states_of_a_real_tiny_run(tiny):
    view = DTab.long_run("tiny", tiny)
    assert view["finished"]
    text = L.report(view, PAPER_T100)
    assert text.startswith("The T = 10 temporal order run **has finished** (40 minibatches drawn per reading;")
    assert "still being trained" not in text and "not a verdict" not in text
    assert "| paper, Table 1 | 96 / 44 | >99 / 60 | >99 / 60 |" in text
    c = L.compare(view, "ds", "plain")
    assert c["n"] == 3 and c["at"] == 40
    for k in ("ds", "ds_own"):
        assert f"**`{k}` against plain SGD**" in text
    words = {"ahead": "beats plain SGD here", "behind": "scores below plain SGD here",
             "within the spread": "within the spread of the paired differences"}
    assert words[c["verdict"]] in text
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vglab import results
    from vglab.plots import ds as P
    *_, ax_q = P.plot_long_run(view, paper=PAPER_T100)  # what notebook 07's cell draws in the finished state
    # three readings nest (read 08r15 F5): widths decrease in drawing order and the third is dashed on top
    w = [ln.get_linewidth() for ln in ax_q.lines[:3]]
    assert w[0] > w[1] > w[2] and ax_q.lines[2].get_linestyle() == "--" and ax_q.lines[1].get_linestyle() == "-"
    plt.close("all")
    assert len(DTab.comparison(results.load("tiny", tiny), n_const=500)) == 3  # and the table below it
    summ = L.summary(view, PAPER_T100)
    assert summ.startswith("The T = 10 temporal order run (3 networks per reading, 40 minibatches drawn each; one run,") and ") has finished:" in summ and "open" not in summ
    # the same run before its result file exists: its progress file, and no verdict anywhere
    (tiny / "tiny.json").rename(tiny / "tiny.done")
    try:
        prog = DTab.long_run("tiny", tiny)
        prog["updates_done"] = 20  # as at the checkpoint half-way
        text = L.report(prog, PAPER_T100)
        assert "**is still being trained**: 20 of 40 minibatches drawn" in text
        assert not any(w in text for w in words.values()) and "against plain SGD" not in text
        assert "stays open" in L.summary(prog, PAPER_T100)
    finally:
        (tiny / "tiny.done").rename(tiny / "tiny.json")


@pytest.mark.parametrize("ds, verdict, words", [
    ([30.0 + i for i in range(10)], "ahead", "`ds` beats plain SGD here: its mean is higher (p = 0.002)"),
    ([20.0 + i for i in range(10)], "behind", "`ds` scores below plain SGD here: its mean is lower (p = 0.002)"),
    ([25.5 + i - (i % 2) for i in range(10)], "within the spread", "`ds`'s mean is the same, but the difference is "
     "within the spread of the paired differences (p = 1.00): this run shows no significant gain or loss from `ds`"),
    ([25.0 + i + (2 if i % 2 else -3) for i in range(10)], "within the spread",
     "`ds`'s mean is lower, but the difference is within the spread of the paired differences"),
    ([25.0 + i + (3 if i % 2 else -2) for i in range(10)], "within the spread",
     "`ds`'s mean is higher, but the difference is within the spread of the paired differences"),
])
def test_the_verdict_follows_the_numbers(ds, verdict, words):
    plain = [25.0 + i for i in range(10)]
    view = _view(plain, ds)
    c = L.compare(view)
    assert c["verdict"] == verdict and c["n"] == 10
    text = L.report(view, PAPER_T100)
    assert words in text and "plain 96 / 44, dS >99 / 60" in text
    assert f"mean {np.mean(ds):.1f} % against {np.mean(plain):.1f} %" in text
    if verdict != "ahead":  # where it falls behind: the test points, the accept rate and Q over the run
        assert "Its mean is below plain's at" in text
    assert "applied 100% / 50% / 25% of its minibatches, Q +3.00 / +0.50 / −0.50 (median over networks of each one's mean Q in the window)" in text
    assert words in L.summary(view, PAPER_T100)
    # one rule for the words (ALPHA = 0.05): "beats" and "scores below" only where p < ALPHA
    for t in (text, L.summary(view, PAPER_T100)):
        assert ("beats plain SGD" in t) == (verdict == "ahead") and ("scores below plain SGD" in t) == (verdict == "behind")
        assert ("no significant gain or loss" in t) == (verdict == "within the spread") and "does **not** beat" not in t
    # in progress, the same numbers are no verdict
    prog = _view(plain, ds, finished=False)
    assert words not in L.report(prog, PAPER_T100) and "stays open" in L.summary(prog, PAPER_T100)


def test_absent_run_and_bad_arguments():
    assert "no verdict" in L.report(None, PAPER_T100) and "stays open" in L.summary(None, PAPER_T100)
    view = _view([25.0] * 3, [26.0] * 3)
    with pytest.raises(TypeError, match="view"):
        L.report("x", PAPER_T100)
    with pytest.raises(TypeError, match="view"):
        L.compare(None)
    with pytest.raises(TypeError, match="paper"):
        L.summary(view, None)
    with pytest.raises(ValueError, match="reading"):
        L.compare(view, "lstm")
    with pytest.raises(ValueError, match="alpha"):
        L.compare(view, alpha=1.5)
    assert L.compare(view, alpha=np.float64(0.1))["verdict"] in ("ahead", "within the spread")
    bad = copy.deepcopy(view)
    bad["rows"]["ds"]["test_score"][-1] = [26.0, 26.0]
    with pytest.raises(ValueError, match="same networks"):
        L.compare(bad)
    with pytest.raises(ValueError, match="finite"):
        L.sign_flip_p([1.0, float("nan")])
    with pytest.raises(ValueError, match="1 to 16"):
        L.sign_flip_p(np.ones(17))
    with pytest.raises(TypeError, match="diffs"):
        L.sign_flip_p(["a", object()])
    nothing = copy.deepcopy(view)
    nothing["rows"]["ds"]["test_score"] = []
    assert L.compare(nothing) is None


def test_capstone_summary_uses_the_same_words():
    view = _view([25.0 + i for i in range(10)], [20.0 + i for i in range(10)])
    assert capstone.long_run_summary(view, PAPER_T100) == L.report(view, PAPER_T100)


def test_pairs_print_at_the_precision_the_count_uses():
    """Read 08r9: a pair printed '25.4 → 25.4' was counted 'lower'. Every pair the count calls unequal
    must print unequal, and a tie must print equal."""
    plain = [25.43, 30.0, 40.0]
    view = _view(plain, [25.39, 30.0, 41.0])
    c = L.compare(view)
    assert (c["higher"], c["lower"], c["equal"]) == (1, 1, 1)
    text = L.report(view, PAPER_T100)
    assert "25.43 → 25.39, 30.00 → 30.00, 40.00 → 41.00" in text
    pairs = text.split("(plain → `ds`: ")[1].split("; a best")[0].split(", ")
    shown = [tuple(s.split(" → ")) for s in pairs]
    assert sum(b == a for b, a in shown) == c["equal"] and sum(float(a) < float(b) for b, a in shown) == c["lower"]
    assert "(plain → `ds`: 25.0 → 26.0" in L.report(_view([25.0] * 3, [26.0] * 3), PAPER_T100)  # 1 decimal suffices


def test_pairs_share_one_precision_across_readings():
    """Read 08r15 S8: `ds` printed 2 decimals and `ds_own` 1 in adjacent lists; one precision for all,
    the finest any list needs, so that no unequal pair prints equal."""
    view = _view([25.43, 30.0, 40.0], [25.39, 30.0, 41.0])
    view["rows"]["ds_own"] = copy.deepcopy(view["rows"]["ds"])
    view["rows"]["ds_own"]["test_score"][-1] = [26.0, 30.0, 40.0]  # alone, 1 decimal would do
    text = L.report(view, PAPER_T100)
    assert "(plain → `ds`: 25.43 → 25.39, 30.00 → 30.00, 40.00 → 41.00" in text
    assert "(plain → `ds_own`: 25.43 → 26.00, 30.00 → 30.00, 40.00 → 40.00" in text
    assert L._pairs([25.0], [26.0]) == "25.0 → 26.0" and L._pairs([25.0], [26.0], 3) == "25.000 → 26.000"


def test_applied_share_and_multiplicity():
    view = _view([25.0 + i for i in range(10)], [20.0 + i for i in range(10)])
    tr = view["rows"]["ds"]["trace"]
    assert L.applied_share(view, "ds") == pytest.approx(np.mean(tr["accepted"]))  # (1 + 0.5 + 0.25) / 3
    assert "`ds` applied 58% of its minibatches over the run" in L.report(view, PAPER_T100)
    assert "it applied 58% of its minibatches" in L.summary(view, PAPER_T100)
    # a finished run's count over every minibatch (accept_rate, per network) wins over the traced estimate
    view["rows"]["ds"]["accept_rate"] = [0.2] * 5 + [0.4] * 5
    assert L.applied_share(view, "ds") == pytest.approx(0.3)
    assert "`ds` applied 30% of its minibatches over the run" in L.report(view, PAPER_T100)
    del view["rows"]["ds"]["accept_rate"]
    # hand-worked Bonferroni and Holm (Holm 1979): p sorted 0.01, 0.02, 0.04 -> ×3, ×2, ×1 = 0.03, 0.04, 0.04
    assert L.adjusted_p([0.04, 0.01, 0.02]) == pytest.approx([0.12, 0.03, 0.06])
    assert L.adjusted_p([0.04, 0.01, 0.02], "holm") == pytest.approx([0.04, 0.03, 0.04])
    assert L.adjusted_p([0.03, 0.5], "holm") == pytest.approx([0.06, 0.5])
    assert L.adjusted_p([0.6, 0.7]) == [1.0, 1.0] and L.adjusted_p(np.array([0.006, 0.043]), "holm") == pytest.approx([0.012, 0.043])
    with pytest.raises(ValueError, match="method"):
        L.adjusted_p([0.1], "sidak")
    with pytest.raises(ValueError, match="ps"):
        L.adjusted_p([1.5])
    with pytest.raises(TypeError, match="ps"):
        L.adjusted_p(["a", object()])
    # two dS readings against one baseline: the report corrects their p
    two = copy.deepcopy(view)
    two["rows"]["ds_own"] = copy.deepcopy(two["rows"]["ds"])
    text = L.report(two, PAPER_T100)
    assert "2 readings are compared with the same plain SGD networks" in text
    assert "Bonferroni (each p × 2) gives `ds` 0.004, `ds_own` 0.004" in text
    assert "Bonferroni `ds` 0.004" in L.summary(two, PAPER_T100)
    assert "readings are compared with the same" not in L.report(view, PAPER_T100)
    with pytest.raises(ValueError, match="reading"):
        L.applied_share(view, "lstm")


def test_what_the_p_covers_and_the_corrected_verdicts():
    """The report and the summary say that the p treats the initial networks as the random units, and
    the summary says which per-comparison verdict survives Bonferroni and Holm (the T = 100 column's
    paired scores: `ds` p = 0.006 holds under both, `ds_own` p = 0.043 under Holm only: 0.086 × Bonferroni)."""
    plain = [53.64, 77.66, 53.79, 51.04, 57.16, 50.66, 25.43, 52.10, 69.82, 70.14]
    ds = [58.93, 31.84, 25.95, 45.59, 50.48, 40.56, 25.39, 36.29, 37.23, 24.95]
    own = [58.6, 34.1, 54.3, 40.9, 51.1, 27.3, 37.6, 38.9, 53.0, 32.1]
    view = _view(plain, ds)
    view["rows"]["ds_own"] = _view(plain, own)["rows"]["ds"]
    assert L.compare(view)["p"] == pytest.approx(0.00586, abs=1e-5)
    assert L.compare(view, "ds_own")["p"] == pytest.approx(0.0430, abs=1e-4)
    for t in (L.report(view, PAPER_T100), L.summary(view, PAPER_T100)):
        assert "random units" in t and ("one minibatch order" in t or "one order of minibatches drawn" in t)
    summ = L.summary(view, PAPER_T100)
    assert "`ds`'s verdict holds under both" in summ
    assert "`ds_own`'s verdict holds under Holm only, not under Bonferroni" in summ
    assert "treats the 10 initial networks as the random units" in L.report(view, PAPER_T100)
