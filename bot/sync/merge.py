"""The curated layer over synced data: a pure merge of two records of one show.

A hand-curated file is authoritative. Where it has a value (a field, a character, a release of a
season), a sync never replaces it; where it is silent, synced facts fill in:

- show fields: the curated value unless it is empty;
- credits: the curated credits in their order; a synced credit of a person and role the file
  does not name is added after them; a curated actor without a character gets the synced one;
- episodes: the union, curated titles first;
- releases: a curated release of the whole show covers everything; otherwise a curated release
  of a season (whole, part or episode) covers that season, and synced releases of covered
  seasons are left out; synced releases of other seasons come in;
- events and links: the curated ones, plus synced ones that are new.
"""

from __future__ import annotations

import dataclasses

from bot.models import Credit, Episode, Release, Role, Scope, Show, ShowRecord
from bot.search import normalise


def _empty(value: object) -> bool:
    return value is None or value == "" or value == ()


def merge_show(curated: Show, synced: Show) -> Show:
    values = {}
    for f in dataclasses.fields(Show):
        mine = getattr(curated, f.name)
        values[f.name] = getattr(synced, f.name) if _empty(mine) else mine
    values["id"] = curated.id
    values["tvmaze_updated"] = synced.tvmaze_updated
    return Show(**values)


def _person_key(credit: Credit) -> tuple[str, Role]:
    return (normalise(credit.person.name), credit.role)


def merge_credits(show_id: str, curated: list[Credit], synced: list[Credit]) -> list[Credit]:
    synced_by_key = {_person_key(c): c for c in synced}
    out: list[Credit] = []
    for c in curated:
        other = synced_by_key.get(_person_key(c))
        if c.role is Role.CAST and not c.character and other is not None and other.character:
            c = dataclasses.replace(c, character=other.character)
        out.append(dataclasses.replace(c, show_id=show_id) if c.show_id != show_id else c)
    known = {_person_key(c) for c in curated}
    known_people = {normalise(c.person.name): c.person for c in curated}
    next_order = max((c.order for c in curated if c.role is Role.CAST), default=0) + 1
    for c in synced:
        if _person_key(c) in known:
            continue
        person = known_people.get(normalise(c.person.name), c.person)
        order = 0
        if c.role is Role.CAST:
            order, next_order = next_order, next_order + 1
        out.append(Credit(show_id, person, c.role, c.character, order))
    return out


def merge_episodes(show_id: str, curated: list[Episode], synced: list[Episode]) -> list[Episode]:
    by_key: dict[tuple[int, int], Episode] = {}
    for e in synced:
        by_key[(e.season, e.number)] = dataclasses.replace(e, show_id=show_id)
    for e in curated:
        old = by_key.get((e.season, e.number))
        title = e.title or (old.title if old else None)
        by_key[(e.season, e.number)] = Episode(show_id, e.season, e.number, title)
    return [by_key[k] for k in sorted(by_key)]


def merge_releases(show_id: str, curated: list[Release], synced: list[Release]) -> list[Release]:
    if any(r.scope is Scope.SHOW for r in curated):
        return list(curated)
    covered = {r.season for r in curated}
    out = list(curated)
    ids = {r.id for r in out}
    for r in synced:
        if r.season in covered:
            continue
        moved = dataclasses.replace(r, show_id=show_id) if r.show_id != show_id else r
        if moved.id not in ids:
            ids.add(moved.id)
            out.append(moved)
    return out


def merge(curated: ShowRecord, synced: ShowRecord) -> ShowRecord:
    """One show as the catalogue keeps it: the curated record over the synced one."""
    sid = curated.show.id
    events = list(curated.events)
    seen_events = {e.id for e in events}
    for e in synced.events:
        moved = dataclasses.replace(e, show_id=sid)
        if moved.id not in seen_events:
            seen_events.add(moved.id)
            events.append(moved)
    links = list(curated.links)
    linked = {k.other_id for k in links}
    links += [dataclasses.replace(k, show_id=sid) for k in synced.links if k.other_id not in linked]
    return ShowRecord(
        show=merge_show(curated.show, synced.show),
        credits=merge_credits(sid, curated.credits, synced.credits),
        episodes=merge_episodes(sid, curated.episodes, synced.episodes),
        releases=merge_releases(sid, curated.releases, synced.releases),
        events=events,
        links=links,
    )


def with_show_id(record: ShowRecord, show_id: str) -> ShowRecord:
    """The same record under another show id (every child moves with it)."""
    if record.show.id == show_id:
        return record
    return ShowRecord(
        show=dataclasses.replace(record.show, id=show_id),
        credits=[dataclasses.replace(c, show_id=show_id) for c in record.credits],
        episodes=[dataclasses.replace(e, show_id=show_id) for e in record.episodes],
        releases=[dataclasses.replace(r, show_id=show_id) for r in record.releases],
        events=[dataclasses.replace(e, show_id=show_id) for e in record.events],
        links=[dataclasses.replace(k, show_id=show_id) for k in record.links],
    )
