"""Exercises make the learner think: no worked answer re-runs code shown above it, no first hint
gives the answer away.

Two rules (issue 18; CONTRIBUTING.md, "Add an exercise"), checked on every committed notebook:

* **No repeated code.** The worked answer's code (without comments, blank lines and the checker
  call) must not repeat a code cell above the exercise, nor source code that a cell above printed
  (``show_source``): a worked answer that is a copy of code the learner just saw is a re-run, not a
  derivation. "Repeat" means that most of the answer's lines (``REPEAT_SHARE``) occur in one earlier
  cell, or that a one-line answer of some length equals one of its lines.
* **No answer in the first hint.** The first hint is what the unanswered exercise cell prints (its
  checker called with the placeholder), as committed. The accepted answer is what the worked answer
  passed its checker, recorded while ``tools.rebuild`` executed the notebook
  (``notebooks/accepted_answers.json``, written by ``vglab.exercises._record``). The hint must not
  contain it: a number in any usual spelling (0.25, 1/4, 2.5e-01), a word unless the hint lists it
  among other options ("answer with one of [...]"), or the expression a function answer returns.

Reads files only (nbval executes the notebooks). The fixture tests at the end build a small notebook
that breaks each rule, so each rule can fail.
"""
from __future__ import annotations

import ast
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANSWERS = ROOT / "notebooks" / "accepted_answers.json"
CHECK_CALL = re.compile(r"\b(?:exercises|ex)\.(check_\w+)\s*\(")
REPEAT_SHARE = 0.6  # this share of the answer's code lines found in one earlier cell is a repeat
ONE_LINE_MIN = 30  # a one-line answer this long (characters, no spaces) that equals an earlier line


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _text_outputs(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o.get("text", ""))
        elif o.get("output_type") in ("display_data", "execute_result"):
            data = o.get("data", {})
            out.append(data.get("text/markdown", "") or data.get("text/plain", ""))
    return "".join(out)


def exercises(nb) -> list[tuple[int, set]]:
    """(index, checker names) of each exercise cell: calls a checker, is not a worked answer, and is
    followed by its worked answer."""
    found = []
    for i, c in enumerate(nb.cells[:-1]):
        if c.cell_type == "code" and "solution" not in _tags(c) and CHECK_CALL.search(c.source) \
                and "solution" in _tags(nb.cells[i + 1]):
            found.append((i, set(CHECK_CALL.findall(c.source))))
    return found


def _code_lines(text: str) -> list[str]:
    """Code lines without comments, blank lines, spaces, and the checker/quietly plumbing."""
    lines = []
    for raw in text.splitlines():
        line = raw if re.search(r"['\"][^'\"]*#", raw) else raw.split("#", 1)[0]
        line = re.sub(r"\s+", "", line).rstrip(";")
        if line in ("", "pass", "...", "return", "```") or CHECK_CALL.search(raw) or "quietly()" in line:
            continue
        lines.append(line)
    return lines


def repeated_code(nb) -> list[str]:
    """One message per worked answer that repeats a code cell (or printed source) above its exercise."""
    bad = []
    for i, _ in exercises(nb):
        answer = _code_lines(nb.cells[i + 1].source)
        if not answer:
            continue
        for j in range(i):
            c = nb.cells[j]
            if c.cell_type != "code" or "solution" in _tags(c) or CHECK_CALL.search(c.source):
                continue
            earlier = set(_code_lines(c.source)) | set(_code_lines(_text_outputs(c)))
            shared = [line for line in answer if line in earlier]
            if (len(answer) >= 2 and len(shared) >= 2 and len(shared) >= REPEAT_SHARE * len(answer)) or \
                    (len(answer) == 1 and shared and len(answer[0]) >= ONE_LINE_MIN):
                bad.append(f"cell {i + 1} (worked answer of the exercise in cell {i}) repeats cell {j}: "
                           f"{len(shared)} of its {len(answer)} code lines, e.g. {shared[0]!r}")
                break
    return bad


def first_hint(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def number_spellings(x: float) -> set[str]:
    """How a hint could spell the number ``x``: 0.25, .25, 1/4, 2.5e-01, 25 % ... (integers below 10
    are left out: a hint may say "layer 1" or "two numbers" without giving a layer number away)."""
    if not math.isfinite(x) or (x == int(x) and abs(x) < 10):
        return set()
    forms = set()
    for v in (x, -x) if x < 0 else (x,):
        forms |= {f"{v:.{k}g}" for k in (2, 3, 4)} | {f"{v:.{k}f}".rstrip("0").rstrip(".") for k in (1, 2, 3)}
        forms |= {f"{v:.{k}e}" for k in (0, 1)} | {f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")}
    frac = Fraction(x).limit_denominator(24)
    if frac.denominator > 1 and abs(float(frac) - x) < 1e-9 * max(1.0, abs(x)):
        forms.add(f"{frac.numerator}/{frac.denominator}")
    forms |= {f[1:] for f in forms if f.startswith("0.")}
    return {f for f in forms if f not in ("0", "-0", "", "0e+00") and re.search(r"[1-9]", f)}


def gives_away(hint: str, answer) -> str | None:
    """What in ``hint`` gives ``answer`` (one recorded description) away, or None."""
    if isinstance(answer, list):
        for a in answer:
            if (why := gives_away(hint, a)) is not None:
                return why
        return None
    if isinstance(answer, float):
        for form in sorted(number_spellings(answer), key=len, reverse=True):
            if re.search(rf"(?<![\w.]){re.escape(form)}(?![\w]|\.\d)", hint):
                return f"the number {form}"
        return None
    if isinstance(answer, str):
        word = answer.strip().lower()
        if len(word) < 2 or not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", hint.lower()):
            return None
        listed = re.search(r"one of \[([^\]]*)\]", hint)
        if listed and len(re.findall(r"'[^']*'", listed.group(1))) >= 2:
            return None  # the answer is one of several options the hint lists
        return f"the word {answer!r}"
    if isinstance(answer, dict) and "source" in answer:
        flat = re.sub(r"\s+", "", hint)
        for ret in re.findall(r"^\s*return\s+(.+)$", answer["source"], flags=re.M):
            expr = re.sub(r"\s+", "", ret.split("#")[0])
            if len(expr) >= 5 and expr in flat:
                return f"the returned expression {ret.strip()!r}"
    return None


def hints_giving_answers(nb, recorded: list[dict]) -> list[str]:
    """One message per exercise whose first hint is missing, is not a hint, or contains its answer."""
    bad = []
    by_checker: dict[str, list] = {}
    for r in recorded:
        by_checker.setdefault(r["checker"], []).append(r["answers"])
    for i, names in exercises(nb):
        hint = first_hint(nb.cells[i])
        if "Not yet:" not in hint:
            bad.append(f"cell {i}: the unanswered exercise prints no 'Not yet: ...' hint ({hint[:80]!r})")
            continue
        for name in sorted(names):
            if name not in by_checker:
                bad.append(f"cell {i}: no recorded answer for {name}; rebuild the notebook with tools.rebuild")
                continue
            for answers in by_checker[name]:
                for a in answers:
                    why = gives_away(hint, a)
                    if why:
                        bad.append(f"cell {i}: the first hint of {name} contains the accepted answer ({why}): "
                                   f"{hint.strip()[:160]!r}")
    return bad


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb_path(request):
    return request.param


def test_no_worked_answer_repeats_code_above(nb_path):
    bad = repeated_code(nbformat.read(nb_path, as_version=4))
    assert not bad, "\n".join(bad)


def test_no_first_hint_contains_the_answer(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    if not exercises(nb):
        pytest.skip("no exercises")
    table = json.loads(ANSWERS.read_text(encoding="utf-8")) if ANSWERS.exists() else {}
    assert nb_path.stem in table, f"{ANSWERS.name} has no answers for {nb_path.stem}: rebuild it (tools.rebuild)"
    bad = hints_giving_answers(nb, table[nb_path.stem])
    assert not bad, "\n".join(bad)


# ---- each rule can fail: a fixture notebook that breaks both -------------------------------------
def _fixture_nb(answer_code: str, hint: str):
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("grid = torch.linspace(-10, 10, 2001)\nd = sat.derivative('sigmoid', grid)\n"
                                      "i = int(d.argmax())")
    ex_cell = nbformat.v4.new_code_cell("ex.check_sigmoid_peak(a=..., value=...);")
    ex_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"Not yet: {hint}\n")]
    sol = nbformat.v4.new_code_cell(answer_code, metadata={"tags": ["solution", "nbval-check-output"]})
    nb.cells = [shown, ex_cell, sol]
    return nb


def test_fixture_repeated_code_is_caught():
    copied = ("grid = torch.linspace(-10, 10, 2001)\nd = sat.derivative('sigmoid', grid)\ni = int(d.argmax())\n"
              "with ex.quietly():\n    ok = ex.check_sigmoid_peak(a=float(grid[i]), value=float(d[i]))")
    assert repeated_code(_fixture_nb(copied, "where is p(1 - p) largest?"))
    derived = "with ex.quietly():  # p(1 - p) peaks at p = 1/2\n    ok = ex.check_sigmoid_peak(a=0.0, value=0.25)"
    assert not repeated_code(_fixture_nb(derived, "where is p(1 - p) largest?"))


def test_fixture_hint_with_the_answer_is_caught():
    recorded = [{"checker": "check_sigmoid_peak", "answers": [0.0, 0.25]}]
    assert hints_giving_answers(_fixture_nb("", "the peak value is 1/4"), recorded)
    assert hints_giving_answers(_fixture_nb("", "the peak value is 0.25."), recorded)
    assert not hints_giving_answers(_fixture_nb("", "where is p(1 - p) largest?"), recorded)
    assert hints_giving_answers(_fixture_nb("", "where is it largest?"), [])  # no recorded answer
    words = [{"checker": "check_sigmoid_peak", "answers": ["residual"]}]
    assert hints_giving_answers(_fixture_nb("", "try the residual fix"), words)
    assert not hints_giving_answers(_fixture_nb("", "answer with one of ['residual', 'LSTM']; think"), words)
    fn = [{"checker": "check_sigmoid_peak", "answers": [{"source": "def f(a):\n    return s * (1 - s)\n"}]}]
    assert hints_giving_answers(_fixture_nb("", "compute s * (1 - s) with s = σ(a)"), fn)


def test_number_spellings():
    assert {"0.25", ".25", "1/4", "2.5e-01"} <= number_spellings(0.25)
    assert number_spellings(3.0) == set()  # small whole numbers are not flagged
    assert "15" in number_spellings(15.0) and "1e-03" in number_spellings(1e-3)
