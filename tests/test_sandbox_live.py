"""The sandbox starts with a local TVmaze stand-in too: a newcomer's /upcoming is alive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_newcomers_upcoming_lists_shows_synced_from_the_local_tvmaze(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "sandbox",
            "--database",
            str(tmp_path / "s.sqlite3"),
            "-c",
            "/upcoming days:7",
            "-c",
            "/cast title:Lantern Keepers",
            "-c",
            "/cast title:Nothing Like This",
            "-c",
            "/announce language language:한국어",
            "-c",
            ":locale ko",
            "-c",
            "/show title:All of Us Are Dead",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    upcoming, cast, missing = done.stdout.split("> /cast", 2)
    missing, language = missing.split("> /announce", 1)
    language, korean = language.split("> :locale ko", 1)
    for title in ("Lantern Keepers", "Harbour Lights", "Orbit Street"):
        assert title in upcoming
    assert "Season 1, all 8 episodes" in upcoming  # a streaming drop is one release
    assert "Demo Actor 1 as Character 1" in cast
    # Not in the catalogue nor upstream: the lookup's public "thinking..." makes way for a
    # private answer, and the sandbox says it is private.
    assert "(only you can see this)" in missing and "No show called" in missing
    # A choice is typed as its name, in any language: the command gets its value.
    assert "now in 한국어" in language, language
    # :locale is the language of your Discord: the answers come in it.
    assert "제작발표회" in korean and "출연" in korean, korean
