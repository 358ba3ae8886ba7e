"""Words against numbers: find measured numbers typed by hand into a notebook's Markdown.

The rule (CONTRIBUTING.md, "Numbers in prose"): a number that comes from a run is printed by the
run -- a code cell renders the sentence from the computed values (``IPython.display.Markdown``) --
and is never typed into Markdown, where it goes stale the next time the code changes. Inside math
too. These may stay typed:

* structure: equation numbers (``(25)``, ``\\tag{03.2}``, "eq. 6"), section, notebook, figure and
  table numbers, years (1994, 2013);
* plain whole numbers: sizes, counts and settings ("50 layers", "10 networks", "T = 100"), which the
  code sets; write a measured count ("16 orders of magnitude") from the run instead;
* a hyper-parameter or constant that a code cell of the same notebook sets: the literal appears in
  a code cell's source (``lr=1e-5``, ``0.04``);
* constants of a formula, listed in ``FORMULA_CONSTANTS`` (1/4, 0.25, ...), or declared with the
  formula they come from in the notebook's metadata (the .md's YAML header)::

      vglab:
        typed_numbers:
          "4.36": "sigmoid: σ′(a) = σ′(0)/20 at |a| = 2·arccosh(√5)"
          "0.01": "the learning rate deep_mlp.train_digits sets"

  A declared number is allowed anywhere in that notebook; declare only exact constants and
  settings, never a measured value;
* values quoted from a source and marked as the source's: within the same sentence, before the
  number, a marker such as "paper", "patent", "lecture", "Table 1", "Fig. 2", "Pascanu", "published".

Everything else that looks measured is flagged: a decimal (0.79), a percentage (96 %), a power of
ten (1e-3, 10^{-3}, 10⁻³), or a whole number after "≈", "~" or "about".

    python -m tools.prose_numbers notebooks/*.ipynb      # list the hits; exit 1 if any
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

FORMULA_CONSTANTS = {
    "1/4", "0.25", "1/2", "0.5", "2.30", "2.303", "ln 10", "4.0", "1.0", "0.0", "1/e",
}
SOURCE = re.compile(
    r"(?i)\b(paper|patent|lecture|slides?|seed 00\d|table\s*\d|fig(ure)?\.?\s*\d|eq\.?\s*\(?\d|published|printed|"
    r"pascanu|glorot|kaiming|he et al|hochreiter|bengio|sutskever|chernodub|kingma|karpathy|lstm paper|"
    r"authors?|reports?|claims?|quotes?|source'?s?|sibling code)\b")
MEASURED = re.compile(
    r"(?<![\w.§(\\])("
    r"\d+(?:\.\d+)?\s?(?:e|E)[-+−]?\d+"            # 1e-3, 2.5e-8
    r"|10\s*\^\s*\{?[-−]?\d+\}?"                   # 10^{-3}, 10^-3
    r"|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+"                           # 10⁻³
    r"|\d+(?:\.\d+)?\s?%"                          # 96 %, 0.5%
    r"|\d+\.\d+"                                   # 0.79
    r"|(?:(?<=≈)|(?<=≈ )|(?<=~)|(?<=about )|(?<=around )|(?<=roughly ))\d+"
    r")(?![\w.]*\d)")
STRUCTURE = re.compile(r"(?i)(\\tag\{[^}]*\}|\beq\.?\s*\(?[\d.]+\)?|§\s*[\d.]+|\((\d{1,2}(\.\d+)?)\)|"
                       r"\b(?:section|notebook|table|fig\.?|figure|claim|cell|ch\.?|chapter|vol\.?|pp?\.)s?\s+[\d.–-]+|"
                       r"\barXiv:\s*[\d.]+|\bv\d+(\.\d+)+|\b\d+\.\d+\.\d+\b)")


def _code_literals(nb) -> set[str]:
    """Every number literal in the notebook's code sources (the settings the code itself sets)."""
    lits = set()
    for c in nb.cells:
        if c.cell_type == "code":
            for m in re.finditer(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", c.source):
                lits.add(m.group(0))
    return lits


def _norm(token: str) -> str:
    t = token.replace("−", "-").replace(" ", "").rstrip("%")
    m = re.fullmatch(r"10\^\{?(-?\d+)\}?", t)
    if m:
        return f"1e{m.group(1)}"
    return t


def _sentence_before(text: str, start: int) -> str:
    cut = max(text.rfind(". ", 0, start), text.rfind("\n\n", 0, start), text.rfind("|", 0, start))
    return text[cut + 1:start]


def hits(nb) -> list[tuple[int, str, str]]:
    """``(cell index, number, context)`` for every measured-looking number typed into Markdown."""
    code = _code_literals(nb)
    declared = {_norm(str(k)) for k in nb.metadata.get("vglab", {}).get("typed_numbers", {})}
    found = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "markdown":
            continue
        text = re.sub(r"```.*?```", " ", c.source, flags=re.S)
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        masked = STRUCTURE.sub(lambda m: " " * len(m.group(0)), text)
        for m in MEASURED.finditer(masked):
            tok = m.group(1)
            n = _norm(tok)
            if tok.strip() in FORMULA_CONSTANTS or n in declared or n in code or n.rstrip("0").rstrip(".") in code:
                continue
            if re.fullmatch(r"(19|20)\d\d", n):
                continue
            if SOURCE.search(_sentence_before(text, m.start())):
                continue
            ctx = text[max(0, m.start() - 60):m.end() + 30].replace("\n", " ")
            found.append((i, tok, ctx))
    return found


def main(argv=None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    total = 0
    for p in paths:
        for i, tok, ctx in hits(nbformat.read(p, as_version=4)):
            total += 1
            print(f"{p.name} cell {i}: {tok!r} in \"...{ctx}...\"")
    print(f"{total} typed number(s) that look measured" if total else "no typed measured numbers")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
