"""Argument checks shared by the compute modules: bad input -> ``ValueError`` naming the argument."""
from __future__ import annotations


def int_at_least(name: str, v, lo: int = 1) -> None:
    """``v`` must be an int (not a bool) >= ``lo``, else a ValueError naming ``name``."""
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
