"""Argument checks shared by the compute modules, the config dataclasses and the CLIs: the one place.

Bad input -> ``TypeError`` (wrong kind) or ``ValueError`` (right kind, outside the allowed range), the
message naming the argument, what is allowed and what was given. Numbers are accepted as
``numbers.Integral`` / ``numbers.Real`` -- numpy scalars (``np.int64``, ``np.float32``) included -- and
returned as plain ``int`` / ``float``; a bool is never taken for a number.

    integer("n_hidden", v, lo=1)        -> int        real("lr", v, lo=0, lo_open=True) -> float
    period("eval_every", v)             -> int >= 1   choice("output", v, ("softmax", "linear"))
    positive_real("sigma2", v)          -> float > 0  with cli_errors(parser): ...  (-> exit 2)
    size("n", v) / seed("seed", v)      -> int        reals("lams", v, 0) -> [float, ...]

Numbers, names, paths, devices and CLI arguments live here; tensors, models, containers and the
``checked`` decorator in ``vglab._checked`` (which builds on these). Import each from where it lives.
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


F32_MAX = 3.4028234663852886e38  # float32's largest finite number


def learning_rate(name: str, v) -> float:
    """A learning rate: a finite number in (0, 3.4e38]. torch multiplies it into float32 weights, so a
    larger one (1e300, say) cannot be converted and would stop the step with an overflow from inside."""
    return real(name, v, 0, F32_MAX, lo_open=True)


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


def size(name: str, v, lo: int = 1, hi: int = 1 << 16) -> int:
    """A count or a layer size: an int in [lo, hi] (the ceiling keeps a typo such as 10**12 from asking
    for terabytes; pass a lower one for square weights, width × width)."""
    return integer(name, v, lo, hi)


def threads(name: str, v) -> int:
    """A CPU thread count: an int in [1, 256]. torch starts that many threads, so a typo such as 10**6
    would stall the machine; more threads than cores only adds contention."""
    return integer(name, v, 1, 256)


def seed(name: str, v) -> int:
    """A random seed: an int in [0, 2**63 − 1] (what ``torch.Generator.manual_seed`` takes without wrapping)."""
    return integer(name, v, 0, 2 ** 63 - 1)


def _kind(v) -> str:
    """What ``v`` is, for a message: a tensor's dtype and shape, else its type and (short) repr."""
    import torch
    if isinstance(v, torch.Tensor):
        return f"a {str(v.dtype).removeprefix('torch.')} tensor of shape {tuple(v.shape)}"
    return f"{type(v).__name__} {v!r:.60}"


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


def reals(name: str, v, lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
          hi_open: bool = False, tensor: bool = False):
    """Finite real numbers within the bounds (as ``real``). Default: one number or a non-empty list/tuple/
    1-D array of them -> a list of floats. ``tensor=True``: one number -> a float, a tensor/array/list of
    any shape -> a float64 tensor (values such as per-network norms, kept in their shape)."""
    if not tensor:
        return [real(f"{name}[{i}]", x, lo, hi, lo_open=lo_open, hi_open=hi_open)
                for i, x in enumerate(_items(name, v, "a number"))]
    import torch
    if is_real(v):
        return real(name, v, lo, hi, lo_open=lo_open, hi_open=hi_open)
    try:  # a str, a dict, None, an object or a bool tensor is not a list of numbers
        t = None if isinstance(v, (str, bytes, dict)) or getattr(v, "dtype", None) == torch.bool else \
            torch.as_tensor(v, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        t = None
    if t is None or not t.numel() or not bool(torch.isfinite(t).all()) \
            or lo is not None and not bool((t > lo if lo_open else t >= lo).all()) \
            or hi is not None and not bool((t < hi if hi_open else t <= hi).all()):
        rng = _range_text(lo, hi, lo_open, hi_open)
        raise (TypeError if t is None else ValueError)(
            f"{name} must be a finite number{' ' + rng if rng else ''} or a tensor/list of them, got {_kind(v)}")
    return t


def ints(name: str, v, lo: int | None = None, hi: int | None = None, *, unique: bool = False) -> list:
    """An int or a non-empty list/tuple/1-D array of ints in [lo, hi]; ``unique``: no repeats."""
    out = [integer(f"{name}[{i}]", x, lo, hi) for i, x in enumerate(_items(name, v, "an int"))]
    if unique and len(set(out)) < len(out):
        raise ValueError(f"{name} must not repeat a value, got {out}")
    return out


def namespace(name: str, v, fields, cli: str):
    """The parsed arguments of the CLI ``cli`` (its ``parse()``): an ``argparse.Namespace`` with ``fields``."""
    import argparse
    if not isinstance(v, argparse.Namespace):
        raise TypeError(f"{name} must be the argparse.Namespace from {cli}.parse(), got {_kind(v)}")
    if missing := [f for f in fields if not hasattr(v, f)]:
        raise ValueError(f"{name} must be the argparse.Namespace from {cli}.parse(); it lacks {missing}")
    return v


def argv(name: str, v):
    """A CLI's argument list: None (``sys.argv``) or a list/tuple of str."""
    if v is not None and (not isinstance(v, (list, tuple)) or not all(isinstance(s, str) for s in v)):
        raise TypeError(f"{name} must be a list of str (command-line words) or None, got {_kind(v)}")
    return v
