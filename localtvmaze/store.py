"""The shows the server knows, and the queries TVmaze's endpoints answer from them."""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .data import API

__all__ = ["Store", "Entry", "SHOW_EMBEDS"]

Json = dict[str, Any]

# Embeds TVmaze accepts on /shows/{id} and /singlesearch/shows. "akas" and "images" are
# accepted and always empty here; any other name is TVmaze's 400 "Invalid embed type".
SHOW_EMBEDS = ("episodes", "cast", "crew", "seasons", "nextepisode", "previousepisode", "akas", "images")

SEARCH_LIMIT = 10  # TVmaze's /search/shows answers at most 10 results


@dataclass
class Entry:
    show: Json
    episodes: list[Json] = field(default_factory=list)
    cast: list[Json] = field(default_factory=list)
    crew: list[Json] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.show["id"])


def _instant(ep: Mapping[str, Any]) -> datetime | None:
    stamp = ep.get("airstamp")
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _zone(channel: Mapping[str, Any] | None) -> ZoneInfo | None:
    country = (channel or {}).get("country") or {}
    name = country.get("timezone")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _country_code(channel: Mapping[str, Any] | None) -> str | None:
    country = (channel or {}).get("country")
    return country.get("code") if country else None


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _score(name: str, query: str, *, strict: bool) -> float:
    """How well ``name`` matches ``query``, 0 (no match) to 1 (the same name)."""
    n, q = " ".join(_words(name)), " ".join(_words(query))
    if not q or not n:
        return 0.0
    if n == q:
        return 1.0
    if n.startswith(q):
        return 0.9
    if q in n:
        return 0.8
    name_words, query_words = set(n.split()), q.split()
    if all(w in name_words for w in query_words):
        return 0.7
    ratio = difflib.SequenceMatcher(None, n, q).ratio()
    if ratio >= (0.85 if strict else 0.75):
        return round(0.6 * ratio, 4)
    if strict:
        return 0.0
    shared = sum(1 for w in query_words if w in name_words)
    return round(0.4 * shared / len(query_words), 4)


class Store:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.entries: dict[int, Entry] = {}

    def now(self) -> datetime:
        moment = self._now()
        if moment.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return moment

    def now_stamp(self) -> int:
        return int(self.now().timestamp())

    # -- changes -------------------------------------------------------------------------

    def add(
        self,
        show: Mapping[str, Any],
        episodes: Iterable[Mapping[str, Any]] = (),
        cast: Iterable[Mapping[str, Any]] = (),
        crew: Iterable[Mapping[str, Any]] = (),
    ) -> Entry:
        stored = copy.deepcopy(dict(show))
        stored.pop("_embedded", None)
        if "id" not in stored:
            raise ValueError("a show needs an id")
        if stored.get("updated") is None:
            stored["updated"] = self.now_stamp()
        entry = Entry(
            stored,
            copy.deepcopy([dict(e) for e in episodes]),
            copy.deepcopy([dict(c) for c in cast]),
            copy.deepcopy([dict(c) for c in crew]),
        )
        self.entries[entry.id] = entry
        return entry

    def get(self, show_id: int) -> Entry:
        try:
            return self.entries[int(show_id)]
        except KeyError:
            raise KeyError(f"no show {show_id}") from None

    def touch(self, show_id: int) -> None:
        self.get(show_id).show["updated"] = self.now_stamp()

    # -- objects as served ---------------------------------------------------------------

    def show_out(self, entry: Entry) -> Json:
        """The show as TVmaze serves it: ``_links`` gets previous/next episode from the episodes."""
        show = dict(entry.show)
        if entry.episodes:
            links = dict(show.get("_links") or {})
            links.pop("previousepisode", None)
            links.pop("nextepisode", None)
            previous, upcoming = self.neighbours(entry)
            for key, ep in (("previousepisode", previous), ("nextepisode", upcoming)):
                if ep is not None:
                    links[key] = {"href": f"{API}/episodes/{ep['id']}", "name": ep.get("name")}
            show["_links"] = links
        return show

    def episode_out(self, entry: Entry, ep: Mapping[str, Any]) -> Json:
        out = dict(ep)
        links = dict(out.get("_links") or {})
        links.setdefault("show", {"href": f"{API}/shows/{entry.id}", "name": entry.show.get("name")})
        out["_links"] = links
        return out

    def episodes_out(self, entry: Entry, *, specials: bool = False) -> list[Json]:
        """In the order they were given; specials (type other than "regular") only on request."""
        return [
            self.episode_out(entry, ep)
            for ep in entry.episodes
            if specials or ep.get("type", "regular") == "regular"
        ]

    def neighbours(self, entry: Entry) -> tuple[Json | None, Json | None]:
        """The last episode aired by now and the first one after now (by airstamp)."""
        now = self.now()
        timed = [(t, ep) for ep in entry.episodes if (t := _instant(ep)) is not None]
        timed.sort(key=lambda pair: pair[0])
        previous = [ep for t, ep in timed if t <= now]
        upcoming = [ep for t, ep in timed if t > now]
        return (
            self.episode_out(entry, previous[-1]) if previous else None,
            self.episode_out(entry, upcoming[0]) if upcoming else None,
        )

    def seasons(self, entry: Entry) -> list[Json]:
        """Season objects made from the episodes (ids are made up: show id * 10000 + number)."""
        by_number: dict[int, list[Mapping[str, Any]]] = {}
        for ep in entry.episodes:
            if isinstance(ep.get("season"), int):
                by_number.setdefault(ep["season"], []).append(ep)
        out = []
        for number in sorted(by_number):
            eps = by_number[number]
            dates = sorted(str(e["airdate"]) for e in eps if e.get("airdate"))
            season_id = entry.id * 10000 + number % 10000
            out.append(
                {
                    "id": season_id,
                    "url": f"https://www.tvmaze.com/seasons/{season_id}",
                    "number": number,
                    "name": "",
                    "episodeOrder": sum(1 for e in eps if e.get("number") is not None) or None,
                    "premiereDate": dates[0] if dates else None,
                    "endDate": dates[-1] if dates else None,
                    "network": entry.show.get("network"),
                    "webChannel": entry.show.get("webChannel"),
                    "image": None,
                    "summary": None,
                    "_links": {"self": {"href": f"{API}/seasons/{season_id}"}},
                }
            )
        return out

    def embedded(self, entry: Entry, embeds: Iterable[str]) -> Json:
        """``_embedded`` for a show; like TVmaze, an embed that resolves to nothing is left out."""
        out: Json = {}
        for name in embeds:
            if name == "episodes":
                out[name] = self.episodes_out(entry)
            elif name == "cast":
                out[name] = list(entry.cast)
            elif name == "crew":
                out[name] = list(entry.crew)
            elif name == "seasons":
                out[name] = self.seasons(entry)
            elif name in ("akas", "images"):
                out[name] = []
            elif name in ("previousepisode", "nextepisode"):
                previous, upcoming = self.neighbours(entry)
                ep = previous if name == "previousepisode" else upcoming
                if ep is not None:
                    out[name] = ep
        return out

    # -- schedules -----------------------------------------------------------------------

    @staticmethod
    def _day(ep: Mapping[str, Any], zone: ZoneInfo | None) -> str | None:
        """The local day an episode airs: its airstamp in the channel's zone when the air time is
        known (TVmaze's schedules select on that), else its airdate."""
        moment = _instant(ep)
        if moment is not None and zone is not None and ep.get("airtime"):
            return moment.astimezone(zone).date().isoformat()
        airdate = ep.get("airdate")
        return str(airdate)[:10] if airdate else None

    def _listing(
        self,
        pick: Callable[[Json], Mapping[str, Any] | None],
        keep_day: Callable[[str], bool],
        show_key: str,
    ) -> list[Json]:
        rows: list[tuple[datetime, int, int, int, Json]] = []
        far = datetime.max.replace(tzinfo=UTC)
        for entry in self.entries.values():
            channel = pick(entry.show)
            if channel is None:
                continue
            zone = _zone(channel)
            show: Json | None = None
            for ep in entry.episodes:
                day = self._day(ep, zone)
                if day is None or not keep_day(day):
                    continue
                if show is None:
                    show = self.show_out(entry)
                row = self.episode_out(entry, ep)
                if show_key == "show":
                    row["show"] = show
                else:
                    row["_embedded"] = {"show": show}
                key = (_instant(ep) or far, entry.id, ep.get("season") or 0, ep.get("number") or 0)
                rows.append((*key, row))
        rows.sort(key=lambda r: r[:4])
        return [r[4] for r in rows]

    def schedule(self, country: str, day: date) -> list[Json]:
        """/schedule: episodes of that country's networks and local web channels, show under
        ``show``. A show's channel is its network, or its web channel when it has no network."""

        def pick(show: Json) -> Mapping[str, Any] | None:
            channel = show.get("network") or show.get("webChannel")
            return channel if _country_code(channel) == country else None

        return self._listing(pick, lambda d: d == day.isoformat(), "show")

    def web_schedule(self, country: str | None, day: date) -> list[Json]:
        """/schedule/web: episodes of shows on a web channel (and no network), show under
        ``_embedded.show``. ``country`` None: every web channel; "": global channels only
        (no country); "XX": that country's local web channels only."""

        def pick(show: Json) -> Mapping[str, Any] | None:
            channel = show.get("webChannel")
            if show.get("network") or not channel:
                return None
            code = _country_code(channel)
            if country is None or (country == "" and code is None) or (country and code == country):
                return channel
            return None

        return self._listing(pick, lambda d: d == day.isoformat(), "_embedded")

    def full_schedule(self, today: date) -> list[Json]:
        """/schedule/full: every episode from today on, in every country, ``_embedded.show``."""

        def pick(show: Json) -> Mapping[str, Any] | None:
            return show.get("network") or show.get("webChannel") or {}

        return self._listing(pick, lambda d: d >= today.isoformat(), "_embedded")

    # -- updates, search, lookup ---------------------------------------------------------

    def updates(self, span: int | None) -> dict[str, int]:
        """Show id -> ``updated`` for shows updated within ``span`` seconds of now (None: all)."""
        floor = None if span is None else self.now_stamp() - span
        out = {}
        for show_id in sorted(self.entries):
            stamp = self.entries[show_id].show.get("updated")
            if isinstance(stamp, int) and (floor is None or stamp >= floor):
                out[str(show_id)] = stamp
        return out

    def search(self, query: str, *, strict: bool = False) -> list[tuple[float, Entry]]:
        """Best first; ties by weight, then id. At most 10, as TVmaze answers."""
        scored = []
        for entry in self.entries.values():
            score = _score(str(entry.show.get("name") or ""), query, strict=strict)
            if score > 0:
                scored.append((score, entry))
        scored.sort(key=lambda pair: (-pair[0], -int(pair[1].show.get("weight") or 0), pair[1].id))
        return scored[:SEARCH_LIMIT]

    def lookup(self, kind: str, value: str) -> Entry | None:
        """The show whose ``externals[kind]`` is ``value`` (imdb, thetvdb or tvrage)."""
        for show_id in sorted(self.entries):
            entry = self.entries[show_id]
            known = (entry.show.get("externals") or {}).get(kind)
            if known is not None and str(known).casefold() == value.strip().casefold():
                return entry
        return None
