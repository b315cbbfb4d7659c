from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOOD = FIXTURES / "catalogue" / "good"
BAD = FIXTURES / "catalogue" / "bad"
TVMAZE = FIXTURES / "tvmaze"


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    """A writable copy of the good catalogue fixtures."""
    out = tmp_path / "catalogue"
    out.mkdir()
    for path in GOOD.glob("*.toml"):
        (out / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return out
