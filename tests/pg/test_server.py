"""The throwaway server's binaries: found where Debian puts them, or a clear reason when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import server


def test_missing_binaries_say_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(server.BINDIR_VAR, raising=False)
    monkeypatch.setattr(server.glob, "glob", lambda pattern: [])
    with pytest.raises(server.PostgresUnavailable, match="apt-get install postgresql"):
        server.find_bindir()


def test_binaries_are_found_in_the_folder_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("initdb", "postgres", "pg_isready"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setenv(server.BINDIR_VAR, str(tmp_path))
    assert server.find_bindir() == tmp_path
