"""Handing the C heap's free memory back to the system after a big, brief allocation.

glibc keeps freed memory in its heap rather than returning it, so a process's resident size stays at its peak for
good; ``malloc_trim`` returns it (~10 ms). Two peaks are worth it: the dashboard reading ``schedtop serve``'s
100 000-task snapshot (28 MB of JSON; pydantic-core's parse and the response body peak ~110 MiB above what the rows
keep), and the task manager compacting a change log of 100 000 tasks (the set of ids it walks is ~4 MB, which
stayed resident: +4.5 to 6 MiB). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache

TRIM_FROM = 20_000
"""Rows in a full snapshot (or live entries in a compacted change log) from which the heap is trimmed afterwards
(smaller ones leave little behind)."""


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Looked up on first use: ``find_library`` runs ``ldconfig -p``, ~25 ms that the start-up need not wait for."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


def give_back_free_memory() -> bool:
    """Return the heap's free pages to the system; False where that cannot be done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
