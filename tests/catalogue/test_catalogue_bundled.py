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


def test_bundled_links_lead_to_bundled_shows() -> None:
    records, errors = validate_paths([BUNDLED_CATALOGUE])
    assert errors == []
    ids = {r.show.id for r in records}
    dangling = [(r.show.id, k.other_id) for r in records for k in r.links if k.other_id not in ids]
    assert dangling == []
    # a link is answered from both shows: each one has its way back
    pairs = {(r.show.id, k.other_id) for r in records for k in r.links}
    assert sorted((b, a) for a, b in pairs if (b, a) not in pairs) == []
