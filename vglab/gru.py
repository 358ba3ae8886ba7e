"""M independent GRUs in one module (Cho et al. 2014), unrolled step by step so ∂E/∂h(k) can be read.

torch's nn.GRU equations and gate order (r, z, n), row vectors, one step:

    r = σ(u W_ir + b_ir + h W_hr + b_hr)          reset gate
    z = σ(u W_iz + b_iz + h W_hz + b_hz)          update gate
    n = tanh(u W_in + b_in + r ⊙ (h W_hn + b_hn))  candidate
    h' = (1 − z) ⊙ n + z ⊙ h

The last term is a path like the LSTM's cell (a weighted mean of h and n, not the cell's free sum
f ⊙ c + i ⊙ g: z and 1 − z share one gate): along it ∂h'/∂h = diag(z), with no W_rec and
no tanh′, so ‖∂E/∂h(k−h)‖ shrinks about like ∏ z — slowly when z ≈ 1. With all biases 0, z ≈ σ(0) = ½
at init; ``update_bias`` raises z's bias as the LSTM's forget-gate bias does. Weights are uniform in
±1/√K (torch's range), biases 0. ``torch_gru(i)`` gives network i as an nn.GRU (tested equal).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from . import _checked
from ._args import choice, device as check_device, int_at_least, integer, real, torch_dtype

__all__ = ["MultiGRU"]


class MultiGRU(nn.Module):
    """M GRUs with a linear readout of the last h (logits or values); every parameter has a leading M.

    x (B, T, n_in) shared or (M, B, T, n_in) → out (M, B, n_out). ``unroll(x, truncate=k)`` detaches h
    every k steps counted back from the last step (truncated BPTT).
    """

    supports_truncation = True  # unroll/forward take ``truncate=k``

    def __init__(self, n_networks: int, n_in: int, n_hidden: int, n_out: int, *, update_bias: float = 0.0,
                 output: str = "softmax", generator: torch.Generator | None = None, dtype=None, device=None):
        super().__init__()
        M, n_in, K, n_out = (int_at_least(k, v) for k, v in (("n_networks", n_networks), ("n_in", n_in),
                                                              ("n_hidden", n_hidden), ("n_out", n_out)))
        if 3 * M * (n_in * K + K * K + K * n_out) > 10**7:  # a typo, not a model: refuse before allocating
            raise ValueError(f"n_networks, n_in, n_hidden, n_out = {M}, {n_in}, {K}, {n_out} give more than 1e7 weights")
        self.update_bias = real("update_bias", update_bias, -50, 50)  # σ(±50) is already 0 or 1
        self.output = choice("output", output, ("softmax", "linear"))
        _checked.generator("generator", generator)
        dtype = torch.get_default_dtype() if dtype is None else torch_dtype("dtype", dtype)
        device = check_device("device", device)
        self.n_networks, self.n_in, self.n_hidden, self.n_out = M, n_in, K, n_out
        s = 1 / math.sqrt(K)
        gdev = torch.device("cpu") if generator is None else generator.device

        def uniform(*shape):
            w = torch.empty(M, *shape, dtype=dtype, device=gdev).uniform_(-s, s, generator=generator)
            return nn.Parameter(w.cpu())

        self.W_ih, self.W_hh, self.W_out = uniform(n_in, 3 * K), uniform(K, 3 * K), uniform(K, n_out)
        b = torch.zeros(M, 3 * K, dtype=dtype)
        b[:, K:2 * K] = self.update_bias
        self.b_ih, self.b_hh = nn.Parameter(b), nn.Parameter(torch.zeros(M, 3 * K, dtype=dtype))
        self.b_out = nn.Parameter(torch.zeros(M, n_out, dtype=dtype))
        self.to(device)

    def unroll(self, x: torch.Tensor, truncate: int | None = None):
        """``(out, h_steps, z_steps)``: out (M, B, n_out); h(k) in the autograd graph and the update
        gate z(k), lists of T tensors (M, B, K)."""
        M, K = self.n_networks, self.n_hidden
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"x must be a floating-point tensor, got {type(x).__name__}")
        if x.ndim not in (3, 4) or x.shape[-1] != self.n_in or (x.ndim == 4 and x.shape[0] != M) or x.numel() == 0:
            raise ValueError(f"x must have shape (B, T, {self.n_in}) or ({M}, B, T, {self.n_in}), got {tuple(x.shape)}")
        truncate = None if truncate is None else integer("truncate", truncate, lo=1)
        x = x.to(self.W_ih.dtype)
        h = x.new_zeros(M, x.shape[-3], K)
        T = x.shape[-2]
        h_steps, z_steps = [], []
        for k, u in enumerate(x.unbind(dim=-2)):  # explicit loop over time
            if truncate is not None and k > 0 and (T - k) % truncate == 0:
                h = h.detach()
            gi = u @ self.W_ih + self.b_ih[:, None]  # (M, B, 3K)
            gh = h @ self.W_hh + self.b_hh[:, None]
            r = torch.sigmoid(gi[..., :K] + gh[..., :K])
            z = torch.sigmoid(gi[..., K:2 * K] + gh[..., K:2 * K])
            n = torch.tanh(gi[..., 2 * K:] + r * gh[..., 2 * K:])
            h = (1 - z) * n + z * h  # the gate path: ∂h'/∂h ⊇ diag(z)
            h_steps.append(h)
            z_steps.append(z.detach())
        return h @ self.W_out + self.b_out[:, None], h_steps, z_steps

    def forward(self, x: torch.Tensor, truncate: int | None = None) -> torch.Tensor:
        return self.unroll(x, truncate)[0]

    def torch_gru(self, i: int) -> tuple:
        """Network ``i`` as ``(nn.GRU(batch_first=True), nn.Linear)`` holding its weights."""
        i = integer("i", i, lo=0, hi=self.n_networks - 1)
        dt = self.W_ih.dtype
        gru = nn.GRU(self.n_in, self.n_hidden, batch_first=True, dtype=dt)
        lin = nn.Linear(self.n_hidden, self.n_out, dtype=dt)
        with torch.no_grad():
            gru.weight_ih_l0.copy_(self.W_ih[i].T)
            gru.weight_hh_l0.copy_(self.W_hh[i].T)
            gru.bias_ih_l0.copy_(self.b_ih[i])
            gru.bias_hh_l0.copy_(self.b_hh[i])
            lin.weight.copy_(self.W_out[i].T)
            lin.bias.copy_(self.b_out[i])
        return gru, lin
