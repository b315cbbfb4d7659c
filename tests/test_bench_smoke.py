"""The benchmark runs end to end at its small size and prints every row (no timing assertions)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROWS = (
    "import (CLI, tvmaze)",
    "import (store only)",
    "service /show",
    "service /cast",
    "service /release",
    "service /upcoming",
    "service /upcoming by window",
    "service /upcoming premieres",
    "service /upcoming new episodes",
    "service /person",
    "autocomplete prefix",
    "autocomplete typo",
    "autocomplete Korean",
    "cold start to READY (limits on)",
    "memory after start",
    "end-to-end /cast",
    "fan-out, limits on",
    "cold start to READY (limits off)",
    "fan-out, limits off",
)


def test_bench_small_prints_every_row_without_duplicates(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in ("DISCORD_TOKEN", "DISCORD_API_BASE", "DATABASE_PATH", "DEV_GUILD_ID", "PREMIERE_FAKE_NOW"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "small", "--workdir", str(tmp_path / "work")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:] + out[-3000:]
    table = out[out.rindex("| Measure") :]
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    for name in ROWS:
        matching = [line for line in lines if line.startswith(f"| {name}")]
        assert matching, f"row {name!r} missing from:\n{table}"
        assert "not measured" not in matching[0], matching[0]
    fanout = [line for line in lines if line.startswith("| fan-out")]
    assert len(fanout) == 2
    for line in fanout:
        assert re.search(r"\b0 duplicates\b", line), line
        delivered = re.search(r"(\d+)/(\d+) delivered", line)
        assert delivered and delivered.group(1) == delivered.group(2), line
