"""Argument checks for tensors, models, containers and whole functions; numbers, names, paths and CLI
arguments are in ``vglab._args``, which this module builds on. Import each check from where it lives.

Tensors (kind, dimensions, shape, dtype, finite, range; a list or numpy array converted where the meaning
is plain), class labels, models (any ``nn.Module``; ``srn_model`` for the paper's SRN) and other
instances, rows and records, a model's forward pass, and ``checked``: a decorator that applies such rules
to a function's arguments before its body runs, so that a function states what it accepts in one line:

    @_checked.checked(model=(_checked.model, SigmoidAutoencoder), n=_args.size, seed=_args.seed)
    def sample_uniform(model, n=16, seed=0): ...

A rule is ``check`` or ``(check, *args)``, called as ``check(name, value, *args)``; ``opt(check)`` lets
None through, ``rule(check, **kw)`` passes keyword options. Same conventions as ``_args``: TypeError for a
wrong kind, ValueError for a wrong value, the message naming the argument and what is allowed.
"""
from __future__ import annotations

import numbers

from ._args import _kind, choice, is_int, optional


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


def tensor(name: str, v, *, dims=None, min_dim: int = 0, shape=None, floating: bool = True, dtypes=None,
           finite: bool = True, lo=None, hi=None, convert: bool = False, min_len: int = 1, dtype=None):
    """A non-empty ``torch.Tensor`` argument: floating point (``floating=False``: integer, e.g. class labels),
    ``dims`` dimensions (an int or a tuple of allowed ones) or at least ``min_dim``, ``shape`` (a tuple whose
    ``None`` entries match any size), at least ``min_len`` entries along the first dimension, a dtype among
    ``dtypes`` (names) or exactly ``dtype`` (a model's: float32 into a float64 model is refused here, not
    deep in torch), no NaN/Inf (``finite``; one host sync: check at entry points, never per step), values
    in [lo, hi]. ``convert``: a list or numpy array of numbers is taken as a float64 (int64) tensor.
    TypeError for another kind or dtype, ValueError for a wrong size, shape or value."""
    import torch
    kind = "floating-point" if floating else "integer"
    if convert:
        v = _to_tensor(name, v, floating)
    if not isinstance(v, torch.Tensor) or v.is_complex() or v.dtype == torch.bool or v.is_floating_point() != floating \
            or dtypes is not None and str(v.dtype).removeprefix("torch.") not in dtypes:
        only = f" ({'/'.join(dtypes)})" if dtypes is not None else ""
        raise TypeError(f"{name} must be a {kind} torch.Tensor{only}{' (or a list of numbers)' if convert else ''}, "
                        f"got {_kind(v)}")
    dims = (dims,) if isinstance(dims, int) else dims
    if v.numel() == 0 or v.dim() < min_dim:
        raise ValueError(f"{name} must be a non-empty tensor{f' with >= {min_dim} dimensions' if min_dim else ''}, "
                         f"got shape {tuple(v.shape)}")
    if dims is not None and v.dim() not in dims:
        raise ValueError(f"{name} must have {' or '.join(map(str, dims))} dimensions, got shape {tuple(v.shape)}")
    if shape is not None and (v.dim() != len(shape) or any(s is not None and s != t for s, t in zip(shape, v.shape))):
        want = "(" + ", ".join("…" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {tuple(v.shape)}")
    if v.dim() and v.shape[0] < min_len:
        raise ValueError(f"{name} must hold >= {min_len} entries along dimension 0, got shape {tuple(v.shape)}")
    if dtype is not None and v.dtype != dtype:
        raise TypeError(f"{name} must be {dtype} (the dtype it meets), got {v.dtype}")
    if finite and floating and not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} holds NaN or Inf")
    if (lo is not None and bool((v < lo).any())) or (hi is not None and bool((v > hi).any())):
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got values in [{float(v.min()):.3g}, {float(v.max()):.3g}]")
    return v


def checked_tensors(fn, names, nonfinite=()):
    """``fn`` (a method) with its arguments among ``names`` checked by ``tensor`` first (floating point, at least
    1-D; NaN/Inf refused except in ``nonfinite``); "X1" and "X2" together must have one shape."""
    import functools
    import inspect
    params = list(inspect.signature(fn).parameters)[1:]

    @functools.wraps(fn)
    def checked(self, *args, **kwargs):
        given = dict(zip(params, args), **kwargs)
        for n in names:
            if n in given:
                tensor(n, given[n], min_dim=1, finite=n not in nonfinite)
        if "X1" in given and "X2" in given and given["X1"].shape != given["X2"].shape:
            raise ValueError(f"X1 and X2 must have one shape, got {tuple(given['X1'].shape)} and "
                             f"{tuple(given['X2'].shape)}")
        return fn(self, *args, **kwargs)
    return checked


class CheckedForward:
    """Mixin (``vglab.modules.Module``): every subclass's ``forward`` checks its data arguments first
    (``checked_tensors``): X, X1, X2 non-empty finite float tensors, X1 and X2 of one shape, logp a float
    tensor that may hold −inf (log 0: the lesson of Softmax → Log) -- a clear error naming the argument
    instead of a traceback from inside torch."""
    data_args = ("X", "X1", "X2", "logp")
    nonfinite_args = ("logp",)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "forward" in cls.__dict__:
            cls.forward = checked_tensors(cls.__dict__["forward"], cls.data_args, cls.nonfinite_args)


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
    """``v`` must be a ``cls`` (a class or a tuple of them; a bool only where ``bool`` is named), else a
    TypeError naming ``name`` and ``what`` is allowed (with its article: "a vglab.data.Split")."""
    kinds = cls if isinstance(cls, tuple) else (cls,)
    if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
        what = what or " or ".join(f"a {c.__module__}.{c.__qualname__}" for c in kinds)
        raise TypeError(f"{name} must be {what}, got {_kind(v)}")
    return v


def model(name: str, v, cls=None, what: str | None = None):
    """A network: a torch ``nn.Module`` (or a ``cls``, a class or tuple) whose floating-point parameters are
    finite: a NaN network is refused, not measured as if healthy. (The paper's SRN: ``srn_model``.)"""
    import torch
    instance(name, v, cls or torch.nn.Module, what or (None if cls else "a torch nn.Module"))
    if not all(bool(torch.isfinite(p).all()) for p in v.parameters() if p.is_floating_point()):
        raise ValueError(f"{name} has NaN or Inf parameters (a diverged network cannot be measured)")
    return v


def srn_model(name: str, v, *, networks: bool | None = None, finite: bool = True, task: str | None = None):
    """A ``vglab.srn.SRN`` (``networks``: True needs n_networks=M, False a single network, None either)
    whose parameters are finite (``finite``): a NaN network is refused, not reported healthy (the message
    names the parameters). ``task``: the model must fit that task of ``vglab.tasks`` (its inputs, outputs
    and output kind). One host sync per parameter: entry points only."""
    import torch

    from . import tasks
    from .srn import SRN
    instance(name, v, SRN, "a vglab.srn.SRN")
    if networks is not None and (v.n_networks is not None) != networks:
        raise ValueError(f"{name} must be an SRN built with{'' if networks else 'out'} n_networks=M, "
                         f"got n_networks={v.n_networks}")
    if task is not None:
        want = (tasks.n_inputs(task), tasks.n_outputs(task), "softmax" if tasks.is_classification(task) else "linear")
        if (v.n_in, v.n_out, v.output) != want:
            raise ValueError(f"{name} must fit the task {task!r}: (n_in, n_out, output) = {want}, got "
                             f"{(v.n_in, v.n_out, v.output)}")
    if finite:
        bad = [n for n, p in v.named_parameters() if not bool(torch.isfinite(p.detach()).all())]
        if bad:
            raise ValueError(f"{name} holds NaN or Inf in {', '.join(bad)}: a diverged network")
    return v


def data(name: str, v):
    """A ``vglab.ds_train.Data`` (``make_data``): a known task, an int T, three non-empty splits of tensors."""
    import torch

    from .ds_train import Data, Split
    from .tasks import TASKS
    instance(name, v, Data, "a ds_train.Data (make_data)")
    choice(f"{name}.task", v.task, TASKS)
    if not is_int(v.T) or not all(isinstance(sp, Split) and all(isinstance(t, torch.Tensor) for t in sp)
                                  and len(sp.y) for sp in (v.train, v.val, v.test)):
        raise TypeError(f"{name} must hold an int T and three non-empty ds_train.Split of tensors (x, y, lengths)")
    return v


def function(name: str, v):
    """A callable (e.g. f′, a checker's learner function); a class is not taken for one."""
    if not callable(v) or isinstance(v, type):
        raise TypeError(f"{name} must be a function, got {_kind(v)}")
    return v


def generator(name: str, v):
    """``None`` or a ``torch.Generator``."""
    import torch
    if v is not None and not isinstance(v, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got {_kind(v)}")
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


def record(name: str, v, keys, what: str) -> dict:
    """One dict holding ``keys`` (``what``: e.g. "a long_run view"): TypeError / ValueError naming the missing keys."""
    instance(name, v, dict, f"{what} (a dict with {', '.join(map(repr, keys))})")
    if missing := [k for k in keys if k not in v]:
        raise ValueError(f"{name} must be {what}; it lacks {missing} (a record of another kind?)")
    return v
