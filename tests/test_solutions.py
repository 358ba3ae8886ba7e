"""Every exercise has one worked answer right after it, and instructors can strip them all.

Structure only (reads the committed .ipynb JSON, executes nothing): nbval runs the solution cells
themselves and compares their output in CI (they are tagged nbval-check-output). A worked answer runs
its checker inside ``exercises.quietly()``: the committed output is one neutral line, never the
checker's "Correct: ..." reply, which would show the answer under the exercise.
Convention: CONTRIBUTING.md ("Add an exercise"); stripping: tools/strip_solutions.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from tools import strip_solutions
from vglab.exercises import QUIET_LINE

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"\b(?:exercises|ex)\.(check_\w+)\s*\(")


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _is_solution(cell) -> bool:
    return "solution" in _tags(cell)


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _exercises(nb):
    """(index, checker names) of every code cell that calls a checker and is not itself a solution."""
    return [(i, set(CHECK_CALL.findall(c.source))) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and not _is_solution(c) and CHECK_CALL.search(c.source)]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_some_notebooks_have_exercises():
    with_ex = [p.stem for p in NOTEBOOKS if _exercises(nbformat.read(p, as_version=4))]
    assert len(with_ex) >= 7, with_ex  # 00-06 at least


def test_each_exercise_is_followed_by_its_solution(nb):
    for i, names in _exercises(nb):
        nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        assert nxt is not None and nxt.cell_type == "code" and _is_solution(nxt), \
            f"cell {i} calls {sorted(names)} but the next cell is not a solution cell"
        called = set(CHECK_CALL.findall(nxt.source))
        assert names <= called, f"solution after cell {i} calls {sorted(called)}, not {sorted(names)}"


def test_every_solution_answers_an_exercise(nb):
    exercise_cells = {i for i, _ in _exercises(nb)}
    for i, c in enumerate(nb.cells):
        if _is_solution(c):
            assert i - 1 in exercise_cells, f"solution cell {i} does not follow an exercise cell"


def test_solution_cells_are_collapsed_tagged_and_correct(nb):
    for i, c in enumerate(nb.cells):
        if not _is_solution(c):
            continue
        assert c.cell_type == "code"
        assert "nbval-check-output" in _tags(c) and "nbval-ignore-output" not in _tags(c), (i, _tags(c))
        assert c.metadata.get("jupyter", {}).get("source_hidden") is True, f"solution cell {i} is not collapsed"
        assert not any(o.get("output_type") in ("error", "execute_result") for o in c.outputs), \
            f"solution cell {i}: an error or a stray displayed value (nbval does not honour ';')"
        out = _stdout(c)
        assert out and set(out.splitlines()) == {QUIET_LINE}, \
            f"solution cell {i} printed {out[:200]!r}, not only the neutral line (one per checker)"
        # the last statement calls a checker inside quietly() (its neutral line is what nbval compares)
        lines = c.source.rstrip().splitlines()
        assert CHECK_CALL.search(lines[-1]), f"solution cell {i} does not end with a checker call: {lines[-1]!r}"
        assert any(re.match(r"with (exercises|ex)\.quietly\(\):", ln) for ln in lines), \
            f"solution cell {i} does not run its checker inside exercises.quietly()"


def test_quietly_hides_a_correct_reply_and_shows_a_wrong_one(capsys):
    from vglab import exercises as ex
    with ex.quietly():
        assert ex.check_tenfold_factor(10 ** (-1 / 50))
    assert capsys.readouterr().out == QUIET_LINE + "\n"
    with ex.quietly():
        assert not ex.check_tenfold_factor(1.02)
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and QUIET_LINE not in out


def test_strip_removes_exactly_the_solutions(nb):
    kept = [c.source for c in nb.cells if not _is_solution(c)]
    n_solutions, n_exercises = len(nb.cells) - len(kept), len(_exercises(nb))
    assert n_solutions >= n_exercises  # one answer per exercise (test above), nothing to strip otherwise
    assert strip_solutions.strip(nb) == n_solutions
    assert [c.source for c in nb.cells] == kept  # everything else stays, in order
    assert not any(_is_solution(c) for c in nb.cells)
    assert len(_exercises(nb)) == n_exercises  # the exercises themselves stay


def test_strip_cli_writes_copies(tmp_path):
    src = [p for p in NOTEBOOKS if any(_is_solution(c) for c in nbformat.read(p, as_version=4).cells)][:2]
    assert src
    strip_solutions.main([str(p) for p in src] + ["--out", str(tmp_path)])
    for p in src:
        orig, out = nbformat.read(p, as_version=4), nbformat.read(tmp_path / p.name, as_version=4)
        assert len(out.cells) == len(orig.cells) - sum(_is_solution(c) for c in orig.cells) > 0
        assert not any(_is_solution(c) for c in out.cells)
        assert nbformat.validate(out) is None


def test_checker_names_are_unique_across_topics():
    """vglab.exercises star-imports every vglab.exercises.<topic>; a repeated name would silently shadow another
    notebook's checker (it happened: notebook 08's check_q_from_norms replaced notebook 05's)."""
    import importlib
    import pkgutil

    import vglab.exercises

    seen = {}
    topics = [m.name for m in pkgutil.iter_modules(vglab.exercises.__path__) if not m.name.startswith("_")]
    assert len(topics) == 9, topics  # one module per notebook, 00-08
    for name_ in topics:
        m = importlib.import_module(f"vglab.exercises.{name_}")
        for name in getattr(m, "__all__", []):
            assert name not in seen, f"{name} is exported by both {seen[name]} and {name_}"
            seen[name] = name_


def test_no_two_topic_modules_define_the_same_checker():
    """``vglab.exercises`` re-exports every topic module with ``import *``: a name defined twice would
    silently replace one notebook's checker with another's (it happened once, to check_orthogonal_q)."""
    import importlib
    import pkgutil

    import vglab.exercises as ex

    seen: dict[str, str] = {}
    for info in pkgutil.iter_modules(ex.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"vglab.exercises.{info.name}")
        for name in getattr(mod, "__all__", []):
            assert name not in seen, f"{name} is defined in both exercises.{seen[name]} and exercises.{info.name}"
            seen[name] = info.name
