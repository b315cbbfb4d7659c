"""`python -m bot catalogue sync` and `stats` from the shell, against localtvmaze in a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from localtvmaze import make_cast, make_episode, make_person, make_show

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tvmaze_url(tmp_path: Path) -> Iterator[str]:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    show = make_show(7, "Night Harbour", network="tvN", country_code="KR", updated=100)
    item = {
        "show": show,
        "episodes": [make_episode(701, 1, 1, airdate=tomorrow, airtime="21:00", zone="Asia/Seoul")],
        "cast": [make_cast(make_person(70, "Han Ji-min"), "Seo Yeon")],
        "crew": [],
    }
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([item]), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "localtvmaze", "--seed", str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(10)


def cli(tmp_path: Path, base: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TVMAZE_API_BASE": base,
        "SYNC_COUNTRIES": "KR",
        "CATALOGUE_DIR": str(tmp_path / "none"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", *args, "--database", str(tmp_path / "db.sqlite3")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sync_then_stats_say_what_changed(tmp_path: Path, tvmaze_url: str) -> None:
    done = cli(tmp_path, tvmaze_url, "sync", "--days", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schedule sync: 1 shows added, 0 updated, 0 unchanged"), done.stdout
    again = cli(tmp_path, tvmaze_url, "sync", "--show", "7")
    assert again.returncode == 0 and again.stdout.startswith("show sync: 0 shows added, 1 updated"), (
        again.stdout
    )
    stats = cli(tmp_path, tvmaze_url, "stats")
    lines = stats.stdout.splitlines()
    assert "shows: 1" in lines
    assert any(line.startswith("sync (show)") and "1 updated" in line for line in lines)
    assert any(line.startswith("sync (schedule)") and "1 shows added" in line for line in lines)


def test_sync_without_network_says_so_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    done = cli(tmp_path, "http://127.0.0.1:9", "sync", "--days", "1")
    assert "Traceback" not in done.stderr
    assert done.stderr.count("warning:") >= 1 and "0 shows added" in done.stdout
    assert "failures" in cli(tmp_path, "http://127.0.0.1:9", "stats").stdout
