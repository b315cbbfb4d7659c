"""The curated layer on top of synced data: which stored show a record is, and what it keeps.

Every import goes through :func:`prepare` before it is written:

- A **synced** record (from TVmaze: it carries ``tvmaze_updated``) keeps its TVmaze id as its
  identity. It lands on the stored show with that TVmaze id; else on a stored show that has no
  TVmaze id yet and bears its title (or IMDb id) with a matching first year, such as a curated
  show; else it is a new show, under its title's slug when that is free, else the slug with its
  year, else ``tvmaze-<id>``. Two shows with one title never overwrite each other.
- Where the show has a curated record, the synced one is merged under it (``bot.sync.merge``).
- A **curated** record (from a hand-written file) is kept as the curated layer; when its show was
  synced before, the stored synced facts fill in what the file leaves out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bot.catalogue.project_format import parse_show, record_to_dict
from bot.models import ShowRecord, first_year, slugify
from bot.search import normalise
from bot.store.bulk_rows import first_free_id
from bot.store.sync import ShowIdentity
from bot.sync.merge import merge, with_show_id

if TYPE_CHECKING:
    from bot.store import Store


@dataclasses.dataclass(slots=True)
class Prepared:
    """Records ready to write, and the layer facts to write beside them."""

    records: list[ShowRecord]
    curated: dict[str, str]  # show id -> curated record (JSON) to keep


def is_synced(record: ShowRecord) -> bool:
    return record.show.tvmaze_updated is not None


def curated_text(record: ShowRecord) -> str:
    return json.dumps(record_to_dict(record), ensure_ascii=False, sort_keys=True)


def curated_from_text(text: str) -> ShowRecord | None:
    parsed = parse_show(json.loads(text))
    return parsed.record


def _year(text: str | None) -> str | None:
    return text[:4] if text and len(text) >= 4 and text[:4].isdigit() else None


def _matches(ident: ShowIdentity, year: str | None) -> bool:
    """Whether a stored show without a TVmaze id is this synced show (same title already)."""
    theirs = _year(ident.premiered) or _year(ident.first_release)
    return theirs is None or year is None or theirs == year


async def load_record(store: Store, show_id: str) -> ShowRecord | None:
    """The stored record of one show, as the catalogue holds it now."""
    show = await store.get_show(show_id)
    if show is None:
        return None
    return ShowRecord(
        show,
        await store.get_credits(show_id),
        await store.get_episodes(show_id),
        await store.get_releases(show_id),
        await store.get_events(show_id),
        await store.get_links(show_id),
    )


def _candidates(rec: ShowRecord, slug: str) -> Iterator[str]:
    yield slug
    yield slugify(rec.show.title, first_year(rec))
    yield f"tvmaze-{rec.show.tvmaze_id}"


async def _resolve_ids(store: Store, synced: list[ShowRecord], taken: set[str]) -> list[str]:
    """The stored show id of each synced record (see the module docstring)."""
    empty = await store.is_empty()
    tv_ids = [r.show.tvmaze_id for r in synced if r.show.tvmaze_id is not None]
    by_tvmaze = {} if empty else await store.shows_by_tvmaze(tv_ids)
    imdb = {} if empty else await store.shows_by_imdb(r.show.imdb_id for r in synced if r.show.imdb_id)
    named = {} if empty else await store.unsynced_shows_named(normalise(r.show.title) for r in synced)
    slugs = [slugify(r.show.title) for r in synced]
    existing = (
        set()
        if empty
        else await store.existing_show_ids([*slugs, *(slugify(r.show.title, first_year(r)) for r in synced)])
    )
    claimed: set[str] = set(taken)  # ids given out in this import
    out: list[str] = []
    for rec, slug in zip(synced, slugs, strict=True):
        s = rec.show
        sid: str | None = by_tvmaze.get(s.tvmaze_id) if s.tvmaze_id is not None else None
        if sid is None and s.imdb_id and s.imdb_id in imdb and imdb[s.imdb_id].tvmaze_id is None:
            sid = imdb[s.imdb_id].show_id
        if sid is None and named:
            year = first_year(rec)
            fits = [
                i for i in named.get(normalise(s.title), []) if _matches(i, year) and i.show_id not in claimed
            ]
            if len(fits) == 1:
                sid = fits[0].show_id
        if sid is None:
            # The first free of: the title's slug, the slug with the first year, tvmaze-<id>
            # (the later ones made only when the one before is taken: a big import into an
            # empty catalogue mostly takes the first).
            fallback = f"tvmaze-{s.tvmaze_id}" if s.tvmaze_id is not None else f"{slug}-{len(claimed)}"
            sid = first_free_id(_candidates(rec, slug), fallback, existing, claimed)
        claimed.add(sid)
        out.append(sid)
    return out


async def prepare(store: Store, records: Sequence[ShowRecord]) -> Prepared:
    """Records under their stored identities, merged under the curated layer."""
    curated_in = [r for r in records if not is_synced(r)]
    # A synced show given twice keeps its last version.
    last: dict[object, ShowRecord] = {}
    for r in records:
        if is_synced(r):
            last[r.show.tvmaze_id if r.show.tvmaze_id is not None else id(r)] = r
    synced = list(last.values())
    curated_ids = {r.show.id for r in curated_in}
    ids = await _resolve_ids(store, synced, curated_ids) if synced else []

    out: list[ShowRecord] = []
    curated_texts: dict[str, str] = {}
    stored_curated = await store.curated_texts(ids) if ids else {}
    empty = await store.is_empty()
    for rec in curated_in:
        curated_texts[rec.show.id] = curated_text(rec)
        stored = None if empty else await store.get_show(rec.show.id)
        if stored is not None and stored.tvmaze_id is not None:
            current = await load_record(store, rec.show.id)
            out.append(merge(rec, current) if current else rec)
        else:
            out.append(rec)
    for rec, sid in zip(synced, ids, strict=True):
        moved = with_show_id(rec, sid)
        base = stored_curated.get(sid)
        curated = curated_from_text(base) if base else None
        out.append(merge(curated, moved) if curated is not None else moved)
    return Prepared(out, curated_texts)


async def import_layered(store: Store, records: Sequence[ShowRecord], **options: Any) -> Prepared:
    """Prepare, then write the records and the curated layer in one import (one transaction)."""
    prepared = await prepare(store, records)
    await store.import_records(prepared.records, curated=prepared.curated, **options)
    return prepared
