"""Render the library's real source in a notebook, so the code shown is the code that runs."""
from __future__ import annotations

import inspect
import re
import textwrap


def source(obj) -> str:
    """The source text of a function, class or method (dedented)."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as e:
        raise TypeError(f"show_source: obj must be a Python function, class or method "
                        f"defined in a source file, got {obj!r}") from e


def show_source(obj, *, docstring: bool = True):
    """Display ``obj``'s real source as a Python code block (returns the Markdown object).

    ``docstring=False`` drops the docstring so the lesson shows only the lines that compute.
    """
    from IPython.display import Markdown  # notebook-only dependency, imported lazily

    from . import _args
    _args.boolean("docstring", docstring)
    text = source(obj)
    if not docstring:
        text = _strip_docstring(text)
    where = f"{inspect.getmodule(obj).__name__}.{getattr(obj, '__qualname__', obj.__name__)}"
    md = Markdown(data="")
    md.data = f"`{where}`\n\n```python\n{text.rstrip()}\n```"
    return md


def _strip_docstring(text: str) -> str:
    import ast

    tree = ast.parse(text)
    node = tree.body[0]
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        lines = text.splitlines()
        start, end = body[0].lineno - 1, body[0].end_lineno
        return "\n".join(lines[:start] + lines[end:]) + "\n"
    return text


def say(text: str):
    """A sentence rendered from computed values, shown as Markdown (returns the Markdown object).

    The lab's rule (CONTRIBUTING.md, "Numbers in prose"): a measured number is printed by the code
    that measured it, never typed into a Markdown cell. So the sentence that states a result is an
    f-string in a code cell::

        say(f"The sigmoid stack reaches **{acc:.0%}** with ω, against {base:.0%} without.")

    Its text/plain form is the same text, so nbval can compare it when the cell is tagged
    ``nbval-check-output`` (round the numbers so that quick and learner mode print the same).
    """
    from IPython.display import Markdown

    if not isinstance(text, str):
        raise TypeError(f"say: text must be a str (an f-string with the computed values), got {type(text).__name__}")

    class Said(Markdown):
        def __repr__(self):  # text/plain: the sentence itself (IPython's default names the class)
            return self.data

    said = Said(data="")
    said.data = text  # set afterwards: IPython reads a text that names an existing file, or starts with http, as one
    return said


_NEGATIVE = re.compile(r"(?<![\w.\-−])-(?=\.?\d)")  # a hyphen that starts a number, not one inside 1e-7 or 10-90


def typeset_minus(text: str) -> str:
    """``text`` with the ASCII hyphen of each negative number replaced by the minus sign −.

    Python's format prints ``-6.4``; the notebook's Markdown writes ``−6``. Only a hyphen directly
    before a digit (or ``.digit``) and not after a letter, digit, point or hyphen is a sign: ``Q = -6.4``
    and ``(-7.0 … -4.8)`` change, ``1e-7``, ``10-90 %``, ``1800-1999`` and ``1 - z`` do not.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _NEGATIVE.sub("−", text)
