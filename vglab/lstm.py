"""A small LSTM beside the SRN: torch's ``LSTMCell`` unrolled step by step (Hochreiter &
Schmidhuber 1997), so ∂E/∂c(k) and ∂E/∂h(k) can be read at every step k.

The cell state's own path is c(k) = f(k) ⊙ c(k−1) + i(k) ⊙ g(k): along it the Jacobian is
diag(f(k)), with no W_rec and no f′, so ‖∂E/∂c(k−h)‖ shrinks like ∏ f — slowly when the forget
gate is open (f ≈ 1), as fast as a plain RNN when f ≈ σ(0) = 0.5 (all biases 0, torch's init
centres them at 0). Hence the common forget-gate bias of 1 (Jozefowicz et al. 2015 recommend "1 or 2";
Gers et al. 2000 started it at positive values: SOURCES.md §6.1).
Also here: ``state_gradient_norms`` for SRN and LSTM alike, and ``train_on_task``, a short
Adam training run with a progress bar and a NaN guard, on any device.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from . import _args, _checked, tasks
from ._args import device as _device, int_at_least, integer, is_int, period, positive_real
from .runtime import cpu_threads
from .gru import MultiGRU
from .srn import SRN
from .train import History, check_finite, progress


class LSTM(nn.Module):
    """``LSTMCell`` unrolled over T; the output is a linear readout of the last h (logits/values).

    ``forget_bias``: the forget gate's bias (all other biases 0); 0 → f ≈ 0.5 at init, 1 → f ≈ 0.73.
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, forget_bias: float = 0.0, *,
                 output: str = "softmax", generator: torch.Generator | None = None, dtype=None, device=None):
        super().__init__()
        for name, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            int_at_least(name, v)
        _sizes(n_in=n_in, n_hidden=n_hidden, n_out=n_out)
        _args.choice("output", output, ("softmax", "linear"))
        forget_bias = _args.real("forget_bias", forget_bias, -100, 100)  # beyond ±100, σ(f) is 0 or 1 in any dtype
        self.output, self.n_hidden, self.forget_bias = output, n_hidden, float(forget_bias)
        self.cell = nn.LSTMCell(n_in, n_hidden, dtype=dtype)
        self.readout = nn.Linear(n_hidden, n_out, dtype=dtype)
        s = 1 / math.sqrt(n_hidden)  # torch's own init range, redrawn from ``generator``
        with torch.no_grad():
            for p in (self.cell.weight_ih, self.cell.weight_hh, self.readout.weight):
                p.uniform_(-s, s, generator=generator)
            for p in (self.cell.bias_ih, self.cell.bias_hh, self.readout.bias):
                p.zero_()
            self.cell.bias_ih[n_hidden:2 * n_hidden] = forget_bias  # gate order: i, f, g, o
        self.to(device)

    def unroll(self, x: torch.Tensor):
        """``(out, h_steps, c_steps)``: lists of T tensors (B, K) kept in the autograd graph."""
        if x.ndim != 3:
            raise ValueError(f"x must have shape (B, T, n_in), got {tuple(x.shape)}")
        B = x.shape[0]
        h = x.new_zeros(B, self.n_hidden)
        c = x.new_zeros(B, self.n_hidden)
        h_steps, c_steps = [], []
        for u in x.unbind(dim=1):  # explicit loop over time
            h, c = self.cell(u, (h, c))
            h_steps.append(h)
            c_steps.append(c)
        return self.readout(h), h_steps, c_steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.unroll(x)[0]


class MultiLSTM(nn.Module):
    """M independent LSTMs in one module (every parameter has a leading axis M), so that M seeds
    train in one batched forward/backward; network i is ``network(i)``, an ``LSTM`` with its weights.

    Same equations, gate order (i, f, g, o), parameters (two gate biases, as torch's) and init as
    ``LSTM``: weights uniform in ±1/√K, biases 0 except the forget gate's, ``forget_bias``; so it
    trains exactly as M separate ``LSTM`` runs (tested). x (B, T, n_in) shared, or (M, B, T, n_in).
    """

    def __init__(self, n_networks: int, n_in: int, n_hidden: int, n_out: int, forget_bias: float = 0.0, *,
                 output: str = "softmax", generator: torch.Generator | None = None, dtype=None, device=None):
        super().__init__()
        for name, v in (("n_networks", n_networks), ("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            int_at_least(name, v)
        _sizes(n_networks=n_networks, n_in=n_in, n_hidden=n_hidden, n_out=n_out)
        _args.choice("output", output, ("softmax", "linear"))
        forget_bias = _args.real("forget_bias", forget_bias, -100, 100)  # beyond ±100, σ(f) is 0 or 1 in any dtype
        M, K = int(n_networks), int(n_hidden)
        self.n_networks, self.n_in, self.n_hidden, self.n_out = M, int(n_in), K, int(n_out)
        self.output, self.forget_bias = output, float(forget_bias)
        s, dtype = 1 / math.sqrt(K), dtype or torch.get_default_dtype()

        def uniform(*shape):
            return nn.Parameter(torch.empty(M, *shape, dtype=dtype).uniform_(-s, s, generator=generator))

        self.W_ih, self.W_hh, self.W_out = uniform(n_in, 4 * K), uniform(K, 4 * K), uniform(K, n_out)
        b = torch.zeros(M, 4 * K, dtype=dtype)
        b[:, K:2 * K] = forget_bias
        self.b_ih, self.b_out = nn.Parameter(b), nn.Parameter(torch.zeros(M, n_out, dtype=dtype))
        self.b_hh = nn.Parameter(torch.zeros(M, 4 * K, dtype=dtype))  # two biases, as torch's LSTMCell
        self.to(device)

    supports_truncation = True  # unroll/forward take ``truncate=k``

    def unroll(self, x: torch.Tensor, truncate: int | None = None):
        """``(out, h_steps, c_steps)``: out (M, B, n_out); lists of T tensors (M, B, K) in the graph.

        ``truncate=k``: truncated BPTT, h and c detached every k steps counted back from the last step."""
        M, K = self.n_networks, self.n_hidden
        if x.ndim not in (3, 4) or x.shape[-1] != self.n_in or (x.ndim == 4 and x.shape[0] != M):
            raise ValueError(f"x must have shape (B, T, {self.n_in}) or ({M}, B, T, {self.n_in}), got {tuple(x.shape)}")
        truncate = None if truncate is None else integer("truncate", truncate, lo=1)
        h = x.new_zeros(M, x.shape[-3], K)
        c = torch.zeros_like(h)
        h_steps, c_steps = [], []
        T = x.shape[-2]
        for k, u in enumerate(x.unbind(dim=-2)):  # explicit loop over time; u (…, B, n_in)
            if truncate is not None and k > 0 and (T - k) % truncate == 0:
                h, c = h.detach(), c.detach()
            gates = u @ self.W_ih + h @ self.W_hh + (self.b_ih + self.b_hh)[:, None]  # (M, B, 4K)
            i, f, g, o = gates.split(K, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # the cell path: diag(f)
            h = torch.sigmoid(o) * torch.tanh(c)
            h_steps.append(h)
            c_steps.append(c)
        return h @ self.W_out + self.b_out[:, None], h_steps, c_steps

    def forward(self, x: torch.Tensor, truncate: int | None = None) -> torch.Tensor:
        return self.unroll(x, truncate)[0]

    def network(self, i: int) -> LSTM:
        """A single ``LSTM`` (torch's ``LSTMCell``) holding network ``i``'s weights."""
        if not is_int(i) or not 0 <= i < self.n_networks:
            raise ValueError(f"i must be an int in [0, {self.n_networks}), got {i!r}")
        one = LSTM(self.n_in, self.n_hidden, self.n_out, self.forget_bias, output=self.output,
                   dtype=self.W_ih.dtype)
        with torch.no_grad():
            one.cell.weight_ih.copy_(self.W_ih[i].T)
            one.cell.weight_hh.copy_(self.W_hh[i].T)
            one.cell.bias_ih.copy_(self.b_ih[i])
            one.cell.bias_hh.copy_(self.b_hh[i])
            one.readout.weight.copy_(self.W_out[i].T)
            one.readout.bias.copy_(self.b_out[i])
        return one


def _sizes(**sizes) -> None:
    """Sizes that fit in memory (``rnn_fixes._check_sizes``: at most about 1e7 weights), before allocating."""
    from .rnn_fixes import _check_sizes
    _check_sizes(**sizes)


def _check_y(model, out, y) -> None:
    """Targets for ``lstm.task_loss``: integer labels in [0, n_out) (softmax) or finite values like ``out``."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a tensor, got {type(y).__name__}")
    _checked.tensor("out", out, min_dim=2, finite=False)
    B, n_out = out.shape[-2], out.shape[-1]
    if model.output == "softmax":
        if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
            raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
        if y.shape not in ((B,), tuple(out.shape[:-1])) or bool(((y < 0) | (y >= n_out)).any()):
            raise ValueError(f"y must hold {B} labels in [0, {n_out}) (B, n_out: out's shape), got shape {tuple(y.shape)}")
    else:
        if not y.dtype.is_floating_point:
            raise TypeError(f"y must be a floating-point target, got dtype {y.dtype}")
        if y.shape not in ((B, n_out), tuple(out.shape)) or not bool(torch.isfinite(y).all()):
            raise ValueError(f"y must be finite, of shape ({B}, {n_out}) like out, got {tuple(y.shape)}")


def _check_model(model) -> None:
    if not isinstance(model, nn.Module) or getattr(model, "output", None) not in ("softmax", "linear") \
            or isinstance(getattr(model, "output", None), bool):
        raise TypeError(f"model must be a vglab recurrent model (RNN, MultiGRU, LSTM, MultiLSTM), "
                        f"got {type(model).__name__}")


def task_loss(model, out, y):
    """The loss summed over the minibatch: cross-entropy or ½‖ŷ − y‖² (as ``srn.loss``).

    Shape () for one network, (M,) when ``out`` carries a leading network axis M.
    """
    _check_model(model), _check_y(model, out, y)
    return _task_loss(model, out, y)


def _task_loss(model, out, y):
    """``task_loss`` without its checks (training loops, whose batches come from ``tasks``)."""
    if model.output == "softmax":
        logp = torch.log_softmax(out, dim=-1)  # (…, B, C)
        return -logp.gather(-1, y.expand(out.shape[:-1]).unsqueeze(-1)).squeeze(-1).sum(dim=-1)
    return 0.5 * ((out - y) ** 2).sum(dim=(-2, -1))


def _clip_per_network(model, clip: float) -> None:
    """Global-norm clipping of each network's own gradient (parameters with a leading axis M)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()  # (M,)
    scale = (clip / (norm + 1e-6)).clamp(max=1.0)  # as torch's clip_grad_norm_
    for g in grads:
        g.mul_(scale.view(-1, *(1,) * (g.ndim - 1)))


def state_gradient_norms(model, x, y) -> dict:
    """Per-step gradient norms (minibatch mean of each sequence's norm), each of shape (T,) or (M, T).

    SRN: ``{"z": ‖∂E/∂z(k)‖, "delta": ‖∂E/∂a(k)‖}``; LSTM, MultiLSTM: ``{"h": ‖∂E/∂h(k)‖, "c": ‖∂E/∂c(k)‖}``;
    ``gru.MultiGRU``: ``{"h": ‖∂E/∂h(k)‖}``.
    These are total derivatives: every path from step k to the loss is included. With M networks
    (``SRN(n_networks=M)``, ``MultiLSTM``) each network's loss is its own; the result is (M, T).
    """
    _checked.model("model", model, (SRN, LSTM, MultiLSTM, MultiGRU), "a vglab SRN, LSTM, MultiLSTM or MultiGRU")
    _checked.tensor("x", x, dims=(3, 4)), _checked.instance("y", y, torch.Tensor, "a torch.Tensor of targets")
    n_in = model.cell.input_size if isinstance(model, LSTM) else model.n_in
    if x.shape[-1] != n_in:
        raise ValueError(f"x must have shape (…, B, T, {n_in}) (the model's n_in last), got {tuple(x.shape)}")
    if isinstance(model, SRN):
        out, a_steps, z_steps = model.unroll(x)
        names, states = ("z", "delta"), (z_steps, a_steps)
    elif isinstance(model, (LSTM, MultiLSTM)):
        out, h_steps, c_steps = model.unroll(x)
        names, states = ("h", "c"), (h_steps, c_steps)
    elif isinstance(model, MultiGRU):
        out, h_steps, _ = model.unroll(x)
        names, states = ("h",), (h_steps,)
    else:
        raise TypeError(f"model must be a vglab SRN, LSTM, MultiLSTM or MultiGRU, got {type(model).__name__}")
    E = task_loss(model, out, y).sum()  # networks are independent: the sum keeps each one's gradient
    grads = torch.autograd.grad(E, [s for group in states for s in group])
    T = len(states[0])
    result = {}
    for j, name in enumerate(names):
        g = torch.stack(grads[j * T:(j + 1) * T], dim=-2)  # (…, B, T, K)
        result[name] = g.norm(dim=-1).mean(dim=-2).detach()  # mean over the minibatch
    return result


def train_on_task(model, task: str, T: int, n_steps: int, *, batch_size: int = 32, lr: float = 1e-2,
                  clip: float | None = 1.0, device=None, generator: torch.Generator | None = None,
                  eval_every: int = 50, n_eval: int = 500, progress_bar: bool = True, desc: str = "training",
                  truncate: int | None = None):
    """Adam on fresh minibatches of ``task`` (length T); returns a History (step, loss, accuracy).

    The loss is the minibatch MEAN here (Adam is scale-free; ``clip`` is a global-norm clip).
    A model of M networks (``SRN(n_networks=M)``, ``MultiLSTM``) trains them side by side on the
    same minibatches, each as if alone (Adam is elementwise; ``clip`` applies to each network's
    own gradient); loss and accuracy are then logged as (M,) tensors.
    Accuracy is ``tasks.score`` on ``n_eval`` held-out sequences every ``eval_every`` steps.
    A NaN/Inf loss stops the run with ``DivergenceError`` (step, loss).
    ``truncate=k``: truncated BPTT, the state detached every k steps (``rnn_fixes.RNN``, ``gru.MultiGRU``,
    ``MultiLSTM``).
    """
    _check_model(model), _args.choice("task", task, tasks.TASKS)  # a NaN model: DivergenceError at step 0
    _args.boolean("progress_bar", progress_bar)
    n_steps, batch_size, n_eval = (integer(k, v, 1, hi) for k, v, hi in (("n_steps", n_steps, None),
                                   ("batch_size", batch_size, 10**5), ("n_eval", n_eval, 10**5)))
    integer("T", T, 1, 10**4)
    lr, eval_every = _args.learning_rate("lr", lr), period("eval_every", eval_every)
    clip = None if clip is None else positive_real("clip", clip)
    kw = {} if truncate is None else {"truncate": integer("truncate", truncate, lo=1)}
    if kw and not getattr(model, "supports_truncation", False):
        raise TypeError(f"truncate needs a vglab.rnn_fixes.RNN, gru.MultiGRU or lstm.MultiLSTM model, got {type(model).__name__}")
    device = _device("device", device) or torch.device("cpu")
    model.to(device)
    dtype = next(model.parameters()).dtype
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    x_ev, y_ev = tasks.make_batch(task, n_eval, T, g, device)
    x_ev = x_ev.to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    with cpu_threads(1, device):  # tiny ops: one thread is faster
        hist = History()
        for step in progress(range(n_steps), desc=desc, enabled=progress_bar):
            x, y = tasks.make_batch(task, batch_size, T, g, device)
            y = y.to(dtype) if y.dtype.is_floating_point else y
            x = x.to(dtype)  # from tasks, valid: skip the SRN's per-step input scan (a host sync)
            out = model._unroll(x, **kw)[0] if isinstance(model, SRN) else model(x, **kw)
            loss = _task_loss(model, out, y) / batch_size  # () or (M,)
            check_finite(loss, step)
            opt.zero_grad()
            loss.sum().backward()
            if clip is not None and getattr(model, "n_networks", None) is not None:
                _clip_per_network(model, clip)
            elif clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            if step % eval_every == 0 or step == n_steps - 1:
                with torch.no_grad():
                    acc = tasks.score(task, model(x_ev), y_ev)
                hist.log(step=step, loss=loss, accuracy=acc)
    return hist


def comparison_models(n_in: int, n_hidden: int, n_out: int, *, forget_biases=(0.0, 1.0),
                      sigma2: float | None = None, n_networks: int | None = None,
                      generator: torch.Generator | None = None) -> dict:
    """An SRN (σ² = 1/K by default: spectral radius ≈ 1) and one LSTM per forget-gate bias.

    Keys: ``"SRN"``, ``"LSTM f-bias 0"``, ``"LSTM f-bias 1"``, … (for notebook 04's comparison).
    ``n_networks=M``: each entry holds M independently drawn networks (``SRN(n_networks=M)``,
    ``MultiLSTM``), for claims made over M seeds.
    """
    if isinstance(forget_biases, (str, bytes)) or not isinstance(forget_biases, (list, tuple)) or not forget_biases:
        raise TypeError(f"forget_biases must be a non-empty list or tuple of numbers, got {_args._kind(forget_biases)}")
    forget_biases = [_args.real("forget_biases", fb, -100, 100) for fb in forget_biases]
    sigma2 = _args.optional(_args.positive_real, "sigma2", sigma2)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    if n_networks is not None:
        int_at_least("n_networks", n_networks)
    _sizes(n_networks=n_networks, n_in=n_in, n_hidden=n_hidden, n_out=n_out)
    models = {"SRN": SRN(n_in, n_hidden, n_out, sigma2=sigma2 or 1 / n_hidden, n_networks=n_networks,
                         generator=gen)}
    for fb in forget_biases:
        models[f"LSTM f-bias {fb:g}"] = (
            LSTM(n_in, n_hidden, n_out, forget_bias=fb, generator=gen) if n_networks is None
            else MultiLSTM(n_networks, n_in, n_hidden, n_out, forget_bias=fb, generator=gen))
    return models


def state_gradient_curves(models: dict, x, y) -> dict:
    """``"<model> ‖∂E/∂<state>‖"`` -> (T,) or (M, T) for every model and state (``state_gradient_norms``),
    on the CPU (the SRN's ‖∂E/∂a‖ is left out: its ‖∂E/∂z‖ is the one comparable with the LSTM's h)."""
    if not _checked.instance("models", models, dict, "a dict of name -> vglab recurrent model"):
        raise ValueError("models is empty: it must hold at least one name -> model")
    for k, m in models.items():
        _checked.model(f"models[{k!r}]", m, (SRN, LSTM, MultiLSTM, MultiGRU), "a vglab SRN, LSTM, MultiLSTM or MultiGRU")
    _checked.tensor("x", x, dims=(3, 4)), _checked.instance("y", y, torch.Tensor, "a torch.Tensor of targets")
    curves = {}
    for name, m in models.items():
        m = m.cpu()
        for key, v in state_gradient_norms(m, x.cpu(), y.cpu()).items():
            if key != "delta":
                curves[f"{name} ‖∂E/∂{key}‖"] = v
    return curves
