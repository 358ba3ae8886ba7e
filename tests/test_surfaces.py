"""vglab.surfaces: closed-form gradients against autograd, the three backends agree, the
trajectory runs the real optimizer classes, and the cliff throws plain SGD off but not clipped SGD."""
import math

import numpy as np
import pytest
import torch

from vglab import optim, surfaces
from vglab.train import DivergenceError


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_closed_form_gradient_matches_autograd_float64(name):
    s = surfaces.get(name)
    (x0, x1), (y0, y1) = s.window
    g = torch.Generator().manual_seed(1)
    xy = torch.rand(200, 2, dtype=torch.float64, generator=g)
    xy = torch.stack([x0 + (x1 - x0) * xy[:, 0], y0 + (y1 - y0) * xy[:, 1]], 1).requires_grad_()
    auto, = torch.autograd.grad(s(xy).sum(), xy)
    gx, gy = s.grad(xy[:, 0].detach(), xy[:, 1].detach(), torch)
    torch.testing.assert_close(torch.stack([gx, gy], 1), auto, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_backends_agree_and_minimum_is_stationary(name):
    s = surfaces.get(name)
    X, Y, Z = s.grid(30)
    for i in (0, 7, 29):
        assert Z[i, i] == pytest.approx(s.value(float(X[i, i]), float(Y[i, i]), math), rel=1e-12, abs=1e-12)
    assert math.hypot(*s.grad(*s.minimum, math)) < 1e-9
    # the minimum is the lowest point of the window's grid
    assert s.min_value <= Z.min() + 1e-12


def test_trajectory_runs_the_real_optimizer_classes():
    """The path equals stepping vglab.optim.Adam by hand with the closed-form gradient."""
    s = surfaces.get("rosenbrock")
    tr = surfaces.trajectory(s, "Adam", steps=30, lr=0.05)
    w = torch.tensor(s.start, dtype=torch.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.05)
    for k in range(30):
        opt.zero_grad()
        s(w).backward()
        opt.step()
        np.testing.assert_allclose(tr.path[k + 1], w.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert tr.path.shape == (31, 2) and tr.loss.shape == (31,) and tr.grad_norm.shape == (30,)


def test_trajectory_nag_uses_the_look_ahead_gradient():
    a = surfaces.trajectory("quadratic", "NAG", steps=40, lr=0.02, gamma=0.9)
    b = surfaces.trajectory("quadratic", "Momentum", steps=40, lr=0.02, gamma=0.9)
    assert np.abs(a.path - b.path).max() > 1e-3
    assert a.loss[-1] < b.loss[-1]  # Nesterov damps the overshoot on the bowl


def test_noise_is_reproducible_and_prefix_consistent():
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    a = surfaces.trajectory("saddle", "SGD", steps=50, noise=0.5, generator=g())
    b = surfaces.trajectory("saddle", "SGD", steps=80, noise=0.5, generator=g())
    c = surfaces.trajectory("saddle", "SGD", steps=50)
    np.testing.assert_array_equal(a.path, b.path[:51])
    assert np.abs(a.path - c.path).max() > 1e-3


def test_divergence_raises_or_stops_without_nan():
    with pytest.raises(DivergenceError, match="step"):
        surfaces.trajectory("rosenbrock", "SGD", steps=100, lr=0.05)
    tr = surfaces.trajectory("rosenbrock", "SGD", steps=100, lr=0.05, on_diverge="stop")
    assert tr.diverged_at is not None and np.isfinite(tr.path).all() and np.isfinite(tr.loss).all()
    assert len(tr.path) == tr.diverged_at


def test_bad_arguments():
    with pytest.raises(ValueError, match="surface"):
        surfaces.trajectory("himmelblau", "SGD")
    with pytest.raises(ValueError, match="steps"):
        surfaces.trajectory("cliff", "SGD", steps=0)
    with pytest.raises(ValueError, match="noise"):
        surfaces.trajectory("cliff", "SGD", noise=-1.0)
    with pytest.raises(ValueError, match="lr"):
        surfaces.trajectory("cliff", "SGD", lr=-0.1)


def test_cliff_plain_sgd_is_thrown_off_clipped_sgd_is_not():
    """From the stated start (−3.5, 1.5), SGD with η = 0.1 walks down the gentle slope, lands
    on the wall (‖g‖ ≈ 100) and is catapulted ~6 units past the window's left edge; the same
    SGD with clip_norm = 1 never leaves the window and reaches the foot of the wall."""
    s = surfaces.get("cliff")
    assert s.start == (-3.5, 1.5)
    (x0, x1), (y0, y1) = s.window
    plain = surfaces.trajectory(s, "SGD", steps=100, lr=0.1)
    clipped = surfaces.trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=1.0)
    assert plain.grad_norm.max() > 50
    assert plain.path[:, 0].min() < x0 - 5  # thrown far off the window
    inside = (clipped.path[:, 0] >= x0) & (clipped.path[:, 0] <= x1) & (np.abs(clipped.path[:, 1]) <= y1)
    assert inside.all()
    assert clipped.clipped_norm.max() <= 1.0 + 1e-9
    assert math.dist(clipped.path[-1], s.minimum) < 0.05
    assert clipped.loss[-1] - s.min_value < 0.05 < plain.loss[-1] - s.min_value


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_every_optimizer_runs_on_every_surface_with_the_tuned_settings(name):
    s = surfaces.get(name)
    for o in optim.OPTIMIZERS:
        tr = surfaces.trajectory(s, o, steps=s.steps)
        assert tr.diverged_at is None and tr.loss[-1] < tr.loss[0], o


def test_clipped_sgd_bounces_at_the_foot_until_eta_is_lowered():
    """At the foot the wall's curvature λ_max ≈ 78 puts 2/λ_max below η = 0.1: clipped SGD does not
    settle, it bounces with steps of exactly ηθ; 100 more steps at η = 0.01 < 2/λ_max settle it."""
    s = surfaces.get("cliff")
    clipped = surfaces.trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=1.0)
    lam = np.linalg.eigvalsh(surfaces.hessian(s, s.minimum)).max()
    assert 2 / lam < 0.1
    last = np.linalg.norm(np.diff(clipped.path[-11:], axis=0), axis=1)
    np.testing.assert_allclose(last, 0.1, rtol=1e-5)  # every step ηθ long: a limit cycle
    assert (clipped.grad_norm[-10:] > 1.0).all()
    dist = np.linalg.norm(clipped.path[-10:] - np.asarray(s.minimum), axis=1)
    assert dist.max() > 0.05  # ...it does not converge
    slow = surfaces.trajectory(s, "SGD", start=tuple(clipped.path[-1]), steps=100, lr=0.01, clip_norm=1.0)
    assert math.dist(slow.path[-1], s.minimum) < 0.01


def _rosenbrock_hessian(x, y):
    return np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])


def test_hessian_matches_the_analytic_second_derivatives():
    np.testing.assert_allclose(surfaces.hessian("quadratic", (0.3, -1.2)), np.diag([1.0, surfaces.KAPPA]),
                               rtol=1e-6, atol=1e-6)
    for pt in ((1.0, 1.0), (-1.5, 2.5), (0.2, -0.4)):
        np.testing.assert_allclose(surfaces.hessian("rosenbrock", pt), _rosenbrock_hessian(*pt), rtol=1e-5, atol=1e-4)
    # the cliff's wall: d²/dx² [½C(x − 3)² + h σ(Sx)] = C + h S² σ′(Sx)(1 − 2σ(Sx)), h = HEIGHT, by autograd in float64
    x = torch.tensor([-0.11, 0.4], dtype=torch.float64, requires_grad=True)
    H = torch.autograd.functional.hessian(lambda v: surfaces.get("cliff")(v), x)
    np.testing.assert_allclose(surfaces.hessian("cliff", (-0.11, 0.4)), H.numpy(), rtol=1e-5, atol=1e-4)


def test_leaves_window_and_path_gradients():
    s = surfaces.get("cliff")
    plain = surfaces.trajectory(s, "SGD", steps=100, lr=0.1)
    k = surfaces.leaves_window(s, plain)
    (x0, x1), _ = s.window
    assert k is not None and plain.path[k, 0] < x0 and (plain.path[:k, 0] >= x0).all()
    assert surfaces.leaves_window(s, surfaces.trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=1.0)) is None
    assert surfaces.exit_edge(s, plain) == "left"  # thrown back from the wall (checked above: w₁ < x0)
    assert surfaces.exit_edge(s, surfaces.trajectory(s, "SGD", steps=100, lr=0.1, clip_norm=1.0)) is None
    # momentum that coasts past the wall leaves on the far side: w₁ > x1, ‖g‖ small just before
    far = surfaces.trajectory(s, "Momentum", steps=100, lr=0.1, gamma=0.9, on_diverge="stop")
    kf = surfaces.leaves_window(s, far)
    assert surfaces.exit_edge(s, far) == "right" and far.path[kf, 0] > x1 and far.grad_norm[kf - 1] < 5
    up = surfaces.Trajectory("SGD", np.array([[-1.0, 0.0], [-1.0, 3.0]]), np.zeros(2), np.ones(1), np.ones(1))
    assert surfaces.exit_edge(s, up) == "top"
    with pytest.raises(TypeError, match="tr"):
        surfaces.exit_edge(s, plain.path)
    # AdaGrad by its formula from the path's gradients: w_{k+1} − w_k = −η g ⊘ (√G + ε), G = Σ g ⊙ g
    tr = surfaces.trajectory("rosenbrock", "AdaGrad", steps=50)
    g = surfaces.path_gradients("rosenbrock", tr)
    hp = surfaces.get("rosenbrock").hp["AdaGrad"]
    step = -hp["lr"] * g / (np.sqrt(np.cumsum(g * g, axis=0)) + 1e-8)
    np.testing.assert_allclose(np.diff(tr.path, axis=0), step, rtol=1e-9, atol=1e-12)
    assert g.shape == (50, 2) and np.allclose(np.hypot(g[:, 0], g[:, 1]), tr.grad_norm)


def test_new_helpers_reject_bad_arguments():
    tr = surfaces.trajectory("quadratic", "SGD", steps=3)
    with pytest.raises(TypeError, match="tr"):
        surfaces.leaves_window("quadratic", tr.path)
    with pytest.raises(TypeError, match="tr"):
        surfaces.path_gradients("quadratic", None)
    with pytest.raises(ValueError, match="surface"):
        surfaces.leaves_window("himmelblau", tr)
    with pytest.raises(TypeError, match="point"):
        surfaces.hessian("quadratic", "ab")
    with pytest.raises(TypeError, match="point"):
        surfaces.hessian("quadratic", (1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="point"):
        surfaces.hessian("quadratic", (float("nan"), 0.0))
    with pytest.raises(ValueError, match="h"):
        surfaces.hessian("quadratic", (0.0, 0.0), h=0.0)
    with pytest.raises(TypeError, match="h"):
        surfaces.hessian("quadratic", (0.0, 0.0), h="small")


def _heavy_ball_radius(H, lr, gamma):
    """An independent check: the spectral radius of the linear map (e, e₋₁) -> (e', e) of Momentum
    (eq. 02.2) on ½ eᵀHe, from numpy's general eigenvalue routine."""
    n, eye = len(H), np.eye(len(H))
    M = np.block([[(1 + gamma) * eye - lr * H, -gamma * eye], [eye, np.zeros((n, n))]])
    return float(np.abs(np.linalg.eigvals(M)).max())


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, np.float32(0.3)])
def test_quadratic_model_rate_matches_the_iteration_matrix(gamma):
    g = np.random.default_rng(3)
    for _ in range(5):
        A = g.normal(size=(3, 3))
        H = A @ A.T + 0.1 * np.eye(3)
        lam_max = np.linalg.eigvalsh(H).max()
        for frac in (0.1, 0.5, 0.9, 1.1):
            lr = frac * 2 * (1 + float(gamma)) / lam_max
            m = surfaces.quadratic_model(H, lr, gamma)
            assert m["rate"] == pytest.approx(_heavy_ball_radius(H, lr, float(gamma)), rel=1e-6)
            assert m["stable"] == (frac < 1) == (m["rate"] < 1)


def test_quadratic_model_closed_forms_for_plain_descent():
    m = surfaces.quadratic_model(np.diag([1.0, 20.0]), 0.09)
    assert m["lr_limit"] == pytest.approx(0.1) and m["kappa"] == pytest.approx(20)
    assert m["rate"] == pytest.approx(0.91)  # |1 − ηλ_min|
    best = surfaces.quadratic_model(np.diag([1.0, 20.0]), m["best_lr"])
    assert best["rate"] == pytest.approx(m["best_rate"]) == pytest.approx(19 / 21)
    assert surfaces.quadratic_model([[5, 3], [3, 5]], 0.1, 0.9)["eff_lr"] == pytest.approx(1.0)


@pytest.mark.parametrize("opt, gamma", [("SGD", 0.0), ("Momentum", 0.9), ("Momentum", 0.5)])
def test_quadratic_model_limit_and_rate_agree_with_runs_on_the_surface(opt, gamma):
    """Independent: run the real optimizer on the quadratic surface just below and just above the bound."""
    s = surfaces.get("quadratic")
    H = surfaces.hessian(s, s.minimum)
    limit = surfaces.quadratic_model(H, 0.01, gamma)["lr_limit"]
    kw = {} if opt == "SGD" else dict(gamma=gamma)
    below = surfaces.trajectory(s, opt, steps=3000, lr=0.98 * limit, on_diverge="stop", **kw)
    above = surfaces.trajectory(s, opt, steps=3000, lr=1.02 * limit, on_diverge="stop", **kw)
    assert below.diverged_at is None and np.linalg.norm(below.path[-1]) < 1e-6
    assert above.diverged_at is not None
    for lr in (0.3 * limit, 0.6 * limit):
        tr = surfaces.trajectory(s, opt, steps=200, lr=lr, **kw)
        assert surfaces.contraction(s, tr, 100) == pytest.approx(surfaces.quadratic_model(H, lr, gamma)["rate"],
                                                                 abs=0.01)


def test_quadratic_model_and_contraction_reject_bad_input():
    H = np.diag([1.0, 2.0])
    for bad, err in [("H", TypeError), ([[1, 2], [0, 1]], ValueError), ([[1, 0], [0, -1]], ValueError),
                     ([[1, 0, 0]], ValueError), ([[np.nan, 0], [0, 1]], ValueError)]:
        with pytest.raises(err, match="H"):
            surfaces.quadratic_model(bad, 0.1)
    for lr, err in [(0, ValueError), (-1, ValueError), (True, TypeError), ("0.1", TypeError)]:
        with pytest.raises(err, match="lr"):
            surfaces.quadratic_model(H, lr)
    for gamma in (1.0, -0.1, math.inf):
        with pytest.raises(ValueError, match="gamma"):
            surfaces.quadratic_model(H, 0.1, gamma)
    tr = surfaces.trajectory("quadratic", "SGD", steps=10)
    with pytest.raises(ValueError, match="start"):
        surfaces.contraction("quadratic", tr, 9)
    with pytest.raises(TypeError, match="tr"):
        surfaces.contraction("quadratic", "path")


def test_run_quadratic_matches_a_numpy_loop_and_the_limit():
    """run_quadratic (vglab.optim.Momentum on ½ wᵀHw) against an independent numpy loop of eq. (02.2),
    and the closed-form limit 2(1 + γ)/λ_max just below and above (read 02r6, X1)."""
    H = np.array([[5.0, 3.0], [3.0, 5.0]])
    for lr, gamma in ((0.1, 0.0), (0.3, 0.5), (0.05, 0.9)):
        w, v = np.ones(2), np.zeros(2)
        for _ in range(40):
            v = gamma * v + lr * (H @ w)
            w = w - v
        assert surfaces.run_quadratic(H, lr, gamma, steps=40) == pytest.approx(np.linalg.norm(w) / np.sqrt(2),
                                                                               rel=1e-10)
    for gamma in (0.0, 0.5, np.float32(0.9)):
        limit = surfaces.quadratic_model(H, 0.1, gamma)["lr_limit"]
        assert surfaces.run_quadratic(H, 0.98 * limit, gamma) < 1e-3
        assert surfaces.run_quadratic(H, 1.02 * limit, gamma) > 1e3
    assert surfaces.run_quadratic(H, 10.0, 0.5, steps=100_000) == math.inf
    for bad in (dict(H=[[1, 2]]), dict(H=[[1, 0], [0, -1]]), dict(lr=0.0), dict(gamma=1.0), dict(steps=0),
                dict(steps=2.5), dict(steps=True)):
        args = dict(H=H, lr=0.1, gamma=0.0, steps=10) | bad
        with pytest.raises((ValueError, TypeError)):
            surfaces.run_quadratic(**args)
