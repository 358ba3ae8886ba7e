"""No public name of vglab goes untested by the property suite.

A module's public names are its ``__all__``; a module without one: every function and class it
defines whose name has no leading underscore. Every module and subpackage is walked (private ones,
``_args`` and ``exercises._checks``, excepted: their names are the validation layer itself, tested
through everything that calls them and in tests/test_args.py).

A name is covered when it is
- a key of ``hostile.REGISTERED`` (a ``Case``),
- listed in a module-level ``COVERS = (...)`` of some ``tests/properties/test_props_*.py`` (every such
  file is imported, so the files other branches add, ``test_props_new_<branch>.py``, count),
- an exercise checker (``check_*`` in ``vglab.exercises.<topic>``), all of which the generic test in
  ``test_props_checkers.py`` enumerates, or
- in ``EXEMPT`` below, with the reason.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import hostile

import vglab

HERE = Path(__file__).resolve().parent

# plain data and constants: nothing to call, nothing to feed a hostile value to
EXEMPT = {
    "vglab.QUICK": "a bool constant (quick mode), read at import",
    "vglab.engine.FIELDS": "a tuple of record field names",
    "vglab.engine.METHODS": "a tuple of method names (checked through Engine's `methods` argument)",
    "vglab.engine.MODES": "a tuple of mode names (checked through resolve_mode)",
    "vglab.engine.PARAMS": "a tuple of parameter names",
    "vglab.optim.OPTIMIZERS": "a dict name -> class; every class in it is a registered case",
    "vglab.plots.COLORS": "a dict of colours",
    "vglab.plots.PALETTE": "a tuple of colours",
    "vglab.surfaces.SURFACES": "a dict name -> Surface; every surface goes through surfaces.get's case",
    "vglab.deep_mlp.INITS": "a tuple of init names (checked through build_mlp's `init`)",
    "vglab.deep_mlp.NORMS": "a tuple of norm names (checked through build_mlp's `norm`)",
    "vglab.deep_mlp.INIT_GAIN": "a dict init name -> gain",
    "vglab.init_sigma.GAMMA": "a dict activation -> max f′",
    "vglab.rnn_fixes.ACTIVATIONS": "a tuple of activation names (checked through RNN's `activation`)",
    "vglab.rnn_fixes.INITS": "a tuple of init names (checked through RNN's `init`)",
    "vglab.rnn_fixes.KINDS": "a tuple of model kinds (checked through make_models' `kinds`)",
}


def walk_modules() -> list:
    names = ["vglab"]
    for m in pkgutil.walk_packages(vglab.__path__, "vglab."):
        if not any(part.startswith("_") for part in m.name.split(".")):
            names.append(m.name)
    return names


def public_names(modname: str) -> list:
    mod = importlib.import_module(modname)
    if getattr(mod, "__all__", None) is not None:
        return [f"{modname}.{n}" for n in mod.__all__]
    return [f"{modname}.{n}" for n, o in vars(mod).items()
            if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o))
            and getattr(o, "__module__", None) == modname]


def declared_covers() -> set:
    """``COVERS`` of every ``test_props_*.py`` (importing them also fills ``hostile.REGISTERED``)."""
    out = set()
    for p in sorted(HERE.glob("test_props_*.py")):
        mod = importlib.import_module(p.stem)
        out.update(getattr(mod, "COVERS", ()))
    return out


def checker_names() -> set:
    from test_props_checkers import CHECKERS
    return set(CHECKERS)


def coverage() -> tuple:
    names = [n for m in walk_modules() for n in public_names(m)]
    covers = declared_covers()
    covered = set(hostile.REGISTERED) | covers | checker_names()
    missing = [n for n in names if n not in covered and n not in EXEMPT]
    return names, covered, missing


def test_every_public_name_is_covered():
    names, covered, missing = coverage()
    print(f"{len(names)} public names: {sum(n in covered for n in names)} covered, "
          f"{sum(n in EXEMPT for n in names)} exempt, {len(missing)} missing")
    assert not missing, f"{len(missing)} public names without a property case:\n  " + "\n  ".join(missing)


def test_exempt_names_exist_and_are_not_callables():
    """EXEMPT stays short and honest: each entry is a public name that exists and is plain data."""
    names = set(n for m in walk_modules() for n in public_names(m))
    for n, why in EXEMPT.items():
        assert n in names, f"EXEMPT lists {n}, which is not a public name (any more)"
        mod, _, attr = n.rpartition(".")
        obj = getattr(importlib.import_module(mod), attr)
        assert not callable(obj), f"EXEMPT lists {n}, a callable: give it a Case instead"
        assert why
