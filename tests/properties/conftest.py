"""Property-based tests (Hypothesis) over every public name of every vglab module.

One fixed profile everywhere (CI and local): derandomised (the same examples every run, so a
failure reproduces), no deadline (a busy 2-core machine), a bounded number of examples per test.
``VGLAB_HYPOTHESIS_EXAMPLES`` raises the bound for a deeper local search, e.g. 200.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "vglab", derandomize=True, deadline=None, database=None, print_blob=True,
    max_examples=int(os.environ.get("VGLAB_HYPOTHESIS_EXAMPLES", "12")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture])
settings.load_profile("vglab")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _sandbox(tmp_path, monkeypatch):
    """Hostile paths ("abc", "cuda", "NaN") and default folders land in a temporary folder, never in
    the repository: the working directory and ``results.results_dir()`` point there."""
    from vglab import results
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(results, "results_dir", lambda: tmp_path / "results")
