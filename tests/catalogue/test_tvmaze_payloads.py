"""TVmaze payloads in the shapes of its public API (https://www.tvmaze.com/api), written here:
show identity, season parts, schedules, search results, and malformed or hostile data."""

from __future__ import annotations

import io
from pathlib import Path

from bot.catalogue.validate import validate_paths
from bot.cli import catalogue_main


def test_deeply_nested_and_overlong_json_is_one_line_naming_the_file(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    huge = tmp_path / "huge.json"
    huge.write_text('{"id": ' + "7" * 5000 + ', "name": "X"}', encoding="utf-8")
    records, errors = validate_paths([deep, huge])
    assert errors == [
        f"{deep}: invalid JSON: lists and objects nested too deeply (a TVmaze show is a few levels)",
        f"{huge}: invalid JSON: Exceeds the limit (4300 digits) for integer string conversion",
    ]
    out, err = io.StringIO(), io.StringIO()
    assert (
        catalogue_main(
            ["import", str(deep), "--database", str(tmp_path / "db.sqlite3")], stdout=out, stderr=err
        )
        == 1
    )
    assert err.getvalue().splitlines()[0] == errors[0] and "Traceback" not in err.getvalue()
