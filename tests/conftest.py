"""Session-wide test settings.

* Under pytest-xdist (the test command runs ``-n 2``) each worker's own torch work uses one thread,
  and so do the kernels it starts (nbval's, and JupyterLab's in the browser test: they inherit
  ``OMP_NUM_THREADS=1``), so two workers share the two cores instead of fighting over them (seen in
  .ci/run, not a controlled comparison: notebook 05 ran all cells in the browser in 80 s with two
  threads per kernel beside the other worker and one more job, 6 s on one thread on a quiet machine).
* The real-browser test (tests/e2e) saves a screenshot per notebook; the paths and timings are
  listed at the end of the run (its printed output is captured under xdist).
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

E2E_OUT = Path(os.environ.get("VGLAB_E2E_OUT", Path(tempfile.gettempdir()) / "vglab-e2e"))

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported here or in a kernel
    import torch

    torch.set_num_threads(1)


_STARTED = time.time()


@pytest.fixture(scope="session")
def e2e_out() -> Path:
    """Where the browser test writes its screenshots and report.txt (listed in the summary below)."""
    return E2E_OUT


def pytest_terminal_summary(terminalreporter):
    report = E2E_OUT / "report.txt"  # written afresh by each run of the browser test
    if report.exists() and report.stat().st_mtime >= _STARTED:
        terminalreporter.section("real-browser test: screenshots after moving a slider")
        for line in report.read_text().splitlines():
            terminalreporter.write_line(line)
