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


def float_tensor(name: str, v, *, finite: bool = True, min_dim: int = 0):
    """A non-empty floating-point ``torch.Tensor`` (at least ``min_dim`` dimensions; ``finite``: no NaN/Inf).
    TypeError for another kind (a list, an array, an int tensor), ValueError for an empty one or NaN/Inf."""
    import torch
    if not isinstance(v, torch.Tensor) or not v.is_floating_point():
        kind = f"{v.dtype} tensor" if isinstance(v, torch.Tensor) else type(v).__name__
        raise TypeError(f"{name} must be a floating-point torch.Tensor, got {kind} {v!r:.60}")
    if v.numel() == 0 or v.dim() < min_dim:
        raise ValueError(f"{name} must be a non-empty tensor with >= {min_dim} dimensions, got shape {tuple(v.shape)}")
    if finite and not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} holds NaN or Inf")
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


@contextmanager
def cli_errors(parser):
    """Inside the block, a TypeError/ValueError from these checks becomes ``parser.error`` (exit status 2)."""
    try:
        yield
    except (TypeError, ValueError) as e:
        parser.error(str(e))


# --- v17b ---
def _kind(v) -> str:
    import torch
    if isinstance(v, torch.Tensor):
        return f"a {str(v.dtype).removeprefix('torch.')} tensor of shape {tuple(v.shape)}"
    return f"{type(v).__name__} {v!r:.60}"


def instance(name: str, v, kinds, what: str | None = None):
    """``v`` an instance of ``kinds`` (a class or tuple), else a TypeError naming ``name`` and ``what``; never a bool."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
        raise TypeError(f"{name} must be {what or ' or '.join(k.__name__ for k in kinds)}, got {_kind(v)}")
    return v


def model(name: str, v, kinds=None, what: str | None = None):
    """A network: an instance of ``kinds`` (default ``torch.nn.Module``) with finite weights, else ValueError."""
    import torch
    instance(name, v, kinds or torch.nn.Module, what or ("a torch.nn.Module" if kinds is None else None))
    if not all(bool(torch.isfinite(p).all()) for p in v.parameters() if p.is_floating_point()):
        raise ValueError(f"{name} has NaN or Inf weights (a diverged network cannot be measured)")
    return v


def tensor(name: str, v, *, ndim=None, min_dim: int = 0, labels: bool = False, finite: bool = True):
    """A non-empty float (``finite``: no NaN/Inf) or ``labels`` (integer) tensor with ``ndim`` (int or tuple) or
    >= ``min_dim`` dimensions: TypeError for another kind or dtype, ValueError for its size or NaN/Inf."""
    import torch
    want = "integer class labels" if labels else "floating-point values"
    if not isinstance(v, torch.Tensor) or labels != (not v.is_floating_point() and not v.is_complex()
                                                     and v.dtype != torch.bool):
        raise TypeError(f"{name} must be a torch.Tensor of {want}, got {_kind(v)}")
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if v.numel() == 0 or v.dim() < min_dim or (dims is not None and v.dim() not in dims):
        raise ValueError(f"{name} must be a non-empty tensor with {' or '.join(map(str, dims)) if dims else '>= %d' % min_dim}"
                         f" dimensions, got shape {tuple(v.shape)}")
    if finite and not labels and not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name} holds NaN or inf values")
    return v


def reals(name: str, v, lo: float | None = None, *, lo_open: bool = False):
    """A real number (-> float) or a tensor/array/list of them (-> float64 tensor), all finite and >= ``lo``."""
    import torch
    if is_real(v):
        return real(name, v, lo, lo_open=lo_open)
    try:  # a str, a dict, None, an object or a bool tensor is not a list of numbers
        t = None if isinstance(v, (str, bytes, dict)) or getattr(v, "dtype", None) == torch.bool else \
            torch.as_tensor(v, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        t = None
    if t is None or not t.numel() or not bool(torch.isfinite(t).all()) or \
            lo is not None and not bool((t > lo if lo_open else t >= lo).all()):
        raise (TypeError if t is None else ValueError)(
            f"{name} must be a finite number{' ' + _range_text(lo, None, lo_open) if lo is not None else ''} "
            f"or a tensor/list of them, got {_kind(v)}")
    return t


def record(name: str, v, keys, what: str) -> dict:
    """A dict holding ``keys`` (``what``: e.g. "a long_run view"): TypeError / ValueError naming the missing keys."""
    instance(name, v, dict, f"{what} (a dict with {', '.join(map(repr, keys))})")
    if missing := [k for k in keys if k not in v]:
        raise ValueError(f"{name} must be {what}; it lacks {missing} (a record of another kind?)")
    return v


def namespace(name: str, v, fields, cli: str):
    """The parsed arguments of the CLI ``cli`` (its ``parse()``): an ``argparse.Namespace`` with ``fields``."""
    import argparse
    instance(name, v, argparse.Namespace, f"the argparse.Namespace from {cli}.parse()")
    if missing := [f for f in fields if not hasattr(v, f)]:
        raise ValueError(f"{name} must be the argparse.Namespace from {cli}.parse(); it lacks {missing}")
    return v


def argv(name: str, v):
    """A CLI's argument list: None (``sys.argv``) or a list/tuple of str."""
    if v is not None and (not isinstance(v, (list, tuple)) or not all(isinstance(s, str) for s in v)):
        raise TypeError(f"{name} must be a list of str (command-line words) or None, got {_kind(v)}")
    return v
