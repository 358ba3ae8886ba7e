"""2-D loss surfaces for optimizer trajectories, each with a closed-form value and gradient.

One formula per surface, written once with ``m`` the math backend: ``math`` on Python floats
(the fast per-step path of ``trajectory``), ``numpy`` on grids (contours), ``torch`` on tensors
(the tests check each gradient against autograd in float64).

* ``quadratic``  ill-conditioned bowl ½(x² + κ y²), κ = 20: SGD zig-zags across the valley
* ``rosenbrock`` (1 − x)² + 100 (y − x²)²: a curved, flat-bottomed valley
* ``saddle``     ½x² − y² + ¼y⁴: a saddle at the origin, minima at (0, ±√2)
* ``cliff``      a gentle bowl whose minimum lies behind a steep wall h σ(s x) (the exploding-
  gradient "cliff" of Pascanu et al. 2013, Fig. 6): a step onto the wall is catapulted far away
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from . import optim
from ._args import is_int, is_real, real, real_in_range
from .train import DivergenceError

__all__ = ["Surface", "SURFACES", "get", "Trajectory", "trajectory", "DivergenceError",
           "leaves_window", "exit_edge", "path_gradients", "hessian", "quadratic_model", "run_quadratic",
           "contraction"]


@dataclass(frozen=True)
class Surface:
    """A 2-D loss: ``value(x, y, m)`` and ``grad(x, y, m) -> (gx, gy)`` in backend ``m``."""
    name: str
    value: Callable
    grad: Callable
    window: tuple  # ((x_min, x_max), (y_min, y_max)) -- a good plot window
    start: tuple  # a start point that shows the surface's difficulty
    minimum: tuple  # the (a) global minimum
    hp: dict = field(default_factory=dict)  # optimizer name -> hyper-parameters that work here
    steps: int = 100  # enough steps to see each optimizer's character

    def __call__(self, xy):
        """The loss at ``xy`` (a tensor or array of shape (..., 2)), by the backend of ``xy``."""
        m = torch if isinstance(xy, torch.Tensor) else np
        return self.value(xy[..., 0], xy[..., 1], m)

    @property
    def min_value(self) -> float:
        return float(self.value(*self.minimum, math))

    def grid(self, n: int = 120):
        """``(X, Y, Z)`` on the plot window, vectorized (numpy), for contour plots."""
        (x0, x1), (y0, y1) = self.window
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        return X, Y, self.value(X, Y, np)


KAPPA = 20.0  # condition number of the quadratic


def _quad_f(x, y, m):
    return 0.5 * (x * x + KAPPA * y * y)


def _quad_g(x, y, m):
    return x, KAPPA * y


def _rosen_f(x, y, m):
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)


def _rosen_g(x, y, m):
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


def _saddle_f(x, y, m):
    return 0.5 * x * x - y * y + 0.25 * (y * y) * (y * y)


def _saddle_g(x, y, m):
    return x, -2 * y + y * y * y


# the cliff: ½c (x − 3)² + ½k y² + h σ(s x), with c, k, h, s = C, K, HEIGHT, S; the wall at x = 0
# stands before the bowl's centre
C, K, HEIGHT, S = 0.5, 1.0, 10.0, 50.0  # HEIGHT: the wall's height (H is kept for Hessians)


def _sigmoid(z, m):
    return 1 / (1 + m.exp(-z)) if m is math else (m.tanh(0.5 * z) + 1) * 0.5


def _cliff_f(x, y, m):
    if m is math:
        z = min(max(S * x, -700.0), 700.0)  # math.exp overflows beyond ±709
        return 0.5 * C * (x - 3) * (x - 3) + 0.5 * K * y * y + HEIGHT * _sigmoid(z, m)
    return 0.5 * C * (x - 3) * (x - 3) + 0.5 * K * y * y + HEIGHT * _sigmoid(S * x, m)


def _cliff_g(x, y, m):
    z = min(max(S * x, -700.0), 700.0) if m is math else S * x
    sig = _sigmoid(z, m)
    return C * (x - 3) + HEIGHT * S * sig * (1 - sig), K * y


def _cliff_minimum():
    """The foot of the wall: solve C (x − 3) + HEIGHT S σ(Sx)(1 − σ(Sx)) = 0 by bisection on x < 0."""
    lo, hi = -2.0, 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _cliff_g(mid, 0.0, math)[0] < 0 else (lo, mid)
    return (0.5 * (lo + hi), 0.0)


_ADADELTA = dict(lr=1.0, eps=1e-2)  # the lecture's ε outside the roots: steps start near ε


def _tuned(sgd, mom, adagrad, rmsprop, adam, nadam=None):
    """Per-optimizer hyper-parameters that work on a surface (NAG shares Momentum's η)."""
    return dict(SGD=dict(lr=sgd), Momentum=dict(lr=mom), NAG=dict(lr=mom), AdaGrad=dict(lr=adagrad),
                RMSProp=dict(lr=rmsprop), AdaDelta=_ADADELTA, Adam=dict(lr=adam), Nadam=dict(lr=nadam or adam))


SURFACES = {
    "quadratic": Surface("quadratic", _quad_f, _quad_g, ((-3.0, 3.0), (-1.6, 1.6)), (-2.6, 1.2), (0.0, 0.0),
                         _tuned(0.09, 0.02, 0.5, 0.05, 0.15), steps=100),
    "rosenbrock": Surface("rosenbrock", _rosen_f, _rosen_g, ((-2.0, 2.0), (-1.0, 3.0)), (-1.5, 2.5), (1.0, 1.0),
                          _tuned(2e-3, 1e-3, 0.5, 0.01, 0.1), steps=300),
    "saddle": Surface("saddle", _saddle_f, _saddle_g, ((-2.5, 2.5), (-2.2, 2.2)), (-2.2, 0.01), (0.0, math.sqrt(2)),
                      _tuned(0.1, 0.02, 0.5, 0.02, 0.05), steps=100),
    "cliff": Surface("cliff", _cliff_f, _cliff_g, ((-4.0, 1.5), (-2.0, 2.0)), (-3.5, 1.5), _cliff_minimum(),
                     _tuned(0.02, 0.005, 1.0, 0.05, 0.05, 0.1), steps=100),
}


def get(surface) -> Surface:
    """A surface by name (or the Surface itself)."""
    if isinstance(surface, Surface):
        return surface
    if not isinstance(surface, str) or surface not in SURFACES:
        raise ValueError(f"surface must be one of {list(SURFACES)} (a surface name) or a Surface, got {surface!r:.60}")
    return SURFACES[surface]


@dataclass
class Trajectory:
    """``path`` (n+1, 2) and ``loss`` (n+1,) up to divergence; ``grad_norm``/``clipped_norm`` (n,)
    the gradient norm each step before/after clipping; ``diverged_at`` the step, or None."""
    name: str
    path: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    clipped_norm: np.ndarray
    diverged_at: int | None = None


def _noise(steps, noise, generator):
    if real("noise", noise, 0) == 0:  # a finite number >= 0
        return None
    # drawn for max(steps, 1000) so that a shorter run is a prefix of a longer one
    z = torch.randn(max(steps, 1000), 2, dtype=torch.float64, generator=generator)
    return (noise * z[:steps]).tolist()


def trajectory(surface, optimizer, start=None, steps: int = 100, noise: float = 0.0, generator=None,
               *, on_diverge: str = "raise", bound: float = 1e6, **hp) -> Trajectory:
    """Run the real ``vglab.optim`` class ``optimizer`` on ``surface`` for ``steps`` steps.

    The gradient is the closed form, plus ``noise`` × N(0, 1) per coordinate (a minibatch's
    noise; ``generator`` makes it reproducible). ``hp`` go to the optimizer, on top of the
    surface's tuned values ``surface.hp[name]``. A non-finite point or |w| > ``bound`` is divergence:
    ``on_diverge="raise"`` raises DivergenceError (step, loss); ``"stop"`` returns the path so
    far with ``diverged_at`` set, so a plot never sees a NaN.
    """
    s, cls = get(surface), optim._get(optimizer, "optimizer")
    if not (is_int(steps) and 1 <= steps <= 100_000):
        raise ValueError(f"steps must be an int in [1, 100000], got {steps!r}")
    if on_diverge not in ("raise", "stop"):
        raise ValueError(f"on_diverge must be 'raise' or 'stop', got {on_diverge!r}")
    hp = {**s.hp.get(cls.__name__, {}), **hp}
    # w and its gradient share memory with numpy arrays: reading/writing two floats per step
    # costs ~1 µs instead of a tensor round trip (the optimizer still updates w in torch)
    w_np, g_np = np.array(s.start if start is None else start, dtype=np.float64), np.zeros(2)
    w = torch.from_numpy(w_np).requires_grad_()
    w.grad = torch.from_numpy(g_np)
    opt = cls([w], **hp)
    # the step without torch's profiler hook (~40 µs a call); the optimizer's own code is unchanged
    step = getattr(type(opt).step, "__wrapped__", type(opt).step)
    eps = _noise(steps, noise, generator)
    path, gnorm, cnorm = [w_np.tolist()], [], []
    k = 0

    def closure():  # the closed-form gradient (+ noise) at the current parameter value
        x, y = float(w_np[0]), float(w_np[1])
        gx, gy = s.grad(x, y, math)
        if eps is not None:
            gx, gy = gx + eps[k][0], gy + eps[k][1]
        g_np[0], g_np[1] = gx, gy
        gnorm.append(math.hypot(gx, gy))  # the loss itself is computed for the whole path at the end

    diverged = None
    for k in range(steps):
        step(opt, closure)
        x, y = float(w_np[0]), float(w_np[1])
        cnorm.append(gnorm[-1] if opt.clipped_norm is None else float(opt.clipped_norm))
        if not (math.isfinite(x) and math.isfinite(y)) or math.hypot(x, y) > bound:
            diverged = k + 1
            break
        path.append([x, y])
    P = np.asarray(path)
    L = s.value(P[:, 0], P[:, 1], np)
    if diverged is not None and on_diverge == "raise":
        raise DivergenceError(f"{cls.__name__} diverged on {s.name} at step {diverged}: w = ({x:.3g}, {y:.3g}), "
                              f"last finite loss {L[-1]:.3g}. Lower lr or set clip_norm.")
    return Trajectory(cls.__name__, P, L, np.asarray(gnorm[:len(P) - 1]), np.asarray(cnorm[:len(P) - 1]), diverged)


def _trajectory_arg(tr) -> Trajectory:
    if not isinstance(tr, Trajectory):
        raise TypeError(f"tr must be a surfaces.Trajectory, got {type(tr).__name__}")
    return tr


def leaves_window(surface, tr) -> int | None:
    """The first step k at which ``tr.path[k]`` lies outside ``surface.window`` (the optimizer was
    thrown off the plotted region), or None if the whole path stays inside."""
    s, tr = get(surface), _trajectory_arg(tr)
    (x0, x1), (y0, y1) = s.window
    P = tr.path
    out = (P[:, 0] < x0) | (P[:, 0] > x1) | (P[:, 1] < y0) | (P[:, 1] > y1)
    return int(np.argmax(out)) if out.any() else None


def exit_edge(surface, tr) -> str | None:
    """Through which edge of ``surface.window`` the path first leaves it: ``"left"``/``"right"``
    (w₁ below/above the window), ``"bottom"``/``"top"`` (w₂), or None if it never leaves. On the
    cliff, "left" is thrown back from the wall and "right" is past the wall, beyond the foot."""
    s, tr = get(surface), _trajectory_arg(tr)
    k = leaves_window(s, tr)
    if k is None:
        return None
    (x0, x1), (y0, y1) = s.window
    x, y = tr.path[k]
    return "left" if x < x0 else "right" if x > x1 else "bottom" if y < y0 else "top"


def path_gradients(surface, tr) -> np.ndarray:
    """The closed-form gradient at every point of the path but the last, shape (n, 2): row k is the
    gradient step k + 1 was computed from, for an optimizer without look-ahead (not NAG) run
    without noise. Feed it to an update rule's formula, e.g. AdaGrad's G = cumsum(g ⊙ g)."""
    s, tr = get(surface), _trajectory_arg(tr)
    return np.array([s.grad(float(x), float(y), math) for x, y in tr.path[:-1]], dtype=np.float64).reshape(-1, 2)


def hessian(surface, point, h: float = 1e-5) -> np.ndarray:
    """The 2×2 Hessian of ``surface`` at ``point`` by central differences of its closed-form
    gradient (step ``h``), symmetrised. Its largest eigenvalue λ_max sets plain gradient descent's
    stability limit there: a step η > 2/λ_max overshoots along that direction."""
    s = get(surface)
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError):
        raise TypeError(f"point must be two numbers (x, y), got {point!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"point must be finite, got {point!r}")
    h = real("h", h, lo=0, lo_open=True)
    gx = [np.array(s.grad(x + d, y, math)) for d in (h, -h)]
    gy = [np.array(s.grad(x, y + d, math)) for d in (h, -h)]
    H = np.stack([(gx[0] - gx[1]) / (2 * h), (gy[0] - gy[1]) / (2 * h)])
    return 0.5 * (H + H.T)


def _quadratic_args(H, lr, gamma):
    """Checked (H as a float64 array, lr, gamma, H's eigenvalues in ascending order)."""
    try:
        H = np.asarray(H, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"H must be a square matrix of numbers, got {H!r}") from None
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.size == 0 or not np.isfinite(H).all():
        raise ValueError(f"H must be a finite square matrix, got shape {H.shape}")
    if not np.allclose(H, H.T, rtol=1e-8, atol=1e-10):
        raise ValueError("H must be symmetric (a Hessian)")
    lr = real("lr", lr, 0, 1e100, lo_open=True)  # beyond, (ηλ)² overflows a float
    gamma = real_in_range("gamma", gamma, 0.0, 1.0, hi_open=True)
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    if lam[0] <= 0:
        raise ValueError(f"H must be positive definite (a minimum), its smallest eigenvalue is {lam[0]:.3g}")
    return H, lr, gamma, lam


def run_quadratic(H, lr, gamma=0.0, steps: int = 500) -> float:
    """Run ``vglab.optim.Momentum`` (eq. 02.2; ``gamma`` = 0 is plain SGD) for ``steps`` steps on
    ½ wᵀHw from w = (1, …, 1), in float64, and return ‖w‖ at the end over ‖w‖ at the start: far below 1
    means it converges, far above 1 that it diverges (``inf`` once w overflows). A simulation, to test a
    derived limit on η (notebook 02, Exercise 5); ``quadratic_model`` gives the closed form."""
    H, lr, gamma, _ = _quadratic_args(H, lr, gamma)
    if not (is_int(steps) and 1 <= steps <= 100_000):
        raise ValueError(f"steps must be an int in [1, 100000], got {steps!r}")
    Ht = torch.as_tensor(H)
    w = torch.ones(len(H), dtype=torch.float64, requires_grad=True)
    opt = optim.Momentum([w], lr=lr, gamma=gamma)
    for _ in range(int(steps)):
        w.grad = Ht @ w.detach()  # the gradient of ½ wᵀHw
        opt.step()
        if not torch.isfinite(w).all():
            return math.inf
    return float(w.detach().norm()) / math.sqrt(len(H))


def quadratic_model(H, lr, gamma=0.0) -> dict:
    """Plain gradient descent (``gamma`` = 0) or Momentum (eq. 02.2, the heavy ball) on the quadratic
    ½ wᵀHw with a positive-definite Hessian ``H`` (Goh 2017, "Why momentum really works"; d2l §12).

    Along an eigenvector of H with eigenvalue λ the error obeys e' = (1 + γ − ηλ)e − γe₋₁: its
    per-step factor is the largest |z| of z² − (1 + γ − ηλ)z + γ = 0 (z = 1 − ηλ for γ = 0). Returns
    ``lam_min``, ``lam_max``, ``kappa`` = λ_max/λ_min; ``lr_limit`` = 2(1 + γ)/λ_max, the largest
    stable η, and ``stable`` (η below it); ``rate``, the slowest direction's factor per step;
    ``eff_lr`` = η/(1 − γ), the rate along a slow direction once v has built up; and for plain
    descent ``best_lr`` = 2/(λ_min + λ_max), whose rate is ``best_rate`` = (κ − 1)/(κ + 1).
    """
    H, lr, gamma, lam = _quadratic_args(H, lr, gamma)

    def factor(l):  # the largest |z| with z² − b z + γ = 0, b = 1 + γ − ηλ
        b = 1 + gamma - lr * l
        d = b * b - 4 * gamma
        return math.sqrt(gamma) if d < 0 else max(abs(b + math.sqrt(d)), abs(b - math.sqrt(d))) / 2

    lo, hi = float(lam[0]), float(lam[-1])
    limit = 2 * (1 + gamma) / hi
    return dict(lam_min=lo, lam_max=hi, kappa=hi / lo, lr_limit=limit, stable=lr < limit,
                rate=max(factor(float(l)) for l in lam), eff_lr=lr / (1 - gamma),
                best_lr=2 / (lo + hi), best_rate=(hi / lo - 1) / (hi / lo + 1))


def contraction(surface, tr, start: int = 0) -> float:
    """The measured factor per step by which ``tr``'s distance to the minimum shrinks, from step
    ``start`` to the end: exp of the least-squares slope of log distance against step (a factor
    above 1 means the run moves away). Compare with ``quadratic_model(...)["rate"]``."""
    s, tr = get(surface), _trajectory_arg(tr)
    if not (is_int(start) and 0 <= start <= len(tr.path) - 3):
        raise ValueError(f"start must be an int in [0, {len(tr.path) - 3}], got {start!r}")
    d = np.linalg.norm(tr.path[start:] - np.asarray(s.minimum), axis=1)
    if not (d > 0).all():
        raise ValueError("the path reaches the minimum exactly: no rate to measure")
    return float(math.exp(np.polyfit(np.arange(len(d)), np.log(d), 1)[0]))
