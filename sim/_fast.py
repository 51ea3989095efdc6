"""Cheap spellings of a few numpy helpers for the per-day hot path.

A simulated day calls numpy a few hundred times on arrays of a few hundred elements, where
the Python-level wrappers (``np.clip``, ``np.full``, ``np.flatnonzero``...) cost 2-5x the
work itself. These call the C implementations directly and return identical results.
"""

from __future__ import annotations

import numpy as np

try:  # the ufunc behind np.clip (same NaN and signed-zero behaviour), without 3 wrapper layers
    from numpy._core.umath import clip
except ImportError:  # pragma: no cover - older numpy layouts
    clip = np.clip

__all__ = ["clip", "full"]


def full(m: int, value: float | int, dtype: type = np.float64) -> np.ndarray:
    """``np.full(m, value, dtype)``."""
    a = np.empty(m, dtype)
    a.fill(value)
    return a
