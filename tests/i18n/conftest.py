from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import missing_translations


@pytest.fixture
def allowed_gaps() -> set[tuple[str, str | None, str]]:
    """Translations a test expects to be missing (it says so by adding them here)."""
    return set()


@pytest.fixture(autouse=True)
def _no_missing_translation(allowed_gaps: set[tuple[str, str | None, str]]) -> Iterator[None]:
    """A message said in English for want of a translation fails the test that said it."""
    before = missing_translations()
    yield
    new = missing_translations() - before - allowed_gaps
    assert not new, f"said in English for want of a translation: {sorted(new, key=str)}"
