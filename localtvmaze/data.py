"""Builders for TVmaze-shaped JSON objects: shows, episodes, people, cast and crew credits.

The shapes follow TVmaze's public API (https://www.tvmaze.com/api). URLs inside the objects
point at tvmaze.com / api.tvmaze.com, as TVmaze's own do; the server never rewrites them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "make_show",
    "make_episode",
    "make_person",
    "make_cast",
    "make_crew",
    "make_country",
    "is_country_code",
    "airstamp_for",
]

SITE = "https://www.tvmaze.com"
API = "https://api.tvmaze.com"

# The country names and zones TVmaze uses for common countries. Others fall back to tzdata's
# iso3166.tab name and the first zone zone.tab lists for the country.
_COUNTRIES: dict[str, tuple[str, str]] = {
    "US": ("United States", "America/New_York"),
    "GB": ("United Kingdom", "Europe/London"),
    "KR": ("Korea, Republic of", "Asia/Seoul"),
    "JP": ("Japan", "Asia/Tokyo"),
    "CN": ("China", "Asia/Shanghai"),
    "TW": ("Taiwan, Province of China", "Asia/Taipei"),
    "CA": ("Canada", "America/Toronto"),
    "AU": ("Australia", "Australia/Sydney"),
    "NZ": ("New Zealand", "Pacific/Auckland"),
    "IE": ("Ireland", "Europe/Dublin"),
    "DE": ("Germany", "Europe/Berlin"),
    "FR": ("France", "Europe/Paris"),
    "ES": ("Spain", "Europe/Madrid"),
    "IT": ("Italy", "Europe/Rome"),
    "NL": ("Netherlands", "Europe/Amsterdam"),
    "SE": ("Sweden", "Europe/Stockholm"),
    "NO": ("Norway", "Europe/Oslo"),
    "DK": ("Denmark", "Europe/Copenhagen"),
    "BR": ("Brazil", "America/Sao_Paulo"),
    "MX": ("Mexico", "America/Mexico_City"),
    "IN": ("India", "Asia/Kolkata"),
    "RU": ("Russian Federation", "Europe/Moscow"),
}


@cache
def _iso3166() -> dict[str, str]:
    """Code -> name from tzdata's iso3166.tab (empty if tzdata is missing)."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {code: name for code, (name, _) in _COUNTRIES.items()}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.partition("\t")
            out[code.strip()] = name.strip()
    return out


@cache
def _first_zones() -> dict[str, str]:
    """Code -> first zone listed for that country in tzdata's zone.tab."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                out.setdefault(parts[0], parts[2])
    return out


def is_country_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code TVmaze would accept ("GB" yes, "UK" no)."""
    return code in _iso3166() or code in _COUNTRIES


def make_country(code: str, timezone: str | None = None) -> dict[str, Any]:
    """TVmaze's country object: ``{"name", "code", "timezone"}``."""
    code = code.upper()
    name, zone = _COUNTRIES.get(code, (_iso3166().get(code, code), _first_zones().get(code, "UTC")))
    return {"name": name, "code": code, "timezone": timezone or zone}


def _slug(text: str) -> str:
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", flat.lower()).strip("-")


def _channel_id(name: str) -> int:
    """A stable made-up id for a network or web channel, from its name."""
    return zlib.crc32(name.encode("utf-8")) % 9000 + 1000


def _channel(name: str, country_code: str | None, timezone: str | None) -> dict[str, Any]:
    return {
        "id": _channel_id(name),
        "name": name,
        "country": make_country(country_code, timezone) if country_code else None,
        "officialSite": None,
    }


def _stamp(value: int | datetime | None) -> int | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("updated must be an aware datetime")
        return int(value.timestamp())
    return value


def _iso_date(value: str | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise TypeError("pass a date, not a datetime")
    return value.isoformat() if isinstance(value, date) else value


def make_show(
    id: int,
    name: str,
    *,
    type: str = "Scripted",
    language: str | None = "English",
    genres: Iterable[str] = (),
    status: str = "Running",
    premiered: str | date | None = None,
    ended: str | date | None = None,
    network: str | None = None,
    web_channel: str | None = None,
    country_code: str | None = None,
    timezone: str | None = None,
    summary: str | None = None,
    updated: int | datetime | None = None,
    imdb: str | None = None,
    thetvdb: int | None = None,
    runtime: int | None = None,
    tvrage: int | None = None,
    weight: int = 0,
    schedule_time: str = "",
    schedule_days: Iterable[str] = (),
) -> dict[str, Any]:
    """A full TVmaze show object.

    ``network="tvN", country_code="KR"`` gives ``network.country`` = Korea with TVmaze's zone
    for it (``timezone=`` overrides). A ``web_channel`` takes the same ``country_code``; without
    one its ``country`` is null, which is how TVmaze marks global services such as Netflix.
    With both a ``network`` and a ``web_channel``, the country goes to the network and the web
    channel is global (edit the dict for other combinations).
    ``updated=None`` leaves ``"updated": None``; ``LocalTVmaze.add_show`` stamps such a show
    with the server's clock.
    """
    return {
        "id": id,
        "url": f"{SITE}/shows/{id}/{_slug(name)}",
        "name": name,
        "type": type,
        "language": language,
        "genres": list(genres),
        "status": status,
        "runtime": runtime,
        "averageRuntime": runtime,
        "premiered": _iso_date(premiered),
        "ended": _iso_date(ended),
        "officialSite": None,
        "schedule": {"time": schedule_time, "days": list(schedule_days)},
        "rating": {"average": None},
        "weight": weight,
        "network": _channel(network, country_code, timezone) if network else None,
        "webChannel": (
            _channel(web_channel, None if network else country_code, timezone) if web_channel else None
        ),
        "dvdCountry": None,
        "externals": {"tvrage": tvrage, "thetvdb": thetvdb, "imdb": imdb},
        "image": None,
        "summary": summary,
        "updated": _stamp(updated),
        "_links": {"self": {"href": f"{API}/shows/{id}"}},
    }


def airstamp_for(airdate: str | date, airtime: str = "", zone: str = "UTC") -> str:
    """The ``airstamp`` TVmaze derives from an episode's ``airdate`` and ``airtime``.

    With an air time: that wall-clock time in ``zone``, in UTC. Without one (``airtime == ""``,
    as for episodes on global streaming services): 12:00 UTC on the airdate, the placeholder
    TVmaze itself puts in such airstamps.
    """
    day = date.fromisoformat(_iso_date(airdate) or "")
    if not airtime:
        moment = datetime.combine(day, time(12, 0), tzinfo=UTC)
    else:
        hour, _, minute = airtime.partition(":")
        local = datetime.combine(day, time(int(hour), int(minute or 0)), tzinfo=ZoneInfo(zone))
        moment = local.astimezone(UTC)
    return moment.isoformat()


def make_episode(
    id: int,
    season: int,
    number: int | None,
    *,
    name: str | None = None,
    airdate: str | date | None = None,
    airtime: str = "",
    airstamp: str | datetime | None = None,
    runtime: int | None = None,
    type: str = "regular",
    summary: str | None = None,
    zone: str = "UTC",
) -> dict[str, Any]:
    """A TVmaze episode object.

    ``airstamp=None`` with an ``airdate`` computes it like TVmaze (see ``airstamp_for``; pass the
    show's zone as ``zone=``). Without an airdate the episode is undated: ``"airdate": ""`` and
    ``"airstamp": None``, as TVmaze serves episodes that have no date yet.
    """
    day = _iso_date(airdate)
    if isinstance(airstamp, datetime):
        if airstamp.tzinfo is None:
            raise ValueError("airstamp must be an aware datetime")
        stamp: str | None = airstamp.astimezone(UTC).isoformat()
    elif airstamp is None and day:
        stamp = airstamp_for(day, airtime, zone)
    else:
        stamp = airstamp
    if name is None:
        name = f"Episode {number}" if number is not None else "Special"
    code = f"{season}x{number:02d}" if number is not None else f"{season}xS"
    return {
        "id": id,
        "url": f"{SITE}/episodes/{id}/{code}-{_slug(name)}".rstrip("-"),
        "name": name,
        "season": season,
        "number": number,
        "type": type,
        "airdate": day or "",
        "airtime": airtime,
        "airstamp": stamp,
        "runtime": runtime,
        "rating": {"average": None},
        "image": None,
        "summary": summary,
        "_links": {"self": {"href": f"{API}/episodes/{id}"}},
    }


def make_person(
    id: int,
    name: str,
    *,
    country: str | None = None,
    birthday: str | date | None = None,
    deathday: str | date | None = None,
    gender: str | None = None,
    updated: int = 0,
) -> dict[str, Any]:
    """A TVmaze person object. ``country`` is an ISO code ("KR"); it becomes a country object."""
    return {
        "id": id,
        "url": f"{SITE}/people/{id}/{_slug(name)}",
        "name": name,
        "country": make_country(country) if country else None,
        "birthday": _iso_date(birthday),
        "deathday": _iso_date(deathday),
        "gender": gender,
        "image": None,
        "updated": updated,
        "_links": {"self": {"href": f"{API}/people/{id}"}},
    }


def make_cast(
    person: dict[str, Any],
    character_name: str,
    character_id: int | None = None,
    *,
    self: bool = False,
    voice: bool = False,
) -> dict[str, Any]:
    """A show cast credit. Without ``character_id`` a stable one is made up from person and name."""
    if character_id is None:
        key = f"{person.get('id')}:{character_name}".encode()
        character_id = zlib.crc32(key) % 90_000_000 + 10_000_000
    return {
        "person": person,
        "character": {
            "id": character_id,
            "url": f"{SITE}/characters/{character_id}/{_slug(character_name)}",
            "name": character_name,
            "image": None,
            "_links": {"self": {"href": f"{API}/characters/{character_id}"}},
        },
        "self": self,
        "voice": voice,
    }


def make_crew(person: dict[str, Any], type: str) -> dict[str, Any]:
    """A show crew credit: ``{"type": "Director", "person": {...}}``."""
    return {"type": type, "person": person}
