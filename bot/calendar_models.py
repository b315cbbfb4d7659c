"""Calendar feeds and the revisions of calendar entries: plain data, and how a revision moves on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class FeedKind(StrEnum):
    SERVER = "server"  # what a server announces; owner: the server's id
    USER = "user"  # what a member follows; owner: the member's id


@dataclass(frozen=True, slots=True)
class Feed:
    """A calendar at an unguessable address, and what it showed when last served."""

    token: str
    kind: FeedKind
    owner_id: int
    created_at: datetime
    etag: str | None = None
    changed_at: datetime | None = None  # when what it shows last changed (Last-Modified)


@dataclass(frozen=True, slots=True)
class Revision:
    """An entry's revision: the digest of what it showed, its SEQUENCE, and when that changed."""

    digest: str
    sequence: int
    changed_at: datetime


def revise(previous: Revision | None, digest: str, now: datetime) -> Revision:
    """The revision of an entry that now shows ``digest``: new at 0, the same while unchanged,
    one higher (changed now) when what it shows changed."""
    if previous is None:
        return Revision(digest, 0, whole_second(now))
    if previous.digest == digest:
        return previous
    return Revision(digest, previous.sequence + 1, whole_second(now))


def whole_second(dt: datetime) -> datetime:
    """iCalendar and HTTP dates have whole seconds: keep revisions comparable with them."""
    return dt.astimezone(UTC).replace(microsecond=0)


__all__ = ["Feed", "FeedKind", "Revision", "revise", "whole_second"]
