"""The synthetic long-term-dependency benchmarks (paper section 7, SOURCES.md §1).

After Hochreiter & Schmidhuber 1997 (the LSTM paper) and Pascanu et al. 2013 (SOURCES.md §6).
The canonical form (0-based, half-open ranges, ⌊·⌋ = floor):

* ``"addition"``: x (n, L, 2): channel 0 values ~ U[0, 1), channel 1 two markers at
  p1 ∈ [0, ⌊L/10⌋), p2 ∈ [⌊L/10⌋, ⌊L/2⌋); y (n, 1) = (x[p1] + x[p2]) / 2.
* ``"multiplication"``: the same with y = x[p1] · x[p2].
* ``"temporal_order"``: x (n, T, 6) one-hot, channels A, B, c, d, e, f; A or B at
  p1 ∈ [⌊T/10⌋, ⌊2T/10⌋) and p2 ∈ [⌊4T/10⌋, ⌊5T/10⌋), noise symbols c-f elsewhere;
  y (n,) long = 2·s1 + s2 (AA = 0, AB = 1, BA = 2, BB = 3).
* ``"temporal_order_3bit"``: three symbols in [⌊T/10⌋, ⌊2T/10⌋), [⌊3T/10⌋, ⌊4T/10⌋),
  [⌊6T/10⌋, ⌊7T/10⌋); y = 4·s1 + 2·s2 + s3 (8 classes).

The regressions draw their length L uniformly from {T, …, ⌊11T/10⌋}: one L per
``make_batch`` call, one per sequence in ``make_dataset`` (left-padded with zeros).
Everything is drawn from ``generator`` (a CPU ``torch.Generator`` by default) and only then
moved to ``device``, so a seed gives the same data on every device.

Where the reference code differs (SOURCES.md §6; kept as documented differences, no options):
Pascanu's generators (pascanur/trainingRNNs @5065c63) put the marker on channel 0 and the value
on channel 1 (addition.py L38-47), and label temporal order with the FIRST symbol as the low bit,
y = s1 + 2·s2 (tempOrder.py L61; 3-bit: s1 + 2·s2 + 4·s3, tempOrder3bit.py L41): AB and BA swap
(a permutation of the classes; accuracy is unchanged). Their second temporal-order window is
``variant="lstm"`` (tempOrder.py L57-59, equal to ours when T mod 10 < 5). Sutskever's generator
(barapa/HF-RNN) marks step 0 and T − 3 with −1; the sibling code (achernodub/oplu_adding) draws
values from U[−1, 1).
"""
from __future__ import annotations

import torch

from . import _args, _checked

TASKS = ("addition", "multiplication", "temporal_order", "temporal_order_3bit")
N_IN = {"addition": 2, "multiplication": 2, "temporal_order": 6, "temporal_order_3bit": 6}
N_OUT = {"addition": 1, "multiplication": 1, "temporal_order": 4, "temporal_order_3bit": 8}
CRITERIA = ("lstm", "pascanu", "sibling")
"""Success criteria for the regressions on the lab's [0, 1] targets (SOURCES.md §6):
``"lstm"`` |e| < 0.04 (LSTM paper, the default); ``"pascanu"`` e² ≤ 0.04, i.e. |e| ≤ 0.2
(pascanur/trainingRNNs RNN.py @3f5df3f L289: a trivial predictor already scores 64-77 %);
``"sibling"``: the authors' sibling code (achernodub/oplu_adding @0863d53,
error_success_rate.m L4-7, error_regression.m L3-11) accepts |e| ≤ 0.08 (adding) and |e| ≤ 0.04
(multiplication) on a [−1, 1] target; halved for [0, 1]: |e| ≤ 0.04 (addition), |e| ≤ 0.02
(multiplication). The sibling's multiplication multiplies SIGNED inputs U[−1, 1) — a different
task — so that threshold is a rescaled approximation (it gives a constant predictor the same
16.9 % in both). ``constant_baseline`` gives what a constant predictor scores."""
TOLERANCE = {"lstm": {"addition": (0.04, False), "multiplication": (0.04, False)},
             "pascanu": {"addition": (0.2, True), "multiplication": (0.2, True)},
             "sibling": {"addition": (0.04, True), "multiplication": (0.02, True)}}
"""criterion → task → (τ, closed): correct iff |e| < τ, or |e| ≤ τ when closed ("pascanu" tests e² ≤ τ²)."""
VARIANTS = ("paper", "lstm")
"""Temporal order's second symbol: ``"paper"`` at 40-50 % of T (the sibling code's
get_temporder_problem.m L8-9 and Sutskever's, SOURCES.md §6), ``"lstm"`` at 50-60 % (the LSTM
paper and Pascanu's tempOrder.py @5065c63 L59)."""


def is_classification(task: str) -> bool:
    """True for the temporal-order tasks (softmax output), False for the regressions."""
    _check_task(task)
    return task.startswith("temporal_order")


def n_inputs(task: str) -> int:
    """Input channels of ``task``: 2 or 6."""
    _check_task(task)
    return N_IN[task]


def n_outputs(task: str) -> int:
    """Output units of ``task``: 1 (regression), 4 or 8 classes."""
    _check_task(task)
    return N_OUT[task]


def make_batch(task: str, n: int, T: int, generator=None, device=None, *, variant: str = "paper"):
    """A minibatch ``(x, y)`` of ``task`` with ONE length for all n sequences (SOURCES.md §1).

    x: float (n, L, 2) or (n, T, 6); y: float (n, 1) for the regressions, long (n,) for the
    classifications. L ∈ {T, …, ⌊11T/10⌋} for the regressions, L = T for temporal order.
    """
    _check_args(task, n, T, generator, variant, device)
    if is_classification(task):
        L = T
    else:
        L = int(torch.randint(T, (11 * T) // 10 + 1, (1,), generator=generator, device=_gen_device(generator)))
    lengths = torch.full((n,), L, dtype=torch.long)
    x, y = _fill(task, lengths, L, generator, variant)
    return x.to(device), y.to(device)


def make_dataset(task: str, n: int, T: int, generator=None, device=None, *, variant: str = "paper"):
    """A fixed set ``(x, y, lengths)``: a length per sequence, left-padded with zeros (SOURCES.md §1).

    lengths: long (n,); for the regressions each is uniform in {T, …, ⌊11T/10⌋}, for temporal
    order all are T. x has the longest length; sequence i occupies its last ``lengths[i]`` steps.
    Pass ``lengths`` to ``SRN.forward`` so z is held at 0 on the padded steps.
    """
    _check_args(task, n, T, generator, variant, device)
    if is_classification(task):
        lengths = torch.full((n,), T, dtype=torch.long)
    else:
        lengths = torch.randint(T, (11 * T) // 10 + 1, (n,), generator=generator, device=_gen_device(generator))
    x, y = _fill(task, lengths, int(lengths.max()), generator, variant)
    return x.to(device), y.to(device), lengths.to(device)


def score(task: str, out: torch.Tensor, y: torch.Tensor, *, criterion: str = "lstm"):
    """Fraction correct by the task's success criterion (SOURCES.md §1, §6).

    Classification: argmax of ``out`` (…, B, C) equals y (B,). Regression: the error
    e = out − y (…, B, 1) passes ``criterion`` (see ``CRITERIA``). ``out`` may carry a leading
    network axis M; then the result is a tensor of shape (M,), else a float. A row of ``out``
    holding NaN or Inf counts as wrong (argmax would otherwise pick the NaN).
    """
    _check_task(task)
    _args.choice("criterion", criterion, CRITERIA)
    for name, v in (("out", out), ("y", y)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"score: {name} must be a tensor, got {type(v).__name__}")
    if out.ndim < 2:
        raise ValueError(f"out must have shape (…, B, {N_OUT[task]}), got {tuple(out.shape)}")
    B = out.shape[-2]
    if is_classification(task):
        if out.shape[-1] != N_OUT[task]:
            raise ValueError(f"out must end in {N_OUT[task]} classes for {task!r}, got shape {tuple(out.shape)}")
        if y.dtype.is_floating_point or y.shape != (B,):  # (M, B) would broadcast into M scores per network
            raise ValueError(f"y must hold {B} integer class labels (shape (B,) = ({B},)) for {task!r}, "
                             f"got {y.dtype} of shape {tuple(y.shape)}")
        if bool(((y < 0) | (y >= N_OUT[task])).any()):
            raise ValueError(f"y must hold class labels in [0, {N_OUT[task]}) for {task!r}, "
                             f"got values in [{int(y.min())}, {int(y.max())}]")
        ok = out.argmax(dim=-1) == y  # (…, B)
    else:
        if out.shape[-1] != 1:
            raise ValueError(f"out must have shape (…, B, 1) for {task!r}, got {tuple(out.shape)}")
        if y.shape != (B, 1):  # a leading axis would broadcast
            raise ValueError(f"y must have shape (B, 1) = ({B}, 1) for {task!r}, got {tuple(y.shape)}")
        if not bool(torch.isfinite(y).all()):
            raise ValueError("y contains NaN or Inf")
        e = (out - y)[..., 0]  # (…, B)
        tau, closed = TOLERANCE[criterion][task]
        ok = e**2 <= 0.04 if criterion == "pascanu" else e.abs() <= tau if closed else e.abs() < tau
    ok = ok & torch.isfinite(out).all(dim=-1)  # a NaN/Inf output (a diverged network) is never correct
    frac = ok.double().mean(dim=-1)
    return float(frac) if frac.ndim == 0 else frac


def constant_baseline(task: str, T: int, criterion: str = "lstm", *, n: int = 100_000, generator=None):
    """``(c, score)``: the best constant prediction c and its score under ``criterion``.

    Measured on ``make_dataset(task, n, T, generator)``: regression: c is the centre of the
    window of width 2τ (``TOLERANCE``) holding the most targets; classification: the most frequent
    class. Every table of scores should show it (SOURCES.md §6; on addition the closed forms are
    4τ − 4τ², on multiplication 2τ − 2τ ln 2τ).
    """
    _args.choice("criterion", criterion, CRITERIA)
    _, y, _ = make_dataset(task, n, T, generator)
    if is_classification(task):
        counts = torch.bincount(y, minlength=N_OUT[task])
        c = int(counts.argmax())
        return c, score(task, torch.nn.functional.one_hot(y.new_full(y.shape, c), N_OUT[task]).float(), y)
    tau, closed = TOLERANCE[criterion][task]
    v = y[:, 0].double().sort().values
    ends = torch.searchsorted(v, v + 2 * tau, right=closed)  # the window [v_i, v_i + 2τ] (or open)
    i = int((ends - torch.arange(len(v))).argmax())
    c = float((v[i] + v[ends[i] - 1]) / 2)  # the centre of the points it holds
    return c, score(task, torch.full_like(y, c), y, criterion=criterion)


def symmetric_target(y: torch.Tensor) -> torch.Tensor:
    """Map a [0, 1] regression target to [−1, 1] (2y − 1), as the authors' sibling code does."""
    _checked.tensor("y", y)
    return 2 * y - 1


# ---- internals ------------------------------------------------------------------------------
MAX_STEPS = 10**8
"""The most time steps (n sequences × T) one call may draw: a typo is refused, not allocated."""


def _check_task(task) -> None:
    _args.choice("task", task, TASKS)


def _check_args(task, n, T, generator, variant, device=None) -> None:
    _check_task(task)
    _args.optional(_args.device, "device", device)  # a device this machine has
    for name, v, lo in (("n", n, 1), ("T", T, 10)):
        if not _args.is_int(v):
            raise TypeError(f"{name} must be an int >= {lo}, got {type(v).__name__}")
        if v < lo:
            raise ValueError(f"{name} must be >= {lo}, got {v}")
    if n * T > MAX_STEPS:
        raise ValueError(f"n and T must give at most {MAX_STEPS:.0e} time steps (n × T), got n={n}, T={T}")
    _checked.generator("generator", generator)
    _args.choice("variant", variant, VARIANTS)
    if variant != "paper" and task != "temporal_order":
        raise ValueError(f"variant={variant!r} only changes 'temporal_order', not {task!r}")


def _gen_device(generator) -> torch.device:
    return torch.device("cpu") if generator is None else generator.device


def _uniform_int(lo: torch.Tensor, hi: torch.Tensor, generator) -> torch.Tensor:
    """Elementwise uniform integers in [lo, hi) (per-sequence ranges)."""
    u = torch.rand(lo.shape, generator=generator, dtype=torch.float64, device=_gen_device(generator))
    k = (u * (hi - lo).to(u)).floor().long()
    return lo + torch.minimum(k, hi - lo - 1)


def _fill(task, lengths, L_max, generator, variant):
    """Build x (n, L_max, C), y for sequences of the given lengths, left-padded with zeros."""
    n = lengths.numel()
    dev = _gen_device(generator)
    lengths = lengths.to(dev)
    start = L_max - lengths  # (n,) first real step of each sequence
    rows = torch.arange(n, device=dev)
    if not is_classification(task):
        x = torch.zeros(n, L_max, 2, device=dev)
        values = torch.rand(n, L_max, generator=generator, device=dev)  # (n, L_max)
        p1 = _uniform_int(torch.zeros_like(lengths), lengths // 10, generator)
        p2 = _uniform_int(lengths // 10, lengths // 2, generator)
        v1, v2 = values[rows, start + p1], values[rows, start + p2]
        real = torch.arange(L_max, device=dev)[None, :] >= start[:, None]  # (n, L_max)
        x[..., 0] = values * real
        x[rows, start + p1, 1] = 1.0
        x[rows, start + p2, 1] = 1.0
        y = ((v1 + v2) / 2 if task == "addition" else v1 * v2)[:, None]  # (n, 1)
        return x, y
    T = L_max  # temporal order: every sequence has length T, no padding
    fracs = {"temporal_order": [(1, 2), (4, 5) if variant == "paper" else (5, 6)],
             "temporal_order_3bit": [(1, 2), (3, 4), (6, 7)]}[task]
    symbols = torch.randint(2, 6, (n, T), generator=generator, device=dev)  # noise c-f
    y = torch.zeros(n, dtype=torch.long, device=dev)
    for a, b in fracs:
        lo = torch.full((n,), (a * T) // 10, device=dev)
        hi = torch.full((n,), (b * T) // 10, device=dev)
        p = _uniform_int(lo, hi, generator)
        s = torch.randint(0, 2, (n,), generator=generator, device=dev)  # 0 = A, 1 = B
        symbols[rows, p] = s
        y = 2 * y + s
    x = torch.nn.functional.one_hot(symbols, 6).float()  # (n, T, 6)
    return x, y
