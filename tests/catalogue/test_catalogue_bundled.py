"""The bundled catalogue in data/catalogue validates as a whole and round-trips through TOML."""

from __future__ import annotations

from bot.catalogue.project_format import dump_record, parse_toml
from bot.catalogue.validate import validate_paths
from bot.config import BUNDLED_CATALOGUE


def test_bundled_catalogue_validates() -> None:
    records, errors = validate_paths([BUNDLED_CATALOGUE])
    assert errors == []
    ids = {r.show.id for r in records}
    assert len(ids) >= 30
    assert "all-of-us-are-dead" in ids
    for record in records:
        assert parse_toml(dump_record(record)) == record
