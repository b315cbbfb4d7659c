"""Stored values to models and back, shared by every part of the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.models import (
    Credit,
    Episode,
    Event,
    Kind,
    Person,
    Precision,
    Release,
    Role,
    Scope,
    Show,
    Status,
    When,
)
from bot.store.database import Row

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC, sortable as text
# Enum members by value: a dict lookup is several times cheaper than calling the enum.
_PRECISIONS = {k.value: k for k in Precision}
_SCOPES = {k.value: k for k in Scope}
_KINDS = {k.value: k for k in Kind}
_STATUSES = {k.value: k for k in Status}
_ROLES = {k.value: k for k in Role}


def instant_text(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return dt.astimezone(UTC).strftime(INSTANT_FORMAT)


def parse_instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    if len(text) == 20 and text[4] == "-" and text[10] == "T" and text[19] == "Z":
        return datetime.fromisoformat(text)  # the stored format, ~20x faster than strptime
    return datetime.fromisoformat(text).astimezone(UTC)


def json_strings(text: str) -> tuple[str, ...]:
    return () if text == "[]" else tuple(json.loads(text))


def when_from_row(r: Row) -> When:
    precision = _PRECISIONS.get(r["precision"]) or Precision(r["precision"])
    return When(precision, r["zone"], parse_instant(r["instant"]), r["local"])


def release_from_row(r: Row) -> Release:
    return Release(
        show_id=r["show_id"],
        when=when_from_row(r),
        scope=_SCOPES.get(r["scope"]) or Scope(r["scope"]),
        season=r["season"],
        episode=r["episode"],
        platform=r["platform"],
        region=r["region"],
        note=r["note"],
        part=r["part"],
        last_episode=r["last_episode"],
    )


def show_from_row(r: Row) -> Show:
    return Show(
        id=r["id"],
        title=r["title"],
        kind=_KINDS.get(r["kind"]) or Kind(r["kind"]),
        original_title=r["original_title"],
        aliases=json_strings(r["aliases"]),
        platform=r["platform"],
        country=r["country"],
        original_language=r["original_language"],
        genres=json_strings(r["genres"]),
        synopsis=r["synopsis"],
        episode_count=r["episode_count"],
        season_count=r["season_count"],
        source_kind=r["source_kind"],
        source_title=r["source_title"],
        source_original_title=r["source_original_title"],
        status=(_STATUSES.get(r["status"]) or Status(r["status"])) if r["status"] else None,
        tvmaze_id=r["tvmaze_id"],
        imdb_id=r["imdb_id"],
        thetvdb_id=r["thetvdb_id"],
        premiered=r["premiered"],
        ended=r["ended"],
        tvmaze_updated=r["tvmaze_updated"],
    )


def credit_from_row(r: Row) -> Credit:
    """A credits row joined with its person's name and native name."""
    return Credit(
        r["show_id"],
        Person(r["person_id"], r["name"], r["native_name"]),
        _ROLES.get(r["role"]) or Role(r["role"]),
        r["character"] or None,
        r["billing"],
    )


def episode_from_row(r: Row) -> Episode:
    return Episode(r["show_id"], r["season"], r["number"], r["title"])


def event_from_row(r: Row) -> Event:
    return Event(r["show_id"], r["kind"], r["title"], when_from_row(r), r["place"])
