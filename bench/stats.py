"""Percentiles and the result table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(slots=True)
class Row:
    name: str  # what was measured
    value: str  # the figure(s), formatted
    target: str = ""  # the target, formatted
    ok: bool | None = None  # None: no target, or not measured
    note: str = ""
    data: dict = field(default_factory=dict)  # raw numbers, for --json


def latency_row(name: str, samples_ms: Sequence[float], target_p99_ms: float | None, note: str = "") -> Row:
    p50, p99 = percentile(samples_ms, 50), percentile(samples_ms, 99)
    ok = None if target_p99_ms is None else p99 < target_p99_ms
    target = f"p99 < {target_p99_ms:g} ms" if target_p99_ms is not None else ""
    return Row(
        name,
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
        target,
        ok,
        note or f"n={len(samples_ms)}, max {max(samples_ms):.2f} ms",
        {"p50_ms": p50, "p99_ms": p99, "max_ms": max(samples_ms), "n": len(samples_ms)},
    )


def missing_row(name: str, reason: str, target: str = "") -> Row:
    return Row(name, "not measured", target, None, reason, {"skipped": reason})


def table(rows: Sequence[Row]) -> str:
    head = ("Measure", "Result", "Target", "Met", "Notes")
    cells = [(r.name, r.value, r.target, {True: "yes", False: "NO", None: "-"}[r.ok], r.note) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(head)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    out = [line, rule]
    for c in cells:
        out.append("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")
    return "\n".join(out)
