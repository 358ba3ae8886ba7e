"""Recurrent remedies beside the paper's SRN: ReLU units, orthogonal and identity init of W_rec,
LayerNorm on the recurrent pre-activation, truncated BPTT, and side-by-side training of M seeds.

``RNN`` is ``srn.SRN`` (same eq. (1)-(3), same parameters W_in (n_in, K), W_rec (K, K), b, W_out,
b_out, same ``n_networks`` axis and ``unroll``/``forward`` conventions), so every tool of
``vglab.bptt`` and ``lstm.state_gradient_norms`` reads it as it reads the SRN. It is a subclass in a
separate module, not new options of ``srn.SRN``, because srn.py is frozen while the long Table-1
run is going (its checkpoint stores a hash of srn.py's code). The options:

* ``activation``: "tanh" (the paper's) or "relu" (f′ = 1 on active units, 0 on the others).
* ``init`` of W_rec: "gaussian" (the paper's N(0, σ²)), "orthogonal" (a Haar-random orthogonal
  matrix, every singular value 1; Saxe, McClelland & Ganguli 2014) or "identity" (W_rec = I; with
  ReLU units this is the IRNN of Le, Jaitly & Hinton 2015). W_in, W_out are N(0, σ²) in every case.
* ``layer_norm``: a(k) = LN(u(k) W_in + z(k−1) W_rec) ⊙ γ + b (Ba, Kiros & Hinton 2016): the summed
  input is centred and scaled to unit variance over the K units before the gain γ (init 1) and the
  bias b. ``a(k)`` in ``unroll`` is then this normalised pre-activation, so δ(k) = ∂E/∂a(k) from
  ``bptt.local_gradients`` stays the gradient that enters f′; ``bptt.jacobians`` and the other
  closed forms of eq. (6) do not hold with LN (the normalisation has its own Jacobian) and refuse it.

Truncated BPTT with ``truncate=k``: the state is detached every k steps, counted back from the last
step, so the gradient of the last-step loss reaches back exactly k steps (``unroll(x, truncate=k)``,
``train_on_task(..., truncate=k)``).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from . import _checked, bptt, lstm
from ._args import boolean, choice, device as check_device, int_at_least, integer, positive_real, torch_dtype
from .gru import MultiGRU
from .lstm import _check_model, _check_y  # the one check of a recurrent model and of its targets
from .srn import SRN

__all__ = ["ACTIVATIONS", "INITS", "KINDS", "RNN", "recurrent_init", "spectrum", "step_factor", "active_fractions",
           "make_models", "train_on_task", "train_models", "state_gradient_norms", "MultiGRU"]

ACTIVATIONS, INITS = ("tanh", "relu"), ("gaussian", "orthogonal", "identity")
KINDS = ("SRN", "orthogonal", "IRNN", "LayerNorm-SRN", "GRU")
"""``make_models``'s kinds: the paper's SRN (tanh, N(0, σ²)), tanh + orthogonal, IRNN, SRN + LayerNorm, GRU."""
_LN_EPS = 1e-5  # torch.nn.LayerNorm's default
_MAX_PARAMETERS = 10**7  # the most weights one model may hold: a typo (n_hidden=10**6) is refused, not allocated


def _check_sizes(**sizes) -> None:
    """Each size an int >= 1 (naming it), and about 4·M·(n_in·K + K² + K·n_out) <= _MAX_PARAMETERS."""
    for name, v in sizes.items():
        if v is not None or name != "n_networks":  # only n_networks may be None (one network)
            integer(name, v, lo=1)
    M, K = sizes.get("n_networks") or 1, sizes.get("n_hidden", 1)
    n = 4 * M * (sizes.get("n_in", 1) * K + K * K + K * sizes.get("n_out", 1))
    if n > _MAX_PARAMETERS:
        raise ValueError(f"{', '.join(k for k, v in sizes.items() if v is not None)} = "
                         f"{', '.join(str(v) for v in sizes.values() if v is not None)} give about {n:.1e} weights, "
                         f"more than _MAX_PARAMETERS = {_MAX_PARAMETERS:.0e}")


def _nonlinearity(name):
    if name == "tanh":
        return torch.tanh, lambda a: 1 - torch.tanh(a) ** 2
    return torch.relu, lambda a: (a > 0).to(a.dtype)


def _check_generator(generator):
    _checked.generator("generator", generator)


def recurrent_init(init: str, n_hidden: int, n_networks: int | None = None, *, sigma2: float = 0.01,
                   generator: torch.Generator | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A recurrent matrix (K, K), or (M, K, K) with ``n_networks=M``.

    "gaussian": N(0, σ²) entries (``sigma2`` the variance); "orthogonal": Q of the QR of a Gaussian
    matrix with the signs of R's diagonal moved into Q (Haar-distributed; the same matrix as
    ``nn.init.orthogonal_`` with the same generator); "identity": I.
    """
    choice("init", init, INITS)
    _check_sizes(n_hidden=n_hidden, n_networks=n_networks)
    K = int(n_hidden)
    lead = () if n_networks is None else (int(n_networks),)
    s2 = positive_real("sigma2", sigma2)
    _check_generator(generator)
    dtype = torch.get_default_dtype() if dtype is None else torch_dtype("dtype", dtype)
    gdev = torch.device("cpu") if generator is None else generator.device
    if init == "identity":
        return torch.eye(K, dtype=dtype).expand(*lead, K, K).clone()
    A = torch.randn(*lead, K, K, generator=generator, device=gdev, dtype=dtype)
    if init == "gaussian":
        return (A * math.sqrt(s2)).cpu()
    q, r = torch.linalg.qr(A)
    return (q * torch.diagonal(r, dim1=-2, dim2=-1).sign().unsqueeze(-2)).cpu()


class RNN(SRN):
    """``srn.SRN`` with ``activation`` "tanh" | "relu", ``init`` "gaussian" | "orthogonal" | "identity"
    of W_rec, and an optional ``layer_norm`` (module docstring). ``sigma2`` is the variance of W_in,
    W_out (and of W_rec when ``init="gaussian"``). Shapes and conventions are the SRN's.
    """

    supports_truncation = True  # unroll/forward take ``truncate=k``

    def __init__(self, n_in: int, n_hidden: int, n_out: int, sigma2: float = 0.01,
                 n_networks: int | None = None, output: str = "softmax", *, activation: str = "tanh",
                 init: str = "gaussian", layer_norm: bool = False, generator: torch.Generator | None = None,
                 dtype: torch.dtype | None = None, device=None):
        choice("activation", activation, ACTIVATIONS)
        choice("init", init, INITS)
        _check_sizes(n_in=n_in, n_hidden=n_hidden, n_out=n_out, n_networks=n_networks)
        layer_norm = boolean("layer_norm", layer_norm)
        dtype = None if dtype is None else torch_dtype("dtype", dtype)
        device = check_device("device", device)
        _check_generator(generator)
        super().__init__(n_in, n_hidden, n_out, sigma2, n_networks, output, activation="tanh",
                         generator=generator, dtype=dtype, device=device)
        self.activation, self.init, self.layer_norm = activation, init, layer_norm
        self.f, self.f_prime = _nonlinearity(activation)
        if init != "gaussian":
            with torch.no_grad():
                self.W_rec.copy_(recurrent_init(init, self.n_hidden, self.n_networks, generator=generator,
                                                dtype=self.W_rec.dtype))
        if layer_norm:
            self.ln_gain = nn.Parameter(torch.ones_like(self.b))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", init={self.init!r}, layer_norm={self.layer_norm}"
    def _unroll(self, x: torch.Tensor, lengths: torch.Tensor | None = None, truncate: int | None = None):
        x = x.to(self.W_rec.dtype)
        mask = self.step_mask(lengths, x)
        lead = self.n_networks is not None
        b = self.b[:, None] if lead else self.b
        gain = None if not self.layer_norm else (self.ln_gain[:, None] if lead else self.ln_gain)
        z = x.new_zeros(self.W_rec.shape[:-2] + x.shape[-3:-2] + (self.n_hidden,))
        T = x.shape[-2]
        a_steps, z_steps = [], []
        for k, u in enumerate(x.unbind(dim=-2)):
            if truncate is not None and k > 0 and (T - k) % truncate == 0:
                z = z.detach()  # truncated BPTT: no gradient flows into steps before this one
            s = u @ self.W_in + z @ self.W_rec
            if gain is not None:  # LayerNorm over the K units (biased variance, as nn.LayerNorm)
                mu = s.mean(dim=-1, keepdim=True)
                var = (s - mu).pow(2).mean(dim=-1, keepdim=True)
                s = (s - mu) / torch.sqrt(var + _LN_EPS) * gain
            a = s + b
            if mask is not None:
                a = a * mask[k]
            z = self.f(a)
            if mask is not None:
                z = z * mask[k]
            a_steps.append(a)
            z_steps.append(z)
        b_out = self.b_out[:, None] if lead else self.b_out
        return z @ self.W_out + b_out, a_steps, z_steps

    def unroll(self, x: torch.Tensor, lengths: torch.Tensor | None = None, truncate: int | None = None):
        """``srn.SRN.unroll`` (``(out, a_steps, z_steps)``), with truncated BPTT when ``truncate=k``."""
        truncate = None if truncate is None else integer("truncate", truncate, lo=1)
        return self._unroll(self._check_x(x), lengths, truncate)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, return_states: bool = False,
                truncate: int | None = None):
        out, a_steps, z_steps = self.unroll(x, lengths, truncate)
        if not return_states:
            return out
        return out, torch.stack(a_steps, dim=-2), torch.stack(z_steps, dim=-2)

    def network(self, i: int) -> "RNN":
        """A single-network copy of network ``i`` (parameters copied)."""
        if self.n_networks is None:
            raise ValueError("network(i) needs an RNN built with n_networks=M")
        i = integer("i", i, lo=0, hi=self.n_networks - 1)
        p = self.W_rec
        one = RNN(self.n_in, self.n_hidden, self.n_out, self.sigma2, None, self.output, activation=self.activation,
                  init=self.init, layer_norm=self.layer_norm, dtype=p.dtype, device=p.device)
        with torch.no_grad():
            for name, param in one.named_parameters():
                param.copy_(getattr(self, name)[i])
        return one


def spectrum(W_rec: torch.Tensor) -> dict:
    """``{"eigenvalues": complex (…, K), "singular_values": (…, K)}`` of W_rec (K, K) or (M, K, K)."""
    if not isinstance(W_rec, torch.Tensor) or W_rec.ndim not in (2, 3) or W_rec.shape[-1] != W_rec.shape[-2] \
            or not W_rec.is_floating_point() or W_rec.numel() == 0:
        raise ValueError(f"W_rec must be a non-empty square float tensor (K, K) or (M, K, K), got {W_rec!r:.80}")
    W = W_rec.detach().double()
    if not bool(torch.isfinite(W).all()):
        raise ValueError("W_rec contains NaN or Inf")
    return {"eigenvalues": torch.linalg.eigvals(W), "singular_values": torch.linalg.svdvals(W)}


def step_factor(model: RNN, x) -> dict:
    """The per-step factor c of ``bptt.step_factor`` (c = g·√E[f′(a)²]), extended to LayerNorm.

    With ``layer_norm`` a step back also divides by the std σ_s of that step's summed input
    s(n) = z(n−1) W_rec + u(n) W_in (and multiplies by the LN gain γ), so c = g·√E[(γ f′(a(n−1))/σ_s(n))²]
    over units, steps n = 1 … T−1 and sequences; the centring removes one direction of K and is left out. Since σ_s ≈ g·RMS(z)
    when the inputs are small, g cancels: c ≈ √E[f′²]/RMS(z) whatever σ². Returns ``{"gain",
    "rms_f_prime", "inv_std", "factor"}`` (``inv_std`` = √E[1/σ_s²], 1 without LN): floats or (M,).
    """
    if not isinstance(model, RNN):
        raise TypeError(f"model must be a vglab.rnn_fixes.RNN, got {type(model).__name__}")
    x = model._check_x(x)
    if not model.layer_norm:
        out = bptt.step_factor(model, x)
        return out | {"inv_std": 1.0 if isinstance(out["gain"], float) else torch.ones_like(out["gain"])}
    with torch.no_grad():
        _, a, z = model(x, return_states=True)  # (…, B, T, K)
        z_prev = torch.cat([torch.zeros_like(z[..., :1, :]), z[..., :-1, :]], dim=-2)
        s = z_prev @ model.W_rec.unsqueeze(-3) + x.to(a.dtype) @ model.W_in.unsqueeze(-3)
        inv_var = 1 / (s.var(dim=-1, unbiased=False, keepdim=True) + _LN_EPS)  # (…, B, T, 1)
        gamma = model.ln_gain if model.n_networks is None else model.ln_gain[:, None, None]
        fp = model.f_prime(a[..., :-1, :])  # J(n) = diag(f′(a(n−1))) W_rec γ/σ_s(n), n = 1 … T−1
        inv_var = inv_var[..., 1:, :]
        dims, gain = (-3, -2, -1), model.W_rec.flatten(-2).pow(2).mean(dim=-1).sqrt() * model.n_hidden ** 0.5
        rms = fp.pow(2).mean(dim=dims).sqrt()
        inv = inv_var.expand_as(fp).mean(dim=dims).sqrt()
        c = gain * ((gamma * fp).pow(2) * inv_var).mean(dim=dims).sqrt()
    out = {"gain": gain, "rms_f_prime": rms, "inv_std": inv, "factor": c}
    return {k: (float(v) if v.ndim == 0 else v) for k, v in out.items()}


def active_fractions(model: RNN, x, h: int) -> dict:
    """For a ReLU ``RNN``: the fraction of units active (a > 0) at the last step, ``"last"``, and at every
    one of the last h + 1 steps, ``"all"`` (mean over units and sequences); floats or (M,) tensors.

    With W_rec = I, δ(k−h) = δ(k) ⊙ [unit active at steps k−h … k−1], so these fractions set ‖δ(k−h)‖.
    """
    if not isinstance(model, RNN) or model.activation != "relu":
        raise TypeError(f"model must be a vglab.rnn_fixes.RNN with activation='relu', got {model!r:.60}")
    x = model._check_x(x)
    T = x.shape[-2]
    h = integer("h", h, lo=1, hi=T - 1)
    with torch.no_grad():
        _, a, _ = model(x, return_states=True)
        on = a[..., T - 1 - h:, :] > 0  # (…, B, h+1, K)
        last = on[..., -1, :].double().mean(dim=(-2, -1))
        every = on.all(dim=-2).double().mean(dim=(-2, -1))
    return {k: (float(v) if v.ndim == 0 else v) for k, v in (("last", last), ("all", every))}


def make_models(n_in: int, n_hidden: int, n_out: int, *, kinds=KINDS, n_networks: int = 3,
                sigma2: float | None = None, output: str = "softmax",
                generator: torch.Generator | None = None) -> dict:
    """One model of M networks (``n_networks``) per kind of ``KINDS``, keyed by kind.

    ``sigma2`` (default 1/K: spectral radius ≈ 1 for the Gaussian W_rec) is the variance of every
    Gaussian weight; the GRU keeps torch's uniform ±1/√K (``vglab.gru``).
    """
    K = int_at_least("n_hidden", n_hidden)
    M = int_at_least("n_networks", n_networks)
    if isinstance(kinds, str) or not isinstance(kinds, (list, tuple)) or not kinds:
        raise TypeError(f"kinds must be a non-empty list or tuple of {KINDS}, got {kinds!r:.60}")
    for k in kinds:
        choice("kinds", k, KINDS)
    s2 = 1 / K if sigma2 is None else positive_real("sigma2", sigma2)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    _check_generator(gen)
    spec = {"SRN": {}, "orthogonal": {"init": "orthogonal"}, "IRNN": {"activation": "relu", "init": "identity"},
            "LayerNorm-SRN": {"layer_norm": True}}
    models = {}
    for k in kinds:
        if k == "GRU":
            _check_sizes(n_in=n_in, n_hidden=K, n_out=n_out, n_networks=M)
            models[k] = MultiGRU(M, n_in, K, n_out, output=output, generator=gen)
        else:
            models[k] = RNN(n_in, K, n_out, s2, M, output, generator=gen, **spec[k])
    return models


def train_on_task(model, task: str, T: int, n_steps: int, *, truncate: int | None = None, **kwargs):
    """``lstm.train_on_task`` (Adam, per-network clipping, History) for any vglab recurrent model;
    ``truncate=k``: truncated BPTT (``RNN``, ``MultiGRU``, ``lstm.MultiLSTM``)."""
    _check_model(model)
    return lstm.train_on_task(model, task, T, n_steps, truncate=truncate, **kwargs)


def train_models(models: dict, task: str, T: int, n_steps: int, *, seed: int = 0, truncate: int | None = None,
                 **kwargs) -> dict:
    """Train every model of ``models`` (name → model) on the same minibatches (a generator seeded with
    ``seed`` for each); returns name → History (loss, accuracy as (M,) tensors per logged step)."""
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict name -> model, got {type(models).__name__}")
    seed = integer("seed", seed, lo=0)
    for name, m in models.items():
        if not isinstance(m, nn.Module) or getattr(m, "output", None) not in ("softmax", "linear"):
            raise TypeError(f"models[{name!r}] must be a vglab recurrent model, got {type(m).__name__}")
    return {name: train_on_task(m, task, T, n_steps, truncate=truncate, generator=torch.Generator().manual_seed(seed),
                                desc=str(name), **kwargs) for name, m in models.items()}


def state_gradient_norms(model, x, y, *, truncate: int | None = None) -> dict:
    """Per-step ‖∂E/∂state(k)‖ (minibatch mean), (T,) or (M, T), as ``lstm.state_gradient_norms``, with
    ``truncate=k``: the gradient truncated BPTT uses (0 on the steps it cuts off).

    ``RNN``: ``{"z", "delta"}``; ``MultiGRU``: ``{"h"}``; ``lstm.MultiLSTM``: ``{"h", "c"}``; without
    ``truncate`` any other model goes to ``lstm.state_gradient_norms``.
    """
    if truncate is None and not isinstance(model, (RNN, MultiGRU)):
        _check_model(model)
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim not in (3, 4) or x.numel() == 0:
            raise ValueError(f"x must be a non-empty float tensor (B, T, n_in) or (M, B, T, n_in), got {x!r:.60}")
        if not isinstance(y, torch.Tensor):
            raise TypeError(f"y must be a tensor, got {type(y).__name__}")
        return lstm.state_gradient_norms(model, x, y)
    if not isinstance(model, (RNN, MultiGRU, lstm.MultiLSTM)):
        raise TypeError(f"model must be a vglab.rnn_fixes.RNN, MultiGRU or lstm.MultiLSTM for truncate, "
                        f"got {type(model).__name__}")
    truncate = None if truncate is None else integer("truncate", truncate, lo=1)
    if isinstance(model, RNN):
        out, a_steps, z_steps = model.unroll(x, truncate=truncate)
        names, states = ("z", "delta"), (z_steps, a_steps)
    elif isinstance(model, MultiGRU):
        out, h_steps, _ = model.unroll(x, truncate=truncate)
        names, states = ("h",), (h_steps,)
    else:
        out, h_steps, c_steps = model.unroll(x, truncate=truncate)
        names, states = ("h", "c"), (h_steps, c_steps)
    _check_y(model, out, y)
    E = lstm.task_loss(model, out, y).sum()  # networks are independent: the sum keeps each one's gradient
    flat = [s for group in states for s in group]
    grads = torch.autograd.grad(E, flat, allow_unused=True)
    grads = [torch.zeros_like(s) if g is None else g for s, g in zip(flat, grads)]
    T = len(states[0])
    return {name: torch.stack(grads[j * T:(j + 1) * T], dim=-2).norm(dim=-1).mean(dim=-2).detach()
            for j, name in enumerate(names)}

