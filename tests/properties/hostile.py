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

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
from hypothesis import Phase, given, settings, strategies as st

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
            assert name in msg or bare in msg, \
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

    def __post_init__(self):
        if self.name in REGISTERED:
            raise ValueError(f"{self.name} registered twice")
        REGISTERED[self.name] = self


def register(*cases: Case) -> list:
    return list(cases)


def check_valid(case: Case) -> None:
    """The valid call returns (never refuses) and keeps its promise of finiteness."""
    kind, out = call(case.fn, None, case.valid(), finite=case.finite, also=case.also)
    assert kind == "ok", f"{case.name}: the valid call was refused: {out}"


def check_probe(case: Case, arg: str, value) -> None:
    """One hostile value for one argument: a result under the contract or a clear refusal."""
    kwargs = case.valid()
    kwargs[arg] = value
    call(case.fn, arg, kwargs, finite=case.finite, also=case.also)


def probe_args(case: Case) -> list:
    return list(case.probe) if case.probe is not None else list(case.valid())


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

        @bound
        @given(data=st.data())
        def run(data):
            value = data.draw(case.values if case.values is not None else HOSTILE, label=arg)
            check_probe(case, arg, value)
        run()

    return test_valid_call_keeps_its_promise, test_hostile_argument_gives_a_result_or_a_clear_error


def wrong_answers(right) -> st.SearchStrategy:
    """Answers an exercise checker must reject (never raise on): hostile values and near misses of
    ``right`` (a number: ±2 %, ×10, sign flipped, truncated)."""
    near = []
    if isinstance(right, numbers.Real) and not isinstance(right, bool) and math.isfinite(right) and right != 0:
        near = [right * 1.02, right * 0.98, right * 10, -right, float(int(right)) if int(right) != right else right + 1]
    return st.one_of(HOSTILE, st.sampled_from(near or [None]))
