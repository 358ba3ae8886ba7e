"""Record the answers the worked-answer cells give, so a test can check the first hints against them.

When the environment variable ``VGLAB_ANSWERS`` names a file (``tools.rebuild`` sets it for the
kernel while it executes a notebook), every checker call that returns True appends one JSON line to
that file: the checker's name and a plain description of each argument (a number, a string, a list
of numbers, or a function's source). ``tools.rebuild`` gathers the lines into
``notebooks/accepted_answers.json``; ``tests/test_exercise_design.py`` then checks that no
exercise's first hint (its committed "Not yet: ..." line) contains the answer its worked answer gave.
Outside a rebuild nothing is recorded and the wrapper costs one dictionary lookup.
"""
from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import os
import textwrap

ENV = "VGLAB_ANSWERS"


def describe(value):
    """A JSON-ready description of one answer: a number, a string, a list of them, a function's
    source, or None for anything else (a tensor, a model)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 16:
        items = [describe(v) for v in value]
        return items if all(isinstance(v, (float, str)) for v in items) else None
    if callable(value):
        try:
            return {"source": textwrap.dedent(inspect.getsource(value))}
        except (OSError, TypeError):
            return None
    try:  # a one-element tensor or array
        if getattr(value, "numel", lambda: getattr(value, "size", 0))() == 1:
            return describe(value.item())
    except Exception:  # noqa: BLE001 -- describing must never break a checker
        pass
    return None


def recorded(checker):
    """Wrap a checker so that, during a rebuild, a call that returns True records its arguments."""
    @functools.wraps(checker)
    def wrapper(*args, **kwargs):
        ok = checker(*args, **kwargs)
        path = os.environ.get(ENV)
        if path and ok is True:
            try:
                answers = [describe(a) for a in args] + [describe(v) for v in kwargs.values()]
                with open(path, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"checker": checker.__name__, "answers": answers}) + "\n")
            except Exception:  # noqa: BLE001 -- recording must never break a checker
                pass
        return ok
    return wrapper
