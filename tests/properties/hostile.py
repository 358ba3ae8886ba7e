"""The contract every public vglab name is held to, and the inputs that try to break it.

``call(fn, name, kwargs)``: call ``fn(**kwargs)`` with one argument (``name``) possibly hostile. It must
either return a result -- finite wherever the case promises it -- or refuse with a ``ValueError`` /
``TypeError`` whose message names the argument, or stop with the documented ``DivergenceError``.
Any other exception (an ``IndexError`` from deep inside torch, a ``ZeroDivisionError``, an
``AttributeError``) fails the test, and so does a refusal that does not say which argument.

``HOSTILE``: what a learner types or an adversary sends: None, strings, booleans, NaN/±Inf,
negatives, zero, huge numbers, lists and tuples, numpy scalars and arrays, empty/NaN/float16/3-D
tensors, a "cuda" device on a machine without CUDA, an arbitrary object.

``Case``: one public callable with a factory of valid keyword arguments (small, fast), the
arguments to probe, and whether its result is promised finite. ``probe(case)`` builds the
Hypothesis test for a case; ``REGISTERED`` collects every case by its public name, so
``test_coverage.py`` can check that no public name is left out.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import numbers
import time
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import Phase, given, seed, settings, strategies as st

from vglab.train import DivergenceError

REGISTERED: dict[str, "Case"] = {}


class _Opaque:
    def __repr__(self):
        return "<an object>"


HOSTILE_FIXED = [
    None, "", "abc", "cuda", "cuda:0", True, False, float("nan"), float("inf"), -float("inf"), 0, -1, -0.5,
    1e300, -1e300, 10**12, [], [1, 2], [[1.0]], (), (1, 2, 3), {}, {"a": 1}, _Opaque(),
    np.float32(0.5), np.int64(3), np.float64(float("nan")), np.array([1.0, 2.0]), np.array([]),
    torch.empty(0), torch.tensor(float("nan")), torch.tensor(float("inf")), torch.ones(2, 3),
    torch.ones(2, 3, 4), torch.ones(3, dtype=torch.float16), torch.ones(3, dtype=torch.int64), torch.zeros(1),
]
HOSTILE = st.one_of(st.sampled_from(HOSTILE_FIXED), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-10**6, 10**6), st.text(max_size=3))


def _finite(x, where="result", depth=0) -> None:
    """Assert that every float in ``x`` (tensor, array, number, container, dataclass) is finite."""
    if depth > 6:
        return
    if isinstance(x, torch.Tensor):
        if x.is_floating_point() or x.is_complex():
            assert bool(torch.isfinite(x.detach()).all()), f"{where}: a tensor with NaN/Inf"
    elif isinstance(x, np.ndarray):
        if np.issubdtype(x.dtype, np.floating):
            assert np.isfinite(x).all(), f"{where}: an array with NaN/Inf"
    elif isinstance(x, numbers.Real) and not isinstance(x, bool):
        assert math.isfinite(float(x)), f"{where}: {x!r}"
    elif isinstance(x, dict):
        for k, v in x.items():
            _finite(v, f"{where}[{k!r}]", depth + 1)
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x[:50]):
            _finite(v, f"{where}[{i}]", depth + 1)
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        for f in dataclasses.fields(x):
            _finite(getattr(x, f.name), f"{where}.{f.name}", depth + 1)


def _names(msg: str, name: str) -> bool:
    """Whether ``msg`` names the argument ``name`` as a word (not inside another word: a message of
    torch's own about "a Tensor" does not name the argument ``a``, nor does "expected" name ``x``)."""
    import re
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", msg) is not None


def call(fn: Callable, name: str | None, kwargs: dict, *, finite: bool = True, also: tuple = ()):
    """Call ``fn(**kwargs)`` under the contract (module docstring); returns ("ok", result),
    ("refused", exc) or ("diverged", exc). ``also``: further documented exception types (e.g.
    ``FileNotFoundError`` for a missing saved run), accepted with any message."""
    label = getattr(fn, "__qualname__", repr(fn))
    try:
        out = fn(**kwargs)
    except DivergenceError as e:
        return "diverged", e
    except also as e:
        return "refused", e
    except (ValueError, TypeError) as e:
        if name is not None:
            msg = str(e)
            bare = name.lstrip("-").replace("-", "_")
            assert _names(msg, name) or _names(msg, bare), \
                f"{label}: {type(e).__name__} for {name}={kwargs.get(name)!r} does not name {name!r}: {msg}"
        return "refused", e
    except Exception as e:  # noqa: BLE001 -- exactly what the contract forbids
        raise AssertionError(f"{label}({name}={kwargs.get(name)!r}): {type(e).__name__} from inside instead of "
                             f"a clear ValueError/TypeError: {e}") from e
    if finite:
        _finite(out, f"{label}({name}={kwargs.get(name)!r})")
    return "ok", out


@dataclass
class Case:
    """A public callable, a factory of valid keyword arguments, and what to probe.

    ``probe``: the argument names to replace by hostile values (default: every keyword of ``valid()``).
    ``finite``: the result is promised finite for every accepted input. ``valid_ok``: the valid call must
    return (not refuse), checked once. ``values``: a strategy for the probed values (default ``HOSTILE``).
    """
    name: str
    fn: Callable
    valid: Callable[[], dict]
    probe: tuple | None = None
    finite: bool = True
    values: Any = None
    examples: int | None = None
    also: tuple = ()
    known: dict = dataclasses.field(default_factory=dict)  # arg -> reason: a violation not fixed yet (xfail)
    frozen: bool = False  # the code may not change now: a known violation is xfail(strict=True)
    # arg -> the values that make a valid but long call (a training run of 10**6 updates, a CLI's
    # full-size default run), not made: a number (a finite real value above it) or a predicate
    long: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.name in REGISTERED:
            raise ValueError(f"{self.name} registered twice")
        REGISTERED[self.name] = self


def register(*cases: Case) -> list:
    return list(cases)


_PRISTINE: dict[str, Any] = {}  # case name -> its valid() built once, never passed to a call
_NO_COPY = object()  # valid() cannot be deep-copied (e.g. a non-leaf tensor): build it afresh every time


def valid_kwargs(case: Case) -> dict:
    """A fresh set of the case's valid keyword arguments, as ``case.valid()`` gives.

    Performance only: ``valid()`` (a model, a dataset, a short training run) is built once per session
    and every call gets a deep copy of it, so that what a call mutates (a model trained in place, a
    list appended to) never reaches the next call; a copy is what a fresh ``valid()`` would give, at a
    fraction of its cost. A ``valid()`` that cannot be deep-copied is called afresh every time."""
    kw = _PRISTINE.get(case.name)
    if kw is None:
        t0 = time.perf_counter()
        kw = case.valid()
        t1 = time.perf_counter()
        try:
            fresh = copy.deepcopy(kw)
        except Exception:  # noqa: BLE001 -- uncopyable: fall back to fresh calls, as before
            _PRISTINE[case.name] = _NO_COPY
            return kw
        # a copy dearer than the build (large saved results): build afresh, as before
        _PRISTINE[case.name] = _NO_COPY if time.perf_counter() - t1 > t1 - t0 else kw
        return fresh
    return case.valid() if kw is _NO_COPY else copy.deepcopy(kw)


def check_valid(case: Case) -> None:
    """The valid call returns (never refuses) and keeps its promise of finiteness."""
    kind, out = call(case.fn, None, valid_kwargs(case), finite=case.finite, also=case.also)
    assert kind == "ok", f"{case.name}: the valid call was refused: {out}"


_PASSED: dict[tuple, set] = {}  # (case, argument) -> the values (``_same``) that already passed


def check_probe(case: Case, arg: str, value) -> None:
    """One hostile value for one argument: a result under the contract or a clear refusal. A value that
    already passed for this case and argument is the same call with the same outcome: not made again
    (performance only; a failing value is never remembered, so Hypothesis's replay of it fails again)."""
    key, passed = _same(value), _PASSED.setdefault((case.name, arg), set())
    if key is not None and key in passed or _long(case.long.get(arg), value):
        return
    kwargs = valid_kwargs(case)
    kwargs[arg] = value
    call(case.fn, arg, kwargs, finite=case.finite, also=case.also)
    passed.add(key)


def _long(bound, value) -> bool:
    """Whether ``value`` is one of the valid but long calls that ``Case.long`` names for its argument."""
    if bound is None:
        return False
    if callable(bound):
        return bool(bound(value))
    return (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
            and float(value) > bound)


def probe_args(case: Case) -> list:
    return list(case.probe) if case.probe is not None else list(valid_kwargs(case))


def parametrize(cases: list):
    """pytest parameters (case, arg) for every probed argument of every case."""
    import pytest

    from known_violations import KNOWN

    def marks(c, a):
        if a not in c.known and f"{c.name}:{a}" not in KNOWN:
            return ()
        bug = c.known.get(a, "a hostile value ends in a deep error or a refusal that does not name the argument")
        why = f"frozen until the long run ends: {bug}" if c.frozen else f"issue 17, open: {bug}"
        return (pytest.mark.xfail(strict=c.frozen, reason=why, raises=AssertionError),)
    return pytest.mark.parametrize("case,arg", [pytest.param(c, a, id=f"{c.name}:{a}", marks=marks(c, a))
                                                for c in cases for a in probe_args(c)])


def hostile_test(cases: list):
    """The standard pair of tests for a module's cases: valid calls, then every argument probed."""
    import pytest

    @pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])
    def test_valid_call_keeps_its_promise(case):
        check_valid(case)

    @parametrize(cases)
    def test_hostile_argument_gives_a_result_or_a_clear_error(case, arg):
        # a case's own bound (``examples``) for a slow callable, else the profile's max_examples
        # no shrinking: the failure message already names the case, the argument and the value
        bound = settings(max_examples=case.examples or settings().max_examples,
                         phases=[Phase.explicit, Phase.generate])

        @own_seed(case.name, arg)
        @bound
        @given(data=st.data())
        def run(data):
            value = data.draw(case.values if case.values is not None else HOSTILE, label=arg)
            check_probe(case, arg, value)
        run()

    return test_valid_call_keeps_its_promise, test_hostile_argument_gives_a_result_or_a_clear_error


def own_seed(*key) -> Callable:
    """A Hypothesis seed of its own for one parameter of a parametrized test. A derandomised run seeds a
    test from its function's source, which is the same for every parameter: without this, every case,
    argument or checker would be probed with the same drawn values (the same indices into the same
    lists), and most hostile values would never reach most names."""
    return seed(zlib.crc32(":".join(map(str, key)).encode()))


def built_once(factory: Callable) -> Callable:
    """Performance only: a factory of valid arguments (a dataset, a trained run) whose no-argument call is
    built once per session; each call returns a deep copy of it, as a fresh build would be (a factory
    called with arguments, or whose result cannot be copied, builds afresh)."""
    cache: list = []

    def get(*args, **kwargs):
        if args or kwargs:
            return factory(*args, **kwargs)
        if not cache:
            cache.append(factory())
        try:
            return copy.deepcopy(cache[0])
        except Exception:  # noqa: BLE001 -- uncopyable: build it afresh
            return factory()
    get.__name__, get.__doc__, get.__wrapped__ = factory.__name__, factory.__doc__, factory
    return get


def _same(value):
    """A key equal for two values that make the same call (None: not sure, always call): plain numbers,
    strings and None by type and value (0.0 and -0.0 apart), a HOSTILE_FIXED object by identity."""
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return type(value), value
    if type(value) is float:
        return float, repr(value)
    if any(value is v for v in HOSTILE_FIXED):
        return "fixed", id(value)
    return None


def wrong_answers(right) -> st.SearchStrategy:
    """Answers an exercise checker must reject (never raise on): hostile values and near misses of
    ``right`` (a number: ±2 %, ×10, sign flipped, truncated)."""
    near = []
    if isinstance(right, numbers.Real) and not isinstance(right, bool) and math.isfinite(right) and right != 0:
        near = [right * 1.02, right * 0.98, right * 10, -right, float(int(right)) if int(right) != right else right + 1]
    return st.one_of(HOSTILE, st.sampled_from(near or [None]))
