"""A reader without a kernel: each committed notebook rendered to HTML by nbconvert (as nbviewer and
most static viewers do) and opened in headless Chromium, offline. Every slider panel's cell must
show a picture (the PNG each panel leaves beside its widget), and no progress bar may read "0%".

Skips, saying why, where Playwright or Debian's Chromium is missing (``.ci/run`` installs it).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pw = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _panel_cells(path: Path) -> list[str]:
    """Ids of the code cells whose output holds a widget (the slider panels)."""
    cells = json.loads(path.read_text())["cells"]
    return [c["id"] for c in cells if c["cell_type"] == "code"
            and any(WIDGET in o.get("data", {}) for o in c.get("outputs", []))]


@pytest.fixture(scope="module")
def browser():
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_static_html_shows_every_panel(path, browser, tmp_path, e2e_out):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(path))
    html = tmp_path / f"{path.stem}.html"
    html.write_text(body)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    page.goto(html.as_uri(), wait_until="load")
    panels = _panel_cells(path)
    for n in panels:
        cell = page.locator(f'[id="cell-id={n}"]')  # nbconvert gives each rendered cell its notebook id
        assert cell.count() == 1, f"{path.stem}: cell {n} not found in the HTML"
        imgs = cell.locator(".jp-OutputArea img")
        assert imgs.count() >= 1, f"{path.stem}: the panel in cell {n} shows no picture in the static HTML"
        box = imgs.first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, (path.stem, n, box)
    text = page.locator(".jp-OutputArea").all_inner_texts()
    assert not any("0%|" in t for t in text), f"{path.stem}: a progress bar frozen at 0 % in the static HTML"
    out = e2e_out.parent / "e2e-static"  # not e2e_out itself: the slider test empties that folder
    out.mkdir(parents=True, exist_ok=True)
    if panels:
        page.locator(f'[id="cell-id={panels[0]}"]').screenshot(path=str(out / f"{path.stem}.png"))
    page.close()
