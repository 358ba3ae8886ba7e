"""Patent claim 3: ω on every layer of a deep sigmoid stack, several seeds and a control at once.

Claim 3 (SOURCES.md §2) says the method applies to any number of squashing layers. ``train_stacks``
classifies digits with a stack of sigmoid layers, one network per (arm, seed) batched into one
model: no penalty, λ Σ_l ω_l, and a control penalty of matched strength (L2 on the pre-activations).
``stack_factors`` gives the per-layer gradient factor at initialisation, predicted by notebook 03's
eq. (sat-rate) and measured.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import _args, _checked
from . import beta_penalty as bp
from .autoencoder import _run
from .data import digits
from .train import check_finite, progress


class SigmoidStack(nn.Module):
    """x (B, 64) → ``depth`` sigmoid layers of ``width`` units → class logits (B, 10).

    ``init_std=None`` keeps PyTorch's default init; a number draws the W of every sigmoid layer from
    N(0, init_std²/fan_in) with zero biases, while the readout keeps PyTorch's default init.
    """

    @_checked.checked(depth=(_args.size, 1, 1000), width=(_args.size, 1, 4096), n_in=_args.size, n_out=_args.size,
                   init_std=_checked.opt(_args.positive_real))
    def __init__(self, depth: int = 10, width: int = 32, n_in: int = 64, n_out: int = 10, init_std=None):
        super().__init__()
        sizes = [n_in] + [width] * depth
        self.layers = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(width, n_out)
        if init_std is not None:
            for lin in self.layers:
                nn.init.normal_(lin.weight, 0.0, init_std / lin.in_features ** 0.5)
                nn.init.zeros_(lin.bias)


class SigmoidStacks(nn.Module):
    """M independent ``SigmoidStack``s run as one batched model: x (M, B, 64) → logits (M, B, 10).

    Network m keeps its own weights (the m-th slice of every parameter), so the gradient of a sum of
    per-network losses is each network's own gradient: M trainings for the price of about one.
    """

    def __init__(self, nets):
        super().__init__()
        nets = list(_checked.instance("nets", nets, (list, tuple), "a list of SigmoidStack"))
        if not nets or not all(isinstance(n, SigmoidStack) for n in nets) \
                or len({tuple(p.shape for p in n.parameters()) for n in nets}) != 1:
            raise TypeError(f"nets must be a non-empty list of SigmoidStack of one shape, got {nets!r:.80}")
        lins = [list(n.layers) + [n.out] for n in nets]
        self.W = nn.ParameterList(nn.Parameter(torch.stack([ls[k].weight.detach().T for ls in lins]).contiguous())
                                  for k in range(len(lins[0])))  # each (M, fan_in, fan_out)
        self.b = nn.ParameterList(nn.Parameter(torch.stack([ls[k].bias.detach()[None] for ls in lins]))
                                  for k in range(len(lins[0])))  # each (M, 1, fan_out)

    def forward(self, x):
        """Class logits (M, B, 10) and every sigmoid layer's pre-activations a_l (M, B, width)."""
        pre = []
        for W, b in zip(self.W[:-1], self.b[:-1]):
            a = torch.baddbmm(b, x, W)
            pre.append(a)
            x = torch.sigmoid(a)
        return torch.baddbmm(self.b[-1], x, self.W[-1]), pre


ARMS = {"plain": "no penalty", "omega": "λ Σ_l ω_l (claim 3)", "l2": "control: λ_c Σ_l mean a_l², matched"}


@dataclass
class StackConfig:
    """Claim 3 runs: plain SGD (no adaptive step that would hide vanishing gradients).

    One network per (arm, seed), all trained at once. ``arms``: names from ``ARMS``; the ``l2``
    arm's λ_c is matched per seed so that at step 0 its penalty gradient ‖∇_θ λ_c Σ_l L2_l‖ equals
    the ``omega`` arm's ‖∇_θ λ Σ_l ω_l‖ (same weights, same first minibatch).
    """
    depth: int = 10
    width: int = 32
    lam: float = 0.01
    init_std: float | None = 4.0
    steps: int = 1000
    batch: int = 128
    lr: float = 0.5
    seeds: tuple = (0, 1, 2)
    arms: tuple = ("plain", "omega", "l2")
    record_every: int = 100

    def __post_init__(self):
        _args.fields(self, seeds=(lambda n, v: tuple(_args.ints(n, v, 0, 2 ** 63 - 1, unique=True)),),
                     arms=(lambda n, v: tuple(_args.names(n, v, tuple(ARMS))),),
                     depth=(_args.integer, 1), width=(_args.integer, 1), lam=(_args.real, 0),
                     init_std=(lambda n, v: _args.optional(_args.positive_real, n, v),),
                     steps=(_args.integer, 1), batch=(_args.integer, 2), lr=(_args.learning_rate,),
                     record_every=(_args.period,))


def _penalties(pre):
    """Per network (M,): Σ_l ω_l (claim 1, from the logits) and the control Σ_l mean_i Σ_j a_ij²."""
    omega = sum(((1 - F.softplus(-a).mean(1)) ** 2 + (1 - F.softplus(a).mean(1)) ** 2).sum(-1) for a in pre)
    return omega, sum(bp._l2_batched(a) for a in pre)


@_checked.checked(config=(_checked.instance, StackConfig), data=_checked.split, progress_bar=_args.boolean)
def train_stacks(config: StackConfig, *, data=None, device=None, progress_bar: bool = True) -> dict:
    """Classify digits with R′ = cross-entropy R + penalty, one network per (arm, seed) (claim 3).

    Returns {arm: history}; every per-seed record has a leading seed axis: ``grad_norm`` (S, depth)
    = ‖∂R/∂W_l‖ of the cross-entropy R alone (layer 1 = input side), ``train_E`` (S,) the minibatch
    cross-entropy R (notebook 06 calls it R, as §1 there does; the key keeps its old name), ``saturated`` and ``kl`` (S, depth)
    on the test digits, ``test_acc`` (S,); ``lam`` (S,) is each arm's λ (matched for ``l2``).
    """
    return _run(_train_stacks, config, data, device, progress_bar)


def _train_stacks(config, data, device, progress_bar):
    S, A = len(config.seeds), len(config.arms)
    nets = []
    for s in config.seeds:
        torch.manual_seed(s)
        nets.append(SigmoidStack(config.depth, config.width, data.x_train.shape[1], 10, config.init_std))
    model = SigmoidStacks([nets[k % S] for k in range(A * S)]).to(device)  # network m = arm m // S, seed m % S
    opt = torch.optim.SGD(model.parameters(), lr=config.lr)
    gens = [torch.Generator().manual_seed(s) for s in config.seeds]
    arm = torch.tensor([config.arms.index(a) for a in config.arms]).repeat_interleave(S)
    is_omega = torch.tensor([a == "omega" for a in config.arms]).repeat_interleave(S).to(device)
    lam_w = torch.where(is_omega, config.lam, 0.0).double()
    lam_l2 = torch.zeros(A * S, dtype=torch.float64)
    hist, n, nb = {a: defaultdict(list) for a in config.arms}, data.x_train.shape[0], min(config.batch, data.x_train.shape[0])
    weights = list(model.W[:-1])
    for step in progress(range(config.steps + 1), desc=f"{A * S} stacks", enabled=progress_bar):
        idx = torch.stack([torch.randint(n, (nb,), generator=g) for g in gens]).repeat(A, 1).to(device)  # (M, B)
        logits, pre = model(data.x_train[idx])
        E = F.cross_entropy(logits.flatten(0, 1), data.y_train[idx].flatten(), reduction="none").view(A * S, nb).mean(1)
        check_finite(E.sum(), step, "cross-entropy")
        omega, l2 = _penalties(pre)
        if step == 0 and "l2" in config.arms:  # match λ_c: equal penalty-gradient norms at the start
            stack = list(model.W[:-1]) + list(model.b[:-1])  # the penalties reach only these
            gw = torch.autograd.grad(omega.sum(), stack, retain_graph=True)
            gl = torch.autograd.grad(l2.sum(), stack, retain_graph=True)
            nw, nl = (torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in gs)).cpu().double() for gs in (gw, gl))
            lam_l2 = torch.where(arm == config.arms.index("l2"), config.lam * nw / nl, 0.0)
        loss = (E + lam_w.to(E) * omega + lam_l2.to(E) * l2).sum()
        check_finite(loss, step, "E + penalty")
        opt.zero_grad()
        if step % config.record_every == 0 or step == config.steps:
            gE = torch.autograd.grad(E.sum(), weights, retain_graph=True)
            _record_stacks(hist, config, model, data, step, E, torch.stack([g.flatten(1).norm(dim=1) for g in gE], 1),
                           lam_w + lam_l2)
        loss.backward()
        if step < config.steps:
            opt.step()
    return {a: dict(h) for a, h in hist.items()}


@torch.no_grad()
def _record_stacks(hist, config, model, data, step, E, grad_norms, lams):
    S, M = len(config.seeds), grad_norms.shape[0]
    logits, pre = model(data.x_test.expand(M, -1, -1))
    z = torch.sigmoid(torch.stack(pre, 1))  # (M, depth, N, width)
    zz = z.permute(2, 0, 1, 3).reshape(z.shape[2], -1)  # every unit of every network as one column
    kl = bp.kl_to_uniform(*bp.fit_beta(zz.double())).view(M, config.depth, -1).mean(-1)
    sat = ((z < 0.01) | (z > 0.99)).double().mean((2, 3))
    acc = (logits.argmax(-1) == data.y_test).double().mean(1)
    for k, a in enumerate(config.arms):
        sl = slice(k * S, (k + 1) * S)
        for key, v in (("train_E", E), ("grad_norm", grad_norms), ("saturated", sat), ("kl", kl), ("test_acc", acc), ("lam", lams)):
            hist[a][key].append(v[sl].detach().cpu().double())
        hist[a]["step"].append(step)


@_checked.checked(config=(_checked.instance, StackConfig), data=_checked.split)
def stack_factors(config: StackConfig, *, data=None) -> dict:
    """The per-layer gradient factor of each seed's stack at initialisation, predicted and measured.

    Eq. (sat-rate) of notebook 03: backpropagating δ_{l+1} = ∂R/∂a_{l+1} (R: the cross-entropy) through W_{l+1} and σ′(a_l)
    multiplies its norm by about c_l = g_{l+1} √𝔼[σ′(a_l)²], with the gain g = ‖W‖_F/√fan_out
    (4 for N(0, 4²/fan_in) square weights). Returns ``predicted``, ``measured`` = ‖δ_l‖/‖δ_{l+1}‖ and
    ``gain`` = g_{l+1}, each (S, depth − 1) for layers l = 1 … depth − 1, on the test digits (no training:
    no step depends on quick mode).
    """
    if not isinstance(config, StackConfig):
        raise TypeError(f"config must be a StackConfig, got {type(config).__name__}")
    data = data if data is not None else digits(seed=0)
    nets = []
    for s in config.seeds:
        torch.manual_seed(s)
        nets.append(SigmoidStack(config.depth, config.width, data.x_train.shape[1], 10, config.init_std))
    model = SigmoidStacks(nets).double()
    x = data.x_test.cpu().double().expand(len(nets), -1, -1)
    logits, pre = model(x)
    E = F.cross_entropy(logits.flatten(0, 1), data.y_test.cpu().repeat(len(nets)), reduction="sum")
    delta = torch.autograd.grad(E, pre)  # each (S, N, width)
    norms = torch.stack([d.flatten(1).norm(dim=1) for d in delta], 1)  # (S, depth)
    gain = torch.stack([W.detach().flatten(1).norm(dim=1) / W.shape[2] ** 0.5 for W in model.W[1:-1]], 1)
    rms = torch.stack([(torch.sigmoid(a) * torch.sigmoid(-a)).pow(2).mean((1, 2)).sqrt() for a in pre[:-1]], 1)
    return {"predicted": (gain * rms).detach(), "measured": norms[:, :-1] / norms[:, 1:], "gain": gain}
