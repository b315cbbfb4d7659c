"""Where a start's time goes, for the READY benchmark (bench/ready.py): with
``PREMIERE_START_TIMES=1`` the bot notes when each step of its start ended and writes them on
stderr in one line once connected (``start times: main 1796155982.238847/0.031, ...``: the wall
time in seconds since the epoch, and the CPU seconds the process had used). Without it, ``mark``
does nothing. Nothing here imports discord."""

from __future__ import annotations

import os
import sys
import time

START_TIMES_ENV = "PREMIERE_START_TIMES"
PREFIX = "start times: "

_enabled = os.environ.get(START_TIMES_ENV, "") not in ("", "0")
_marks: list[tuple[str, float, float]] = []
_reported = False


def mark(step: str) -> None:
    """Note that ``step`` ended now (only with PREMIERE_START_TIMES set)."""
    if _enabled:
        _marks.append((step, time.time(), time.process_time()))


def report() -> None:
    """Write the steps noted so far on stderr, once."""
    global _reported
    if not _enabled or _reported:
        return
    _reported = True
    line = ", ".join(f"{step} {at:.6f}/{cpu:.3f}" for step, at, cpu in _marks)
    print(PREFIX + line, file=sys.stderr, flush=True)


def parse(text: str) -> list[tuple[str, float, float]]:
    """(step, wall time, CPU seconds) of the last ``start times:`` line in ``text``, in order."""
    for line in reversed(text.splitlines()):
        if line.startswith(PREFIX):
            out = []
            for item in line[len(PREFIX) :].split(", "):
                step, _, value = item.rpartition(" ")
                at, _, cpu = value.partition("/")
                out.append((step, float(at), float(cpu)))
            return out
    return []
