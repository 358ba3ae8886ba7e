"""Exercise checkers for the backprop notebook (re-exported by vglab.exercises)."""
from __future__ import annotations

__all__: list[str] = []
