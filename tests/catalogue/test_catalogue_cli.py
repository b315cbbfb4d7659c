"""`python -m bot catalogue ...` end to end (a few subprocess runs), and its parts in-process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import Progress, catalogue_main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
TVMAZE = FIXTURES / "tvmaze"
SETTINGS = ("DATABASE_PATH", "CATALOGUE_DIR", "LOG_LEVEL", "DEV_GUILD_ID", "ANNOUNCE_GRACE_HOURS", "LOG_FILE")


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    environ.update(env)
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "catalogue", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_import_stats_export_and_reimport(tmp_path: Path) -> None:
    db = str(tmp_path / "db" / "premiere.sqlite3")
    done = run(tmp_path, "import", str(GOOD), str(TVMAZE), "--database", db)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"imported 6 shows, 18 people, 21 credits, 15 episodes, 15 releases "
        r"in \d+\.\d\d s \(\d+\.\d shows/s\)\n",
        done.stdout,
    )
    assert done.stderr == ""  # a small import draws no progress

    stats = run(tmp_path, "--database", db, "stats")
    assert (stats.returncode, stats.stdout) == (
        0,
        "shows: 6\npeople: 18\ncredits: 21\nepisodes: 15\nreleases: 15\nevents: 1\nlast sync: never\n",
    )

    out = tmp_path / "export"
    exported = run(tmp_path, "export", str(out), "--database", db)
    assert (exported.returncode, exported.stdout) == (0, f"exported 6 shows to {out}\n")
    assert sorted(p.name for p in out.iterdir()) == [
        "harbour-lights.toml",
        "orbit-street.toml",
        "paper-crowns.toml",
        "quiet-orchard.toml",
        "salt-and-steel.toml",
        "the-lantern-keepers.toml",
    ]
    db2 = str(tmp_path / "second.sqlite3")
    again = run(tmp_path, "import", str(out), "--database", db2)
    assert again.returncode == 0, again.stderr
    assert run(tmp_path, "stats", "--database", db2).stdout == stats.stdout


def test_cli_bad_file_in_directory_imports_nothing(tmp_path: Path, good_dir: Path) -> None:
    db = str(tmp_path / "premiere.sqlite3")
    assert run(tmp_path, "import", str(good_dir), "--database", db).returncode == 0
    before = run(tmp_path, "stats", "--database", db).stdout
    (good_dir / "broken.toml").write_text(
        'id = "broken"\ntitle = "Broken"\nkind = "series"\nstatus = "airing"\n', encoding="utf-8"
    )
    (good_dir / "extra.toml").write_text('id = "extra"\ntitle = "Extra"\nkind = "film"\n', encoding="utf-8")
    done = run(tmp_path, "import", str(good_dir), "--database", db)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"{good_dir / 'broken.toml'}: broken: status: 'airing' is not one of "
        "announced, running, ended, renewed, released, cancelled",
        "1 error",
        "nothing imported",
    ]
    assert run(tmp_path, "stats", "--database", db).stdout == before


def test_cli_validate_and_user_errors_without_tracebacks(tmp_path: Path) -> None:
    ok = run(tmp_path, "validate", str(GOOD), str(TVMAZE / "streaming.json"))
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "ok: 5 shows\n", "")

    (tmp_path / "bad.toml").write_text('id = "bad"\ntitle = "Bad"\n\nkind = \n', encoding="utf-8")
    (tmp_path / "bad.json").write_text("[{]", encoding="utf-8")
    bad = run(tmp_path, "validate", "bad.toml", "bad.json", "missing.toml")
    assert bad.returncode == 1 and bad.stdout == ""
    lines = bad.stderr.splitlines()
    assert lines[0].startswith("bad.toml: invalid TOML: ") and "(at line 4, column 8)" in lines[0]
    assert (
        lines[1]
        == "bad.json: invalid JSON: Expecting property name enclosed in double quotes (at line 1, column 3)"
    )
    assert lines[2:] == ["missing.toml: no such file or directory", "3 errors"]

    no_db = run(tmp_path, "stats", "--database", str(tmp_path / "none.sqlite3"))
    assert (no_db.returncode, no_db.stdout) == (1, "")
    assert "no database at" in no_db.stderr

    (tmp_path / "junk.sqlite3").write_bytes(b"this is not a database" * 100)
    junk = run(tmp_path, "stats", "--database", str(tmp_path / "junk.sqlite3"))
    assert junk.returncode == 1 and "not a database" in junk.stderr

    config = run(tmp_path, "stats", LOG_LEVEL="LOUD")
    assert config.returncode == 2
    assert config.stderr.count("\n") == 1 and "LOG_LEVEL='LOUD'" in config.stderr
    for result in (bad, no_db, junk, config):
        assert "Traceback" not in result.stderr


# --- in-process ---------------------------------------------------------------------------


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = catalogue_main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_long_import_reports_progress_every_two_percent(tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(250):
        (src / f"show-{i:03d}.toml").write_text(
            f'id = "show-{i:03d}"\ntitle = "Show {i}"\nkind = "series"\n'
            f'[[credits]]\nname = "Actor {i % 7}"\nrole = "cast"\n'
            f'[[releases]]\nscope = "season"\nseason = 1\nplatform = "Netflix"\n'
            f'when = "2024-01-{i % 28 + 1:02d}"\n',
            encoding="utf-8",
        )
    code, out, err = call("import", str(src), "--database", str(tmp_path / "p.sqlite3"))
    assert code == 0, err
    assert out.startswith("imported 250 shows, 7 people, 250 credits, 0 episodes, 250 releases in ")
    assert err.splitlines() == [
        f"importing {n}/250 shows ({n * 100 // 250}%)" for n in (50, 100, 150, 200, 250)
    ]

    stream = io.StringIO()
    progress = Progress(stream)
    for done in range(1, 1001):
        progress(done, 1000)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 50 and lines[0] == "importing 20/1000 shows (2%)"
    assert lines[-1] == "importing 1000/1000 shows (100%)"


def test_progress_on_a_terminal_is_one_rewritten_line() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = Progress(stream)
    progress(10, 20)  # a short import shows nothing
    for done in (100, 200, 300):
        progress(done, 300)
    progress.finish()
    assert stream.getvalue() == (
        "\rimporting 100/300 shows (33%)\rimporting 200/300 shows (66%)\rimporting 300/300 shows (100%)\n"
    )


def test_paths_default_to_the_configured_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CATALOGUE_DIR", str(GOOD))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "from-env.sqlite3"))
    assert call("validate") == (0, "ok: 3 shows\n", "")
    code, out, _ = call("import")
    assert code == 0 and out.startswith("imported 3 shows")
    assert call("stats")[1].startswith("shows: 3\n")
    assert (tmp_path / "from-env.sqlite3").is_file()


def test_usage_errors() -> None:
    code, out, _ = call("--help")
    assert code == 0
    code, _, _ = call("frobnicate")
    assert code == 2
    code, _, _ = call()
    assert code == 2
