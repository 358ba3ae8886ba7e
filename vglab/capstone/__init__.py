"""Which fix when: every remedy of the lab run side by side on two shared testbeds (notebook 08).

No new maths here -- only orchestration of the modules that teach each remedy:

* deep MLP (``deep_mlp``, ``saturation``): 20 blocks of width 64 on scikit-learn's digits, one
  training loop for all (momentum SGD, as notebook 03); remedies change the activation (ReLU, PReLU),
  the init (Xavier, Kaiming), add residual paths, or add the patent's λ Σ_l ω_l (claim 3,
  ``beta_penalty.beta_penalty_from_logits`` on every sigmoid layer, as ``beta_stack.train_stacks``).
  Gradient flow: ‖∂L/∂a_1‖ / ‖∂L/∂a_L‖ from ``saturation.probe`` (within 10× is healthy,
  ``saturation.RULES_OF_THUMB["grad_ratio"]``).
* SRN on temporal order (``srn``, ``ds_train``, ``lstm``): plain SGD, clipping, Pascanu's Ω and dS
  sampling in the paper's regime (``ds_train.train``, the same M initial networks and minibatches);
  the LSTM (forget-gate bias 0 and 1) in notebook 04's regime (``lstm.train_on_task``: Adam, clip 1),
  with the SAME initial SRNs trained in that regime as the control. The changed recurrent nets (``_recurrent``):
  orthogonal W_rec and the IRNN in the paper's regime, the GRU and the LayerNorm-SRN in the Adam one.
  Gradient flow: the Q-factor, eq. (25) (``bptt.q_factor``, h = T − 1; for the LSTM the same
  log-ratio of ‖∂E/∂c‖, its cell path; for the GRU of ‖∂E/∂h‖, its state).

Every run returns rows (plain dicts, JSON-ready): score, gradient flow at init and after training,
% saturated (``saturation.saturated``, eq. sat-def), wall time and device; ``add_verdicts`` compares
each remedy with its baseline and says plainly when it did not help (``capstone.report``: verdicts,
the summary table and the rules of thumb, all importable from here).
"""
from __future__ import annotations

import copy
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from .. import _args, _checked, ds_sampling, ds_train, lstm, saturation, srn, tasks
from .._args import device as _device, int_at_least
from ..beta_penalty import beta_penalty_from_logits
from . import _recurrent
from .report import (MARGIN, MLP, add_verdicts, format_table, healthy_flow, long_run_summary,  # noqa: F401
                              rules_of_thumb)
from ._omega import omega_share  # noqa: F401
from ..data import Split, digits
from ..deep_mlp import accuracy as _accuracy, build_mlp
from ..runtime import cpu_threads, describe
from ..train import check_finite, progress

SRN = "SRN"
TASK = "temporal_order"

# name: (build_mlp keyword arguments, λ of the Beta penalty, colour key in plots.style, baseline)
# "Xavier ×4": the usual 4× the tanh scale for sigmoid units (Bengio 2012, "Practical recommendations...";
# the deeplearning.net MLP tutorial; attributed to Glorot & Bengio 2010); on square layers it is
# N(0, 4²/fan-in), notebook 06 §7's init. N(0, 8²/fan-in) starts with many units saturated (eq. sat-def),
# the case the Beta penalty (patent claim 3) is for; each penalty row's baseline is its own init without it.
SIG4, SIG8 = dict(activation="sigmoid", init="xavier", gain=4.0), dict(activation="sigmoid", init="normal", gain=8.0)
MLP_REMEDIES = {
    "plain (sigmoid)": (dict(activation="sigmoid"), 0.0, "plain", None),
    "ReLU": (dict(activation="relu"), 0.0, "relu", "plain (sigmoid)"),
    "PReLU": (dict(activation="prelu"), 0.0, "prelu", "plain (sigmoid)"),
    "Xavier ×4 (sigmoid)": (SIG4, 0.0, "xavier", "plain (sigmoid)"),
    "tanh + Xavier": (dict(activation="tanh", init="xavier"), 0.0, "tanh", "plain (sigmoid)"),
    "ReLU + Kaiming": (dict(activation="relu", init="kaiming"), 0.0, "kaiming", "plain (sigmoid)"),
    "residual (sigmoid)": (dict(activation="sigmoid", residual=True), 0.0, "residual", "plain (sigmoid)"),
    "Xavier ×4 + Beta penalty": (SIG4, 0.01, "beta", "Xavier ×4 (sigmoid)"),
    "sigmoid gain 8 (saturating)": (SIG8, 0.0, "sigmoid", "plain (sigmoid)"),
    "gain 8 + Beta penalty": (SIG8, 0.01, "beta", "sigmoid gain 8 (saturating)"),
    # the plain sigmoid net with nn.BatchNorm1d / nn.LayerNorm before every activation
    # (deep_mlp.build_mlp(norm=...), Ioffe & Szegedy 2015; Ba, Kiros & Hinton 2016)
    "BatchNorm (sigmoid)": (dict(activation="sigmoid", norm="batch"), 0.0, "batchnorm", "plain (sigmoid)"),
    "LayerNorm (sigmoid)": (dict(activation="sigmoid", norm="layer"), 0.0, "layernorm", "plain (sigmoid)"),
}
PAPER_REGIME = "momentum SGD, lr 1e-5, minibatch 10 (paper §8), summed loss (the lab's reading, SOURCES.md §1.6)"
ADAM_REGIME = "Adam lr 1e-2, clip 1, minibatch 32 (notebook 04)"
# name: (how it is trained, colour key, baseline)
SRN_REMEDIES = {
    "plain SGD": ("plain", "plain", None),
    "clipping": ("clipping", "clipping", "plain SGD"),
    "Pascanu's Ω": ("pascanu", "pascanu", "plain SGD"),
    "dS sampling": ("ds", "ds", "plain SGD"),
    # capstone._recurrent: W_rec orthogonal / identity with ReLU, the same W_in, b, W_out
    "orthogonal W_rec": ("orthogonal", "orthogonal", "plain SGD"),
    "IRNN (ReLU + identity W_rec)": ("irnn", "irnn", "plain SGD"),
    "SRN + Adam (control)": ("adam", "Adam", None),  # the Adam regime's own baseline
    "LSTM f-bias 0": ("lstm0", "lstm", "SRN + Adam (control)"),
    "LSTM f-bias 1": ("lstm1", "lstm", "SRN + Adam (control)"),
    "GRU": ("gru", "gru", "SRN + Adam (control)"),  # gated, as the LSTM
    "LayerNorm-SRN": ("lnsrn", "lnsrn", "SRN + Adam (control)"),  # the control's SRNs + LN
}

# Rows whose update does exactly the work of their baseline's (only the initial weights or the
# activation differ): their cost ratio measures implementation overhead and timing noise, not the remedy.
SAME_WORK = frozenset({"ReLU", "PReLU", "Xavier ×4 (sigmoid)", "tanh + Xavier", "ReLU + Kaiming",
                       "sigmoid gain 8 (saturating)", "orthogonal W_rec", "IRNN (ReLU + identity W_rec)"})

def _row(testbed, remedy, colour, baseline, regime, accs, chance, flow_name, flow_init, flow, sat, dead,
         sec_per_update, device, sat_init=None) -> dict:
    """One row: ``scores`` per network or seed (``score`` their mean, ``score_min``/``score_best``),
    ``sec_per_update`` measured (``cost`` = that over the baseline row's, filled by ``add_verdicts``)."""
    return {"testbed": testbed, "remedy": remedy, "colour": colour, "baseline": baseline, "regime": regime,
            "score": sum(accs) / len(accs), "score_min": min(accs), "score_best": max(accs), "scores": list(accs),
            "n": len(accs), "chance": chance, "flow_name": flow_name, "flow_init": flow_init, "flow": flow,
            "pct_saturated_init": sat_init, "pct_saturated": sat, "pct_dead": dead,
            "sec_per_update": sec_per_update, "cost": None, "device": describe(device), "verdict": ""}


def _pick(names, table, what):
    """``remedies``: None (all of ``table``), a list/tuple of names, or one str (comma-separated)."""
    names = list(table) if names is None else [n.strip() for n in names.split(",")] if isinstance(names, str) else names
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"remedies must be a non-empty list of {what} from {list(table)}, got {_args._kind(names)}")
    unknown = [n for n in names if n not in table]
    if unknown:
        raise ValueError(f"unknown {what} {unknown} in remedies; choose from {list(table)}")
    return list(names)


# ---- testbed 1: the deep MLP on the digits ----------------------------------------------------
def train_mlp(model: nn.Module, data, *, steps: int = 600, lr: float = 0.01, momentum: float = 0.9,
              batch_size: int = 64, lam: float = 0.0, seed: int = 0, device=None, progress_bar: bool = True,
              desc: str = "training") -> nn.Module:
    """Momentum SGD on cross-entropy + λ Σ_l ω_l (patent claims 1 and 3; ω from every sigmoid's
    pre-activations). With λ = 0 this is ``deep_mlp.train_digits``' step, with the same minibatches."""
    _checked.instance("model", model, nn.Module, "a torch.nn.Module"), _checked.instance("data", data, Split, "a vglab.data.Split")
    steps, seed = _args.integer("steps", steps, lo=1), _args.seed("seed", seed)
    batch_size = _args.integer("batch_size", batch_size, 1, 100_000)  # drawn with replacement
    lr, lam, momentum = _args.learning_rate("lr", lr), _args.real("lam", lam, 0), _args.fraction("momentum", momentum)
    _args.boolean("progress_bar", progress_bar)
    device = _device("device", device) or data.x_train.device
    d, g = data.to(device), torch.Generator().manual_seed(seed)
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    pre = []  # the sigmoid layers' pre-activations a_l (B, width) of the current step
    hooks = [m.register_forward_hook(lambda _m, inp, _out: pre.append(inp[0]))
             for m in model.modules() if isinstance(m, nn.Sigmoid)] if lam > 0 else []
    try:
        with cpu_threads(1, device):
            for step in progress(range(steps), desc=desc, enabled=progress_bar):
                idx = torch.randint(len(d.x_train), (batch_size,), generator=g).to(device)
                pre.clear()
                loss = F.cross_entropy(model(d.x_train[idx]), d.y_train[idx])
                if lam > 0:
                    loss = loss + lam * sum(beta_penalty_from_logits(a) for a in pre)
                check_finite(loss, step)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    finally:
        for h in hooks:
            h.remove()
    return model


def mlp_measures(model: nn.Module, x, y) -> dict:
    """One probe (``saturation.probe``): gradient ratio layer 1 / last, mean % saturated and % dead."""
    _checked.model("model", model), _checked.tensor("x", x, dims=2), _checked.tensor("y", y, dims=1, floating=False)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold the same number of examples, got {len(x)} and {len(y)}")
    p = saturation.probe(model, x, y)
    return {"flow": float(p.grad_a[0] / p.grad_a[-1]), "pct_saturated": float(p.pct_saturated.mean()),
            "pct_dead": float(p.pct_dead.mean())}


def run_mlp(remedies=None, *, depth: int = 20, width: int = 64, steps: int = 600, lr: float = 0.01,
            seeds=(0, 1, 2, 3, 4), data=None, device=None, progress_bar: bool = True) -> list[dict]:
    """One row per remedy of ``MLP_REMEDIES``: every seed builds the net from that seed (``build_mlp``)
    and trains it on the same minibatches; score = test accuracy of the last weights (per seed; the row
    keeps all, their mean, min and max). ``sec_per_update``: training wall time per step (mean over seeds)."""
    names = _pick(remedies, MLP_REMEDIES, "MLP remedies")
    int_at_least("depth", depth, 2), int_at_least("width", width), int_at_least("steps", steps)
    _args.learning_rate("lr", lr), _args.boolean("progress_bar", progress_bar)
    seeds = tuple(seeds) if isinstance(seeds, (tuple, list)) else seeds
    if not isinstance(seeds, tuple) or not seeds or not all(_args.is_int(s) for s in seeds) \
            or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty tuple of distinct ints, got {seeds!r}")
    data = data if data is not None else digits(standardize=True)
    device = _device("device", device) or torch.device("cpu")
    xt, yt = data.x_test.to(device), data.y_test.to(device)
    train_mlp(build_mlp(2, 8, device=device), data, steps=2, device=device,
              progress_bar=False)  # warm-up, untimed
    rows = []
    with cpu_threads(1, device):  # small nets: one thread (runtime.cpu_threads)
        for name in names:
            kw, lam, colour, base = MLP_REMEDIES[name]
            accs, init, end, wall = [], [], [], 0.0
            for s in seeds:
                model = build_mlp(depth, width, seed=s, device=device, **kw)
                init.append(mlp_measures(model, xt, yt))
                t0 = time.perf_counter()
                train_mlp(model, data, steps=steps, lr=lr, lam=lam, seed=s, device=device,
                          progress_bar=progress_bar, desc=name)
                wall += time.perf_counter() - t0
                accs.append(_accuracy(model, xt, yt))  # before the probe, whose forward pass (train mode)
                end.append(mlp_measures(model, xt, yt))  # would move a BatchNorm's running statistics
            mean = lambda ms, k: sum(m[k] for m in ms) / len(ms)  # noqa: E731
            geo = lambda ms: 10 ** (  # noqa: E731
                sum(math.log10(max(m["flow"], 1e-300)) for m in ms) / len(ms))
            regime = f"momentum SGD lr {lr:g}, {steps} steps" + (f", λ = {lam:g}" if lam else "")
            rows.append(_row(MLP, name, colour, base, regime, accs, 0.1, "grad ratio layer 1 / last",
                             geo(init), geo(end), mean(end, "pct_saturated"), mean(end, "pct_dead"),
                             wall / (steps * len(seeds)), device, sat_init=mean(init, "pct_saturated")))
    return add_verdicts(rows)


# ---- testbed 2: the SRN on temporal order -----------------------------------------------------
def srn_measures(model, x, y) -> dict:
    """Q (eq. 25, h = T − 1; mean over networks) and % of tanh units saturated (sat-def), on a float64
    CPU copy (MPS has no float64; 100 sequences are cheap anywhere)."""
    _checked.model("model", model, (srn.SRN, lstm.LSTM, _recurrent.MultiGRU), "a vglab SRN, rnn_fixes.RNN, LSTM or MultiGRU")
    _checked.tensor("x", x, dims=3), _checked.instance("y", y, torch.Tensor, "a torch.Tensor of targets")
    if isinstance(model, _recurrent.MultiGRU):
        return _recurrent.gru_measures(model, x, y)
    m = copy.deepcopy(model).cpu().double()
    x, y = x.cpu().double(), y.cpu()
    if isinstance(m, lstm.LSTM):
        c = lstm.state_gradient_norms(m, x, y)["c"]  # (T,): total ‖∂E/∂c(k)‖, all paths
        with torch.no_grad():
            _, _, c_steps = m.unroll(x)
        sat = saturation.saturated("tanh", torch.stack(c_steps))  # h = o ⊙ tanh(c)
        return {"flow": float(torch.log10(c[-1] / c[0])), "pct_saturated": 100 * float(sat.double().mean())}
    with torch.no_grad():
        _, a, _ = m(x, return_states=True)
    return {"flow": _recurrent.q_flow(m, x, y), "pct_saturated": _recurrent.saturated_pct(m, a)}


def run_srn(remedies=None, *, T: int = 20, n_networks: int = 10, updates: int = 600, adam_steps: int = 200,
            n_train: int = 2000, n_val: int = 200, n_test: int = 500, n_probe: int = 100, seed: int = 0,
            cost_repeats: int = 20, device=None, progress_bar: bool = True) -> list[dict]:
    """One row per remedy of ``SRN_REMEDIES`` on temporal order of length T (K = 100, σ² = 0.01).

    The paper-regime rows train copies of the same M initial SRNs, batched (``ds_train.train``,
    ``updates`` minibatches); the Adam rows train those same SRNs (control) and M LSTMs drawn from one
    seed (``lstm.MultiLSTM``), batched (``lstm.train_on_task``, ``adam_steps``, the same minibatches for
    all). Score = accuracy of the last weights on the same ``n_test`` test sequences, per network.
    ``sec_per_update``: paper-regime rows time ``cost_repeats`` updates that compute only what the
    method needs (``paper_update_seconds``; ``ds_train.train`` computes the dS sweep for every method
    because it records Q and dS); Adam rows: training wall time per step.
    """
    names = _pick(remedies, SRN_REMEDIES, "SRN remedies")
    for k, v in (("T", T), ("n_networks", n_networks), ("updates", updates), ("adam_steps", adam_steps),
                 ("cost_repeats", cost_repeats)):
        int_at_least(k, v, 10 if k == "T" else 1)
    for k, v, lo in (("n_train", n_train, ds_train.Config.batch_size), ("n_val", n_val, 1), ("n_test", n_test, 1),
                     ("n_probe", n_probe, 1)):
        _args.integer(k, v, lo=lo)
    _args.seed("seed", seed)
    _args.boolean("progress_bar", progress_bar)
    device = _device("device", device) or torch.device("cpu")
    data = ds_train.make_data(TASK, T, n_train, n_val, n_test, seed=seed, device=device)
    init = srn.SRN(tasks.n_inputs(TASK), 100, tasks.n_outputs(TASK), sigma2=0.01, n_networks=n_networks,
                   generator=torch.Generator().manual_seed(seed + 1))
    xp, yp = data.test.x[:n_probe], data.test.y[:n_probe]
    with cpu_threads(1, device):  # small recurrent nets: one thread (runtime.cpu_threads)
        rows = [_srn_row(name, data, init, xp, yp, T, n_networks, updates, adam_steps, seed, cost_repeats,
                         device, progress_bar) for name in names]
    return add_verdicts(rows)


def _per_network(model):
    """The single networks of a batched model (an M-network SRN or a MultiLSTM)."""
    return [model.network(i) for i in range(model.n_networks)] if isinstance(model, lstm.MultiLSTM) else [model]


def _srn_row(name, data, init, xp, yp, T, n_networks, updates, adam_steps, seed, cost_repeats, device,
             progress_bar):
    """One remedy: measure at init, train, measure again, score the last weights on the test set."""
    how, colour, base = SRN_REMEDIES[name]
    net = _recurrent.build(how, init, TASK, n_networks, seed, device)
    net0 = copy.deepcopy(net)
    measure = lambda: [srn_measures(m, xp, yp) for m in _per_network(net)]  # noqa: E731
    avg = lambda v: None if None in v else sum(v) / len(v)  # noqa: E731
    start = measure()
    meth = _recurrent.method(how)
    if meth is not None:
        ds_train.train(net, data, meth, updates, seed=seed, device=device, progress_bar=progress_bar, desc=name)
        sec = paper_update_seconds(net0, data, meth, repeats=cost_repeats, seed=seed, device=device)
        regime = f"{PAPER_REGIME}, {updates} updates"
    else:
        t0 = time.perf_counter()
        lstm.train_on_task(net, TASK, T, adam_steps, device=device, eval_every=adam_steps, n_eval=10,
                           generator=torch.Generator().manual_seed(seed + 3), progress_bar=progress_bar, desc=name)
        sec = (time.perf_counter() - t0) / adam_steps
        regime = f"{ADAM_REGIME}, {adam_steps} steps"
    ends = measure()
    with torch.no_grad():
        accs = torch.as_tensor(tasks.score(TASK, net(data.test.x), data.test.y)).reshape(-1).tolist()
    return _row(f"{SRN} T={T}", name, colour, base, regime, accs, 0.25, "Q over h = T−1 steps",
                avg([m["flow"] for m in start]), avg([e["flow"] for e in ends]), avg([e["pct_saturated"] for e in ends]),
                None, sec, device, sat_init=avg([m["pct_saturated"] for m in start]))


def paper_update_seconds(model, data, method: str, *, repeats: int = 20, seed: int = 0, device=None) -> float:
    """Median wall time of one paper-regime update of ``method`` (``ds_train.METHODS``) computing only
    what it needs: forward/backward (with Ω for "pascanu"), clipping for "clipping"/"pascanu", the dS
    sweep and the accept rule for "ds", then the momentum step. A copy of ``model`` is trained;
    ``_paper_updates`` is the same step, returning the trained copy (a test checks it equals
    ``ds_train.train``)."""
    _args.choice("method", method, ds_train.METHODS)
    int_at_least("repeats", repeats)
    times, _ = _paper_updates(copy.deepcopy(model), data, method, repeats + 1, seed=seed, device=device)
    times = sorted(times[1:])  # the first update warms up
    return times[len(times) // 2]


def _paper_updates(model, data, method, n, *, seed=0, device=None, cfg=None):
    """``n`` updates of ``ds_train.train``'s loop without its records (times per update, model)."""
    cfg = cfg or ds_train.Config()
    device = _device("device", device) or model.W_rec.device
    model.to(device)
    params = list(model.parameters())
    i_rec = [k for k, _ in model.named_parameters()].index("W_rec")
    vel, times = [torch.zeros_like(p) for p in params], []
    stream = ds_train._Batches(ds_train._to(data, device).train, cfg.batch_size, seed)
    for _ in range(n):
        x, y, lengths = stream.next()
        t0 = time.perf_counter()
        E, grads, a, delta_k = ds_train._forward_backward(model, x, y, lengths, cfg, method)
        new_vel = [cfg.momentum * v - cfg.lr * g for v, g in zip(vel, grads)]
        if method.startswith("ds"):
            h = cfg.h if cfg.h is not None else data.T - 1
            # the unchecked twins ds_train.train calls every update (its arguments are checked at entry)
            sw = ds_sampling._sweep_q_ds(model.W_rec, a, delta_k, new_vel[i_rec], h, model.f_prime)
            ok = ds_sampling._accept(torch.as_tensor(sw.q), torch.as_tensor(sw.ds), cfg.q_min, cfg.q_max, cfg.ds_max,
                                     "as_printed" if method == "ds_as_printed" else "corrected")
        else:
            ok = torch.ones(() if model.n_networks is None else (model.n_networks,), dtype=torch.bool)
        with torch.no_grad():
            for p, v, nv in zip(params, vel, new_vel):
                m = ok.to(p.device).reshape(ok.shape + (1,) * (p.ndim - ok.ndim))
                p.add_(torch.where(m, nv, torch.zeros_like(nv)))
                v.copy_(torch.where(m, nv, v))
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    return times, model
