"""What a TVmaze JSON document is: shows (a show, a list of them, ``/search/shows`` results) or a
schedule (``/schedule``, ``/schedule/web``, ``/schedule/full``: episodes, each with its show), and
the shows a schedule names, one per TVmaze id, so that a caller can fetch each of them whole.
``bot.catalogue.tvmaze`` reads the shows; a schedule is refused there with ``schedule_message``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

MAX_ID = 2**53  # TVmaze, TheTVDB and person ids: 1..MAX_ID (SQLite integers are 64-bit)

_EMPTY: Mapping[str, Any] = {}  # never changed


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else _EMPTY


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def scheduled_show(item: object) -> Mapping[str, Any] | None:
    """The show of a schedule entry (an episode with its show under ``show`` on /schedule or
    ``_embedded.show`` on /schedule/web and /schedule/full), or None for anything else."""
    if not isinstance(item, dict) or "score" in item:
        return None
    if not any(key in item for key in ("season", "number", "airdate", "airstamp")):
        return None  # a show (it has no episode fields)
    show = item.get("show")
    if not isinstance(show, dict):
        show = _mapping(item.get("_embedded")).get("show")
    return show if isinstance(show, dict) else None


def is_schedule(data: object) -> bool:
    """Whether JSON data is a TVmaze schedule: episodes, each with its show (or one such episode)."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(scheduled_show(item) is not None for item in items)


class ScheduledShow(NamedTuple):
    """One show of a schedule: its TVmaze id (None when it has no valid one), the show object as
    the schedule embeds it (no cast, crew or episodes), and its episodes in the schedule."""

    tvmaze_id: int | None
    show: dict[str, Any]
    episodes: list[dict[str, Any]]


def parse_schedule(data: object) -> list[ScheduledShow]:
    """The shows of a TVmaze schedule in order of first appearance, one per TVmaze id, each with
    its scheduled episodes (without the embedded show). Entries that are not episodes with a show
    are left out; an empty list when ``data`` is no schedule at all."""
    out: list[ScheduledShow] = []
    by_id: dict[int, ScheduledShow] = {}
    for item in data if isinstance(data, list) else [data]:
        show = scheduled_show(item)
        if show is None:
            continue
        assert isinstance(item, dict)
        episode = {k: v for k, v in item.items() if k != "show"}
        embedded = _mapping(item.get("_embedded"))
        if "show" in embedded:
            rest = {k: v for k, v in embedded.items() if k != "show"}
            if rest:
                episode["_embedded"] = rest
            else:
                del episode["_embedded"]
        tvmaze_id = _integer(show.get("id"))
        if tvmaze_id is not None and not 1 <= tvmaze_id <= MAX_ID:
            tvmaze_id = None
        known = by_id.get(tvmaze_id) if tvmaze_id is not None else None
        if known is not None:
            known.episodes.append(episode)
            continue
        entry = ScheduledShow(tvmaze_id, dict(show), [episode])
        out.append(entry)
        if tvmaze_id is not None:
            by_id[tvmaze_id] = entry
    return out


def schedule_shows(data: object) -> list[dict[str, Any]]:
    """The show objects of a TVmaze schedule, one per TVmaze id, in order of first appearance."""
    return [entry.show for entry in parse_schedule(data)]


def schedule_message(data: object) -> str:
    """Why a schedule is refused, and what to give instead (one line)."""
    ids = [str(e.tvmaze_id) for e in parse_schedule(data) if e.tvmaze_id is not None]
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    return (
        "a TVmaze schedule (episodes, each with its show), not shows: importing it would cut each "
        "show down to one day's episodes; give each show whole instead, as "
        "/shows/{id}?embed[]=cast&embed[]=crew&embed[]=episodes returns it"
        + (f" (TVmaze ids in this schedule: {shown})" if shown else "")
    )


def is_tvmaze(data: object) -> bool:
    """Whether JSON data looks like TVmaze shows (a show, a list of shows or search results).

    A schedule is not (see ``is_schedule``)."""
    items = data if isinstance(data, list) else [data]
    if not items:
        return False
    for item in items:
        if scheduled_show(item) is not None:
            return False
        if isinstance(item, dict) and isinstance(item.get("show"), dict):
            item = item["show"]
        if not (isinstance(item, dict) and "name" in item and ("_embedded" in item or "id" in item)):
            return False
    return True


# -- one show --------------------------------------------------------------------------------
