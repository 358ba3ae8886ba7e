"""vglab.init_sigma: Pascanu's σ_max conditions and the latching read-out, against independent references."""
import math

import numpy as np
import pytest
import torch

from vglab import bptt, init_scale, init_sigma, results, show, srn, tasks


@pytest.mark.parametrize("activation, fn", [("tanh", torch.tanh), ("sigmoid", torch.sigmoid)])
def test_max_fprime_matches_autograd_on_a_grid(activation, fn):
    a = torch.linspace(-10, 10, 20001, dtype=torch.float64, requires_grad=True)
    (d,) = torch.autograd.grad(fn(a).sum(), a)
    assert init_sigma.max_fprime(activation) == pytest.approx(float(d.max()), abs=1e-12)


def test_q_bound_closed_form_and_sign():
    assert init_sigma.q_bound(0.5, "tanh", 100) == pytest.approx(100 * math.log10(2))
    assert init_sigma.q_bound(4.0, "sigmoid", 10) == pytest.approx(0.0)  # σ_max = 1/γ: the edge
    t = init_sigma.q_bound(torch.tensor([0.5, 2.0]), "tanh", 10)
    assert t[0] > 0 > t[1]
    assert init_sigma.q_bound(np.float32(0.5), "tanh", np.int64(3)) == pytest.approx(3 * math.log10(2))


@pytest.mark.parametrize("bad, exc", [({"sigma_max": 0.0}, ValueError), ({"sigma_max": "a"}, TypeError),
                                      ({"h": 0}, ValueError), ({"h": 1.5}, TypeError),
                                      ({"activation": "relu"}, ValueError), ({"sigma_max": torch.tensor([])}, ValueError)])
def test_q_bound_refuses_bad_arguments(bad, exc):
    kw = {"sigma_max": 0.5, "activation": "tanh", "h": 10} | bad
    with pytest.raises(exc, match=next(iter(bad))):
        init_sigma.q_bound(**kw)


def test_pascanu_rows_sigma_max_matches_numpy_svd_and_the_bound_holds():
    """σ_max against numpy's SVD of the same draws; every measured Q (eq. 25, by bptt) is ≥ its bound."""
    profs = [init_scale.gradient_profile(s, n_networks=3, n_sequences=4, h=20, weight_grads=False)
             for s in (init_scale.variance(0.01), init_scale.std(0.01), init_scale.std(0.2))]
    prows = init_sigma.pascanu_rows(init_scale.q_rows(profs), h=20)
    for p, prof in zip(prows, profs):
        W = init_scale.recurrent_weights(prof.setting.sigma2, 100, 3).numpy()
        ref = [np.linalg.svd(w, compute_uv=False)[0] for w in W]
        assert p["smax"] == pytest.approx(ref, rel=1e-10)
        assert p["bound_holds"] and all(q >= b for q, b in zip(prof.Q.tolist(), p["bound"]))
        assert p["inv_gamma"] == 1.0 and p["n_networks"] == 3
    assert prows[1]["n_sufficient"] == 3 and prows[1]["q_min"] > 0  # std 0.01: σ_max ≈ 0.2 < 1, vanishes
    assert prows[0]["n_sufficient"] == 0  # variance 0.01: σ_max ≈ 2
    table = init_sigma.format_pascanu_table(prows)
    assert table.count("\n") == 3 and "std 0.01" in table


def test_pascanu_rows_uses_the_same_draws_as_gradient_profile():
    """The recomputed W_rec are those of the networks whose Q the rows hold (same seed)."""
    g = torch.Generator().manual_seed(0)
    model = srn.SRN(tasks.n_inputs("temporal_order"), 100, tasks.n_outputs("temporal_order"), 0.01,
                    n_networks=2, generator=g, dtype=torch.float64)
    W = init_scale.recurrent_weights(0.01, 100, 2, seed=0)
    assert torch.equal(model.W_rec.detach(), W)
    s = torch.linalg.matrix_norm(W, ord=2)
    b = bptt.norm_bound(model, 1.0, 5)[..., -1]  # the library's classic bound, (σ_max·γ)^5
    assert torch.allclose(b, s ** 5)


@pytest.mark.parametrize("rows", [[], "abc", [{"setting": "x", "std": 0.1, "Q": []}],
                                  [{"setting": "x", "std": -1, "Q": [1.0]}],
                                  [{"setting": "x", "std": 0.1, "Q": [float("nan")]}], {"a": 1}])
def test_pascanu_rows_refuses_bad_rows(rows):
    with pytest.raises((ValueError, TypeError), match="rows"):
        init_sigma.pascanu_rows(rows)


def _run(q, updates, scores, T=20):
    return {"data": {"settings": {"T": T}, "rows": {"temporal_order": {"plain": {
        "test_score": scores, "trace": {"update": updates, "q": q}}}}}}


def test_latching_q_on_a_hand_built_run():
    run = _run([[1.0, 2.0, 3.0, 5.0], [0.5, 0.0, -1.0, -2.0]], [0, 10, 20, 30], [0.9, 1.0])
    out = init_sigma.latching_q(run, tail=0.5)  # 40 updates: the last half is updates 20 and 30
    assert out["q_init"] == [1.0, 0.5] and out["q_late"] == pytest.approx([4.0, -1.5])
    assert out["late_from"] == 20 and out["updates"] == 40 and out["T"] == 20 and out["n_networks"] == 2
    assert out["test_score"] == [0.9, 1.0] and out["kept_after"] is None  # no best_epoch recorded


def test_latching_q_reads_the_saved_run():
    run = results.load("table1_pascanu_regimes")
    out = init_sigma.latching_q(run)
    tr = run["data"]["rows"]["temporal_order"]["plain"]["trace"]
    assert out["q_init"] == [row[0] for row in tr["q"]]
    assert out["late_from"] == 1800 and out["n_networks"] == len(tr["q"]) >= 3
    assert out["q_late"][0] == pytest.approx(float(np.mean(tr["q"][0][180:])))
    # the kept networks: validated every 50 updates (ds_train's epoch), so epoch e is after 50·e updates
    row = run["data"]["rows"]["temporal_order"]["plain"]
    assert row["config"]["epoch"] == 50
    assert out["kept_after"] == [50 * e for e in row["best_epoch"]]


@pytest.mark.parametrize("kw, name", [({"run": {}}, "run"), ({"run": None}, "run"), ({"method": "nope"}, "method"),
                                      ({"task": "nope"}, "task"), ({"tail": 0}, "tail"), ({"tail": "a"}, "tail")])
def test_latching_q_refuses_bad_arguments(kw, name):
    args = {"run": _run([[1.0, 2.0]], [0, 10], [0.5])} | kw
    with pytest.raises((ValueError, TypeError), match=name):
        init_sigma.latching_q(**args)


def test_typeset_minus_changes_only_signs():
    # expected strings typed by hand: a sign becomes U+2212, every other hyphen stays
    assert show.typeset_minus("Q = -6.4 and (-7.0 … -4.8), -.5") == "Q = −6.4 and (−7.0 … −4.8), −.5"
    kept = "1e-7, 10-90 %, updates 1800-1999, $1 - z^2$, per-network, x-1, 3--2"
    assert show.typeset_minus(kept) == kept
    assert show.typeset_minus(f"{-30:.0f} → {-0.9:.1f}") == "−30 → −0.9"


@pytest.mark.parametrize("bad", [None, 3, -6.4, b"-6", ["-6"]])
def test_typeset_minus_refuses_non_strings(bad):
    with pytest.raises(TypeError, match="text must be a str"):
        show.typeset_minus(bad)


def test_q_of_mean_groups_matches_numpy_and_the_profile():
    rng = np.random.default_rng(3)
    d = 10.0 ** rng.uniform(-5, 1, size=(6, 11))  # (M, h+1) positive norms
    got = init_sigma.q_of_mean_groups(torch.tensor(d), 3)
    want = [np.log10(d[i:i + 3, 0].mean()) - np.log10(d[i:i + 3, -1].mean()) for i in (0, 3)]
    assert np.allclose(got.numpy(), want, rtol=0, atol=1e-12)
    single = init_sigma.q_of_mean_groups(torch.tensor(d), np.int64(1))  # numpy integers are accepted
    assert np.allclose(single.numpy(), np.log10(d[:, 0]) - np.log10(d[:, -1]), atol=1e-12)
    p = init_scale.gradient_profile(0.01, n_hidden=8, h=9, n_networks=4, n_sequences=3, weight_grads=False)
    assert math.isclose(float(init_sigma.q_of_mean_groups(p.delta, 4)[0]), p.q_of_mean, abs_tol=1e-9)
    assert torch.allclose(init_sigma.q_of_mean_groups(p.delta, 1), p.Q.to(torch.float64), atol=1e-9)


@pytest.mark.parametrize("delta, g, exc, name", [
    ([[1.0, 2.0]], 1, TypeError, "delta"), (torch.ones(3), 1, ValueError, "delta"),
    (torch.tensor([[1.0, 0.0]]), 1, ValueError, "delta"), (torch.tensor([[1.0, float("nan")]]), 1, ValueError, "delta"),
    (torch.ones(4, 3), 3, ValueError, "group_size"), (torch.ones(4, 3), 0, ValueError, "group_size"),
    (torch.ones(4, 3), 2.0, TypeError, "group_size"), (torch.ones(4, 3), "2", TypeError, "group_size"),
    (torch.ones(4, 3), True, TypeError, "group_size")])
def test_q_of_mean_groups_refuses_bad_arguments(delta, g, exc, name):
    with pytest.raises(exc, match=name):
        init_sigma.q_of_mean_groups(delta, g)
