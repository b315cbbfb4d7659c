"""Stored values to models and back, shared by every part of the store."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.models import Precision, Release, Scope, When

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC, sortable as text
_PRECISIONS = {k.value: k for k in Precision}
_SCOPES = {k.value: k for k in Scope}


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


def when_from_row(r: Mapping[str, Any]) -> When:
    precision = _PRECISIONS.get(r["precision"]) or Precision(r["precision"])
    return When(precision, r["zone"], parse_instant(r["instant"]), r["local"])


def release_from_row(r: Mapping[str, Any]) -> Release:
    return Release(
        show_id=r["show_id"], when=when_from_row(r), scope=_SCOPES.get(r["scope"]) or Scope(r["scope"]),
        season=r["season"], episode=r["episode"], platform=r["platform"], region=r["region"], note=r["note"],
        part=r["part"], last_episode=r["last_episode"],
    )
