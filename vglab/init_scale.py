"""Init-σ sensitivity of the SRN: the paper's Fig. 2 and Fig. 3 as functions (seed 001 §8, SPEC §E).

Fig. 2: K = 100 tanh units, temporal-order inputs of length T = h + 1 = 101, weights from
N(0, σ²); the mean ‖δ(k−j)‖ and ‖∂E/∂W_rec(k−j)‖ for j = 0 … h and the Q-factor (25),
mean ± sd over many networks held by one ``SRN(n_networks=M)``. Computed in float64: the
vanishing settings reach 1e-130, far below float32's smallest number (1.4e-45).

Why σ must be the variance: the eigenvalues of a K × K matrix of N(0, std²) entries fill the
disc of radius std·√K (Girko's circular law), so std 0.1 (variance 0.01) puts the spectral
radius at 1, while std 0.01 puts it at 0.1 and every gradient vanishes (Q ≈ 100).

Fig. 3: plain momentum SGD with the paper's settings (lr 1e-5, μ 0.9, minibatch 10, the loss
summed over the minibatch, variance 0.01), recording ‖δ‖ at several lags, Q and saturation.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from . import bptt, tasks
from ._args import int_at_least, is_int, is_real
from .optim import Momentum
from .srn import SRN, _loss, spectral_radius
from .train import DivergenceError, History, check_finite, progress

TASK = "temporal_order"
PAPER_Q = {"variance 0.005": "> 25", "variance 0.01": "≈ 0.7", "variance 0.02": "< −6"}
"""The paper's Q-factors for its three Fig. 2 settings (§8), as printed."""
PAPER_Q_BOUNDS = {"variance 0.005": (25.0, math.inf), "variance 0.01": (0.7, 0.7),
                  "variance 0.02": (-math.inf, -6.0)}


def _check_positive(name, v) -> None:
    if not is_real(v) or not 0 < v < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {v!r}")


@dataclass(frozen=True)
class InitSetting:
    """One way to read the paper's "σ": as the variance or as the standard deviation."""

    label: str
    sigma2: float  # the variance actually used: N(0, sigma2)

    @property
    def std(self) -> float:
        return math.sqrt(self.sigma2)

    @property
    def paper_q(self) -> str:
        return PAPER_Q.get(self.label, "—")


def variance(v: float) -> InitSetting:
    """σ read as the variance: N(0, v)."""
    _check_positive("variance", v)
    return InitSetting(f"variance {v:g}", float(v))


def std(s: float) -> InitSetting:
    """σ read as the standard deviation: N(0, s²)."""
    _check_positive("std", s)
    return InitSetting(f"std {s:g}", float(s) ** 2)


FIG2_SETTINGS = (variance(0.005), variance(0.01), variance(0.02), std(0.05), std(0.2))
"""The paper's three settings read as variances, and the two stds that match its extremes."""
STD_SETTINGS = (std(0.005), std(0.01), std(0.02))
"""The paper's three settings read as standard deviations (ruled out: all vanish)."""


# ---- the circular law -------------------------------------------------------------------------
def circle_radius(sigma2: float, n_hidden: int = 100) -> float:
    """Girko's circular law: eigenvalues of W (K × K, entries N(0, σ²)) fill |λ| ≤ std·√K."""
    _check_positive("sigma2", sigma2)
    return math.sqrt(sigma2 * n_hidden)


def recurrent_weights(sigma2: float, n_hidden: int = 100, n_matrices: int | None = None, seed: int = 0):
    """W_rec exactly as ``SRN`` initialises it (float64, CPU): (K, K), or (n, K, K) for n_matrices=n.

    The same seed gives the same standard-normal draws for every σ², so changing σ² only
    rescales the matrix (and its eigenvalues) — what the σ² slider shows.
    """
    g = torch.Generator().manual_seed(seed)
    model = SRN(1, n_hidden, 1, sigma2, n_networks=n_matrices, generator=g, dtype=torch.float64)
    return model.W_rec.detach()


def eigenvalues(sigma2: float, n_hidden: int = 100, seed: int = 0) -> torch.Tensor:
    """Complex eigenvalues of one freshly initialised W_rec, (K,)."""
    return torch.linalg.eigvals(recurrent_weights(sigma2, n_hidden, seed=seed))


def spectral_radii(sigma2: float, n_hidden: int = 100, n_matrices: int = 20, seed: int = 0) -> torch.Tensor:
    """max |λ| of ``n_matrices`` independent W_rec, (n,); ≈ std·√K (``srn.spectral_radius``)."""
    return spectral_radius(recurrent_weights(sigma2, n_hidden, n_matrices, seed))


# ---- Fig. 2: gradient profiles at init ----------------------------------------------------------
@dataclass
class Profile:
    """Fig. 2 for one setting: per-network profiles over j = 0 … h steps back from the last step k."""

    setting: InitSetting
    delta: torch.Tensor  # (M, h+1): minibatch-mean ‖δ(k−j)‖
    weight: torch.Tensor | None  # (M, h+1): ‖∂E/∂W_rec(k−j)‖_F, or None
    Q: torch.Tensor  # (M,): eq. (25)

    @property
    def q_mean(self) -> float:
        return float(self.Q.mean())

    @property
    def q_sd(self) -> float:
        return float(self.Q.std()) if self.Q.numel() > 1 else 0.0


def gradient_profile(setting: InitSetting | float, *, n_hidden: int = 100, h: int = 100,
                     n_networks: int = 10, n_sequences: int = 100, seed: int = 0,
                     dtype=torch.float64, weight_grads: bool = True, device=None) -> Profile:
    """Fig. 2 for one init setting: M networks × B temporal-order sequences of length T = h + 1.

    δ by eq. (6) (``bptt.manual_local_gradients``, checked against autograd in its tests), the
    weight gradients by eq. (4), Q by eq. (25) at the last step k with δ(k − h) at the first.
    ``setting``: an ``InitSetting`` or a variance. Network weights come from ``seed``, the
    sequences from ``seed + 1`` (the same data for every setting).
    """
    if not isinstance(setting, InitSetting):
        setting = variance(setting)
    for name, v in (("n_networks", n_networks), ("n_sequences", n_sequences), ("h", h)):
        int_at_least(name, v)
    if h < 9:
        raise ValueError(f"h must be >= 9 (sequences of T = h + 1 >= 10 steps), got {h}")
    T = h + 1
    g = torch.Generator().manual_seed(seed)
    model = SRN(tasks.n_inputs(TASK), n_hidden, tasks.n_outputs(TASK), setting.sigma2,
                n_networks=n_networks, generator=g, dtype=dtype, device=device)
    x, y = tasks.make_batch(TASK, n_sequences, T, generator=torch.Generator().manual_seed(seed + 1),
                            device=device)
    x = x.to(dtype)
    delta = bptt.manual_local_gradients(model, x, y)  # (M, B, T, K)
    prof = bptt.delta_profile(delta)  # (M, T), j = 0 … h
    weight = None
    if weight_grads:
        with torch.no_grad():
            _, _, z = model(x, return_states=True)  # (M, B, T, K)
        weight = bptt.weight_grad_norms(z, delta).flip(-1)  # (M, T), j = 0 … h
    Q = bptt.q_factor(delta, h)  # (M,)
    return Profile(setting, prof.cpu(), None if weight is None else weight.cpu(), Q.cpu())


def q_table(settings=FIG2_SETTINGS, **kw) -> list[dict]:
    """One row per setting: std, circle radius std·√K, our Q (mean, sd, min, max) and the paper's."""
    rows = []
    for s in settings:
        p = gradient_profile(s, weight_grads=False, **kw)
        rows.append({"setting": s.label, "std": s.std, "radius": circle_radius(s.sigma2, kw.get("n_hidden", 100)),
                     "q_mean": p.q_mean, "q_sd": p.q_sd, "q_min": float(p.Q.min()),
                     "q_max": float(p.Q.max()), "paper": s.paper_q})
    return rows


def format_q_table(rows) -> str:
    """A plain-text table of ``q_table`` rows, Q rounded to 1 decimal."""
    lines = [f"{'setting':16s} {'std':>6s} {'std*sqrtK':>9s} {'our Q (mean ± sd)':>18s} {'paper':>6s}"]
    for r in rows:
        lines.append(f"{r['setting']:16s} {r['std']:6.3f} {r['radius']:9.2f} "
                     f"{r['q_mean']:9.1f} ± {r['q_sd']:4.1f}   {r['paper']:>6s}")
    return "\n".join(lines)


def underflow_check(setting: InitSetting | float = std(0.01), *, n_hidden: int = 100, h: int = 100,
                    n_sequences: int = 10, seed: int = 0) -> dict:
    """‖δ(k−h)‖ of one network in float32 and in float64: {"float32": …, "float64": …}.

    For Q ≫ 40 float32 (smallest number 1.4e-45) underflows to exactly 0; float64 keeps it.
    """
    s = setting if isinstance(setting, InitSetting) else variance(setting)
    x, y = tasks.make_batch(TASK, n_sequences, h + 1, generator=torch.Generator().manual_seed(seed + 1))
    out = {}
    for dt in (torch.float32, torch.float64):
        model = SRN(6, n_hidden, 4, s.sigma2, generator=torch.Generator().manual_seed(seed), dtype=dt)
        delta = bptt.manual_local_gradients(model, x.to(dt), y)  # (B, T, K)
        out[str(dt).removeprefix("torch.")] = float(bptt.delta_norms(delta)[0])  # δ(k − h)
    return out


# ---- Fig. 3: plain momentum SGD and the collapse of ‖δ‖ -------------------------------------------
def train_plain(*, T: int = 100, n_steps: int = 500, n_networks: int = 4, lr: float = 1e-5,
                momentum: float = 0.9, batch: int = 10, sigma2: float = 0.01, n_train: int = 20000,
                record_every: int = 50, lags=(0, 25, 50, 75, 99), n_probe: int = 100,
                saturation: float = 0.95, seed: int = 0, device=None, progress_bar: bool = True) -> History:
    """Paper Fig. 3: plain momentum SGD on temporal order (SPEC §F settings), probed every few steps.

    The loss is SUMMED over the minibatch (``srn.loss``), which is what makes lr = 1e-5 sensible.
    Every ``record_every`` steps a float64 copy of the networks runs a fixed probe set of
    ``n_probe`` sequences and logs: ``delta`` (M, len(lags)) minibatch-mean ‖δ(k−j)‖ at the lags,
    ``Q`` (M,) eq. (25) with h = T − 1, ``saturated`` (M,) fraction of z = tanh(a) with
    |z| > ``saturation``, ``accuracy`` (M,) on the probe set, and ``loss`` (the training minibatch,
    summed over networks). A NaN/Inf loss stops the run with ``DivergenceError``.
    """
    if not 0 < lr < math.inf:
        raise ValueError(f"lr must be a finite number > 0, got {lr}")
    if not all(is_int(j) and 0 <= j < T for j in lags):
        raise ValueError(f"lags must be ints in [0, T) = [0, {T}), got {lags}")
    for name, v in (("n_steps", n_steps), ("record_every", record_every), ("batch", batch), ("n_train", n_train)):
        int_at_least(name, v)
    device = torch.device(device) if device is not None else torch.device("cpu")
    model = SRN(tasks.n_inputs(TASK), 100, tasks.n_outputs(TASK), sigma2, n_networks=n_networks,
                generator=torch.Generator().manual_seed(seed), device=device)
    X, Y, _ = tasks.make_dataset(TASK, n_train, T, generator=torch.Generator().manual_seed(seed + 1), device=device)
    probe = tasks.make_batch(TASK, n_probe, T, generator=torch.Generator().manual_seed(seed + 2), device=device)
    opt = Momentum(model.parameters(), lr=lr, gamma=momentum)
    draw = torch.Generator().manual_seed(seed + 3)
    hist = History()
    for step in progress(range(n_steps + 1), desc="plain SGD", enabled=progress_bar):
        if step % record_every == 0 or step == n_steps:
            hist.log(step=step, **_probe(model, *probe, lags, saturation, step))
        if step == n_steps:
            break
        idx = torch.randint(0, n_train, (batch,), generator=draw).to(device)
        E = _loss(model, model._unroll(X[idx])[0], Y[idx])  # (M,): summed; X, Y valid: unchecked, no sync
        check_finite(E, step)
        opt.zero_grad()
        E.sum().backward()
        opt.step()
        hist.log(loss_step=step, loss=E.sum())
    return hist


def _probe(model: SRN, x, y, lags, saturation, step) -> dict:
    """Float64 copy of the networks on the probe set: ‖δ‖ at the lags, Q, saturation, accuracy."""
    m = copy.deepcopy(model).double()
    x = x.double()
    delta = bptt.manual_local_gradients(m, x, y)  # (M, B, T, K)
    with torch.no_grad():
        out, _, z = m(x, return_states=True)
    for what, v in (("probe ‖δ‖", delta.norm()), ("probe output", out)):
        check_finite(v, step, what)
    prof = bptt.delta_profile(delta)  # (M, T), j = 0 … T − 1
    try:
        Q = bptt.q_factor(delta, x.shape[-2] - 1).cpu()  # eq. (25), h = T − 1
    except ValueError as e:  # ‖δ‖ exactly 0 even in float64: every unit saturated, f′ = 0
        raise DivergenceError(f"training collapsed at step {step}: {e}") from e
    return {"delta": prof[:, list(lags)].cpu(), "Q": Q,
            "saturated": (z.abs() > saturation).double().mean(dim=(-3, -2, -1)).cpu(),
            "accuracy": tasks.score(TASK, out, y).cpu()}
