"""Keeping Python's cyclic garbage collector out of the way while millions of objects are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block: reading a catalogue or building an import's
    rows makes millions of small objects without cycles, and the collector's passes over them
    again and again took ~40 % of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
