"""Argument checks shared by the compute modules, the config dataclasses and the CLIs: the one place.

Bad input -> ``TypeError`` (wrong kind) or ``ValueError`` (right kind, outside the allowed range), the
message naming the argument, what is allowed and what was given. Numbers are accepted as
``numbers.Integral`` / ``numbers.Real`` -- numpy scalars (``np.int64``, ``np.float32``) included -- and
returned as plain ``int`` / ``float``; a bool is never taken for a number.

    integer("n_hidden", v, lo=1)        -> int        real("lr", v, lo=0, lo_open=True) -> float
    period("eval_every", v)             -> int >= 1   choice("output", v, ("softmax", "linear"))
    positive_real("sigma2", v)          -> float > 0  with cli_errors(parser): ...  (-> exit 2)
"""
from __future__ import annotations

import math
import numbers
from contextlib import contextmanager


def is_int(v) -> bool:
    """An integral number (int, np.int64, ...) and not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def is_real(v) -> bool:
    """A real number (int, float, np.float32, ...) and not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _range_text(lo, hi, lo_open=False, hi_open=False) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return ""


def integer(name: str, v, lo: int | None = None, hi: int | None = None) -> int:
    """``v`` as an int in [lo, hi] (either bound optional): TypeError if not integral, ValueError if outside."""
    rng = _range_text(lo, hi)
    if not is_int(v):
        raise TypeError(f"{name} must be an int{' ' + rng if rng else ''}, got {type(v).__name__} {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be {rng}, got {v}")
    return int(v)


def int_at_least(name: str, v, lo: int = 1) -> int:
    """``v`` must be an int (not a bool) >= ``lo``, else a ValueError naming ``name``; returns int(v)."""
    if not is_int(v) or v < lo:
        raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    return int(v)


def period(name: str, v) -> int:
    """A loop period ("every N steps"): an int >= 1 (0 would divide by zero, < 0 never fires)."""
    return integer(name, v, lo=1)


def real(name: str, v, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
         hi_open: bool = False) -> float:
    """``v`` as a finite float within the bounds (open or closed): TypeError if not a real number,
    ValueError if NaN, infinite or outside."""
    rng = _range_text(lo, hi, lo_open, hi_open)
    want = f"a finite number{' ' + rng if rng else ''}"
    if not is_real(v):
        raise TypeError(f"{name} must be {want}, got {type(v).__name__} {v!r}")
    x = float(v)
    if not math.isfinite(x) or (lo is not None and (x <= lo if lo_open else x < lo)) \
            or (hi is not None and (x >= hi if hi_open else x > hi)):
        raise ValueError(f"{name} must be {want}, got {v!r}")
    return x


def positive_real(name: str, v) -> float:
    """A finite number > 0 (a learning rate, a variance, a threshold)."""
    return real(name, v, 0, lo_open=True)


def fraction(name: str, v) -> float:
    """A finite number in [0, 1) (a momentum, a decay rate)."""
    return real(name, v, 0, 1, hi_open=True)


def real_in_range(name: str, v, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> float:
    """A finite number in [lo, hi] (``lo_open``/``hi_open`` exclude an end)."""
    return real(name, v, lo, hi, lo_open=lo_open, hi_open=hi_open)


def optional(check, name: str, v, *args, **kw):
    """``None`` passes; anything else goes through ``check(name, v, ...)``."""
    return None if v is None else check(name, v, *args, **kw)


def _is_scalar_like(v) -> bool:
    """Not an array or tensor with elements to compare one by one (their ``==`` is not a bool)."""
    return getattr(v, "ndim", 0) == 0 and not isinstance(v, (list, dict, set))


def choice(name: str, v, allowed):
    """``v`` must be one of ``allowed`` (ValueError listing them); arrays, lists and unhashable
    values are refused with the same message instead of an ambiguous comparison."""
    allowed = tuple(allowed)
    try:
        ok = _is_scalar_like(v) and any(v is a or (type(v) is type(a) and bool(v == a)) for a in allowed) \
            or (_is_scalar_like(v) and isinstance(v, str) and v in allowed)
    except Exception:  # noqa: BLE001 -- a value whose == cannot answer is not one of them
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {allowed}, got {v!r}")
    return v


def text(name: str, v, *, empty: bool = True) -> str:
    """A ``str`` (``empty=False``: a non-empty one)."""
    if not isinstance(v, str):
        raise TypeError(f"{name} must be a str, got {type(v).__name__} {v!r:.60}")
    if not empty and not v:
        raise ValueError(f"{name} must not be empty")
    return v


def path_like(name: str, v):
    """A file or folder path: a non-empty ``str`` or an ``os.PathLike`` (returned as ``pathlib.Path``)."""
    import os
    from pathlib import Path
    if isinstance(v, bool) or not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or pathlib.Path), got {type(v).__name__} {v!r:.60}")
    p = Path(v)
    if not str(v) or p.name in ("",) and str(p) in (".", ""):
        raise ValueError(f"{name} must name a file or folder, got {v!r}")
    return p


def torch_dtype(name: str, v, allowed=("float32", "float64")):
    """A torch floating dtype among ``allowed`` (names), e.g. ``torch.float32``."""
    import torch
    if not isinstance(v, torch.dtype) or str(v).removeprefix("torch.") not in allowed:
        raise TypeError(f"{name} must be one of {tuple('torch.' + a for a in allowed)}, got {v!r:.60}")
    return v


def float_tensor(name: str, v, *, finite: bool = True, min_dim: int = 0, ndim=None, shape=None,
                 dtypes=("float16", "bfloat16", "float32", "float64")):
    """A non-empty floating-point ``torch.Tensor`` (at least ``min_dim`` dimensions; ``finite``: no NaN/Inf).
    ``ndim``: an int or a tuple of the allowed numbers of dimensions; ``shape``: the required shape, a
    tuple whose ``None`` entries match any size (its length fixes ``ndim``); ``dtypes``: allowed dtypes.
    TypeError for another kind (a list, an array, an int tensor), ValueError for an empty one, a wrong
    shape or NaN/Inf. One host sync for the finiteness scan: call it at entry points, never per step."""
    import torch
    if not isinstance(v, torch.Tensor) or not v.is_floating_point() \
            or str(v.dtype).removeprefix("torch.") not in dtypes:
        kind = f"{v.dtype} tensor" if isinstance(v, torch.Tensor) else type(v).__name__
        only = "" if len(dtypes) == 4 else f" ({'/'.join(dtypes)})"
        raise TypeError(f"{name} must be a floating-point torch.Tensor{only}, got {kind} {v!r:.60}")
    if v.numel() == 0 or v.dim() < min_dim:
        raise ValueError(f"{name} must be a non-empty tensor with >= {min_dim} dimensions, got shape {tuple(v.shape)}")
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if dims is not None and v.dim() not in dims:
        raise ValueError(f"{name} must have {' or '.join(map(str, dims))} dimensions, got shape {tuple(v.shape)}")
    if shape is not None and (v.dim() != len(shape) or any(s is not None and s != t for s, t in zip(shape, v.shape))):
        want = "(" + ", ".join("…" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {tuple(v.shape)}")
    if finite and not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} holds NaN or Inf")
    return v


def instance(name: str, v, cls, what: str | None = None):
    """``v`` must be an instance of ``cls`` (a class or a tuple of them): TypeError naming ``name`` and
    ``what`` is allowed (default: the class names)."""
    if not isinstance(v, cls):
        what = what or " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        raise TypeError(f"{name} must be a {what}, got {type(v).__name__} {v!r:.60}")
    return v


def function(name: str, v):
    """A callable (e.g. f′, a checker's learner function)."""
    if not callable(v) or isinstance(v, type):
        raise TypeError(f"{name} must be a function, got {type(v).__name__} {v!r:.60}")
    return v


def seed(name: str, v) -> int:
    """A random seed: an int in [0, 2**63 − 1] (what ``torch.Generator.manual_seed`` takes without wrapping)."""
    return integer(name, v, lo=0, hi=2**63 - 1)


def generator(name: str, v):
    """``None`` or a ``torch.Generator``."""
    import torch
    if v is not None and not isinstance(v, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got {type(v).__name__} {v!r:.60}")
    return v


def model(name: str, v, *, networks: bool | None = None, finite: bool = True, task: str | None = None):
    """A ``vglab.srn.SRN`` (``networks``: True needs n_networks=M, False a single network, None either)
    whose parameters are finite (``finite``): a NaN network is refused, not reported healthy.
    ``task``: the model must fit that task of ``vglab.tasks`` (its inputs, outputs and output kind).
    One host sync per parameter: entry points only."""
    import torch

    from . import tasks
    from .srn import SRN
    instance(name, v, SRN, "vglab.srn.SRN")
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


def checked_tensors(fn, names, nonfinite=()):
    """``fn`` (a method) with its arguments among ``names`` checked by ``float_tensor`` first (at least 1-D;
    NaN/Inf refused except in ``nonfinite``); "X1" and "X2" together must have one shape."""
    import functools
    import inspect
    params = list(inspect.signature(fn).parameters)[1:]

    @functools.wraps(fn)
    def checked(self, *args, **kwargs):
        given = dict(zip(params, args), **kwargs)
        for n in names:
            if n in given:
                float_tensor(n, given[n], min_dim=1, finite=n not in nonfinite)
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


def boolean(name: str, v) -> bool:
    """A real bool (or numpy bool): 0/1 or "yes" are not taken for one."""
    if type(v).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{name} must be True or False, got {type(v).__name__} {v!r}")
    return bool(v)


def names(name: str, text: str, allowed) -> list:
    """A comma-separated CLI list (or a list/tuple of names, e.g. one already checked): at least one,
    each from ``allowed``, no repeats."""
    if isinstance(text, (list, tuple)) and all(isinstance(s, str) for s in text):
        text = ",".join(text)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a comma-separated str of names from {tuple(allowed)}, got "
                        f"{type(text).__name__} {text!r:.60}")
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ValueError(f"{name} must name at least one of {tuple(allowed)}, got {text!r}")
    for s in items:
        choice(name, s, allowed)
    if len(set(items)) < len(items):
        raise ValueError(f"{name} names {sorted({s for s in items if items.count(s) > 1})} more than once")
    return items


def fields(obj, **rules) -> None:
    """Check a config dataclass in ``__post_init__``: ``rules`` maps a field to ``(check, *args)``;
    each value is checked (message ``Class.field must ...``) and replaced by the plain int/float returned."""
    cls = type(obj).__name__
    for f, (check, *args) in rules.items():
        object.__setattr__(obj, f, check(f"{cls}.{f}", getattr(obj, f), *args))


def file_stem(name: str, v) -> str:
    """A plain file name without folder or leading dot (an output name such as 'table1_reduced')."""
    if not isinstance(v, str) or not v or "/" in v or "\\" in v or v.startswith("."):
        raise ValueError(f"{name} must be a plain file stem such as 'table1_reduced', got {v!r}")
    return v


def device_name(name: str, v) -> str:
    """A device this machine has ('cpu', 'cuda', 'cuda:1', 'mps'), checked by ``vglab.device``."""
    from .runtime import device
    try:
        device(v)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{name}: {e}") from None
    return v


def device(name: str, v):
    """``v`` (a name or ``torch.device``) as a ``torch.device`` this machine has; None stays None."""
    import torch
    if v is None:
        return None
    if not isinstance(v, (str, torch.device)):
        raise TypeError(f"{name} must be a device name such as 'cpu' or a torch.device, got {type(v).__name__} "
                        f"{v!r:.60}")
    device_name(name, v)
    return torch.device(v)


def data(name: str, v):
    """A ``vglab.ds_train.Data`` (``make_data``): a known task, an int T, three non-empty splits of tensors."""
    import torch

    from .ds_train import Data, Split
    from .tasks import TASKS
    instance(name, v, Data, "ds_train.Data (make_data)")
    choice(f"{name}.task", v.task, TASKS)
    if not is_int(v.T) or not all(isinstance(sp, Split) and all(isinstance(t, torch.Tensor) for t in sp)
                                  and len(sp.y) for sp in (v.train, v.val, v.test)):
        raise TypeError(f"{name} must hold an int T and three non-empty ds_train.Split of tensors (x, y, lengths)")
    return v


@contextmanager
def cli_errors(parser):
    """Inside the block, a TypeError/ValueError from these checks becomes ``parser.error`` (exit status 2)."""
    try:
        yield
    except (TypeError, ValueError) as e:
        parser.error(str(e))
