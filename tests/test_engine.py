"""The fast engine (vglab.engine) against the reference path (vglab.ds_train) in float64.

Same initial networks, same minibatches: every per-network accept/skip decision, the records
(loss, Q, dS), the validation history, the kept networks, the test scores and the final weights
must agree to rounding (~1e-10) over several hundred updates in which both decisions occur.
"""
import copy
import json
import os

import numpy as np
import pytest
import torch

from vglab import ds_train as DT
from vglab import ds_tables, engine, srn, tasks
from vglab.experiments import table1
from vglab.runtime import cpu_threads

F64 = torch.float64


@pytest.fixture(autouse=True)
def _one_thread():
    with cpu_threads(1):
        yield


def _problem(task, M=3, T=10, seed=0, sigma2=0.2):
    data = DT.make_data(task, T, n_train=60, n_val=20, n_test=20, seed=seed)
    model = srn.SRN(tasks.n_inputs(task), 8, tasks.n_outputs(task), sigma2=sigma2, n_networks=M, dtype=F64,
                    output="softmax" if tasks.is_classification(task) else "linear",
                    generator=torch.Generator().manual_seed(seed))
    return model, data


KW = dict(lr=1e-3, epoch=10, ds_max=5.0)  # steps large enough that the rule applies AND skips


def _assert_same(ref: DT.Run, got: DT.Run, ref_model=None, last=None):
    assert (ref.accepted == got.accepted).all()
    np.testing.assert_allclose(got.loss, ref.loss, rtol=1e-10, atol=0)
    np.testing.assert_allclose(got.q, ref.q, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.ds, ref.ds, rtol=1e-9, atol=1e-14)
    np.testing.assert_array_equal(got.val_score, ref.val_score)
    np.testing.assert_array_equal(got.best_epoch, ref.best_epoch)
    np.testing.assert_array_equal(got.test_score, ref.test_score)
    assert got.config == ref.config and got.method == ref.method
    for k, v in ref.best_state.items():
        torch.testing.assert_close(got.best_state[k], v, rtol=1e-10, atol=1e-12, msg=k)
    if ref_model is not None:
        for k, v in last.items():
            torch.testing.assert_close(v, getattr(ref_model, k).detach(), rtol=1e-10, atol=1e-12, msg=k)


@pytest.mark.parametrize("task,readings,n,kw,sweep", [
    ("temporal_order", ("plain", "ds", "ds_as_printed", "ds_own_loss", "clipping"), 300, KW, "reuse"),
    ("temporal_order", ("ds", "ds_as_printed"), 200, KW, "recompute"),  # the CPU's three-matmul sweep
    ("addition", ("ds", "ds_as_printed"), 150, KW, "auto"),  # lengths vary: padding; linear output
    ("addition", ("ds", "ds_own"), 150, KW, "recompute"),
    ("addition", ("ds", "ds_own"), 150,  # the other readings of the paper's open choices (SOURCES.md §1.3, §1.6)
     dict(KW, lr=1e-2, select_by="loss", reduction="mean", reset_momentum=False), "auto"),
])
def test_engine_equals_reference(task, readings, n, kw, sweep):
    """The float64 engine = ds_train (autograd, float64 sweep) to ~1e-10, both sweeps."""
    model, data = _problem(task)
    eng = engine.Engine({task: (model, data)}, readings, DT.Config(**kw), mode="eager", sweep=sweep)
    assert eng.dtype == F64 and eng.sweep_dtype == F64 and eng.sweep == ("reuse" if sweep == "auto" else sweep)
    eng.run(n, progress_bar=False)
    got = eng.runs()[task]
    for name in readings:
        method, over = DT.READINGS[name]
        ref_model = copy.deepcopy(model)
        ref = DT.train(ref_model, data, method, n, DT.Config(**{**kw, **over}), progress_bar=False)
        if method.startswith("ds"):
            assert 0.2 < ref.accepted.mean() < 0.99, name  # both decisions are exercised
        _assert_same(ref, got[name], ref_model, eng.params(task, name))


@pytest.mark.parametrize("huge", [0.0, 20.0])
def test_engine_applies_pascanus_rule_for_a_huge_norm_as_ds_train(monkeypatch, huge):
    """"clipping" (nonfinite="pascanu"): a norm above HUGE_NORM shrinks W_rec by 0.02 W_rec and leaves
    the rest, in the engine as in ds_train (forced here by lowering HUGE_NORM: always, or some steps)."""
    from vglab import pascanu
    model, data = _problem("temporal_order")
    kw = dict(KW, clip=0.05)
    free = engine.Engine({"temporal_order": (model, data)}, ("clipping",), DT.Config(**kw), mode="eager")
    free.run(60, progress_bar=False)
    monkeypatch.setattr(pascanu, "HUGE_NORM", huge)
    eng = engine.Engine({"temporal_order": (model, data)}, ("clipping",), DT.Config(**kw), mode="eager")
    eng.run(60, progress_bar=False)
    ref_model = copy.deepcopy(model)
    ref = DT.train(ref_model, data, "clipping", 60, DT.Config(**{**kw, "nonfinite": "pascanu"}), progress_bar=False)
    _assert_same(ref, eng.runs()["temporal_order"]["clipping"], ref_model, eng.params("temporal_order", "clipping"))
    moved = (eng.params("temporal_order", "clipping")["W_in"] - model.W_in.detach()).abs().max()
    assert (moved == 0) == (huge == 0.0)  # every step huge: only W_rec moved (it shrank)
    assert not torch.equal(free.params("temporal_order", "clipping")["W_rec"],
                           eng.params("temporal_order", "clipping")["W_rec"])


@pytest.mark.parametrize("task", ["temporal_order", "addition"])
def test_sweep_reusing_the_backward_deltas_equals_the_recomputing_sweep(task):
    """sweep="reuse" (δ from the backward pass, K×K per step) = the reference-style sweep, in float64."""
    model, data = _problem(task)
    a = engine.Engine({task: (model, data)}, ("plain", "ds", "ds_as_printed"), DT.Config(**KW), sweep="recompute")
    a.run(150, progress_bar=False)
    a = a.runs()[task]
    b = engine.Engine({task: (model, data)}, ("plain", "ds", "ds_as_printed"), DT.Config(**KW), sweep="reuse")
    b.run(150, progress_bar=False)
    for name, run in b.runs()[task].items():
        _assert_same(a[name], run)


def test_fused_tasks_equal_one_task_at_a_time():
    """SOURCES.md §1.4, §1.6: inputs padded to 6 channels, outputs to 8 (masked logits), lengths left-padded."""
    problems = {t: _problem(t, M=2, seed=i) for i, t in enumerate(("temporal_order", "addition", "temporal_order_3bit"))}
    fused = engine.compare_tasks(problems, ("plain", "ds"), 120, progress_bar=False, mode="eager", **KW)
    for task, (model, data) in problems.items():
        alone = engine.compare(model, data, ("plain", "ds"), 120, progress_bar=False, mode="eager", **KW)
        for name in ("plain", "ds"):
            _assert_same(alone[name], fused[task][name])


@pytest.mark.parametrize("records", ["full", "epoch"])
def test_resume_from_a_checkpoint_equals_an_uninterrupted_run(records):
    """Also the per-epoch summaries and the test scores of the kept networks along the run."""
    model, data = _problem("temporal_order", M=2)
    make = lambda: engine.Engine({"temporal_order": (model, data)}, ("plain", "ds"), DT.Config(**KW),  # noqa: E731
                                 records=records, test_at=engine.every(45, 0.25))
    whole = make()
    whole.run(45, progress_bar=False)
    first = make()
    assert first.run(45, max_seconds=0, progress_bar=False) is False and first.step_count == 10  # one epoch
    state = copy.deepcopy(first.state_dict())
    second = make()
    second.load_state_dict(state)
    assert second.run(45, progress_bar=False) is True
    a, b = whole.runs()["temporal_order"], second.runs()["temporal_order"]
    sa, sb = whole.summaries()["temporal_order"], second.summaries()["temporal_order"]
    ta, tb = whole.test_curve()["temporal_order"], second.test_curve()["temporal_order"]
    assert ta["plain"]["at"] == [11, 22, 34, 45] and ta["plain"]["update"] == [20, 30, 40, 45]
    for name in ("plain", "ds"):
        np.testing.assert_array_equal(a[name].loss, b[name].loss)
        np.testing.assert_array_equal(a[name].accepted, b[name].accepted)
        np.testing.assert_array_equal(a[name].test_score, b[name].test_score)
        np.testing.assert_array_equal(ta[name]["test_score"], tb[name]["test_score"])
        np.testing.assert_array_equal(ta[name]["test_score"][-1], a[name].test_score)  # the last = the final
        for k in engine.FIELDS + ("update_end",):
            np.testing.assert_array_equal(sa[name][k], sb[name][k], err_msg=k)
        assert sa[name]["update_end"].tolist() == [10, 20, 30, 40, 45]
        if records == "full":  # the summaries are those of the per-update records
            acc = a[name].accepted
            np.testing.assert_allclose(sa[name]["accept_rate"][0], acc[:10].mean(0), rtol=1e-6)
            np.testing.assert_allclose(sa[name]["q_max"][-1], a[name].q[40:].max(0), rtol=1e-6)
            assert (sa[name]["skipped"].sum(0) == (~acc).sum(0)).all()
        else:
            assert a[name].loss.shape == (0, 2) and len(a[name].val_score) == 5


def test_long_run_checkpoint_is_small():
    """records="epoch": 30 networks × 100 000 updates (2 000 epochs, 10 test points) checkpoint in < 8 MB."""
    import io
    _, data = _problem("temporal_order", M=1)
    big = srn.SRN(6, 100, 4, n_networks=15, output="softmax")  # the paper's 100 units, float32
    eng = engine.Engine({"temporal_order": (big, data)}, ("plain", "ds"), DT.Config(epoch=10), records="epoch",
                        test_at=engine.every(100_000, 0.1))
    eng.run(20, progress_bar=False)  # two epochs, then as if 2 000 had run
    rng = np.random.default_rng(0)  # distinct rows: pickle would store repeated objects once
    eng.epochs = [{k: v + rng.random(v.shape).astype(v.dtype) for k, v in eng.epochs[0].items()} for _ in range(2000)]
    eng.history = [rng.random(30) for _ in range(2000)]
    eng.test_points = [{"at": p, "update": p, "test_score": rng.random(30)} for p in eng.test_at]
    buf = io.BytesIO()
    torch.save(eng.state_dict(), buf)
    assert buf.tell() < 8e6, buf.tell()
    assert not eng.state_dict()["records"]


def test_q_stays_finite_when_a_norm_vanishes():
    """float32 ‖δ(k−h)‖ can underflow to 0: Q is then large and finite, never inf/NaN, and no exception."""
    from vglab.engine import step as S
    tiny32 = torch.finfo(torch.float32).tiny
    nk = torch.tensor([1.0, 1.0, 0.0, 2.0], dtype=torch.float64)
    nkh = torch.tensor([0.0, 1e-3, 0.0, 1e-320], dtype=torch.float64)
    q = S.q_factor(nk.float(), nkh.float())
    assert torch.isfinite(q).all()
    assert q[0] == pytest.approx(-np.log10(tiny32)) and q[1] == pytest.approx(3, abs=1e-6) and q[2] == 0
    q64 = S.q_factor(nk, nkh)
    assert torch.isfinite(q64).all() and q64[1] == pytest.approx(3)
    # a whole float32 step whose δ(k−h) vanishes: W_rec = 0 kills δ beyond one step
    model, data = _problem("temporal_order", M=2)
    with torch.no_grad():
        model.W_rec.zero_()
    eng = engine.Engine({"temporal_order": (model, data)}, ("plain", "ds"), DT.Config(**KW), dtype=torch.float32)
    eng.run(10, progress_bar=False)
    r = eng.runs()["temporal_order"]
    assert np.isfinite(r["plain"].q).all() and np.isfinite(r["ds"].q).all() and (r["ds"].q > 30).all()
    assert (r["ds"].ds == 0).all() and not r["ds"].accepted.any()  # vanishing and dS = 0: skipped
    assert r["plain"].accepted.all()


def test_table1_fast_engine_chunks_resume_and_verify(tmp_path):
    base = ["--tasks", "temporal_order,addition", "--T", "10", "--networks", "2", "--updates", "120",
            "--methods", "plain,ds", "--n-train", "40", "--n-val", "10", "--n-test", "10", "--hidden", "6",
            "--device", "cpu", "--no-progress", "--engine", "fast", "--results-dir", str(tmp_path / "res"),
            "--checkpoint-dir", str(tmp_path / "ck")]

    def run(out, *extra):
        argv = base + ["--out", out, *extra]
        return table1.run(table1.parse(argv), command="table1 " + " ".join(argv))

    chunked = ["--max-minutes", "0", "--verify", "--verify-updates", "20"]
    assert run("a", *chunked) is None  # stops after one epoch of 50 updates, checkpointed
    assert torch.load(tmp_path / "ck" / "a.fast.pt", weights_only=False)["state"]["step"] == 50
    assert run("a", *chunked) is None
    path = run("a", *chunked)  # the third call finishes and writes the JSON
    fresh = run("b")
    a, b = json.loads(path.read_text()), json.loads(fresh.read_text())
    assert a["data"]["rows"] == b["data"]["rows"]
    assert a["reduced"] is True and a["data"]["engine"]["engine"] == "fast"
    v = a["data"]["verify"]
    assert v["decisions_equal"] and v["test_equal"] and v["max_abs"]["weights"] < 1e-12


def test_table1_long_run_settings_resume_to_the_straight_run(tmp_path):
    """The long run's configuration (float32, reuse sweep, per-epoch records, test points every 10 %)
    stopped after every epoch and resumed gives the same JSON rows as one straight call; the progress
    file follows the run; a resume with other settings is refused."""
    base = ["--tasks", "temporal_order", "--T", "10", "--networks", "2", "--updates", "150",
            "--methods", "plain,ds,ds_own", "--n-train", "40", "--n-val", "10", "--n-test", "10", "--hidden", "6",
            "--device", "cpu", "--no-progress", "--engine", "fast", "--dtype", "float32", "--sweep", "reuse",
            "--records", "epoch", "--test-every", "0.1", "--results-dir", str(tmp_path / "res"),
            "--checkpoint-dir", str(tmp_path / "res" / "runs")]

    def run(out, *extra):
        return table1.run(table1.parse(base + ["--out", out, *extra]), command="table1")

    assert run("a", "--max-minutes", "0") is None
    prog = json.loads((tmp_path / "res" / "runs" / "a.progress.json").read_text())
    assert prog["updates_done"] == 50 and prog["rows"]["temporal_order/ds"]["test_at"] == [15, 30, 45]
    view = ds_tables.long_run("a", tmp_path / "res")
    assert not view["finished"] and view["updates_done"] == 50 and set(view["rows"]) == {"plain", "ds", "ds_own"}
    assert len(view["rows"]["ds"]["test_score"]) == 3 and view["rows"]["ds"]["trace"]["update"] == [50]
    assert ds_tables.long_run("nothing", tmp_path / "res") is None
    with pytest.raises(table1.runfiles.RunFileError, match="test_every: 0.1 saved vs 0.2 now"):
        table1.run(table1.parse(base + ["--out", "a", "--max-minutes", "0", "--test-every", "0.2"]))
    while (path := run("a", "--max-minutes", "0")) is None:
        pass
    a, b = json.loads(path.read_text()), json.loads(run("b").read_text())
    assert a["data"]["rows"] == b["data"]["rows"]
    row = a["data"]["rows"]["temporal_order"]["ds"]
    assert row["trace"]["per"] == "epoch" and row["trace"]["update"] == [50, 100, 150]
    assert len(row["test_curve"]["at"]) == 10 and len(row["test_curve"]["test_score"]) == 2
    assert row["test_curve"]["test_score"][0][-1] == row["test_score"][0]  # the last point is the final score
    assert 0 < np.mean(row["accept_rate"]) < 1
    view = ds_tables.long_run("a", tmp_path / "res")
    assert view["finished"] and view["rows"]["ds"]["test_score"][-1] == [100 * v for v in row["test_score"]]


def test_modes_and_readings_are_checked():
    assert engine.resolve_mode("auto", "cpu") == "eager"
    with pytest.raises(ValueError, match="CUDA"):
        engine.resolve_mode("cuda_graph", "cpu")
    with pytest.raises(ValueError, match="mode"):
        engine.resolve_mode("fast", "cpu")
    model, data = _problem("temporal_order", M=1)
    with pytest.raises(ValueError, match="pascanu"):
        engine.Engine({"temporal_order": (model, data)}, ("plain", "pascanu"))
    with pytest.raises(ValueError, match="n_updates"):
        engine.Engine({"temporal_order": (model, data)}, ("plain",)).run(0)
    for bad in (dict(records="some"), dict(sweep="fast"), dict(dtype=torch.float16), dict(sweep_dtype="f64"),
                dict(test_at=[0])):
        with pytest.raises(ValueError, match=next(iter(bad))):
            engine.Engine({"temporal_order": (model, data)}, ("plain",), **bad)
    with pytest.raises(TypeError, match="test_at"):
        engine.Engine({"temporal_order": (model, data)}, ("plain",), test_at=5)
    with pytest.raises(ValueError, match="fraction"):
        engine.every(100, 0)


def test_auto_mode_falls_back_to_eager_when_the_capture_fails(monkeypatch):
    """An unattended GPU run must not die on a failed capture: 'auto' warns and runs eagerly, undone warm-up."""
    model, data = _problem("temporal_order", M=2)
    ref = engine.Engine({"temporal_order": (model, data)}, ("plain", "ds"), DT.Config(**KW), mode="eager")
    ref.run(25, progress_bar=False)
    eng = engine.Engine({"temporal_order": (model, data)}, ("plain", "ds"), DT.Config(**KW), mode="auto")
    eng.mode = "cuda_graph"  # as on a GPU

    def broken(mode):
        eng._step()  # a warm-up step that changed the weights, then the capture fails
        raise RuntimeError("capture failed")
    monkeypatch.setattr(eng, "_build", broken)
    with pytest.warns(UserWarning, match="running eagerly"):
        eng.run(25, progress_bar=False)
    assert eng.mode == "eager"
    a, b = ref.runs()["temporal_order"], eng.runs()["temporal_order"]
    for name in ("plain", "ds"):
        np.testing.assert_array_equal(a[name].loss, b[name].loss)


@pytest.mark.skipif(os.environ.get("VGLAB_TEST_COMPILE") != "1",
                    reason="torch.compile of the unrolled step took 77-100 s on the 2-core CPU even at T = 10 "
                           "(over the 10 s budget); set VGLAB_TEST_COMPILE=1 to run it")
def test_compile_mode_equals_eager():
    model, data = _problem("temporal_order", M=2)
    a = engine.compare(model, data, ("plain", "ds"), 30, progress_bar=False, mode="eager", **KW)
    b = engine.compare(model, data, ("plain", "ds"), 30, progress_bar=False, mode="compile", **KW)
    for name in ("plain", "ds"):
        _assert_same(a[name], b[name])


CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (runs on the GPU machine)")


@CUDA
@pytest.mark.parametrize("task", ["temporal_order", "addition"])
def test_cuda_graph_equals_reference_on_the_gpu(task):
    """The captured step on the GPU: the same decisions and numbers as ds_train there (float64)."""
    model, data = _problem(task)
    v = engine.verify(model, data, ("plain", "ds", "ds_as_printed"), 150, device="cuda", mode="cuda_graph", **KW)
    assert v["mode"] == "cuda_graph" and v["decisions_equal"] and v["test_equal"], v
    assert v["max_abs"]["weights"] < 1e-10 and v["max_abs"]["q"] < 1e-8, v


@CUDA
def test_fused_cuda_graph_equals_eager_on_the_gpu():
    problems = {t: _problem(t, M=2, seed=i) for i, t in enumerate(("temporal_order", "addition", "temporal_order_3bit"))}
    a = engine.compare_tasks(problems, ("plain", "ds"), 120, device="cuda", mode="eager", progress_bar=False, **KW)
    b = engine.compare_tasks(problems, ("plain", "ds"), 120, device="cuda", mode="cuda_graph", progress_bar=False,
                             **KW)
    for task in problems:
        for name in ("plain", "ds"):
            _assert_same(a[task][name], b[task][name])
