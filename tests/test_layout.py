"""The repository's shape: notebook pairs (jupytext source + executed .ipynb), the set-up cell every
notebook opens with, and the package's module map (CONTRIBUTING.md states these rules).

Reads files only; nbval executes the notebooks themselves.
"""
from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest

import vglab

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
IPYNB = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted(NB_DIR.glob("[0-9][0-9]_*.md"))
# metadata that the executor writes and the source need not carry (timings of the last run)
RUN_ONLY = {"execution", "ExecuteTime"}


def _cells(nb):
    return [(c.cell_type, c.source, {k: v for k, v in c.metadata.items() if k not in RUN_ONLY}) for c in nb.cells]


def test_every_notebook_is_a_pair():
    assert len(IPYNB) == 9, [p.name for p in IPYNB]
    assert [p.stem for p in SOURCES] == [p.stem for p in IPYNB], "each NN_topic.ipynb needs its NN_topic.md and back"
    cfg = tomllib.loads((ROOT / "jupytext.toml").read_text())
    assert cfg["formats"] == "ipynb,md:myst"


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_source_and_notebook_hold_the_same_cells(ipynb):
    """What the .md says is what the committed .ipynb holds: same cells, same sources, same tags and
    metadata (solution cells' hidden source included). After editing one, sync or rebuild."""
    md = jupytext.read(ipynb.with_suffix(".md"))
    assert md.metadata["jupytext"]["text_representation"]["format_name"] == "myst"
    a, b = _cells(nbformat.read(ipynb, as_version=4)), _cells(md)
    assert len(a) == len(b), f"{ipynb.name} has {len(a)} cells, its .md {len(b)}: run jupytext --sync or tools.rebuild"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{ipynb.stem} cell {i} differs between .ipynb and .md:\n{x}\n{y}"


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_every_notebook_opens_with_the_setup_cell(ipynb):
    """The first code cell imports the lab, seeds once, picks the device and says which (its output
    depends on the machine, so nbval ignores it)."""
    nb = nbformat.read(ipynb, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    for needed in ("import vglab as vg", "vg.seed(0)", "dev = vg.device()", "vg.describe(dev)"):
        assert needed in first.source, f"{ipynb.stem}: the set-up cell lacks {needed!r}"
    assert first.metadata.get("tags") == ["nbval-ignore-output"], first.metadata
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(f"# {ipynb.stem[:2]} · ")


def _module_map() -> set[str]:
    """Dotted names listed in vglab/__init__.py's docstring map (``engine/`` then indented ``core``...)."""
    names, parent = set(), None
    for line in vglab.__doc__.splitlines():
        m = re.match(r"^(\s*)([a-z_]+)(/?)(?:,\s*([a-z_]+)/)?\s{2,}", line)
        if not m:
            continue
        indent, name, slash, second = m.groups()
        if indent:
            if parent:
                names.add(f"{parent}.{name}")
            continue
        parent = name if slash else None
        names.add(name)
        if second:
            names.add(second)
    return names


def test_module_map_matches_the_tree():
    """Every public module and subpackage of vglab is in the map of vglab/__init__.py, and the map
    names nothing that does not exist (plots/ and widgets/ are listed as folders)."""
    tree = set()
    for m in pkgutil.iter_modules(vglab.__path__):
        if m.name.startswith("_"):
            continue
        tree.add(m.name)
        if m.ispkg and m.name not in ("plots", "widgets", "experiments", "exercises"):
            sub = __import__(f"vglab.{m.name}", fromlist=["x"])
            tree |= {f"{m.name}.{s.name}" for s in pkgutil.iter_modules(sub.__path__) if not s.name.startswith("_")}
    assert _module_map() == tree


def test_exercises_one_module_per_notebook():
    import vglab.exercises as ex

    topics = {m.name for m in pkgutil.iter_modules(ex.__path__) if not m.name.startswith("_")}
    named = set(re.findall(r"\b([a-z_]+) \(0\d\)", vglab.__doc__))
    assert topics == named and len(topics) == 9, (topics, named)


def test_modules_stay_readable_in_one_sitting():
    """DESIGN.md: about 300 lines at most per module (350 lines allowed)."""
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "vglab").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 350}
    assert not long, long
