"""Exercise checkers for the beta notebook (re-exported by vglab.exercises)."""
from __future__ import annotations

__all__: list[str] = []
