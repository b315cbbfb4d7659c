"""A deterministic synthetic catalogue: shows, people, credits, episodes, releases and events.

Scale per show: 3 people, 10 credits, 5 episodes (so 100,000 shows give 300,000 people,
1,000,000 credits and 500,000 episodes). Titles and names come in Latin, Hangul, kana and
Cyrillic scripts. The same seed always gives the same catalogue, byte for byte.

Writers: ``write_toml`` (the project format, one ``<id>.toml`` per show, every field) and
``write_tvmaze`` (TVmaze-like JSON lists, fewer fields: no native names, original titles or
aliases).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
    ShowRecord,
    Status,
    When,
    slugify,
)

PEOPLE_PER_SHOW = 3
CREDITS_PER_SHOW = 10
EPISODES_PER_SHOW = 5

# The instant the benchmarks treat as "now": releases are spread around it.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2015, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2028, 12, 31, tzinfo=UTC)

SCRIPTS = ("latin", "hangul", "kana", "cyrillic")
SCRIPT_WEIGHTS = (50, 25, 15, 10)
COUNTRY = {"latin": "US", "hangul": "KR", "kana": "JP", "cyrillic": "RU"}
LANGUAGE = {"latin": "en", "hangul": "ko", "kana": "ja", "cyrillic": "ru"}
ZONE = {
    "latin": "America/New_York",
    "hangul": "Asia/Seoul",
    "kana": "Asia/Tokyo",
    "cyrillic": "Europe/Moscow",
}

PLATFORMS = (
    "Netflix",
    "Disney+",
    "Prime Video",
    "Apple TV+",
    "HBO",
    "Max",
    "Hulu",
    "Peacock",
    "Paramount+",
    "tvN",
    "JTBC",
    "KBS2",
    "MBC",
    "SBS",
    "ENA",
    "Coupang Play",
    "TVING",
    "Wavve",
    "Fuji TV",
    "NHK",
    "TV Tokyo",
    "TBS",
    "Crunchyroll",
    "Kinopoisk",
    "Okko",
    "START",
    "Premier",
    "BBC One",
    "Channel 4",
    "AMC",
)
WEB_PLATFORMS = frozenset(
    {"Netflix", "Disney+", "Prime Video", "Apple TV+", "Hulu", "Coupang Play", "TVING", "Kinopoisk", "Okko"}
)
GENRES = (
    "Drama",
    "Comedy",
    "Thriller",
    "Horror",
    "Romance",
    "Action",
    "Fantasy",
    "Crime",
    "Mystery",
    "Science-Fiction",
    "Family",
    "Historical",
    "Medical",
    "Legal",
    "Music",
    "Sports",
    "Anime",
)
SOURCE_KINDS = ("webtoon", "novel", "manga", "comic", "game")

_LATIN_ON = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "ch",
    "cl",
    "dr",
    "fl",
    "gr",
    "kr",
    "pl",
    "sh",
    "st",
    "th",
    "tr",
)
_LATIN_NU = ("a", "e", "i", "o", "u", "ai", "ea", "ie", "ou", "y")
_LATIN_CODA = ("", "", "", "n", "r", "s", "l", "th", "ck", "nd", "rt", "x")
_ENGLISH = (
    "The",
    "Of",
    "Night",
    "Love",
    "Secret",
    "House",
    "City",
    "Last",
    "Lost",
    "Dark",
    "Blue",
    "Red",
    "King",
    "Queen",
    "Moon",
    "Sun",
    "Star",
    "Winter",
    "Summer",
    "Storm",
    "Shadow",
    "River",
    "Garden",
    "Empire",
    "Game",
    "Heart",
    "Doctor",
    "Detective",
    "School",
    "Crown",
    "Ghost",
    "Island",
)
_KR_FAMILY = (
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "Kang",
    "Cho",
    "Yoon",
    "Jang",
    "Lim",
    "Han",
    "Oh",
    "Seo",
    "Shin",
    "Kwon",
    "Hwang",
    "Ahn",
    "Song",
    "Yoo",
    "Hong",
)
_KR_FAMILY_HANGUL = (
    "김",
    "이",
    "박",
    "최",
    "정",
    "강",
    "조",
    "윤",
    "장",
    "임",
    "한",
    "오",
    "서",
    "신",
    "권",
    "황",
    "안",
    "송",
    "유",
    "홍",
)
_RU_ON = ("б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ш", "ч")
_RU_NU = ("а", "е", "и", "о", "у", "я", "ы", "ю")
_RU_LATIN = {
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ж": "zh",
    "з": "z",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ф": "f",
    "х": "kh",
    "ш": "sh",
    "ч": "ch",
    "а": "a",
    "е": "e",
    "и": "i",
    "о": "o",
    "у": "u",
    "я": "ya",
    "ы": "y",
    "ю": "yu",
    "й": "y",
}
_KANA = [chr(c) for c in range(0x3042, 0x3094) if chr(c) not in "ぁぃぅぇぉっゃゅょゎゐゑ"]
_KATAKANA = [chr(c) for c in range(0x30A2, 0x30F4) if chr(c) not in "ァィゥェォッャュョヮヰヱ"]
_KANA_ROMAJI = (
    "ka",
    "ki",
    "ku",
    "ke",
    "ko",
    "sa",
    "shi",
    "su",
    "se",
    "so",
    "ta",
    "chi",
    "tsu",
    "te",
    "to",
    "na",
    "ni",
    "nu",
    "ne",
    "no",
    "ha",
    "hi",
    "fu",
    "he",
    "ho",
    "ma",
    "mi",
    "mu",
    "me",
    "mo",
    "ya",
    "yu",
    "yo",
    "ra",
    "ri",
    "ru",
    "re",
    "ro",
    "wa",
    "n",
)


@dataclass(frozen=True, slots=True)
class Sizes:
    shows: int
    people: int
    credits: int
    episodes: int


def sizes_for(shows: int) -> Sizes:
    return Sizes(shows, shows * PEOPLE_PER_SHOW, shows * CREDITS_PER_SHOW, shows * EPISODES_PER_SHOW)


# -- words in four scripts -------------------------------------------------------------------------


def _latin_word(rng: random.Random, syllables: int) -> str:
    w = "".join(rng.choice(_LATIN_ON) + rng.choice(_LATIN_NU) for _ in range(syllables)) + rng.choice(
        _LATIN_CODA
    )
    return w.capitalize()


def _hangul_syllable(rng: random.Random) -> str:
    initial = rng.randrange(19)
    medial = rng.randrange(21)
    final = rng.choice((0, 0, 0, 4, 8, 16, 17, 21))
    return chr(0xAC00 + (initial * 21 + medial) * 28 + final)


def _hangul_word(rng: random.Random, syllables: int) -> str:
    return "".join(_hangul_syllable(rng) for _ in range(syllables))


def _kana_word(rng: random.Random, length: int) -> str:
    table = _KATAKANA if rng.random() < 0.4 else _KANA
    return "".join(rng.choice(table) for _ in range(length))


def _cyrillic_word(rng: random.Random, syllables: int) -> str:
    w = "".join(rng.choice(_RU_ON) + rng.choice(_RU_NU) for _ in range(syllables))
    if rng.random() < 0.3:
        w += rng.choice(("н", "р", "л", "й", "в"))
    return w.capitalize()


def _romanise_cyrillic(text: str) -> str:
    out = "".join(_RU_LATIN.get(ch.lower(), ch) if ch.isalpha() else ch for ch in text)
    return " ".join(w.capitalize() for w in out.split())


def _native_title(rng: random.Random, script: str) -> str:
    if script == "hangul":
        return " ".join(_hangul_word(rng, rng.randint(2, 4)) for _ in range(rng.choice((1, 1, 2, 2, 3))))
    if script == "kana":
        words = [_kana_word(rng, rng.randint(3, 6)) for _ in range(rng.choice((1, 1, 2)))]
        return "の".join(words)
    return " ".join(_cyrillic_word(rng, rng.randint(2, 3)) for _ in range(rng.choice((1, 2, 2, 3))))


def _latin_title(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
        words.append(rng.choice(_ENGLISH) if rng.random() < 0.35 else _latin_word(rng, rng.randint(1, 3)))
    if rng.random() < 0.08:
        words.append(str(rng.randint(2, 9)))
    return " ".join(words)


def _person_names(rng: random.Random, script: str) -> tuple[str, str | None]:
    """(Latin name, native name or None)."""
    if script == "hangul":
        fam = rng.randrange(len(_KR_FAMILY))
        given = [_hangul_syllable(rng), _hangul_syllable(rng)]
        rom = "-".join(_latin_word(rng, 1).lower() for _ in given)
        return f"{_KR_FAMILY[fam]} {rom.capitalize()}", _KR_FAMILY_HANGUL[fam] + "".join(given)
    if script == "kana":
        family = "".join(rng.choice(_KANA_ROMAJI) for _ in range(rng.randint(2, 3))).capitalize()
        given = "".join(rng.choice(_KANA_ROMAJI) for _ in range(rng.randint(2, 3))).capitalize()
        return f"{given} {family}", _kana_word(rng, rng.randint(2, 3)) + " " + _kana_word(
            rng, rng.randint(2, 3)
        )
    if script == "cyrillic":
        native = f"{_cyrillic_word(rng, 2)} {_cyrillic_word(rng, rng.randint(2, 3))}"
        return _romanise_cyrillic(native), native
    return f"{_latin_word(rng, rng.randint(1, 2))} {_latin_word(rng, rng.randint(2, 3))}", None


# -- the catalogue ----------------------------------------------------------------------------------


def _when(rng: random.Random, zone: str, day: datetime) -> When:
    roll = rng.random()
    if roll < 0.6:
        local = day.replace(hour=rng.choice((9, 17, 20, 21, 22)), minute=rng.choice((0, 0, 30)))
        return When.parse(local.strftime("%Y-%m-%dT%H:%M"), zone)
    if roll < 0.9:
        return When.parse(day.strftime("%Y-%m-%d"), zone)
    if roll < 0.95:
        return When.parse(day.strftime("%Y-%m"), zone)
    if roll < 0.98:
        return When.parse(day.strftime("%Y"), zone)
    return When.tba()


def _people(rng: random.Random, count: int) -> list[Person]:
    people: list[Person] = []
    seen: set[str] = set()
    while len(people) < count:
        script = rng.choices(SCRIPTS, SCRIPT_WEIGHTS)[0]
        name, native = _person_names(rng, script)
        pid = slugify(name)
        if pid in seen:
            continue
        seen.add(pid)
        people.append(Person(pid, name, native))
    return people


def generate(shows: int, seed: int = 5) -> list[ShowRecord]:
    """``shows`` ShowRecords with their credits, episodes, releases and events."""
    rng = random.Random(seed)
    sizes = sizes_for(shows)
    people = _people(rng, sizes.people)
    order = list(range(len(people)))
    rng.shuffle(order)
    slot = 0  # the first len(people) credit slots give everyone one credit; the rest favour a few
    span_days = (LAST_DAY - FIRST_DAY).days
    records: list[ShowRecord] = []
    used_ids: set[str] = set()
    for _ in range(shows):
        script = rng.choices(SCRIPTS, SCRIPT_WEIGHTS)[0]
        while True:
            if script == "latin":
                title, original = _latin_title(rng), None
            else:
                native = _native_title(rng, script)
                if rng.random() < 0.6:
                    title, original = _latin_title(rng), native
                else:
                    title, original = native, None
            sid = slugify(title)
            if sid not in used_ids and len(sid) <= 80:
                break
        used_ids.add(sid)
        kind = Kind.FILM if rng.random() < 0.2 else Kind.SERIES
        platform = rng.choice(PLATFORMS)
        zone = ZONE[script]
        aliases: tuple[str, ...] = ()
        if rng.random() < 0.15:
            aliases = (_latin_title(rng),)
        source = rng.random() < 0.2
        seasons = 0
        per_season: list[int] = []
        if kind is Kind.SERIES:
            seasons = 2 if rng.random() < 0.15 else 1
            per_season = [rng.randint(2, 9) for _ in range(seasons)]
        show = Show(
            id=sid,
            title=title,
            kind=kind,
            original_title=original,
            aliases=aliases,
            platform=platform,
            country=COUNTRY[script],
            original_language=LANGUAGE[script],
            genres=tuple(rng.sample(GENRES, rng.randint(1, 3))),
            synopsis=f"{title}: a {rng.choice(GENRES).lower()} story in {rng.randint(1, 99)} acts.",
            episode_count=sum(per_season) if kind is Kind.SERIES else None,
            season_count=seasons if kind is Kind.SERIES else None,
            source_kind=rng.choice(SOURCE_KINDS) if source else None,
            source_title=_latin_title(rng) if source else None,
            status=rng.choice((Status.ENDED, Status.RUNNING, Status.ANNOUNCED, Status.RENEWED))
            if kind is Kind.SERIES
            else Status.RELEASED,
        )
        # credits: 10 per show on average, distinct people within a show
        want = rng.randint(7, 13)
        chosen: list[Person] = []
        taken: set[int] = set()
        while len(chosen) < want:
            if slot < len(order):
                idx = order[slot]
                slot += 1
            else:
                idx = int(len(people) * rng.random() ** 1.5)
            if idx in taken:
                continue
            taken.add(idx)
            chosen.append(people[idx])
        credits: list[Credit] = []
        crew_roles = [Role.DIRECTOR, Role.WRITER] + ([Role.ORIGINAL_AUTHOR] if source else [])
        n_cast = max(1, want - len(crew_roles))
        for i, person in enumerate(chosen[:n_cast]):
            credits.append(Credit(sid, person, Role.CAST, f"{_latin_word(rng, 2)}", i + 1))
        for person, role in zip(chosen[n_cast:], crew_roles, strict=False):
            credits.append(Credit(sid, person, role))
        # episodes and releases
        episodes: list[Episode] = []
        releases: list[Release] = []
        day = FIRST_DAY + timedelta(days=rng.randrange(span_days))
        if kind is Kind.FILM:
            releases.append(
                Release(
                    sid,
                    _when(rng, zone, day),
                    Scope.SHOW,
                    platform=platform,
                    region="WW" if platform in WEB_PLATFORMS else COUNTRY[script],
                )
            )
        for season, count in enumerate(per_season, start=1):
            for number in range(1, count + 1):
                episodes.append(
                    Episode(sid, season, number, f"Episode {number}" if rng.random() < 0.5 else None)
                )
            region = "WW" if platform in WEB_PLATFORMS else COUNTRY[script]
            if platform in WEB_PLATFORMS and rng.random() < 0.7:
                releases.append(
                    Release(
                        sid,
                        _when(rng, zone, day),
                        Scope.SEASON,
                        season,
                        platform=platform,
                        region=region,
                        note=f"All {count} episodes at once",
                    )
                )
            else:
                first = _when(rng, zone, day)
                if first.precision not in (Precision.EXACT, Precision.DATE):
                    first = When.parse(day.strftime("%Y-%m-%d"), zone)
                for number in range(1, count + 1):
                    at = day + timedelta(days=7 * (number - 1))
                    if first.precision is Precision.EXACT:
                        local = datetime.fromisoformat(first.local or "").replace(tzinfo=None) + timedelta(
                            days=7 * (number - 1)
                        )
                        when = When.parse(local.strftime("%Y-%m-%dT%H:%M"), zone)
                    else:
                        when = When.parse(at.strftime("%Y-%m-%d"), zone)
                    releases.append(
                        Release(sid, when, Scope.EPISODE, season, number, platform=platform, region=region)
                    )
            day += timedelta(days=rng.randint(200, 500))
        events: list[Event] = []
        if rng.random() < 0.1:
            events.append(
                Event(
                    sid,
                    "press_conference",
                    "Press conference",
                    When.parse((day - timedelta(days=3)).strftime("%Y-%m-%d"), zone),
                    "Seoul",
                )
            )
        records.append(ShowRecord(show, credits, episodes, releases, events))
    return records


# -- writers ----------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def toml_text(record: ShowRecord) -> str:
    s = record.show
    out = [f"id = {_q(s.id)}", f"title = {_q(s.title)}"]
    if s.original_title:
        out.append(f"original_title = {_q(s.original_title)}")
    if s.aliases:
        out.append(f"aliases = [{', '.join(_q(a) for a in s.aliases)}]")
    out.append(f'kind = "{s.kind.value}"')
    for key in ("platform", "country", "original_language"):
        value = getattr(s, key)
        if value:
            out.append(f"{key} = {_q(value)}")
    if s.genres:
        out.append(f"genres = [{', '.join(_q(g) for g in s.genres)}]")
    if s.synopsis:
        out.append(f"synopsis = {_q(s.synopsis)}")
    if s.episode_count is not None:
        out.append(f"episode_count = {s.episode_count}")
    if s.season_count is not None:
        out.append(f"season_count = {s.season_count}")
    if s.status:
        out.append(f'status = "{s.status.value}"')
    if s.source_kind or s.source_title:
        out.append("\n[source]")
        if s.source_kind:
            out.append(f"kind = {_q(s.source_kind)}")
        if s.source_title:
            out.append(f"title = {_q(s.source_title)}")
    for c in record.credits:
        out.append("\n[[credits]]")
        out.append(f"name = {_q(c.person.name)}")
        if c.person.native_name:
            out.append(f"native_name = {_q(c.person.native_name)}")
        out.append(f'role = "{c.role.value}"')
        if c.character:
            out.append(f"character = {_q(c.character)}")
        if c.person.id != slugify(c.person.name):
            out.append(f"person_id = {_q(c.person.id)}")
    for e in record.episodes:
        out.append(f"\n[[episodes]]\nseason = {e.season}\nnumber = {e.number}")
        if e.title:
            out.append(f"title = {_q(e.title)}")
    for r in record.releases:
        out.append(f'\n[[releases]]\nscope = "{r.scope.value}"')
        if r.season is not None:
            out.append(f"season = {r.season}")
        if r.episode is not None:
            out.append(f"episode = {r.episode}")
        if r.platform:
            out.append(f"platform = {_q(r.platform)}")
        out.append(f"region = {_q(r.region)}")
        out.append(f"when = {_q(r.when.to_text())}")
        if r.when.zone != "UTC":
            out.append(f"zone = {_q(r.when.zone)}")
        if r.note:
            out.append(f"note = {_q(r.note)}")
    for ev in record.events:
        out.append(
            f"\n[[events]]\nkind = {_q(ev.kind)}\ntitle = {_q(ev.title)}\nwhen = {_q(ev.when.to_text())}"
        )
        if ev.when.zone != "UTC":
            out.append(f"zone = {_q(ev.when.zone)}")
        if ev.place:
            out.append(f"place = {_q(ev.place)}")
    return "\n".join(out) + "\n"


def write_toml(records: Sequence[ShowRecord], directory: Path) -> int:
    """One ``<id>.toml`` per show, in sub-folders of 1,000 files. Returns the bytes written."""
    total = 0
    for i, record in enumerate(records):
        folder = directory / f"{i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = toml_text(record).encode()
        (folder / f"{record.show.id}.toml").write_bytes(data)
        total += len(data)
    return total


_ZONE_INFO = {z: (c, z) for c, z in ((COUNTRY[s], ZONE[s]) for s in SCRIPTS)}


def tvmaze_show(record: ShowRecord, number: int) -> dict:
    s = record.show
    zone = next((r.when.zone for r in record.releases), "UTC")
    country = s.country or "US"
    channel = {"name": s.platform, "country": {"code": country, "timezone": zone}}
    web = s.platform in WEB_PLATFORMS
    by_key = {(r.season, r.episode): r for r in record.releases if r.scope is Scope.EPISODE}
    drops = {r.season: r for r in record.releases if r.scope is Scope.SEASON}
    eps = []
    for e in record.episodes:
        r = by_key.get((e.season, e.number)) or drops.get(e.season)
        item: dict = {"season": e.season, "number": e.number, "name": e.title}
        if (
            r is not None
            and r.when.instant is not None
            and r.when.precision in (Precision.EXACT, Precision.DATE)
        ):
            local = r.when.instant.astimezone(__import__("zoneinfo").ZoneInfo(zone))
            item["airdate"] = local.strftime("%Y-%m-%d")
            if r.when.precision is Precision.EXACT:
                item["airtime"] = local.strftime("%H:%M")
                item["airstamp"] = r.when.instant.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            else:
                item["airtime"] = ""
        eps.append(item)
    crew_types = {
        Role.DIRECTOR: "Director",
        Role.WRITER: "Writer",
        Role.CREATOR: "Creator",
        Role.ORIGINAL_AUTHOR: "Original Author",
    }
    return {
        "id": number,
        "name": s.title,
        "language": {"en": "English", "ko": "Korean", "ja": "Japanese", "ru": "Russian"}.get(
            s.original_language or ""
        ),
        "genres": list(s.genres),
        "status": {"ended": "Ended", "running": "Running", "announced": "In Development"}.get(
            s.status.value if s.status else "", "Running"
        ),
        "summary": f"<p>{s.synopsis}</p>" if s.synopsis else None,
        "network": None if web else channel,
        "webChannel": channel if web else None,
        "_embedded": {
            "cast": [
                {"person": {"name": c.person.name}, "character": {"name": c.character}}
                for c in record.credits
                if c.role is Role.CAST
            ],
            "crew": [
                {"type": crew_types[c.role], "person": {"name": c.person.name}}
                for c in record.credits
                if c.role is not Role.CAST
            ],
            "episodes": eps,
        },
    }


def write_tvmaze(records: Sequence[ShowRecord], directory: Path, per_file: int = 10_000) -> int:
    """TVmaze-like JSON lists of ``per_file`` shows each. Returns the bytes written."""
    directory.mkdir(parents=True, exist_ok=True)
    total = 0
    for start in range(0, len(records), per_file):
        chunk = [tvmaze_show(r, start + i + 1) for i, r in enumerate(records[start : start + per_file])]
        data = json.dumps(chunk, ensure_ascii=False).encode()
        (directory / f"shows-{start // per_file:03d}.json").write_bytes(data)
        total += len(data)
    return total


def counts(records: Sequence[ShowRecord]) -> dict[str, int]:
    people = {c.person.id for r in records for c in r.credits}
    return {
        "shows": len(records),
        "people": len(people),
        "credits": sum(len(r.credits) for r in records),
        "episodes": sum(len(r.episodes) for r in records),
        "releases": sum(len(r.releases) for r in records),
        "events": sum(len(r.events) for r in records),
    }


def iter_names(records: Sequence[ShowRecord]) -> Iterator[tuple[str, str, str]]:
    for r in records:
        yield "show", r.show.id, r.show.title
