"""What a reader without a kernel sees (GitHub, nbviewer, nbconvert's HTML): every slider panel
leaves a still picture, no progress bar is frozen at 0 %, and no stray True/False/None is shown.

The committed notebooks are read as files; two small notebooks are executed to check the
mechanisms themselves (the panel's PNG beside its widget, the progress bar's closing line).
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def _text(o) -> str:
    t = o.get("text") or o.get("data", {}).get("text/plain", "")
    return "".join(t) if isinstance(t, list) else t


def _execute(sources):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    return nb


def test_mechanisms_in_a_saved_notebook():
    nb = _execute(["from vglab.train import progress\nfor i in progress(range(7), desc='demo'): pass",
                   "from vglab.train import progress\nfor i in progress(range(9), desc='cut'):\n    if i == 3: break",
                   "from vglab.widgets.intro import chain_panel\nchain_panel()"])
    (bar,), (cut,), (panel,) = (c.outputs for c in nb.cells)
    assert bar.data == {"text/plain": bar.data["text/plain"]} and bar.data["text/plain"].startswith("demo: 7/7 steps in ")
    assert cut.data["text/plain"].startswith("cut: stopped at 3/9 steps in "), cut.data  # an early stop says so
    assert WIDGET in panel.data and panel.data["image/png"].startswith("iVBORw0KGgo")  # a PNG's base64 magic
    assert panel.data["text/plain"].startswith("[slider panel (factor, depth)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_read_well_without_a_kernel(path):
    nb = nbformat.read(path, as_version=4)
    # saved widget state would make nbconvert/nbviewer draw panels through CDN JavaScript instead of
    # their PNG (tools/rebuild.py drops it; tests/e2e/test_static_html.py checks the rendered page)
    assert "widgets" not in nb.metadata, f"{path.stem}: saved widget state (rebuild with tools.rebuild)"
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        for o in c.outputs:
            text = _text(o)
            assert "0%|" not in text, f"{path.stem} cell {i}: a progress bar frozen at 0 %: {text[:80]!r}"
            if o.get("output_type") == "execute_result":
                assert text.strip() not in ("True", "False", "None"), \
                    f"{path.stem} cell {i}: a stray {text.strip()} (end the line with ';' or assign it)"
            if WIDGET in o.get("data", {}):
                assert "image/png" in o["data"], f"{path.stem} cell {i}: a widget without a still picture"


def test_say_renders_a_sentence_whose_text_nbval_can_compare():
    nb = _execute(["from vglab.show import say\nacc = 0.8912\nsay(f'reaches **{acc:.0%}**')"])
    (out,) = nb.cells[0].outputs
    assert out.data == {"text/plain": "reaches **89%**", "text/markdown": "reaches **89%**"}
    from vglab.show import say

    with pytest.raises(TypeError, match="text must be a str"):
        say(0.89)


def test_static_text_names_sliders_only_when_the_panel_has_one():
    """Read 08r25 S2: a panel of menus said "move the sliders"."""
    import ipywidgets as widgets

    from vglab.widgets.panel import Panel

    draw = lambda fig, axes, **values: None  # noqa: E731
    menus = Panel({"view": widgets.Dropdown(options=["a", "b"])}, draw)
    slider = Panel({"gain": widgets.FloatSlider(value=1.0, min=0.1, max=2.0), "view": widgets.Dropdown(options=["a"])}, draw)
    assert menus._repr_mimebundle_()["text/plain"] == "[panel (view): run the notebook to use its controls]"
    assert slider._repr_mimebundle_()["text/plain"] == "[slider panel (gain, view): run the notebook to move the sliders]"
