"""Keep freed numpy buffers in the heap instead of returning them to the OS.

Why: a simulated day allocates and frees dozens of temporaries of O(n) elements. glibc
serves blocks above its mmap threshold with fresh ``mmap``s, and trims the heap top once more
than ``M_TRIM_THRESHOLD`` is free, so every such temporary page-faults its memory in again.
On the 2-core VM we benchmark on, those page faults cost more than the arithmetic (a
100,000-element "draw needs" stage: 1.6 ms with the defaults, 0.6 ms after this).

Raising both thresholds keeps a warm pool of pages instead (at most ``TRIM`` bytes of free
heap are kept). This is a process-wide glibc setting; it does not change any result. Set
``SYMBIOSIM_NO_MALLOPT=1`` to leave malloc alone. It is a no-op off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP = 64 * 1024 * 1024  # blocks below this come from the heap, not a fresh mmap
TRIM = 256 * 1024 * 1024  # free heap kept before it is returned to the OS

_done = False


def tune_malloc() -> bool:
    """Apply the thresholds once per process; True if glibc accepted them."""
    global _done
    if _done:
        return True
    if os.environ.get("SYMBIOSIM_NO_MALLOPT") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM))
    _done = ok
    return ok
