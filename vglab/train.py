"""Pieces every training loop in vglab shares: a progress bar, a NaN/Inf guard, a history.

Training functions elsewhere take ``device=`` and use these, so every run in the lab reports
its progress the same way and stops with a clear message the moment it diverges.
"""
from __future__ import annotations

import math
import numbers
from collections import defaultdict

import torch
from tqdm.auto import tqdm
from tqdm.notebook import tqdm as _notebook_tqdm


class DivergenceError(RuntimeError):
    """Training produced a NaN or Inf; the message names the step and the value."""


def check_finite(value, step: int, what: str = "loss") -> None:
    """Raise ``DivergenceError`` if ``value`` (a float or tensor) holds NaN or Inf."""
    if isinstance(value, bool) or not isinstance(value, (torch.Tensor, numbers.Real)):
        raise TypeError(f"value must be a number or a tensor, got {type(value).__name__}")
    if isinstance(value, torch.Tensor):
        bad = not bool(torch.isfinite(value).all())
        shown = value.detach().flatten()[:4].tolist()
    else:
        bad = not math.isfinite(float(value))
        shown = value
    if bad:
        raise DivergenceError(
            f"training diverged at step {step}: {what} = {shown}. "
            "Lower the learning rate, clip the gradient, or shrink the initial weights.")


class _NotebookBar(_notebook_tqdm):
    """tqdm's notebook widget, replaced by one printed line when it closes.

    A saved notebook keeps a widget's text fallback, which for tqdm is the bar as it was first drawn
    ("0%|  | 0/300"): a reader on GitHub would see every run frozen at 0 %. So the bar is shown under a
    display id and, when the loop ends (or stops early), that output is replaced by its summary line.
    """

    def __init__(self, *args, **kw):
        super().__init__(*args, display=False, **kw)
        self._handle = None
        if not self.disable:
            from IPython.display import display

            self._handle = display(self.container, display_id=True)

    def close(self):
        super().close()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.update({"text/plain": summary_line(self)}, raw=True)


def summary_line(bar) -> str:
    """``"desc: 300/300 steps in 2.1 s"`` (or ``"stopped at 120/300"``) for a finished tqdm bar."""
    if not hasattr(bar, "n") or not hasattr(bar, "format_dict"):
        raise TypeError(f"bar must be a tqdm progress bar (vglab.train.progress), got {type(bar).__name__}")
    n, total = bar.n, bar.total
    done = f"{n}/{total}" if total else f"{n}"
    word = "stopped at " if total and n < total else ""
    desc = getattr(bar, "desc", "") or "progress"  # a disabled bar keeps no desc
    return f"{desc}: {word}{done} steps in {bar.format_dict.get('elapsed', 0.0):.1f} s"


def progress(iterable=None, *, total=None, desc: str = "training", enabled: bool = True, **kw):
    """A tqdm progress bar; ``enabled=False`` hides it. In a notebook it is a live widget that leaves
    one line when it closes (``summary_line``: steps done and seconds taken), so a saved notebook
    never shows a bar frozen at 0 %; elsewhere it is tqdm's text bar."""
    from . import _args
    _args.boolean("enabled", enabled)
    if iterable is not None:
        try:
            iter(iterable)
        except TypeError:
            raise TypeError(f"iterable must be something to loop over (range, list, ...), got "
                            f"{type(iterable).__name__}") from None
    cls = _NotebookBar if issubclass(tqdm, _notebook_tqdm) else tqdm
    return cls(iterable, total=total, desc=desc, disable=not enabled, leave=True, **kw)


class History(defaultdict):
    """Per-step records: ``h.log(step=3, loss=0.5)`` then ``h['loss']`` is a list."""

    def __init__(self):
        super().__init__(list)

    def log(self, **values) -> None:
        for k, v in values.items():
            if isinstance(v, torch.Tensor):
                v = v.detach().cpu().item() if v.numel() == 1 else v.detach().cpu()
            self[k].append(v)


def _check_fit_args(model, optimizer, loss_fn, batches, n_steps, log_every) -> None:
    """Bad arguments of ``fit`` raise TypeError/ValueError naming the argument, before any step."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. vglab.optim.SGD(model.parameters())), "
                        f"got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (model, batch) -> scalar loss, got {type(loss_fn).__name__}")
    if not callable(batches):
        try:
            iter(batches)
        except TypeError:
            raise TypeError(f"batches must be an iterable of batches or a function step -> batch, "
                            f"got {type(batches).__name__}") from None
    for name, v in (("n_steps", n_steps), ("log_every", log_every)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an int >= 1, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")


def fit(model, optimizer, loss_fn, batches, n_steps: int, *, device=None, desc="training",
        progress_bar: bool = True, closure_optimizer: bool = False, log_every: int = 1):
    """Minimal shared loop: ``loss = loss_fn(model, batch)``, backward, step; returns a History.

    ``batches`` is an iterator of batches already on ``device`` (or a callable ``step -> batch``).
    The loss is checked every step; a NaN/Inf stops the run with a ``DivergenceError``.
    ``closure_optimizer=True`` passes a closure to ``optimizer.step`` (needed by ``optim.NAG``).
    """
    _check_fit_args(model, optimizer, loss_fn, batches, n_steps, log_every)
    from . import _args
    _args.boolean("progress_bar", progress_bar)
    _args.boolean("closure_optimizer", closure_optimizer)
    device = _args.device("device", device)
    if device is not None:
        model.to(device)
    hist = History()
    get = batches if callable(batches) else (lambda _s, it=iter(batches): next(it))
    for step in progress(range(n_steps), desc=desc, enabled=progress_bar):
        try:
            batch = get(step)
        except StopIteration:
            raise ValueError(f"batches ran out after {step} batches, but n_steps={n_steps}: "
                             "pass more batches, a callable step -> batch, or fewer steps") from None

        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model, batch)
            loss.backward()
            return loss

        try:
            if closure_optimizer:
                loss = optimizer.step(closure)
            else:
                loss = closure()
                optimizer.step()
        except (TypeError, ValueError, RuntimeError, IndexError, AttributeError) as e:
            if step or isinstance(e, torch.OutOfMemoryError):  # later: the learner's own code failed
                raise
            raise TypeError(f"loss_fn(model, batch) failed on the first batch from batches "
                            f"({type(batch).__name__}): {type(e).__name__}: {e}") from e
        check_finite(loss, step)
        if step % log_every == 0:
            hist.log(step=step, loss=loss)
    return hist
