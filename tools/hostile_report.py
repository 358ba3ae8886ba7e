"""List every contract violation of the property cases quickly: ``python -m tools.hostile_report [--seconds S] [module ...]``.

Runs each registered case of ``tests/properties/test_props_<module>.py`` with every fixed hostile
value (``hostile.HOSTILE_FIXED``) for every probed argument and prints one line per violation: the
case, the argument, the value and what went wrong. The Hypothesis tests find the same kinds of
failure (and more, from generated values); this is the quick way to see them all at once. A probe still running after S seconds (default 20)
is reported too: a valid but long call (name it in ``Case.long``) or a hang.
"""
from __future__ import annotations

import importlib
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "tests" / "properties"
sys.path.insert(0, str(HERE))


class _Slow(BaseException):  # not an Exception: the contract check must not catch it
    pass


@contextmanager
def _deadline(seconds: int):
    """Raise ``_Slow`` in the probe if it runs longer than ``seconds`` (SIGALRM; Unix, main thread)."""
    def _raise(*_):
        raise _Slow
    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _sandbox() -> None:
    """As tests/properties/conftest.py: hostile paths ("abc", "cuda") and default result folders land in a
    temporary folder, never in the repository."""
    import os
    import tempfile

    from vglab import results
    here = Path(tempfile.mkdtemp(prefix="vglab-hostile-"))
    os.chdir(here)
    results.results_dir = lambda: here / "results"


def main(argv=None) -> int:
    import hostile
    args = list(argv if argv is not None else sys.argv[1:])
    seconds = 20
    if args[:1] == ["--seconds"]:
        seconds, args = int(args[1]), args[2:]
    names = args or [p.stem.removeprefix("test_props_") for p in sorted(HERE.glob("test_props_*.py"))]
    mods = [importlib.import_module(f"test_props_{m}") for m in names]  # they may read saved results
    _sandbox()
    bad = 0
    for mod in mods:
        for case in getattr(mod, "CASES", ()):
            try:
                hostile.check_valid(case)
            except AssertionError as e:
                bad += 1
                print(f"{case.name} (valid call): {str(e).splitlines()[0][:240]}")
            for arg in hostile.probe_args(case):
                for v in hostile.HOSTILE_FIXED:
                    try:
                        with _deadline(seconds):
                            hostile.check_probe(case, arg, v)
                    except AssertionError as e:
                        bad += 1
                        print(f"{case.name} {arg}={v!r:.40}: {str(e).splitlines()[0][:200]}", flush=True)
                    except _Slow:
                        bad += 1
                        print(f"{case.name} {arg}={v!r:.40}: still running after {seconds} s (a valid but long call "
                              f"to name in Case.long, or a hang)", flush=True)
    print(f"{bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
