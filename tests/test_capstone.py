"""vglab.capstone (notebook 08): rows with every field, remedies that change what they should, one loop
that equals the lab's own (train_digits, autograd), verdicts, the CLI, and the exercise checkers."""
import copy
import json
import math

import pytest
import torch
import torch.nn.functional as F

from vglab import bptt, capstone, deep_mlp, ds_train, exercises, lstm, results, srn, tasks
from vglab.beta_penalty import beta_penalty_from_logits
from vglab.data import digits

FIELDS = {"testbed", "remedy", "colour", "baseline", "regime", "score", "score_min", "score_best", "scores", "n",
          "chance", "flow_name", "flow_init", "flow", "pct_saturated_init", "pct_saturated", "pct_dead",
          "sec_per_update", "cost", "device", "verdict"}


@pytest.fixture(scope="module")
def small_digits():
    return digits(standardize=True, n=300)


def test_train_mlp_without_penalty_follows_train_digits(small_digits):
    a = deep_mlp.build_mlp(4, 16, "tanh", seed=1)
    b = copy.deepcopy(a)
    capstone.train_mlp(a, small_digits, steps=7, lr=0.05, seed=3, progress_bar=False)
    deep_mlp.train_digits(b, small_digits, steps=7, lr=0.05, seed=3, probe_every=3, progress_bar=False)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_beta_penalty_step_equals_the_written_out_loss(small_digits):
    lam, lr = 0.3, 0.05
    a = deep_mlp.build_mlp(3, 8, "sigmoid", seed=2)
    b = copy.deepcopy(a)
    capstone.train_mlp(a, small_digits, steps=1, lr=lr, lam=lam, seed=4, progress_bar=False)
    idx = torch.randint(len(small_digits.x_train), (64,), generator=torch.Generator().manual_seed(4))
    z, omega = small_digits.x_train[idx], 0.0
    for block in b.blocks:  # claim 3 by hand: ω of every sigmoid layer's pre-activations
        pre = block.linear(z)
        omega = omega + beta_penalty_from_logits(pre)
        z = torch.sigmoid(pre)
    loss = F.cross_entropy(b.head(z), small_digits.y_train[idx]) + lam * omega
    grads = torch.autograd.grad(loss, list(b.parameters()))
    with torch.no_grad():
        for p, g, q in zip(b.parameters(), grads, a.parameters()):
            torch.testing.assert_close(q, p - lr * g, rtol=1e-5, atol=1e-7)  # first momentum step = SGD
    plain = copy.deepcopy(b)
    capstone.train_mlp(plain, small_digits, steps=1, lr=lr, seed=4, progress_bar=False)
    assert not torch.allclose(plain.blocks[0].linear.weight, a.blocks[0].linear.weight)


def test_mlp_rows_and_the_residual_path(small_digits):
    rows = capstone.run_mlp(["plain (sigmoid)", "residual (sigmoid)", "ReLU + Kaiming"], depth=20, width=16,
                            steps=2, seeds=(0, 1), data=small_digits, progress_bar=False)
    assert [r["remedy"] for r in rows] == ["plain (sigmoid)", "residual (sigmoid)", "ReLU + Kaiming"]
    for r in rows:
        assert FIELDS <= set(r) and r["n"] == len(r["scores"]) == 2 and 0 <= r["score"] <= 1
        assert r["score_min"] == min(r["scores"]) and r["sec_per_update"] > 0 and r["cost"] > 0
    json.dumps(rows)  # JSON-ready
    by = {r["remedy"]: r for r in rows}
    assert by["plain (sigmoid)"]["flow_init"] < 1e-6  # σ′ ≤ 1/4 per layer: vanishes over 20 layers
    assert 0.1 < by["residual (sigmoid)"]["flow_init"] < 10  # the identity path keeps it
    assert 0.1 < by["ReLU + Kaiming"]["flow_init"] < 10
    assert by["plain (sigmoid)"]["verdict"] == "baseline" and by["plain (sigmoid)"]["cost"] == 1.0


def test_mlp_remedies_xavier_x4_and_a_saturating_start_for_the_beta_penalty(small_digits):
    kw4, lam4, _, base4 = capstone.MLP_REMEDIES["Xavier ×4 (sigmoid)"]
    net = deep_mlp.build_mlp(3, 64, seed=0, **kw4)  # square layers: std = 4·√(2/(64+64)) = 4/√64
    assert float(net.blocks[1].linear.weight.detach().std()) == pytest.approx(4 / 8, rel=0.05)
    kwb, lamb, _, baseb = capstone.MLP_REMEDIES["Xavier ×4 + Beta penalty"]
    assert kwb == kw4 and lamb > 0 and baseb == "Xavier ×4 (sigmoid)"  # the penalty against its own init
    kw8, _, _, _ = capstone.MLP_REMEDIES["sigmoid gain 8 (saturating)"]
    rows = capstone.run_mlp(["plain (sigmoid)", "sigmoid gain 8 (saturating)", "gain 8 + Beta penalty"],
                            steps=2, seeds=(0,), data=small_digits, progress_bar=False)
    by = {r["remedy"]: r for r in rows}
    assert by["plain (sigmoid)"]["pct_saturated_init"] < 1 < 20 < by["sigmoid gain 8 (saturating)"]["pct_saturated_init"]
    assert by["gain 8 + Beta penalty"]["baseline"] == "sigmoid gain 8 (saturating)"
    with pytest.raises(ValueError, match="seeds"):
        capstone.run_mlp(["ReLU"], seeds=(1, 1), data=small_digits)


def test_paper_update_is_ds_train_s_update_and_times_only_it():
    data = ds_train_data()
    init = srn.SRN(6, 20, 4, sigma2=0.01, n_networks=3, generator=torch.Generator().manual_seed(1))
    for method in ("plain", "clipping", "pascanu", "ds"):
        ref = copy.deepcopy(init)
        ds_train.train(ref, data, method, 3, seed=5, progress_bar=False)
        times, got = capstone._paper_updates(copy.deepcopy(init), data, method, 3, seed=5)
        assert len(times) == 3 and all(t > 0 for t in times)
        for p, q in zip(got.parameters(), ref.parameters()):
            torch.testing.assert_close(p, q)
        assert capstone.paper_update_seconds(init, data, method, repeats=2) > 0
    with pytest.raises(ValueError, match="method"):
        capstone.paper_update_seconds(init, data, "adam")
    with pytest.raises(ValueError, match="repeats"):
        capstone.paper_update_seconds(init, data, "plain", repeats=0)


def ds_train_data():
    return ds_train.make_data("temporal_order", 12, 40, 10, 10, seed=0)


def test_srn_rows_q_and_the_forget_bias():
    rows = capstone.run_srn(T=20, n_networks=2, updates=3, adam_steps=3, n_train=60, n_val=20, n_test=40,
                            n_probe=20, cost_repeats=2, progress_bar=False)
    assert [r["remedy"] for r in rows] == list(capstone.SRN_REMEDIES)
    for r in rows:
        assert FIELDS <= set(r) and len(r["scores"]) == 2 and math.isfinite(r["flow"]) and r["cost"] > 0
    by = {r["remedy"]: r for r in rows}
    same_init = {by[k]["flow_init"] for k in ("plain SGD", "clipping", "Pascanu's Ω", "dS sampling")}
    assert len(same_init) == 1  # the same initial networks
    assert by["SRN + Adam (control)"]["flow_init"] == pytest.approx(by["plain SGD"]["flow_init"], abs=1e-9)
    assert by["SRN + Adam (control)"]["verdict"] == "baseline"  # each regime has its own baseline
    assert by["LSTM f-bias 1"]["flow_init"] < by["LSTM f-bias 0"]["flow_init"] - 1  # open gate: less decay


def test_srn_measures_q_matches_the_hand_written_recursion():
    g = torch.Generator().manual_seed(0)
    net = srn.SRN(6, 30, 4, sigma2=1 / 30, generator=g)
    x, y = tasks.make_batch("temporal_order", 16, 25, generator=g)
    ref = bptt.q_factor(bptt.manual_local_gradients(copy.deepcopy(net).double(), x.double(), y), 24)
    assert capstone.srn_measures(net, x, y)["flow"] == pytest.approx(ref, rel=1e-9)
    cell = lstm.LSTM(6, 30, 4, forget_bias=1.0, generator=g)
    c = lstm.state_gradient_norms(copy.deepcopy(cell).double(), x.double(), y)["c"]
    assert capstone.srn_measures(cell, x, y)["flow"] == pytest.approx(float(torch.log10(c[-1] / c[0])))


def _r(remedy, score, baseline="base", chance=0.1, flow=5.0, lo=None, hi=None, sec=1.0):
    return {"testbed": "t", "remedy": remedy, "baseline": baseline, "score": score, "chance": chance, "flow": flow,
            "score_min": score if lo is None else lo, "score_best": score if hi is None else hi, "sec_per_update": sec}


def test_verdicts_say_plainly_when_a_remedy_did_not_help():
    rows = capstone.add_verdicts([_r("base", 0.5, None), _r("up", 0.7), _r("down", 0.3), _r("same", 0.52),
                                  _r("orphan", 0.9, "missing")])
    v = {r["remedy"]: r["verdict"] for r in rows}
    assert v["base"] == "baseline" and v["up"].startswith("helped: +20")
    assert v["down"].startswith("hurt: -20") and v["same"].startswith("no gain here: +2")
    assert "no missing row" in v["orphan"]
    low = capstone.add_verdicts([_r("base", 0.11, None), _r("x", 0.12)])
    assert low[1]["verdict"] == "no gain here: neither learned in this budget"
    wide = capstone.add_verdicts([_r("base", 0.5, None, lo=0.2, hi=0.8, sec=2.0), _r("up", 0.7, lo=0.6, hi=0.9, sec=3.0)])
    assert wide[1]["verdict"] == "helped: +20 pts vs base (ranges overlap)" and wide[1]["cost"] == 1.5
    assert wide[0]["cost"] == 1.0
    mixed = capstone.add_verdicts([dict(_r("base", 0.5, None, sec=2.0), commit="aaa"),
                                   dict(_r("same", 0.5, sec=3.0), commit="aaa"), dict(_r("other", 0.5, sec=3.0), commit="bbb")])
    assert mixed[1]["cost"] == 1.5 and mixed[2]["cost"] is None  # no ratio across sessions


def test_table_and_bad_input(small_digits):
    rows = capstone.run_mlp(["plain (sigmoid)"], depth=3, width=8, steps=1, data=small_digits, progress_bar=False)
    md, txt = capstone.format_table(rows), capstone.format_table(rows, markdown=False)
    assert md.startswith("| testbed") and "plain (sigmoid)" in md and "baseline" in txt and "cost ×" in txt
    with pytest.raises(ValueError, match="unknown MLP remedies"):
        capstone.run_mlp(["swish"])
    with pytest.raises(ValueError, match="unknown SRN remedies"):
        capstone.run_srn(["gru"])
    with pytest.raises(ValueError, match="steps"):
        capstone.train_mlp(deep_mlp.build_mlp(2, 4), small_digits, steps=0)


def test_cli_writes_a_labelled_reduced_run(tmp_path):
    from vglab.experiments import capstone as cli
    cli.main(["--T", "12", "--networks", "1", "--updates", "2", "--adam-steps", "2", "--n-train", "30",
              "--n-val", "10", "--n-test", "20", "--remedies", "plain SGD,LSTM f-bias 1", "--reduced",
              "--out", "capstone_test", "--results-dir", str(tmp_path), "--no-progress"])
    run = results.load("capstone_test", tmp_path)
    assert run["reduced"] is True and "capstone" in run["provenance"]["command"]
    assert [r["remedy"] for r in run["data"]["rows"]] == ["plain SGD", "LSTM f-bias 1"]
    assert run["data"]["settings"]["T"] == 12 and run["data"]["settings"]["cost_repeats"] == 20
    for bad in ("0", "1.5"):  # --cost-repeats: a whole number >= 1, checked before any training
        with pytest.raises(SystemExit):
            cli.parse(["--cost-repeats", bad])


def test_cli_resumes_remedy_by_remedy_and_equals_an_uninterrupted_run(tmp_path):
    from vglab.experiments import capstone as cli
    args = ["--T", "12", "--networks", "1", "--updates", "3", "--adam-steps", "2", "--n-train", "30",
            "--n-val", "10", "--n-test", "20", "--remedies", "plain SGD,clipping,LSTM f-bias 1", "--reduced",
            "--out", "cap", "--no-progress"]
    whole, chunks = tmp_path / "whole", tmp_path / "chunks"
    assert cli.main(args + ["--results-dir", str(whole)]) == 0
    stops = [cli.main(args + ["--results-dir", str(chunks), "--max-minutes", "0"]) for _ in range(3)]
    assert stops == [3, 3, 0]  # one remedy per call, then done
    assert not (chunks / "cap.partial.json").exists()
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("sec_per_update", "cost")} for r in rows]  # noqa: E731
    a, b = results.load("cap", whole)["data"]["rows"], results.load("cap", chunks)["data"]["rows"]
    assert strip(a) == strip(b)
    assert {r["commit"] for r in a} == {results.provenance("cpu")["commit"]}  # every row names its commit
    assert cli.main(args + ["--results-dir", str(chunks), "--max-minutes", "0"]) == 3
    part = chunks / "cap.partial.json"  # a checkpoint written by other code: its resume is refused
    saved = json.loads(part.read_text())
    assert saved["rows"][0]["commit"] == saved["commit"]
    part.write_text(json.dumps({**saved, "commit": "0000000"}))
    with pytest.raises(SystemExit, match="commit 0000000"):
        cli.main(args + ["--results-dir", str(chunks), "--max-minutes", "0"])
    for p in (part, part.with_name(part.name + ".prev")):
        p.unlink(missing_ok=True)
    with pytest.raises(SystemExit, match="other settings"):  # a checkpoint of another run is not reused
        cli.main(args[:3] + ["4"] + args[4:] + ["--results-dir", str(chunks), "--max-minutes", "0"])
        cli.main(args + ["--results-dir", str(chunks)])


def test_summary_panel_redraws_every_view():
    from vglab.widgets.capstone import VIEWS, summary_panel
    rows = [{"testbed": "t", "remedy": n, "colour": c, "baseline": None, "regime": "r", "score": s, "score_best": s,
             "chance": 0.1, "flow_name": "grad ratio layer 1 / last", "flow_init": 1e-8, "flow": f,
             "pct_saturated": 3.0, "cost": 1.5, "device": "cpu", "verdict": "baseline"}
            for n, c, s, f in (("plain", "plain", 0.1, 1e-16), ("residual", "residual", 0.9, 1.2))]
    panel = summary_panel(rows)
    for view in VIEWS:
        panel.update(testbed="t", view=view)
        assert "Can't draw" not in panel.message.value and panel.image.value  # a PNG, no error message
    assert panel.n_redraws >= len(VIEWS)
    with pytest.raises(ValueError, match="empty"):
        summary_panel([])


def test_poster_puts_both_testbeds_on_one_scale():
    import matplotlib
    matplotlib.use("Agg")
    from vglab.plots import capstone as pc

    def row(tb, name, flow0, flow, fname):
        return {"testbed": tb, "remedy": name, "colour": "plain", "score": 0.5, "score_best": 0.6, "chance": 0.25,
                "flow_name": fname, "flow_init": flow0, "flow": flow, "verdict": "baseline", "device": "cpu",
                "pct_saturated": 0.0, "cost": 1.0, "regime": "r", "baseline": None}
    mlp = [row("deep MLP", "plain", 1e-16, 1e-3, "grad ratio layer 1 / last")]
    rnn = [row("SRN T=50", "plain SGD", 2.0, 72.0, "Q over h = T−1 steps")]
    fig = pc.poster(mlp, rnn, saved=[row("SRN T=100", "plain SGD", 2.0, 0.5, "Q")])
    assert len(fig.axes) == 4
    ax = fig.axes[3]  # the SRN flow panel: −Q, far values clipped to the edge and labelled
    xs = sorted(float(x) for line in ax.lines for x in line.get_xdata())
    assert xs[0] == -20.0 and -2.0 in xs and -0.5 in xs  # −72 clipped; init −Q = −2; the saved run's −0.5
    assert any(t.get_text() == "-72" for t in ax.texts)
    mlp_x = [float(x) for line in fig.axes[2].lines for x in line.get_xdata()]
    assert -16.0 in mlp_x and -3.0 in mlp_x  # log10 of the layer-1/last ratio
    scores = fig.axes[1]  # the SRN scores: the saved run's diamonds named in the panel's own legend, hollow
    assert "saved SRN T=100" in scores.get_legend().get_texts()[0].get_text()
    assert "◇" not in scores.get_xlabel()  # not under the x-axis, where it read as the next panel's caption
    assert all(line.get_markerfacecolor() == "none" for line in scores.lines if line.get_marker() == "D")


def test_same_work_rows_exist():
    assert capstone.SAME_WORK <= set(capstone.MLP_REMEDIES) | set(capstone.SRN_REMEDIES)


def test_poster_colours_mark_the_regime_not_the_remedy():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vglab.plots import capstone as pc

    def row(name, base, regime, fname="Q over h = T−1 steps"):
        return {"remedy": name, "baseline": base, "regime": regime, "flow_name": fname}
    srn = [row("plain SGD", None, "SGD, lr 1e-5"), row("clip", "plain SGD", "SGD, lr 1e-5"),
           row("Adam control", None, "Adam lr 1e-2, clip 1"), row("GRU", "Adam control", "Adam lr 1e-2, clip 1")]
    mlp = [row("plain", None, "m", "grad ratio layer 1 / last"), row("ReLU", "plain", "m", "grad ratio layer 1 / last")]
    cs, cm = pc.row_colours(srn), pc.row_colours(mlp)
    assert cs[0] == cs[2] == cm[0] == pc.BASELINE_COLOUR  # each regime's baseline: black
    assert len({cs[1], cs[3], cm[1]}) == 3  # two SRN regimes and the MLP: three colours, none shared
    y = pc._y(srn)
    assert list(y) == [4.0, 3.0, 1.0, 0.0]  # an empty slot above the second regime, for its name
    ax = plt.figure().gca()
    pc._regime_dividers(ax, srn, y)
    assert [t.get_text() for t in ax.texts] == ["regime: SGD, lr 1e-5", "regime: Adam lr 1e-2, clip 1"]
    assert all(t.get_bbox_patch() is not None for t in ax.texts)  # on a white box: the chance line stays behind
    plt.close("all")


def test_rules_of_thumb_count_what_the_rows_say():
    def row(name, base, flow0, score, verdict, tb="deep MLP", regime="r"):
        return {"testbed": tb, "remedy": name, "baseline": base, "flow_init": flow0, "flow": flow0, "score": score,
                "pct_saturated": 0.0, "verdict": verdict, "regime": regime, "n": 5, "chance": 0.25 if tb != "deep MLP" else 0.1}
    rows = [row("plain (sigmoid)", None, 1e-16, 0.1, "baseline"), row("residual", "plain (sigmoid)", 1.2, 0.9, "helped: +80"),
            row("ReLU", "plain (sigmoid)", 1e-8, 0.1, "no gain here"), row("tanh", "plain (sigmoid)", 0.5, 0.1, "no gain here")]
    srn_rows = [row("plain SGD", None, 2.0, 0.6, "baseline", "SRN T=9", "paper"),
                row("dS sampling", "plain SGD", 2.0, 0.7, "helped: +10", "SRN T=9", "paper"),
                row("SRN + Adam (control)", None, 2.0, 0.25, "baseline", "SRN T=9", "adam"),
                row("LSTM f-bias 1", "SRN + Adam (control)", 3.0, 0.26, "no gain here", "SRN T=9", "adam")]
    text = "\n".join(capstone.rules_of_thumb(rows + srn_rows))
    assert "Deep MLP (4 rows, 5 seeds each, r): helped — residual; did not — ReLU, tanh." in text
    assert "of the 2 remedies whose layer-1/last ratio starts within 10×, 1 helped; of the 1 that start outside, 0" in text
    assert "SRN T=9, paper (2 rows, 5 networks each): its baseline plain SGD learned (60 %, chance 25 %); " \
           "beat it by ≥ 5 points — dS sampling." in text
    assert "SRN T=9, adam (2 rows, 5 networks each): its baseline SRN + Adam (control) stayed at chance; " \
           "beat it by ≥ 5 points — none." in text


def test_long_run_summary_in_its_three_states():
    """capstone.long_run_summary is ds_long_run.report (tested there): absent, in progress, finished."""
    from vglab import ds_tables
    paper = ds_tables.PAPER_T100
    assert "nothing to show" in capstone.long_run_summary(None, paper)
    rows = {"plain": {"test_at": [10000], "test_score": [[30.0, 50.0]], "trace": None},
            "ds": {"test_at": [10000], "test_score": [], "trace": {"update": [50, 100], "accepted": [[1, 0.5], [1, 0.7]],
                                                                  "q": [[2, 1.0], [3, 3.0]]}}}
    view = {"finished": False, "updates_done": 12000, "updates": 100000, "task": "temporal_order",
            "label": "in progress: 12000 of 100000 updates (3.0 h so far)", "settings": {"T": 100, "test_every": 0.1},
            "rows": rows}
    text = capstone.long_run_summary(view, paper)
    assert text.startswith("The T = 100 temporal order run **is still being trained**: 12000 of 100000 minibatches drawn")
    assert "| 10000 | 50.0 / 40.0 | – |" in text and "| paper, Table 1 | 96 / 44 | >99 / 60 |" in text
    done = capstone.long_run_summary({**view, "finished": True, "label": "saved run"}, paper)
    assert "**has finished**" in done and "still being trained" not in done
    with pytest.raises(TypeError, match="view"):
        capstone.long_run_summary("x", paper)
    with pytest.raises(TypeError, match="paper"):
        capstone.long_run_summary(None, None)


def test_cli_mlp_testbed_writes_rows_with_every_seed(tmp_path, monkeypatch):
    from vglab.experiments import capstone as cli
    small = digits(standardize=True, n=200)
    monkeypatch.setattr(capstone, "digits", lambda standardize=True: small)
    assert cli.main(["--testbed", "mlp", "--seeds", "2", "--steps", "2", "--remedies", "plain (sigmoid),ReLU",
                     "--out", "cap_mlp", "--results-dir", str(tmp_path), "--no-progress"]) == 0
    run = results.load("cap_mlp", tmp_path)
    assert run["data"]["settings"] == {"testbed": "mlp", "seeds": 2, "steps": 2, "remedies": ["plain (sigmoid)", "ReLU"]}
    assert [r["n"] for r in run["data"]["rows"]] == [2, 2] and run["data"]["rows"][1]["cost"] is not None
    for bad in (["--testbed", "cnn"], ["--testbed", "mlp", "--seeds", "0"], ["--testbed", "mlp", "--remedies", "LSTM f-bias 1"]):
        with pytest.raises(SystemExit):
            cli.parse(bad)


def test_omega_share_matches_a_hand_written_omega_gradient():
    """Ω (Pascanu eq. 9, g(k) and f′(a(k)) held) written out step by step in float64, differentiated by
    autograd in W_rec only: ‖ω ∂Ω/∂W_rec‖ / ‖∂E/∂θ‖ must equal ``omega_share`` on one minibatch."""
    data = ds_train.make_data("temporal_order", 10, 40, 10, 10, seed=0)
    init = srn.SRN(6, 12, 4, sigma2=0.05, n_networks=2, generator=torch.Generator().manual_seed(3))
    got = capstone.omega_share(init, data, n_batches=1, seed=2)
    x, y, lengths = ds_train._Batches(data.train, 10, 2).next()
    net = copy.deepcopy(init).double()
    out, a_steps, z_steps = net.unroll(x.double(), lengths)
    E = srn.loss(net, out, y).sum()
    grads = torch.autograd.grad(E, list(net.parameters()) + z_steps)
    params, dz = grads[:5], grads[5:]
    w = ds_train.Config().omega_weight
    shares = []
    for m in range(2):
        W = net.W_rec[m].detach().clone().requires_grad_(True)
        terms = []
        for k in range(len(a_steps)):
            for b in range(x.shape[0]):
                if k < x.shape[1] - int(lengths[b]):
                    continue  # padding never counts
                gk = dz[k][m, b].detach()
                if float(gk @ gk) < 1e-20:
                    continue
                back = (gk * (1 - torch.tanh(a_steps[k][m, b].detach()) ** 2)) @ W.T
                terms.append((back @ back / (gk @ gk) - 1) ** 2)
        (dW,) = torch.autograd.grad(torch.stack(terms).mean(), W)
        gnorm = torch.sqrt(sum((p[m] ** 2).sum() for p in params))
        shares.append(float(w * dW.norm() / gnorm))
    assert got["share_max"] == pytest.approx(max(shares), rel=1e-3)
    assert got["share_median"] == pytest.approx(sum(shares) / 2, rel=1e-3)  # the median of two
    assert 0 <= got["step_change_max"] and got["clip"] == 1.0 and got["grad_norm_min"] > 0
    with pytest.raises(TypeError, match="model"):
        capstone.omega_share(deep_mlp.build_mlp(2, 4), data)
    with pytest.raises(ValueError, match="n_batches"):
        capstone.omega_share(init, data, n_batches=0)


def test_new_recurrent_rows_share_the_initial_srns_and_their_regimes():
    from vglab import rnn_fixes
    from vglab.capstone import _recurrent
    init = srn.SRN(6, 100, 4, sigma2=0.01, n_networks=2, generator=torch.Generator().manual_seed(1))
    for how in ("orthogonal", "irnn", "lnsrn"):
        net = _recurrent.build(how, init, "temporal_order", 2, 0, "cpu")
        assert isinstance(net, rnn_fixes.RNN)
        for name in ("W_in", "b", "W_out"):  # only W_rec (and the activation, LN) differ
            torch.testing.assert_close(getattr(net, name), getattr(init, name))
    ortho = _recurrent.build("orthogonal", init, "temporal_order", 2, 0, "cpu").W_rec.detach().double()
    torch.testing.assert_close(torch.linalg.svdvals(ortho), torch.ones(2, 100, dtype=torch.float64), atol=1e-5, rtol=0)
    torch.testing.assert_close(_recurrent.build("irnn", init, "temporal_order", 2, 0, "cpu").W_rec.detach(),
                               torch.eye(100).expand(2, 100, 100))
    torch.testing.assert_close(_recurrent.build("lnsrn", init, "temporal_order", 2, 0, "cpu").W_rec, init.W_rec)
    assert [_recurrent.method(h) for h in ("orthogonal", "irnn", "gru", "lnsrn", "ds", "adam")] == \
        ["plain", "plain", None, None, "ds", None]
    rows = capstone.run_srn(["plain SGD", "orthogonal W_rec", "IRNN (ReLU + identity W_rec)", "SRN + Adam (control)",
                             "GRU", "LayerNorm-SRN"], T=12, n_networks=2, updates=2, adam_steps=2, n_train=40,
                            n_val=10, n_test=20, n_probe=10, cost_repeats=1, progress_bar=False)
    by = {r["remedy"]: r for r in rows}
    for r in rows:
        assert FIELDS <= set(r) and len(r["scores"]) == 2 and math.isfinite(r["flow"]) and r["cost"] > 0
    assert by["orthogonal W_rec"]["regime"] == by["plain SGD"]["regime"] != by["GRU"]["regime"]
    assert by["GRU"]["baseline"] == by["LayerNorm-SRN"]["baseline"] == "SRN + Adam (control)"
    assert by["GRU"]["pct_saturated"] is None and by["IRNN (ReLU + identity W_rec)"]["pct_saturated_init"] > 0
    json.dumps(rows)


def test_gru_flow_matches_torch_s_nn_gru_step_by_step():
    """The GRU row's flow, log10 ‖∂E/∂h(T)‖ − log10 ‖∂E/∂h(1)‖ (minibatch means), recomputed from torch's
    own nn.GRU run one step at a time in float64."""
    from vglab.gru import MultiGRU
    g = torch.Generator().manual_seed(4)
    net = MultiGRU(2, 6, 16, 4, generator=g)
    x, y = tasks.make_batch("temporal_order", 8, 15, generator=g)
    got = capstone.srn_measures(net, x, y)
    flows = []
    for i in range(2):
        gru, lin = net.torch_gru(i)
        gru, lin = gru.double(), lin.double()
        h, hs = torch.zeros(1, 8, 16, dtype=torch.float64), []
        for k in range(x.shape[1]):
            _, h = gru(x[:, k:k + 1].double(), h)
            hs.append(h)
        E = F.cross_entropy(lin(h[0]), y, reduction="sum")
        grads = torch.autograd.grad(E, hs)
        n = [gk[0].norm(dim=-1).mean() for gk in grads]
        flows.append(float(torch.log10(n[-1] / n[0])))
    assert got["flow"] == pytest.approx(sum(flows) / 2, rel=1e-6) and got["pct_saturated"] is None


def test_cli_seed_rows_from_a_saved_run_computes_only_the_missing_remedies(tmp_path):
    from vglab.experiments import capstone as cli
    base = ["--T", "12", "--networks", "1", "--updates", "2", "--adam-steps", "2", "--n-train", "30", "--n-val", "10",
            "--n-test", "20", "--reduced", "--results-dir", str(tmp_path), "--no-progress"]
    assert cli.main(base + ["--remedies", "plain SGD,clipping", "--out", "old"]) == 0
    old = results.load("old", tmp_path)
    assert cli.main(base + ["--remedies", "plain SGD,clipping,orthogonal W_rec", "--out", "new",
                            "--seed-rows-from", "old"]) == 0
    new = results.load("new", tmp_path)["data"]["rows"]
    assert [r["remedy"] for r in new] == ["plain SGD", "clipping", "orthogonal W_rec"]
    for a, b in zip(old["data"]["rows"], new[:2]):  # taken as they were, with the commit that made them
        assert b["scores"] == a["scores"] and b["commit"] == old["provenance"]["commit"]
    assert "commit" in new[2] and new[2]["baseline"] == "plain SGD" and new[2]["cost"] is not None
    with pytest.raises(SystemExit):  # other settings: refused
        cli.main(base[:2] + ["13"] + base[3:] + ["--remedies", "plain SGD", "--out", "x", "--seed-rows-from", "old"])


def test_cli_keeps_a_diverged_remedy_as_a_message_not_a_row(tmp_path, monkeypatch):
    from vglab.experiments import capstone as cli
    from vglab.train import DivergenceError
    real = capstone.run_srn

    def fake(names, **kw):
        if names == ["clipping"]:
            raise DivergenceError("training diverged at step 4: loss = nan")
        return real(names, **kw)
    monkeypatch.setattr(capstone, "run_srn", fake)
    assert cli.main(["--T", "12", "--networks", "1", "--updates", "2", "--adam-steps", "2", "--n-train", "30",
                     "--n-val", "10", "--n-test", "20", "--remedies", "plain SGD,clipping", "--reduced",
                     "--out", "div", "--results-dir", str(tmp_path), "--no-progress"]) == 0
    run = results.load("div", tmp_path)
    assert [r["remedy"] for r in run["data"]["rows"]] == ["plain SGD"]
    assert run["data"]["diverged"] == {"clipping": "training diverged at step 4: loss = nan"}


def test_long_run_panel_labels_its_x_axes_minibatches_drawn():
    """The long run counts minibatches drawn, not applied weight updates (SOURCES.md §1.6): the panel says so."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vglab import ds_tables
    from vglab.plots import capstone as pc
    view = ds_tables.long_run("table1_T100_temporal_order")
    if view is None:
        pytest.skip("no saved long run in this copy")
    try:
        axes = pc.long_run_panel(view, paper=ds_tables.PAPER_T100)
        labels = [ax.get_xlabel() for ax in axes]
    finally:
        plt.close("all")
    assert all(lbl.startswith("minibatches drawn") for lbl in labels), labels
    assert not any(lbl.startswith("update") for lbl in labels)


def test_score_whiskers_stay_readable_on_black_baseline_bars():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from vglab.plots import capstone as pc
    rows = [{"testbed": "t", "remedy": "plain", "colour": "plain", "baseline": None, "regime": "r", "score": 0.5,
             "score_min": 0.3, "score_best": 0.7, "chance": 0.25, "verdict": "baseline"}]
    ax = pc.plot_scores(rows, ax=plt.figure().gca())
    whisker = [line for line in ax.lines if list(line.get_xdata()) == [30.0, 70.0]]
    assert len(whisker) == 1 and whisker[0].get_path_effects()  # black line, white outline
    plt.close("all")
