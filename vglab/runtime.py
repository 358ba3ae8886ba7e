"""Where vglab reads its environment: the device, the seed, quick mode.

This is the only module that looks at environment variables:

* ``VGLAB_DEVICE`` -- force a device (``cpu``, ``cuda``, ``cuda:1``, ``mps``);
* ``VGLAB_QUICK``  -- ``1`` shrinks every experiment so a notebook runs in seconds
  (set by the test command and CI; learners leave it unset).
"""
from __future__ import annotations

import os
import random
from contextlib import contextmanager

import numpy as np
import torch

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _parse_quick(value: str | None) -> bool:
    v = (value or "").strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"VGLAB_QUICK={value!r}: use 1/true/yes/on or 0/false/no/off (or leave it unset)")


QUICK: bool = _parse_quick(os.environ.get("VGLAB_QUICK"))
"""True when ``VGLAB_QUICK`` is set: experiments shrink so notebooks run in seconds."""


def by_mode(quick, learner):
    """``quick`` under quick mode (CI, tests), else ``learner`` -- e.g. ``by_mode(50, 2000)`` steps."""
    return quick if QUICK else learner


def _available(dev: torch.device) -> bool:
    if dev.type == "cpu":
        return True
    if dev.type == "cuda":
        return torch.cuda.is_available() and (dev.index is None or dev.index < torch.cuda.device_count())
    if dev.type == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return False


def device(prefer: str | torch.device | None = None) -> torch.device:
    """The device to compute on.

    Order: ``prefer`` if given, else the ``VGLAB_DEVICE`` environment variable, else CUDA,
    else Apple's MPS, else the CPU. A requested device that is not available here raises a
    ``ValueError`` that says what is available, rather than failing later inside torch.
    """
    if prefer is None:
        prefer = os.environ.get("VGLAB_DEVICE") or None
        source = "VGLAB_DEVICE"
    else:
        source = "prefer"
    if prefer is not None:
        try:
            dev = torch.device(prefer)
        except (RuntimeError, TypeError) as e:
            raise ValueError(f"{source}={prefer!r} is not a device: use 'cpu', 'cuda', 'cuda:N' or 'mps'") from e
        if not _available(dev):
            raise ValueError(f"{source}={prefer!r} is not available on this machine; "
                             f"available: {', '.join(available_devices())}")
        return dev
    for name in ("cuda", "mps"):
        if _available(torch.device(name)):
            return torch.device(name)
    return torch.device("cpu")


def available_devices() -> list[str]:
    """Names of the devices torch can use here, e.g. ``['cpu']`` or ``['cpu', 'cuda:0']``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _available(torch.device("mps")):
        names.append("mps")
    return names


def describe(dev: torch.device | None = None) -> str:
    """One line naming the device, e.g. ``cuda (NVIDIA H100 80GB HBM3)`` or ``cpu (2 threads)``."""
    from . import _args
    dev = device() if dev is None else _args.device("dev", dev)
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    if dev.type == "cpu":
        n = torch.get_num_threads()
        return f"cpu ({n} thread{'' if n == 1 else 's'})"
    return dev.type


def seed(n: int) -> int:
    """Seed Python's ``random``, NumPy and torch (all devices) with ``n``; returns ``n``.

    Call it once at the top of a notebook; vglab never seeds at import.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"seed: n must be an int, got {type(n).__name__}")
    if not 0 <= n < 2**32:
        raise ValueError(f"seed: n must be in [0, 2**32), got {n}")
    n = int(n)
    random.seed(n)
    np.random.seed(n)
    torch.manual_seed(n)  # seeds CUDA and MPS generators too
    return n


def _device_type(device) -> str:
    """The type of a device given by name or ``torch.device`` (not checked for availability: a "meta" or
    "cuda" device is only told apart from the CPU); a wrong kind or an unknown name names ``device``."""
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a device name such as 'cpu' or a torch.device, got {type(device).__name__} "
                        f"{device!r:.60}")
    try:
        return torch.device(device).type
    except RuntimeError as e:
        raise ValueError(f"device: {device!r:.60} is not a device name ({e})") from None


@contextmanager
def cpu_threads(n: int = 1, device=None):
    """Run a block with ``n`` torch CPU threads, then restore the previous count.

    Small nets (a width-64 MLP, an SRN with B·K of a few thousand) run as many tiny ops: a second
    thread only adds synchronisation, and on a busy 2-core machine the threads' contention makes a
    step 10-50x slower. ``device``: when given and not a CPU device, the count is left alone.
    """
    from . import _args
    n = _args.threads("n (the number of CPU threads)", n)
    if device is not None and _device_type(device) != "cpu":
        yield
        return
    old = torch.get_num_threads()
    if n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)
