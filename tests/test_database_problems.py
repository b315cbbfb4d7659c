"""A database the bot cannot use: one line naming the file and the problem, from `python -m bot`
and the sandbox, never a traceback, and nothing changed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.database import DatabaseError, check_database_file, describe

ROOT = Path(__file__).resolve().parent.parent


def newer_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")


def not_sqlite(path: Path) -> None:
    path.write_text("hello, I am a text file\n")


def a_directory(path: Path) -> None:
    path.mkdir()


def read_only(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    path.chmod(0o444)


CASES = [
    (newer_database, "newer than this code"),
    (not_sqlite, "is not a SQLite database"),
    (a_directory, "is a directory"),
    (read_only, "is read-only"),
]


def run(args: list[str], db: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "x",
        "DATABASE_PATH": str(db),
        "CATALOGUE_DIR": str(tmp_path / "none"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("make", "says"), CASES, ids=[c[0].__name__ for c in CASES])
def test_python_m_bot_says_one_line(tmp_path: Path, make, says: str) -> None:
    if make is read_only and os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    db = tmp_path / "premiere.sqlite3"
    make(db)
    before = db.read_bytes() if db.is_file() else None
    done = run([], db, tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"premiere: {db}: ") and says in lines[0]
    assert "Traceback" not in done.stderr
    if before is not None:
        assert db.read_bytes() == before  # nothing changed


@pytest.mark.parametrize(("make", "says"), CASES[:3], ids=[c[0].__name__ for c in CASES[:3]])
def test_the_sandbox_says_one_line(tmp_path: Path, make, says: str) -> None:
    db = tmp_path / "sandbox.sqlite3"
    make(db)
    done = run(["sandbox", "--database", str(db), "-c", "/upcoming"], db, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    problem = [line for line in done.stderr.splitlines() if line.startswith("premiere:")]
    assert len(problem) == 1 and says in problem[0] and "Traceback" not in done.stderr


def test_a_read_only_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "premiere.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    if os.geteuid() == 0:
        assert check_database_file(db) is None  # root may write anywhere: nothing to refuse
        return
    folder.chmod(0o555)
    try:
        with pytest.raises(DatabaseError, match="read-only"):
            check_database_file(db)
    finally:
        folder.chmod(0o755)


def test_sqlite_errors_become_one_line_naming_the_file() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    assert (
        describe("x.db", full)
        == "x.db: the disk is full; free some space and start again (nothing was changed)"
    )
    assert describe("x.db", sqlite3.OperationalError("attempt to write a readonly database")) == (
        "x.db: is read-only; the bot needs to write to it"
    )
    assert "is locked by another program" in describe("x.db", sqlite3.OperationalError("database is locked"))
