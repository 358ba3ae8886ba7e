"""A learner's view: JupyterLab in a real (headless) browser runs each notebook that has a slider
panel, moves a slider, and checks that the figure changed.

JupyterLab is started on 127.0.0.1 over COPIES of the notebooks in a temporary folder (it autosaves),
with VGLAB_QUICK=1 so the kernels run in quick mode. Debian's Chromium is driven by Playwright
(no browser download). Part of the test command; the module skips, saying why, only where Playwright
or Chromium is missing (``.ci/run`` installs Chromium with apt-get). Each notebook opens in its own
JupyterLab workspace (no tabs restored from the previous one) and its kernel is shut down after.
After "Run All Cells" the notebook is saved from the browser and the file JupyterLab wrote is read:
every code cell ran and none ended in an error.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tools.checked_outputs import errors

pw = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDGET = "application/vnd.jupyter.widget-view+json"


def notebooks_with_panels():
    out = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        if any(WIDGET in o.get("data", {}) and "tqdm" not in json.dumps(o.get("data", {}).get("text/plain", ""))
               and "%|" not in "".join(o.get("data", {}).get("text/plain", ""))
               for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])):
            out.append(nb.name)
    return out


@pytest.fixture(scope="module")
def lab(tmp_path_factory, e2e_out):
    shutil.rmtree(e2e_out, ignore_errors=True)  # this run's screenshots only
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    log = open(work / "lab.log", "w")
    settings = work / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = dict(os.environ, VGLAB_QUICK="1", JUPYTERLAB_SETTINGS_DIR=str(work / "lab-settings"))
    env.pop("MPLBACKEND", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--allow-root",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("jupyter lab did not start; see " + str(work / "lab.log"))
    with pw.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield url, token, browser, work, e2e_out
        browser.close()
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


def _wait_idle(page, timeout=180_000):
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=timeout)


def _save_and_read(page, path, name):
    """Save the notebook from the browser (File > Save Notebook) and read what JupyterLab wrote."""
    before = path.stat().st_mtime_ns
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Save Notebook").first.click()
    for _ in range(100):
        if path.stat().st_mtime_ns != before:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"{name}: JupyterLab did not save the notebook within 10 s")
    page.wait_for_timeout(300)  # let the write finish
    return nbformat.read(path, as_version=4)


def _assert_saved_without_errors(page, path, name, tries=6):
    """Every cell ran, and no cell ended in an error, in the file JupyterLab saved. The status bar
    can read "Idle" for a moment between two queued cells of "Run All Cells" (a busy machine), so
    cells not run yet are waited for (idle again, then 5 s) up to ``tries`` saves before failing."""
    for attempt in range(tries):
        nb = _save_and_read(page, path, name)
        raised = errors(nb)
        assert not raised, f"{name}: cells raised in the browser: {raised}"
        cells = [c for c in nb.cells if c.cell_type == "code"]
        not_run = [i for i, c in enumerate(cells) if c.get("execution_count") is None and c["source"]]
        if not not_run:
            return
        page.wait_for_timeout(5000)
        _wait_idle(page)
    assert not not_run, f"{name}: code cells {not_run} did not run (after {tries} saves)"


def _shutdown_kernels(url, token):
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}", timeout=10) as r:
        kernels = json.load(r)
    for k in kernels:
        req = urllib.request.Request(f"{url}/api/kernels/{k['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(req, timeout=30).close()


@pytest.mark.parametrize("name", notebooks_with_panels())
def test_slider_redraws_in_real_browser(lab, name):
    url, token, browser, work, shots = lab
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    t0 = time.perf_counter()
    try:
        ws = Path(name).stem.replace("_", "-")
        page.goto(f"{url}/lab/workspaces/{ws}/tree/notebooks/{name}?reset&token={token}")
        _wait_idle(page, 90_000)
        t_open = time.perf_counter()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        panel = page.locator(".widget-vbox:has(img.widget-image)").first
        panel.wait_for(timeout=180_000)
        page.wait_for_timeout(500)
        _wait_idle(page)
        t_run = time.perf_counter()
        _assert_saved_without_errors(page, work / "notebooks" / name, name)
        img = panel.locator("img.widget-image").first
        panel.scroll_into_view_if_needed()
        before = img.get_attribute("src")
        slider = panel.locator(".widget-hslider").first
        if slider.count():
            handle = slider.locator(".noUi-handle").first
            readout = slider.locator(".widget-readout").first
            value = readout.inner_text()
            for key in ("ArrowRight", "ArrowLeft"):  # left if the slider starts at its maximum
                handle.focus()
                for _ in range(4):
                    page.keyboard.press(key)
                page.wait_for_timeout(300)
                if readout.inner_text() != value:
                    break
            assert readout.inner_text() != value, f"{name}: the slider did not move ({value})"
        else:  # a panel driven by a drop-down only
            select = panel.locator("select").first
            options = select.locator("option").all_text_contents()
            select.select_option(options[-1])
        last, stable = None, 0
        for _ in range(150):  # until the image stops changing (each key press may redraw)
            page.wait_for_timeout(200)
            src = img.get_attribute("src")
            stable = stable + 1 if src == last else 0
            last = src
            if stable >= 5 and src != before:
                break
        shots.mkdir(parents=True, exist_ok=True)
        shot = shots / f"{Path(name).stem}_after_slider.png"
        page.screenshot(path=str(shot))
        t_end = time.perf_counter()
        line = (f"{name}: opened {t_open - t0:.1f} s, ran all cells {t_run - t_open:.1f} s, slider to a new "
                f"figure {t_end - t_run:.1f} s; screenshot after moving a slider: {shot}")
        print("\n" + line)
        with open(shots / "report.txt", "a") as f:
            f.write(line + "\n")
        assert last != before, f"{name}: the figure did not change after moving a slider"
    finally:
        page.close()
        _shutdown_kernels(url, token)
