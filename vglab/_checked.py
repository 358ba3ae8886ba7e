"""Argument checks beyond plain numbers, reached as ``vglab._args.<name>`` (``_args`` stays one screen).

Sizes with a ceiling, seeds, lists of numbers, tensors (kind, shape, finite, range; a list or numpy array
converted where the meaning is plain), class labels, models and other instances, rows of a table, a
model's forward pass, and ``checked``: a decorator that applies such rules to a function's arguments
before its body runs, so that a function states what it accepts in one line:

    @_args.checked(model=(_args.model, SigmoidAutoencoder), n=_args.size, seed=_args.seed)
    def sample_uniform(model, n=16, seed=0): ...

A rule is ``check`` or ``(check, *args)``, called as ``check(name, value, *args)``; ``opt(check)`` lets
None through, ``rule(check, **kw)`` passes keyword options. Same conventions as ``_args``: TypeError for a
wrong kind, ValueError for a wrong value, the message naming the argument and what is allowed.
"""
from __future__ import annotations

import numbers

from ._args import integer, is_real, optional, real


def size(name: str, v, lo: int = 1, hi: int = 1 << 16) -> int:
    """A count or a layer size: an int in [lo, hi] (the ceiling keeps a typo such as 10**12 from asking
    for terabytes; pass a lower one for square weights, width × width)."""
    return integer(name, v, lo, hi)


def seed(name: str, v) -> int:
    """A random seed: an int in [0, 2**63 - 1] (what ``torch.Generator.manual_seed`` takes)."""
    return integer(name, v, 0, 2 ** 63 - 1)


def _items(name: str, v, what: str) -> list:
    """One number or a non-empty list, tuple, 1-D array or tensor of them, as a list."""
    if is_real(v):
        return [v]
    if getattr(v, "ndim", None) in (0, 1) and hasattr(v, "tolist"):
        v = v.tolist() if v.ndim == 1 else [v.tolist()]
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"{name} must be {what} or a list of them, got {type(v).__name__} {v!r:.60}")
    if not v:
        raise ValueError(f"{name} must hold at least one value, got {v!r}")
    return list(v)


def reals(name: str, v, lo: float | None = None, hi: float | None = None, **bounds) -> list:
    """A finite real number or a non-empty list/tuple/1-D array of them (each as ``real``), as floats."""
    return [real(f"{name}[{i}]", x, lo, hi, **bounds) for i, x in enumerate(_items(name, v, "a number"))]


def ints(name: str, v, lo: int | None = None, hi: int | None = None, *, unique: bool = False) -> list:
    """An int or a non-empty list/tuple/1-D array of ints in [lo, hi]; ``unique``: no repeats."""
    out = [integer(f"{name}[{i}]", x, lo, hi) for i, x in enumerate(_items(name, v, "an int"))]
    if unique and len(set(out)) < len(out):
        raise ValueError(f"{name} must not repeat a value, got {out}")
    return out


def _to_tensor(name: str, v, floating: bool):
    """A number, or a list, tuple or numpy array of numbers (ints, and floats when ``floating``) as a float64/int64
    tensor; anything else is returned unchanged, for ``tensor`` to refuse."""
    import numpy as np
    import torch
    if not isinstance(v, (list, tuple, np.ndarray, np.generic, numbers.Real)) or isinstance(v, (bool, np.bool_)):
        return v
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError):  # ragged or mixed: not numbers
        return v
    if arr.dtype.kind not in ("fiu" if floating else "iu") or arr.dtype.kind == "b":
        return v
    return torch.as_tensor(arr, dtype=torch.float64 if floating else torch.int64)


def tensor(name: str, v, *, dims=None, floating: bool = True, finite: bool = True, lo=None, hi=None,
           convert: bool = False, min_len: int = 1, dtype=None):
    """A non-empty ``torch.Tensor`` argument: floating point (``floating=False``: an integer tensor),
    ``dims`` dimensions (an int or a tuple of allowed ones), at least ``min_len`` entries along the first,
    no NaN/Inf (``finite``), values in [lo, hi], of ``dtype`` if given (a model's: float32 into a float64
    model is refused here, not deep in torch). ``convert``: a list or numpy array of numbers is taken as
    a float64 (int64) tensor. TypeError for another kind, ValueError for a wrong shape or value."""
    import torch
    kind = "floating-point" if floating else "integer"
    if convert:
        v = _to_tensor(name, v, floating)
    if not isinstance(v, torch.Tensor) or v.is_complex() or v.dtype == torch.bool or v.is_floating_point() != floating:
        got = f"a {v.dtype} tensor" if isinstance(v, torch.Tensor) else f"{type(v).__name__} {v!r:.60}"
        raise TypeError(f"{name} must be a {kind} torch.Tensor{' (or a list of numbers)' if convert else ''}, got {got}")
    dims = (dims,) if isinstance(dims, int) else dims
    if dims is not None and v.dim() not in dims:
        raise ValueError(f"{name} must have {' or '.join(map(str, dims))} dimensions, got shape {tuple(v.shape)}")
    if v.numel() == 0 or (v.dim() and v.shape[0] < min_len):
        raise ValueError(f"{name} must be non-empty (>= {min_len} along dimension 0), got shape {tuple(v.shape)}")
    if dtype is not None and v.dtype != dtype:
        raise TypeError(f"{name} must be {dtype} (the dtype it meets), got {v.dtype}")
    if finite and floating and not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} holds NaN or Inf")
    if (lo is not None and bool((v < lo).any())) or (hi is not None and bool((v > hi).any())):
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got values in [{float(v.min()):.3g}, {float(v.max()):.3g}]")
    return v


def labels(name: str, v, n: int | None = None, n_classes: int | None = None):
    """Class labels: a 1-D integer tensor (a list or array of ints is converted) of ``n`` entries, each
    in [0, n_classes)."""
    t = tensor(name, v, dims=1, floating=False, convert=True)
    if n is not None and len(t) != n:
        raise ValueError(f"{name} must hold one label per example ({n}), got {len(t)}")
    if n_classes is not None and bool(((t < 0) | (t >= n_classes)).any()):
        raise ValueError(f"{name} must hold class labels in [0, {n_classes}), got {int(t.min())}..{int(t.max())}")
    return t


def instance(name: str, v, cls, what: str | None = None):
    """``v`` must be a ``cls`` (a class or a tuple of them); TypeError naming ``what`` otherwise."""
    if not isinstance(v, cls):
        what = what or " or ".join(f"a {c.__module__}.{c.__qualname__}" for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise TypeError(f"{name} must be {what}, got {type(v).__name__} {v!r:.60}")
    return v


def model(name: str, v, cls=None):
    """A torch ``nn.Module`` (or a subclass ``cls``) whose parameters are finite: a NaN network is
    refused, not measured as if healthy."""
    import torch
    instance(name, v, cls or torch.nn.Module, None if cls else "a torch nn.Module")
    if not all(bool(torch.isfinite(p).all()) for p in v.parameters()):
        raise ValueError(f"{name} has NaN or Inf parameters (a diverged network)")
    return v


def split(name: str, v):
    """The digits (or any) ``vglab.data.Split``; None stays None (the caller's default data)."""
    from .data import Split
    return None if v is None else instance(name, v, Split, "a vglab.data.Split (e.g. vglab.data.digits())")


def forward(model_, x, name: str = "x"):
    """``model_(x)``, a shape/dtype/device mismatch deep in torch reported as a ValueError naming ``name``."""
    try:
        return model_(x)
    except RuntimeError as e:
        raise ValueError(f"{name} of shape {tuple(x.shape)} ({x.dtype}, {x.device}) does not fit the model: {e}") from e


def checked(**rules):
    """Decorator: every argument named in ``rules`` that the caller passes goes through its rule before
    the body runs -- ``check`` or ``(check, *args)``, called as ``check(name, value, *args)``, the value
    it returns replacing the argument (defaults are not re-checked). ``inspect.getsource`` of the result
    shows the function with its rules."""
    import functools
    import inspect

    def deco(fn):
        sig = inspect.signature(fn)
        if set(rules) - set(sig.parameters):
            raise TypeError(f"checked: {fn.__qualname__} has no argument {sorted(set(rules) - set(sig.parameters))}")
        spec = {n: r if isinstance(r, tuple) else (r,) for n, r in rules.items()}

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return fn(*args, **kwargs)  # Python's own message for a missing or unknown argument
            for n in spec.keys() & bound.arguments.keys():
                check, *extra = spec[n]
                bound.arguments[n] = check(n, bound.arguments[n], *extra)
            return fn(*bound.args, **bound.kwargs)
        return wrapper
    return deco


def opt(check, *args):
    """A rule for ``checked``/``fields`` that lets None through: ``opt(size)``, ``opt(real, 0)``."""
    return lambda name, v: optional(check, name, v, *args)


def rule(check, *args, **kw):
    """A rule for ``checked``/``fields`` with keyword options: ``rule(tensor, dims=2, lo=0, hi=1)``."""
    return lambda name, v: check(name, v, *args, **kw)


def records(name: str, v, keys=(), what: str = "rows") -> list:
    """A list or tuple of dicts, each holding ``keys`` (the rows a table or plot is drawn from)."""
    if not isinstance(v, (list, tuple)) or not all(isinstance(r, dict) and all(k in r for k in keys) for r in v):
        raise TypeError(f"{name} must be a list of {what} (dicts with {tuple(keys)}), got {type(v).__name__} {v!r:.80}")
    return list(v)
