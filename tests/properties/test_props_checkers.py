"""Every exercise checker under hostile answers, found dynamically (a checker added to any
``vglab/exercises/<topic>.py`` is covered without touching this file).

The contract (vglab.exercises): a checker never raises, returns a bool, prints exactly one line that
starts with ``Correct:`` or ``Not yet:``, and never returns True for garbage -- None, words, strings
that look like numbers or pairs ("0, 0.25", "11"), NaN/Inf, ints too large for a float, containers,
arrays and tensors of the wrong size, and learner functions that raise or return nonsense.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch
from hostile import HOSTILE, _Opaque, own_seed
from hypothesis import given, settings, strategies as st

import vglab.exercises as ex


def all_checkers() -> dict:
    """``{"vglab.exercises.<topic>.check_x": fn}`` for every public ``check_*`` of every topic module."""
    out = {}
    for m in pkgutil.iter_modules(ex.__path__):
        if m.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{ex.__name__}.{m.name}")
        for name in getattr(mod, "__all__", dir(mod)):
            fn = getattr(mod, name, None)
            if name.startswith("check_") and callable(fn):
                out[f"{mod.__name__}.{name}"] = fn
    return out


CHECKERS = all_checkers()


def _raises(*a, **k):
    raise RuntimeError("the learner's bug")


def _loops(*a, **k):
    return [1, 2, 3] * 0 or iter(())


GARBAGE_CALLABLES = [
    _raises, lambda *a, **k: None, lambda *a, **k: "abc", lambda *a, **k: float("nan"),
    lambda *a, **k: torch.full((3, 5), float("nan")), lambda *a, **k: ["a", "b"], lambda *a, **k: 10**400,
    lambda *a, **k: float("inf"), lambda *a, **k: (None, None), lambda *a, **k: torch.empty(0), _loops,
    lambda *a, **k: {"w": 1}, lambda *a, **k: (torch.zeros(2), "x"), lambda *a, **k: a[0] if a else None,
    lambda *a, **k: torch.zeros(()),
]
GARBAGE_FIXED = [
    None, ..., "", "abc", "cuda", "0, 0.25", "1,1", "11", "1 1", "(1, 1)", "[0, 0.25]", "4.0.0", "1e999",
    float("nan"), float("inf"), -float("inf"), 10**400, -(10**400), 10**309, [], [1, 2], [[1.0]], (),
    (1, 2, 3), ((1, 1),), {}, {"a": 1}, {1, 1}, _Opaque(), np.array([]), np.array([1.0, 2.0]),
    np.float64("nan"), np.array([[np.inf]]), torch.empty(0), torch.tensor(float("nan")),
    torch.tensor(float("inf")), torch.ones(2, 3), torch.ones(2, 3, 4), torch.ones(3, dtype=torch.float16),
    torch.tensor([float("nan")] * 3, dtype=torch.float64), 1 + 2j, b"1", bytearray(b"11"), range(2),
] + GARBAGE_CALLABLES
GARBAGE = st.sampled_from(GARBAGE_FIXED)
ANYTHING = st.one_of(GARBAGE, HOSTILE, st.floats(-1e6, 1e6), st.integers(-50, 50),
                     st.sampled_from([True, False, np.float32(0.25), np.int64(4), "0.25", "4", "yes", "no",
                                      "skip", "swapped", "vanishing", "residual", (1, 1), (0, 0.25)]))


def _params(fn):
    sig = inspect.signature(fn)
    ps = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [p.name for p in ps if p.default is p.empty], [p.name for p in ps if p.default is not p.empty]


def run_checker(fn, kwargs, capsys, n_pos: int | None = None) -> bool:
    """Call the checker under its contract (the first ``n_pos`` arguments positionally, the way a
    notebook calls it); return what it returned."""
    capsys.readouterr()
    items = list(kwargs.items())
    n_pos = len(items) if n_pos is None else n_pos
    try:
        out = fn(*[v for _, v in items[:n_pos]], **dict(items[n_pos:]))
    except BaseException as e:  # noqa: BLE001 -- exactly what a checker promises never to do
        raise AssertionError(f"{fn.__module__}.{fn.__name__}({kwargs!r:.200}) raised {type(e).__name__}: {e}") from e
    text = capsys.readouterr().out
    lines = text.strip("\n").split("\n")
    assert type(out) is bool, f"{fn.__name__}({kwargs!r:.200}) returned {type(out).__name__} {out!r:.60}, not a bool"
    assert len(lines) == 1 and lines[0].startswith(("Correct:", "Not yet:")), \
        f"{fn.__name__}({kwargs!r:.200}) printed {text!r:.300}, not one 'Correct:'/'Not yet:' line"
    assert out == lines[0].startswith("Correct:"), f"{fn.__name__}: returned {out} but printed {lines[0]!r:.80}"
    return out


IDS = list(CHECKERS)


def test_checkers_are_found():
    assert len(CHECKERS) >= 30, sorted(CHECKERS)


@pytest.mark.parametrize("name", IDS)
def test_checker_rejects_garbage(name, capsys):
    """Garbage in the first answer slot (the others garbage or anything): never True, never raises."""
    fn = CHECKERS[name]
    required, optional = _params(fn)
    slots = required or optional[:1]

    @own_seed("garbage", name)
    @settings(max_examples=8)
    @given(data=st.data())
    def run(data):
        kwargs = {slots[0]: data.draw(GARBAGE, label=slots[0])}
        for p in slots[1:]:
            kwargs[p] = data.draw(st.one_of(GARBAGE, ANYTHING), label=p)
        assert not run_checker(fn, kwargs, capsys, len(slots)), f"{name} accepted garbage {kwargs!r:.300}"
    run()


@pytest.mark.parametrize("name", IDS)
def test_checker_never_raises(name, capsys):
    """Anything in any slot, optional settings included: a bool and one line, never an exception."""
    fn = CHECKERS[name]
    required, optional = _params(fn)

    @own_seed("never raises", name)
    @settings(max_examples=8)
    @given(data=st.data())
    def run(data):
        kwargs = {p: data.draw(ANYTHING, label=p) for p in required}
        for p in optional:
            if data.draw(st.booleans(), label=f"probe {p}"):
                kwargs[p] = data.draw(ANYTHING, label=p)
        run_checker(fn, kwargs, capsys, len(required))
    run()


@pytest.mark.parametrize("name", IDS)
def test_every_fixed_garbage_value(name, capsys):
    """Each fixed garbage value in every slot at once (quick, exhaustive over the list)."""
    fn = CHECKERS[name]
    required, optional = _params(fn)
    slots = required or optional[:1]
    for v in GARBAGE_FIXED:
        kwargs = {p: v for p in slots}
        assert not run_checker(fn, kwargs, capsys), f"{name} accepted garbage {v!r:.80}"
