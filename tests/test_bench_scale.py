"""`python -m bench --scale` runs each size in one invocation and prints a table per size and how
each figure grows (tiny sizes; no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROWS = (
    "import (CLI, tvmaze)",
    "service /show",
    "service /cast",
    "service /release",
    "service /upcoming",
    "service /person",
    "autocomplete prefix",
    "autocomplete typo",
    "autocomplete Korean",
)


def test_bench_scale_prints_each_size_and_the_growth_table(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in ("DISCORD_TOKEN", "DISCORD_API_BASE", "DATABASE_PATH", "DEV_GUILD_ID", "PREMIERE_FAKE_NOW"):
        env.pop(key, None)
    out_json = tmp_path / "scale.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "400,200",
            "--samples",
            "30",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(out_json),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:] + out[-3000:]
    # a table per size, smallest first, each with every row measured
    assert out.index("\n200 shows\n") < out.index("\n400 shows\n") < out.index("\nGrowth\n")
    for size in ("200", "400"):
        section = out[out.index(f"\n{size} shows\n") :]
        lines = [line for line in section.strip("\n").split("\n\n")[0].splitlines() if line.startswith("| ")]
        for name in ROWS:
            matching = [line for line in lines if line.startswith(f"| {name}")]
            assert matching, f"row {name!r} missing at {size} shows:\n{section}"
            assert "not measured" not in matching[0], matching[0]
    growth = out[out.index("\nGrowth\n") + 1 :]
    head = growth.splitlines()[1]
    assert "200 shows" in head and "400 shows" in head and "growth (400 / 200)" in head
    figures = [line for line in growth.splitlines()[3:] if line.startswith("| ")]
    names = [line.split("|")[1].strip() for line in figures]
    assert "import (CLI, tvmaze)" in names
    for name in ROWS[1:]:
        assert f"{name} p50" in names and f"{name} p99" in names and f"{name} max" in names
    assert "autocomplete typo: right name first" in names
    for line in figures:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        assert cells[3].startswith("x"), line  # a ratio for every figure measured at both sizes
    # --json holds every row at every size and the growth
    data = json.loads(out_json.read_text())
    assert data["scale"]["sizes"] == [200, 400]
    assert {r["name"] for r in data["scale"]["by_size"]["200"]["rows"]} >= set(ROWS)
    assert {g["figure"] for g in data["scale"]["growth"]} >= set(names)


def test_bench_scale_only_filters_the_parts(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "150,300", "--only", "import"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:] + out[-3000:]
    growth = out[out.index("\nGrowth\n") + 1 :]
    names = [line.split("|")[1].strip() for line in growth.splitlines()[3:] if line.startswith("| ")]
    assert names == ["import (CLI, tvmaze)"]
    assert "service /show" not in out
