"""Init-σ sensitivity of the SRN: the paper's Fig. 2 and Fig. 3 as functions (SOURCES.md §1, paper §8).

Fig. 2: K = 100 tanh units, temporal-order inputs of length T = h + 1 = 101, weights from N(0, σ²);
the mean ‖δ(k−j)‖ and ‖∂E/∂W_rec(k−j)‖, j = 0 … h, and the Q-factor (25), per network and of the mean
curve, over M networks in one ``SRN(n_networks=M)``; float64 (σ read as a std reaches 1e-130).
Circular law: K × K N(0, std²) eigenvalues fill the disc of radius std·√K. Mechanism (notebook 03's
eq. sat-rate): per step back ‖δ‖ changes by about c = g·√E[f′(a)²], gain g = std·√K, so
Q ≈ −h·log10 c (``sat_rate_factor``, ``Profile.q_predicted``). Fig. 3: plain momentum SGD with the
paper's §8 settings, the loss summed over the minibatch (the lab's choice, SOURCES.md §1.6, §6.6).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from . import bptt, tasks
from . import _args, _checked
from ._args import int_at_least
from .optim import Momentum
from .srn import SRN, _loss, spectral_radius
from .train import DivergenceError, History, check_finite, progress

TASK = "temporal_order"
PAPER_Q = {"variance 0.005": "> 25", "variance 0.01": "≈ 0.7", "variance 0.02": "< −6"}  # paper §8, as printed
PAPER_Q_BOUNDS = {"variance 0.005": (25.0, math.inf), "variance 0.01": (0.7, 0.7), "variance 0.02": (-math.inf, -6.0)}


@dataclass(frozen=True)
class InitSetting:
    """One way to read the paper's "σ": as the variance or as the standard deviation."""

    label: str
    sigma2: float  # the variance actually used: N(0, sigma2)

    def __post_init__(self):
        _args.fields(self, label=(_checked.rule(_args.text, empty=False),), sigma2=(_args.positive_real,))

    std = property(lambda self: math.sqrt(self.sigma2), doc="The standard deviation √sigma2.")
    paper_q = property(lambda self: PAPER_Q.get(self.label, "—"), doc="The paper's Q for this setting, or —.")


def variance(v: float) -> InitSetting:
    """σ read as the variance: N(0, v)."""
    return InitSetting(f"variance {_args.positive_real('v (the variance)', v):g}", float(v))


def std(s: float) -> InitSetting:
    """σ read as the standard deviation: N(0, s²)."""
    return InitSetting(f"std {_args.positive_real('s (the standard deviation)', s):g}", float(s) ** 2)


def _setting(name, v) -> InitSetting:  # an InitSetting, or a number read as the variance (std <= 10)
    return v if isinstance(v, InitSetting) else variance(_args.real(f"{name} (InitSetting or variance)", v, 0, 100, lo_open=True))


FIG2_SETTINGS = (variance(0.005), variance(0.01), variance(0.02), std(0.05), std(0.2))
"""The paper's three settings read as variances, and the two stds that match its extremes."""
STD_SETTINGS = (std(0.005), std(0.01), std(0.02))
"""The paper's three settings read as standard deviations (ruled out: all vanish)."""


# ---- the circular law -------------------------------------------------------------------------
def circle_radius(sigma2: float, n_hidden: int = 100) -> float:
    """Girko's circular law: eigenvalues of W (K × K, entries N(0, σ²)) fill |λ| ≤ std·√K."""
    return math.sqrt(_args.positive_real("sigma2", sigma2) * _args.size("n_hidden", n_hidden))


@_checked.checked(n_hidden=(_args.size, 1, 4096), n_matrices=_checked.opt(_args.size, 1, 10_000), seed=_args.seed)
def recurrent_weights(sigma2: float, n_hidden: int = 100, n_matrices: int | None = None, seed: int = 0):
    """W_rec of ``gradient_profile(n_networks=n_matrices, seed=seed)``'s networks (float64, CPU):
    (K, K) for None or 1, else (n, K, K). Same seed, same draws for every σ²: σ² only rescales W_rec."""
    gen = torch.Generator().manual_seed(seed)
    model = SRN(tasks.n_inputs(TASK), n_hidden, tasks.n_outputs(TASK), sigma2, n_networks=n_matrices,
                generator=gen, dtype=torch.float64)
    return model.W_rec.detach()


def eigenvalues(sigma2: float, n_hidden: int = 100, seed: int = 0) -> torch.Tensor:
    """Complex eigenvalues of one freshly initialised W_rec, (K,)."""
    return torch.linalg.eigvals(recurrent_weights(sigma2, n_hidden, seed=seed))


def spectral_radii(sigma2: float, n_hidden: int = 100, n_matrices: int = 20, seed: int = 0) -> torch.Tensor:
    """max |λ| of ``n_matrices`` independent W_rec, (n,); ≈ std·√K (``srn.spectral_radius``)."""
    return spectral_radius(recurrent_weights(sigma2, n_hidden, n_matrices, seed))


def largest_singular_values(sigma2: float, n_hidden: int = 100, n_matrices: int = 20, seed: int = 0) -> torch.Tensor:
    """σ_max = ‖W_rec‖₂ of ``n_matrices`` independent W_rec, (n,); ≈ 2·std·√K for large K.

    Pascanu et al. (2013) state their conditions with σ_max, not ρ: for a K × K Gaussian matrix it
    sits near 2·std·√K (the edge of the quarter-circle law), twice the spectral radius std·√K.
    """
    return torch.linalg.matrix_norm(recurrent_weights(sigma2, n_hidden, n_matrices, seed), ord=2)


def _positive_values(name: str, v) -> torch.Tensor:
    try:
        t = v if isinstance(v, torch.Tensor) else torch.as_tensor(float("nan") if isinstance(v, bool) else v,
                                                                  dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name} must be a number or a tensor, got {type(v).__name__}") from e
    if not t.is_floating_point() or not t.numel() or not bool(((t > 0) & torch.isfinite(t)).all()):
        raise ValueError(f"{name} must be finite and > 0 (a number or a tensor), got {v!r}")
    return t


def sat_rate_factor(setting: "InitSetting | float", rms_fprime, n_hidden: int = 100):
    """Predicted per-step factor of ‖δ‖: c = g·√E[f′(a)²] with the gain g = std·√K (eq. sat-rate).

    ``setting``: an ``InitSetting`` or a variance; ``rms_fprime``: √E[f′(a)²] (a number, or a
    tensor with one per network). Returns the same kind. After h steps ‖δ(k−h)‖ ≈ c^h ‖δ(k)‖,
    so Q ≈ −h·log10 c (``q_from_factor``).
    """
    setting, n_hidden = _setting("setting", setting), int_at_least("n_hidden", n_hidden)
    c = math.sqrt(setting.sigma2 * n_hidden) * _positive_values("rms_fprime", rms_fprime)
    return c if isinstance(rms_fprime, torch.Tensor) or c.dim() else float(c)


def q_from_factor(c, h: int = 100):
    """Q that a constant per-step factor c gives over h steps: −h·log10 c (eq. 25 with c^h)."""
    int_at_least("h", h)
    q = -h * torch.log10(_positive_values("c", c))
    return q if isinstance(c, torch.Tensor) else float(q)


def t_quantile_975(nu: int) -> float:
    """Student's t 97.5 % quantile, ν = ``nu`` degrees of freedom (Cornish-Fisher series in 1/ν, as in
    Abramowitz & Stegun 26.7.5): 2.093 for ν = 19; off by < 1e-3 for ν ≥ 4, by 0.03 at ν = 2."""
    int_at_least("nu", nu)
    z = 1.959963984540054  # the normal 97.5 % quantile
    terms = ((z**3 + z) / 4, (5 * z**5 + 16 * z**3 + 3 * z) / 96, (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
             (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160)
    return z + sum(c / nu ** (i + 1) for i, c in enumerate(terms))


# ---- Fig. 2: gradient profiles at init ----------------------------------------------------------
@dataclass
class Profile:
    """Fig. 2 for one setting: per-network profiles over j = 0 … h steps back from the last step k."""

    setting: InitSetting
    delta: torch.Tensor  # (M, h+1): minibatch-mean ‖δ(k−j)‖
    weight: torch.Tensor | None  # (M, h+1): ‖∂E/∂W_rec(k−j)‖_F, or None
    Q: torch.Tensor  # (M,): eq. (25)
    rms_fprime: torch.Tensor | None = None  # (M,): √E[f′(a)²] over the h steps eq. (6) uses
    saturated: torch.Tensor | None = None  # (M,): fraction of z = tanh(a) with |z| > 0.95
    n_hidden: int = 100

    @property
    def h(self) -> int:
        return self.delta.shape[-1] - 1

    @property
    def q_mean(self) -> float:
        return float(self.Q.mean())

    @property
    def q_sd(self) -> float:
        return float(self.Q.std()) if self.Q.numel() > 1 else 0.0

    @property
    def q_ci(self) -> float:
        """Half-width of the 95 % interval of the mean Q: t(0.975, M − 1)·sd/√M (Student's t)."""
        M = self.Q.numel()
        return t_quantile_975(M - 1) * self.q_sd / math.sqrt(M) if M > 1 else 0.0

    @property
    def q_of_mean(self) -> float:
        """Eq. (25) on the norms averaged over the networks (what a plot of mean norms shows): a log of
        a ratio of means, lower than ``q_mean`` when the networks that vanish least dominate."""
        m = self.delta.mean(dim=0)
        return float(torch.log10(m[0]) - torch.log10(m[-1]))

    @property
    def factor_predicted(self) -> torch.Tensor:
        """(M,): c = std·√K·√E[f′(a)²] per network (eq. sat-rate)."""
        return sat_rate_factor(self.setting, self.rms_fprime, self.n_hidden)

    @property
    def factor_measured(self) -> torch.Tensor:
        """(M,): the mean per-step factor the measured Q implies, 10^(−Q/h)."""
        return 10.0 ** (-self.Q / self.h)

    @property
    def q_predicted(self) -> torch.Tensor:
        """(M,): −h·log10 c, the Q that the predicted factor gives."""
        return q_from_factor(self.factor_predicted, self.h)


@_checked.checked(setting=_setting, n_hidden=(_args.size, 1, 4096), h=_args.size, n_networks=(_args.size, 1, 1000),
               n_sequences=_args.size, seed=_args.seed, dtype=_args.torch_dtype, device=_args.device)
def gradient_profile(setting: InitSetting | float, *, n_hidden: int = 100, h: int = 100,
                     n_networks: int = 10, n_sequences: int = 100, seed: int = 0,
                     dtype=torch.float64, weight_grads: bool = True, device=None) -> Profile:
    """Fig. 2 for one init setting: M networks × B temporal-order sequences of length T = h + 1.

    δ by eq. (6) (``bptt.manual_local_gradients``, checked against autograd in its tests), the
    weight gradients by eq. (4), Q by eq. (25) at the last step k with δ(k − h) at the first.
    ``setting``: an ``InitSetting`` or a variance. Network weights come from ``seed``, the
    sequences from ``seed + 1`` (the same data for every setting).
    """
    if h < 9:
        raise ValueError(f"h must be >= 9 (sequences of T = h + 1 >= 10 steps), got {h}")
    T = h + 1
    gen = torch.Generator().manual_seed(seed)
    model = SRN(tasks.n_inputs(TASK), n_hidden, tasks.n_outputs(TASK), setting.sigma2,
                n_networks=n_networks, generator=gen, dtype=dtype, device=device)
    x, y = tasks.make_batch(TASK, n_sequences, T, generator=torch.Generator().manual_seed(seed + 1),
                            device=device)
    x = x.to(dtype)
    delta = bptt.manual_local_gradients(model, x, y)  # (M, B, T, K)
    prof = bptt.delta_profile(delta)  # (M, T), j = 0 … h
    with torch.no_grad():
        _, a, z = model(x, return_states=True)  # (M, B, T, K)
    weight = bptt.weight_grad_norms(z, delta).flip(-1) if weight_grads else None  # (M, T), j = 0 … h
    Q = bptt.q_factor(delta, h)  # (M,)
    fp = model.f_prime(a[..., :-1, :])  # f′(a(n−1)) for n = k … k−h+1: the factors of eq. (6)
    rms = fp.pow(2).mean(dim=(-3, -2, -1)).sqrt()
    sat = (z.abs() > 0.95).to(dtype).mean(dim=(-3, -2, -1))
    return Profile(setting, prof.cpu(), None if weight is None else weight.cpu(), Q.cpu(),
                   rms.cpu(), sat.cpu(), n_hidden)


def q_rows(profiles) -> list[dict]:
    """One row per ``Profile``: std, gain, Q (mean, sd, 95 % CI, min, max, per network, of the mean
    curve), √E[f′²], fraction saturated (mean, max), ``rms_sat_only`` = √(1 − saturated) (the least
    √E[f′²] saturation alone gives: f′ = 0 if saturated, else 1), factors and Q's, the paper's Q."""
    rows = []
    for p in _checked.instance("profiles", profiles, (list, tuple), "a list of init_scale.Profile"):
        if not isinstance(p, Profile):
            raise TypeError(f"profiles must hold init_scale.Profile objects, got {type(p).__name__}")
        s = p.setting
        rows.append({"setting": s.label, "std": s.std, "radius": circle_radius(s.sigma2, p.n_hidden),
                     "n_networks": p.Q.numel(), "Q": p.Q.tolist(), "q_mean": p.q_mean, "q_sd": p.q_sd,
                     "q_ci": p.q_ci, "q_min": float(p.Q.min()), "q_max": float(p.Q.max()),
                     "q_of_mean": p.q_of_mean, "rms_fprime": float(p.rms_fprime.mean()),
                     "saturated": float(p.saturated.mean()), "sat_max": float(p.saturated.max()),
                     "rms_sat_only": math.sqrt(1 - float(p.saturated.mean())),
                     "c_pred": float(p.factor_predicted.mean()), "c_meas": float(p.factor_measured.mean()),
                     "q_pred": float(p.q_predicted.mean()), "paper": s.paper_q})
    return rows


def q_table(settings=FIG2_SETTINGS, **kw) -> list[dict]:
    """``q_rows`` of ``gradient_profile(s, weight_grads=False, **kw)`` for every setting."""
    settings = _checked.instance("settings", settings, (list, tuple), "a list of InitSetting (or variances)")
    return q_rows([gradient_profile(_setting(f"settings[{i}]", s), weight_grads=False, **kw) for i, s in enumerate(settings)])


def format_q_table(rows) -> str:
    """A plain-text table of ``q_rows``: Q of the mean curve, the mean Q ± 95 % CI over networks
    (1 decimal), its range over networks, and the paper's."""
    _checked.records("rows", rows, ("q_of_mean", "q_ci"), "init_scale.q_rows rows")
    lines = [f"{'setting':15s} {'std·√K':>6s}  {'Q of mean curve':>15s}  {'mean Q ± 95 % CI':>16s}  "
             f"{'networks min…max':>16s}  {'paper':>6s}"]
    for r in rows:
        lines.append(f"{r['setting']:15s} {r['radius']:6.2f}  {r['q_of_mean']:15.1f}  {r['q_mean']:8.1f} ± {r['q_ci']:3.1f}  "
                     f"{r['q_min']:8.1f} … {r['q_max']:5.1f}  {r['paper']:>6s}")
    return "\n".join(lines)


def format_factor_table(rows) -> str:
    """A plain-text table of ``q_rows``: gain, √E[f′²], % saturated, per-step factor and Q,
    predicted by eq. (sat-rate) beside measured (means over networks; Q to 1 decimal)."""
    _checked.records("rows", rows, ("c_pred", "c_meas"), "init_scale.q_rows rows")
    lines = [f"{'setting':15s} {'gain':>5s} {'√E[f′²]':>7s} {'% sat':>5s}   {'factor c: predicted':>19s} "
             f"{'measured':>8s}   {'Q: predicted':>12s} {'measured':>8s}"]
    for r in rows:
        lines.append(f"{r['setting']:15s} {r['radius']:5.2f} {r['rms_fprime']:7.2f} {100 * r['saturated']:5.0f}   "
                     f"{r['c_pred']:19.2f} {r['c_meas']:8.2f}   {r['q_pred']:12.1f} {r['q_mean']:8.1f}")
    return "\n".join(lines)


@_checked.checked(setting=_setting, h=(_args.size, 9, 10_000), n_sequences=(_args.size, 1, 10_000), seed=_args.seed)
def underflow_check(setting: InitSetting | float = std(0.01), *, n_hidden: int = 100, h: int = 100,
                    n_sequences: int = 10, seed: int = 0) -> dict:
    """‖δ(k−h)‖ of one network in float32 and in float64: {"float32": …, "float64": …}; the float32 net is
    the float64 draw rounded (torch draws other numbers for another dtype). The norm squares the components:
    in float32 a square below 1.2e-38 (smallest normal) loses precision and one below about 0.7e-45 rounds
    to 0, so the norm is 0 once every component is below about 3e-23 (float64: squares stay normal above 1.5e-154)."""
    s = setting
    x, y = tasks.make_batch(TASK, n_sequences, h + 1, generator=torch.Generator().manual_seed(seed + 1))
    out, m64 = {}, SRN(6, n_hidden, 4, s.sigma2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    m32 = SRN(6, n_hidden, 4, s.sigma2, generator=torch.Generator(), dtype=torch.float32)
    with torch.no_grad():  # the same network: float64's weights, rounded for float32
        [p.copy_(q) for p, q in zip(m32.parameters(), m64.parameters())]
    for dt, model in ((torch.float32, m32), (torch.float64, m64)):
        delta = bptt.manual_local_gradients(model, x.to(dt), y)  # (B, T, K)
        out[str(dt).removeprefix("torch.")] = float(bptt.delta_norms(delta)[0])  # δ(k − h)
    return out


# ---- Fig. 3: plain momentum SGD and the collapse of ‖δ‖ -------------------------------------------
@_checked.checked(T=(_args.size, 2, 10_000), n_networks=(_args.size, 1, 1000), lags=(_args.ints, 0), batch=_args.size,
               lr=_checked.rule(_args.real, 0, 1e38, lo_open=True), sigma2=_args.positive_real,  # 1e38: float32's top
               n_steps=(_args.integer, 1), record_every=_args.period, n_train=(_args.integer, 1))
def train_plain(*, T: int = 100, n_steps: int = 500, n_networks: int = 4, lr: float = 1e-5,
                momentum: float = 0.9, batch: int = 10, sigma2: float = 0.01, n_train: int = 20000,
                record_every: int = 50, lags=(0, 25, 50, 75, 99), n_probe: int = 100,
                saturation: float = 0.95, seed: int = 0, device=None, progress_bar: bool = True) -> History:
    """Paper Fig. 3: plain momentum SGD on temporal order (SOURCES.md §1.4 settings; the task, T and
    the loss SUMMED over the minibatch, which makes lr = 1e-5 sensible, are the lab's, §1.6). Every
    ``record_every`` steps a float64 copy runs ``n_probe`` fixed sequences and logs ``delta`` (M, lags)
    minibatch-mean ‖δ(k−j)‖, ``Q`` (M,) eq. (25) with h = T − 1, ``saturated`` (M,) the fraction of
    |z| > ``saturation``, ``accuracy`` (M,), and ``loss``. A NaN/Inf loss raises ``DivergenceError``."""
    if not all(0 <= j < T for j in lags):
        raise ValueError(f"lags must be ints in [0, T) = [0, {T}), got {lags}")
    device = _args.device("device", device) or torch.device("cpu")
    model = SRN(tasks.n_inputs(TASK), 100, tasks.n_outputs(TASK), sigma2, n_networks=n_networks,
                generator=torch.Generator().manual_seed(seed), device=device)
    X, Y, _ = tasks.make_dataset(TASK, n_train, T, generator=torch.Generator().manual_seed(seed + 1), device=device)
    probe = tasks.make_batch(TASK, n_probe, T, generator=torch.Generator().manual_seed(seed + 2), device=device)
    opt = Momentum(model.parameters(), lr=lr, gamma=momentum)  # gamma: the momentum coefficient, not γ = max f′
    draw = torch.Generator().manual_seed(seed + 3)
    hist = History()
    for step in progress(range(n_steps), desc="plain SGD", enabled=progress_bar):  # reads "n_steps/n_steps"
        if step % record_every == 0:
            hist.log(step=step, **_probe(model, *probe, lags, saturation, step))
        idx = torch.randint(0, n_train, (batch,), generator=draw).to(device)
        E = _loss(model, model._unroll(X[idx])[0], Y[idx])  # (M,): summed; X, Y valid: unchecked, no sync
        check_finite(E, step)
        opt.zero_grad()
        E.sum().backward()
        opt.step()
        hist.log(loss_step=step, loss=E.sum())
    hist.log(step=n_steps, **_probe(model, *probe, lags, saturation, n_steps))  # after the last update
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
