"""dS (SOURCES.md §1.3, §1.6): the one-sweep formula against a finite difference and the explicit product,
its sign against the exact derivative, the accept rule on every branch, the training loop."""
import math

import numpy as np
import pytest
import torch

from vglab import bptt, ds_sampling as D, ds_train as DT, pascanu, srn, tasks
from vglab.runtime import cpu_threads

F64 = torch.float64

@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one thread avoids OpenMP oversubscription when other jobs share the 2 cores."""
    with cpu_threads(1):
        yield



def _setup(seed=0, K=8, T=12, B=5, M=None, task="temporal_order", scale=1.0):
    g = torch.Generator().manual_seed(seed)
    model = srn.SRN(tasks.n_inputs(task), K, tasks.n_outputs(task), sigma2=scale / K, n_networks=M,
                    output="softmax" if tasks.is_classification(task) else "linear", dtype=F64, generator=g)
    x, y, lengths = tasks.make_dataset(task, B, T, generator=g)
    shape = model.W_rec.shape
    dW = torch.randn(shape, generator=g, dtype=F64) * 0.01
    return model, x.to(F64), y, lengths, dW


@pytest.mark.parametrize("M,task", [(None, "temporal_order"), (3, "temporal_order"), (None, "addition")])
def test_sweep_equals_d_fixed_finite_difference(M, task):
    model, x, y, lengths, dW = _setup(M=M, task=task)
    h = 11  # T − 1: δ(k−h) lies inside every (left-padded) sequence
    got = torch.as_tensor(D.ds(model, x, y, dW, h, lengths))
    fd = torch.as_tensor(D.ds_finite_difference(model, x, y, dW, h, lengths, eps=1e-5))
    torch.testing.assert_close(got, fd, rtol=1e-6, atol=0)


def test_sweep_equals_explicit_product():
    """dS = 2(G, dG) with G = D(k−h) W D(k−h+1) W … D(k−1) W δ(k)ᵀ built as matrices, eq. (20)-(24)."""
    model, x, y, _, dW = _setup(seed=3, K=6, T=10, B=4)
    h = 5
    W = model.W_rec.detach()
    with torch.no_grad():
        out, a, _ = model(x, return_states=True)
    p = torch.softmax(out, -1) - torch.nn.functional.one_hot(y, 4).to(F64)  # ∂E/∂out of summed CE
    delta_k = (p @ model.W_out.detach().T) * model.f_prime(a[:, -1])  # δ(k), (B, K)
    k = a.shape[1] - 1
    total = 0.0
    for b in range(x.shape[0]):
        Ds = [torch.diag(model.f_prime(a[b, n])) for n in range(k - h, k)]  # D(k−h) … D(k−1)

        def product(replace=None):
            P = torch.eye(W.shape[0], dtype=F64)
            for i, Dn in enumerate(Ds):
                P = P @ Dn @ (dW if i == replace else W)
            return P @ delta_k[b]

        G = product()
        dG = sum(product(i) for i in range(h))
        total += 2 * float(G @ dG)
    assert math.isclose(D.ds(model, x, y, dW, h), total, rel_tol=1e-10)


def test_q_from_the_sweep_equals_bptt_q_factor():
    model, x, y, lengths, dW = _setup(M=2)
    sw = D.ds_and_q(model, x, y, dW, 11, lengths)
    torch.testing.assert_close(sw.q, bptt.q_factor(bptt.local_gradients(model, x, y, lengths), 11))


def test_exact_derivative_matches_full_finite_difference():
    model, x, y, lengths, dW = _setup(seed=1)
    exact = D.ds_exact(model, x, y, dW, 11, lengths)
    fd = D.ds_finite_difference(model, x, y, dW, 11, lengths, eps=1e-5, d_fixed=False)
    assert math.isclose(exact, fd, rel_tol=1e-5)


def test_sign_agrees_with_exact_derivative_on_most_random_cases():
    """The theorem is first order with D held fixed; the exact derivative lets D and δ(k) vary."""
    agree, n = 0, 30
    for seed in range(n):
        model, x, y, lengths, dW = _setup(seed=100 + seed, K=10, T=15)
        agree += (D.ds(model, x, y, dW, 14) > 0) == (D.ds_exact(model, x, y, dW, 14) > 0)
    print(f"sign agreement: {agree}/{n}")  # 22/30 here; 32/40 (K = 10) and 18/20 (K = 50) in other draws
    assert agree / n >= 0.65


def test_ds_checks_its_arguments():
    model, x, y, _, dW = _setup()
    with pytest.raises(ValueError, match="h must be in"):
        D.ds(model, x, y, dW, 12)
    with pytest.raises(ValueError, match="shape"):
        D.ds(model, x, y, dW[:2], 5)
    with pytest.raises(TypeError, match="dW_rec"):
        D.ds(model, x, y, dW.numpy(), 5)


# ---- accept: every branch of both rules ------------------------------------------------------
CASES = [  # (q, ds, corrected, as_printed)
    (0.0, 0.5, True, True), (0.0, -0.5, True, True), (1.0, -0.2, True, True), (-1.0, 0.2, True, True),
    (2.0, 0.3, True, False), (2.0, -0.3, False, True),      # vanishing: grow the norm
    (-2.0, -0.3, True, False), (-2.0, 0.3, False, True),    # exploding: shrink it
    (0.0, 1.5, False, False), (2.0, 3.0, False, False), (-2.0, -3.0, False, False),  # |dS| > 1
    (2.0, 0.0, False, False), (float("nan"), 0.1, False, False), (0.0, float("nan"), False, False),
]


@pytest.mark.parametrize("q,ds,corrected,printed", CASES)
def test_accept_branches(q, ds, corrected, printed):
    assert D.accept(q, ds) is corrected
    assert D.accept(q, ds, rule="as_printed") is printed


def test_accept_on_tensors_and_custom_zone():
    q, ds = torch.tensor([c[0] for c in CASES]), torch.tensor([c[1] for c in CASES])
    assert D.accept(q, ds).tolist() == [c[2] for c in CASES]
    assert D.accept(q, ds, rule="as_printed").tolist() == [c[3] for c in CASES]
    assert D.accept(2.0, 0.3, q_max=3.0, ds_max=0.1) is False and D.accept(2.0, 0.05, q_max=3.0, ds_max=0.1)
    for bad in (dict(rule="paper"), dict(q_min=2.0, q_max=1.0), dict(ds_max=0.0)):
        with pytest.raises(ValueError):
            D.accept(0.0, 0.0, **bad)


# ---- the training loop ------------------------------------------------------------------------
def _tiny_data(T=10):
    return DT.make_data("temporal_order", T, n_train=60, n_val=20, n_test=20, seed=0)


def test_batched_networks_equal_each_trained_alone():
    data, M = _tiny_data(), 3
    cfg = DT.Config(lr=1e-2, epoch=10, ds_max=50.0)  # large enough steps that both rules act
    model = srn.SRN(6, 8, 4, sigma2=0.2, n_networks=M, dtype=F64, generator=torch.Generator().manual_seed(0))
    alone = [model.network(i) for i in range(M)]
    run = DT.train(model, data, "ds", 50, cfg, progress_bar=False)
    assert 0 < run.accepted.mean() < 1  # some minibatches skipped, some applied
    for i, one in enumerate(alone):
        r = DT.train(one, data, "ds", 50, cfg, progress_bar=False)
        assert (r.accepted[:, 0] == run.accepted[:, i]).all()
        torch.testing.assert_close(torch.tensor(r.loss[:, 0]), torch.tensor(run.loss[:, i]))
        torch.testing.assert_close(one.W_rec, model.W_rec[i])
        assert r.test_score[0] == run.test_score[i]


def test_skipped_minibatch_leaves_weights_and_momentum_untouched():
    data = _tiny_data()
    model = srn.SRN(6, 8, 4, n_networks=2, dtype=F64)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run = DT.train(model, data, "ds", 7, DT.Config(lr=1e-2, ds_max=1e-30, q_min=5, q_max=6), progress_bar=False)
    assert not run.accepted.any()
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_plain_matches_torch_sgd_with_momentum():
    """'plain' is momentum SGD on the summed loss: compare with torch.optim.SGD (v = lr·buf)."""
    data = _tiny_data()
    model = srn.SRN(6, 8, 4, dtype=F64, generator=torch.Generator().manual_seed(1))
    ref = srn.SRN(6, 8, 4, dtype=F64)
    ref.load_state_dict(model.state_dict())
    DT.train(model, data, "plain", 20, DT.Config(lr=1e-3, epoch=100), progress_bar=False)
    opt = torch.optim.SGD(ref.parameters(), lr=1e-3, momentum=0.9)
    stream = DT._Batches(data.train, 10, 0)
    for _ in range(20):
        x, y, lengths = stream.next()
        opt.zero_grad()
        srn.loss(ref, ref(x, lengths), y).backward()
        opt.step()
    for (n, p), q in zip(model.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, msg=n)


def test_pascanu_omega_against_autograd_vjp():
    model, x, y, _, _ = _setup(seed=2)
    out, a_s, z_s = model.unroll(x)
    dz = torch.stack(torch.autograd.grad(srn.loss(model, out, y), z_s), dim=-2)
    a, z = (torch.stack([s.detach() for s in t], dim=-2) for t in (a_s, z_s))
    terms = []
    # T terms, the step out of z = 0 included (pascanur/trainingRNNs RNN.py @3f5df3f L194-209)
    z_prev_all = torch.cat([torch.zeros_like(z[:, :1]), z[:, :-1]], dim=1)
    for k in range(a.shape[1]):  # ‖g(k) ∂z(k)/∂z(k−1)‖² / ‖g(k)‖² by autograd's vjp
        zk = z_prev_all[:, k].clone().requires_grad_(True)
        W = model.W_rec.detach()
        nxt = torch.tanh(zk @ W + (a[:, k] - z_prev_all[:, k] @ W))  # z(k) as a function of z(k−1)
        (back,) = torch.autograd.grad(nxt, zk, dz[:, k])
        terms.append(((back**2).sum(-1) / (dz[:, k] ** 2).sum(-1) - 1) ** 2)
    expected = torch.stack(terms).mean()
    got = pascanu.omega(model.W_rec, a, z, dz.detach(), model.f_prime)
    torch.testing.assert_close(got, expected)
    clipped = pascanu.clip_by_global_norm([torch.full((2, 3), 3.0), torch.full((2, 4), 4.0)], 1.0, networks=True)
    assert torch.allclose(sum((c**2).sum(-1) for c in clipped), torch.ones(2, dtype=torch.float32))


def test_step_factor_against_numpy_and_its_prediction():
    """c = (‖W‖_F/√K)·√mean f′(a)², from numpy on the forward pass; with tiny inputs f′ ≈ 1 and a
    scaled orthogonal W_rec, c^h is exactly the norm change of δ (so Q = −h log10 c)."""
    import numpy as np

    model, x, _, lengths, _ = _setup(seed=3, M=2)
    f = D.step_factor(model, x, lengths)
    with torch.no_grad():
        _, a, _ = model(x, lengths, return_states=True)
    W, A = model.W_rec.detach().numpy(), a.numpy()
    want_g = np.sqrt((W**2).sum((1, 2)) / W.shape[-1])
    want_r = np.sqrt(((1 - np.tanh(A) ** 2) ** 2).mean((1, 2, 3)))
    np.testing.assert_allclose(f.gain.numpy(), want_g, rtol=1e-12)
    np.testing.assert_allclose(f.rms_fprime.numpy(), want_r, rtol=1e-12)
    np.testing.assert_allclose(f.c.numpy(), want_g * want_r, rtol=1e-12)
    # a linear-regime network: W_rec = 0.9·orthogonal, inputs ~1e-6: every step scales ‖δ‖ by 0.9
    K, T = 8, 12
    lin = srn.SRN(6, K, 4, dtype=F64, generator=torch.Generator().manual_seed(0))
    Qm, _ = torch.linalg.qr(torch.randn(K, K, generator=torch.Generator().manual_seed(1), dtype=F64))
    with torch.no_grad():
        lin.W_rec.copy_(0.9 * Qm)
        lin.b.zero_()
    xs, ys, _ = tasks.make_dataset("temporal_order", 4, T, generator=torch.Generator().manual_seed(2))
    fl = D.step_factor(lin, 1e-6 * xs.to(F64))
    assert abs(fl.c - 0.9) < 1e-6
    q = D.ds_and_q(lin, 1e-6 * xs.to(F64), ys, torch.zeros(K, K, dtype=F64), T - 1).q
    assert abs(float(q) - (-(T - 1) * math.log10(fl.c))) < 1e-3
    with pytest.raises(TypeError, match="model"):
        D.step_factor("net", xs)
    with pytest.raises(ValueError, match="x"):
        D.step_factor(lin, xs[0])


# ---- issue 17: arguments checked at the entry points (vglab._args), numbers unchanged --------------
def _sweep_kw(h=4):
    m = srn.SRN(6, 4, 4, generator=torch.Generator().manual_seed(0))
    x, y = tasks.make_batch("temporal_order", 3, 10, generator=torch.Generator().manual_seed(1))
    a, dk = D.last_step_delta(m, x, y)
    return dict(W_rec=m.W_rec.detach(), a=a, delta_k=dk, dW_rec=torch.full((4, 4), 1e-3), h=h, f_prime=m.f_prime)


@pytest.mark.parametrize("h", [0, -1, 10, 99])
def test_a_horizon_outside_the_sequence_is_refused_not_turned_into_plain_sgd(h):
    """h = 0 used to give δ(k−h) = δ(k), dδ = 0: Q = dS = 0, every update accepted (dS sampling = plain SGD);
    h ≥ T swept outside the sequence."""
    with pytest.raises(ValueError, match=r"h must be in \[1, 9\]"):
        D.sweep(**_sweep_kw(h))
    with pytest.raises(ValueError, match=r"h must be in \[1, 9\]"):
        D.sweep_q_ds(**_sweep_kw(h))


@pytest.mark.parametrize("arg,bad,kind", [("W_rec", torch.ones(3, 3), ValueError), ("a", [[1.0]], TypeError),
                                          ("delta_k", torch.full((3, 4), float("nan")), ValueError),
                                          ("dW_rec", torch.ones(4, 4, dtype=torch.int64), TypeError),
                                          ("f_prime", "tanh", TypeError)])
def test_sweep_refuses_wrong_tensors_naming_them(arg, bad, kind):
    kw = _sweep_kw()
    kw[arg] = bad
    with pytest.raises(kind, match=arg):
        D.sweep_q_ds(**kw)


def test_numpy_scalars_are_numbers_and_the_result_is_unchanged():
    kw = _sweep_kw()
    ref = D.sweep_q_ds(**kw)
    assert D.sweep_q_ds(**{**kw, "h": np.int64(4)}) == ref
    q, ds = torch.tensor([0.0, 2.0, -2.0]), torch.tensor([0.1, 0.3, 0.3])
    assert D.accept(q, ds, np.float32(-1), np.float64(1), np.int64(1)).tolist() == D.accept(q, ds).tolist()
    for name in ("q_min", "q_max", "ds_max"):
        with pytest.raises((TypeError, ValueError), match=name):
            D.accept(q, ds, **{name: "1"})


def test_a_nan_network_is_refused_not_measured():
    m, x, y = srn.SRN(6, 4, 4), *tasks.make_batch("temporal_order", 3, 10)
    with torch.no_grad():
        m.W_rec[0, 0] = float("nan")
    for fn in (lambda: D.ds(m, x, y, torch.zeros(4, 4), 4), lambda: D.step_factor(m, x),
               lambda: D.last_step_delta(m, x, y)):
        with pytest.raises(ValueError, match="model holds NaN or Inf in W_rec"):
            fn()
    with pytest.raises(TypeError, match="model must be a vglab.srn.SRN"):
        D.ds_exact(torch.nn.Linear(2, 2), x, y, torch.zeros(4, 4), 4)
    with pytest.raises(ValueError, match="eps"):
        D.ds_finite_difference(srn.SRN(6, 4, 4), x, y, torch.zeros(4, 4), 4, eps=1e16)
