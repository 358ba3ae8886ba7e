"""Exercise checkers for the init_sigma notebook (re-exported by vglab.exercises)."""
from __future__ import annotations

__all__: list[str] = []
