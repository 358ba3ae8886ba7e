"""List every contract violation of the property cases quickly: ``python -m tools.hostile_report [module ...]``.

Runs each registered case of ``tests/properties/test_props_<module>.py`` with every fixed hostile
value (``hostile.HOSTILE_FIXED``) for every probed argument and prints one line per violation: the
case, the argument, the value and what went wrong. The Hypothesis tests find the same kinds of
failure (and more, from generated values); this is the quick way to see them all at once.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "tests" / "properties"
sys.path.insert(0, str(HERE))


def main(argv=None) -> int:
    import hostile
    mods = (argv if argv is not None else sys.argv[1:]) or [p.stem.removeprefix("test_props_")
                                                             for p in sorted(HERE.glob("test_props_*.py"))]
    bad = 0
    for m in mods:
        mod = importlib.import_module(f"test_props_{m}")
        for case in getattr(mod, "CASES", ()):
            try:
                hostile.check_valid(case)
            except AssertionError as e:
                bad += 1
                print(f"{case.name} (valid call): {str(e).splitlines()[0][:240]}")
            for arg in hostile.probe_args(case):
                for v in hostile.HOSTILE_FIXED:
                    try:
                        hostile.check_probe(case, arg, v)
                    except AssertionError as e:
                        bad += 1
                        print(f"{case.name} {arg}={v!r:.40}: {str(e).splitlines()[0][:200]}")
    print(f"{bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
