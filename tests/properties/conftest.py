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


import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def _sandbox_root(tmp_path_factory):
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(autouse=True)
def _sandbox(_sandbox_root, monkeypatch):
    """Hostile paths ("abc", "cuda", "NaN") and default folders land in a temporary folder of its own
    for each test, never in the repository: the working directory and ``results.results_dir()`` point
    there. (A plain ``mkdtemp`` under one session folder: pytest's ``tmp_path`` costs several ms a test.)"""
    from vglab import results
    here = Path(tempfile.mkdtemp(dir=_sandbox_root))
    monkeypatch.chdir(here)
    monkeypatch.setattr(results, "results_dir", lambda: here / "results")


def pytest_collection_modifyitems(config, items):
    """Performance only: an xfail test of the hostile contract fails with the AssertionError it expects,
    whose traceback pytest never shows (an xfail reports its reason); formatting it (pytest parses the
    source of every frame) took a fifth of the suite's time. Such a failure keeps its one-line message;
    any other failure (a wrong exception type, or ``--runxfail``) keeps pytest's full traceback."""
    if config.option.runxfail:
        return
    here = Path(__file__).parent
    for item in items:
        if here not in Path(item.path).parents:  # this hook sees the whole session's items
            continue
        mark = item.get_closest_marker("xfail")
        if mark is None or mark.kwargs.get("raises") is not AssertionError:
            continue
        item.repr_failure = _short_repr(item.repr_failure)


def _short_repr(full):
    def repr_failure(excinfo, *args, **kwargs):
        if excinfo.type is AssertionError:
            return excinfo.exconly()
        return full(excinfo, *args, **kwargs)
    return repr_failure
