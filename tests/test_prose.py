"""Words against numbers: no measured number is typed by hand into a notebook's prose
(tools/prose_numbers.py states the rule and what may stay typed; CONTRIBUTING.md explains it)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools import prose_numbers

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _nb(markdown: str, code: str = "print(f'{acc:.2f}')", output: str = "0.89\n", meta=None):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), cell]
    if meta:
        nb.metadata["vglab"] = meta
    return nb


def test_rule_catches_a_stale_number():
    """The fixture: prose says 0.79 and 57 %, the output beside it prints 0.89; both are flagged."""
    found = prose_numbers.hits(_nb("The sigmoid stack reaches 0.79 accuracy, against 57 % without ω."))
    assert [tok for _, tok, _ in found] == ["0.79", "57 %"]
    assert prose_numbers.hits(_nb("Gradients shrink to $10^{-3}$ of their size.")), "numbers inside math count too"
    assert prose_numbers.hits(_nb("It loses about 16 orders of magnitude.")), "an approximate measured count"


def test_rule_lets_the_allowed_numbers_stay():
    allowed = ("Eq. (25) of §8, Table 1 (1994); 50 layers, 10 networks, T = 100. "
               "The paper reports 96 / 44 % and Q > 25. σ′ ≤ 1/4 = 0.25. We use lr = 0.01.")
    assert prose_numbers.hits(_nb(allowed, code="lr = 0.01")) == []
    assert prose_numbers.hits(_nb("Saturated beyond |a| > 4.36.", meta={"typed_numbers": {"4.36": "σ′ = σ′(0)/20"}})) == []
    assert prose_numbers.hits(_nb("Saturated beyond |a| > 4.36.")) != []  # undeclared: flagged


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_measured_number_is_typed_into_prose(path):
    found = prose_numbers.hits(nbformat.read(path, as_version=4))
    assert not found, "typed numbers that look measured (print them from the run, or declare a formula " \
        "constant in the notebook's metadata):\n" + "\n".join(f"cell {i}: {tok!r} in ...{ctx}..." for i, tok, ctx in found)
