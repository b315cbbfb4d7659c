"""The rules one show's record must follow; every problem names the field, as its source does.

On top of the structural checks of ``project_format`` and ``tvmaze`` (types, unknown keys,
required fields, enumerations, dates and zones):

- ids match ``^[a-z0-9]+(-[a-z0-9]+)*$`` (shows and people);
- country is ISO 3166-1 alpha-2 (``KR``), language ISO 639-1 (``ko``), region ``WW`` or a
  country; films leave out episode and season counts;
- a ``character`` only on cast credits; no credit twice (same person, role and character);
- a ``show`` release names no season or episode, a ``season`` release its season only, an
  ``episode`` release both; release ids (show, scope, season, episode, platform, region) and
  event ids (show, kind, date) are unique within a show; episodes are unique;
- outside ids (``tvmaze_id``/``thetvdb_id`` 1 or more, ``imdb_id`` ``tt`` and 7+ digits),
  ``premiered``/``ended`` real days in order; a season part names its episodes with
  1 <= first <= last, only a season release has a part or a range, and a season release holds
  no more than its season (``_season_claims``); a link goes to another valid show id, once,
  with a short relation.

The checks across shows (show ids, people) are ``bot.catalogue.validate``'s.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from datetime import date

from bot.catalogue.errors import Problem
from bot.catalogue.project_format import zone_is_valid
from bot.models import Kind, Release, Role, Scope, Show, ShowRecord

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
EVENT_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_ID_MATCH = ID_RE.match

Origins = dict[str, list[int]]


def item_label(section: str, index: Sequence[int] | None, i: int) -> str:
    """``credits[3]``: item ``i`` of a section as its source numbers it (``index`` maps the
    items kept to their indexes in the source)."""
    if index is not None and i < len(index):
        return f"{section}[{index[i]}]"
    return f"{section}[{i}]"


def _label(origins: Origins | None, section: str, i: int) -> str:
    return item_label(section, origins.get(section) if origins else None, i)


def _add(
    out: list[Problem], origins: Origins | None, section: str, i: int, key: str | None, message: str
) -> None:
    """A problem of item ``i`` of ``section``, or of its field ``key``."""
    label = _label(origins, section, i)
    out.append(Problem(f"{label}.{key}" if key else label, message))


def repeats(keys: Sequence[Hashable]) -> dict[int, int]:
    """Index -> index of the first item with the same key, for every item that repeats a key
    (none, at the cost of one set, when all keys differ)."""
    if len(set(keys)) == len(keys):
        return {}
    seen: dict[Hashable, int] = {}
    out: dict[int, int] = {}
    for i, key in enumerate(keys):
        first = seen.setdefault(key, i)
        if first != i:
            out[i] = first
    return out


def check_record(record: ShowRecord, origins: Origins | None = None) -> list[Problem]:
    """The checks on one built record (the module's docstring). ``origins`` maps item indexes
    back to the source's. A duplicate item is reported after the item's other problems."""
    out: list[Problem] = []
    s = record.show
    if not _ID_MATCH(s.id):
        out.append(
            Problem("id", f"{s.id!r} is not a valid id: lowercase ASCII letters, digits and single dashes")
        )
    if not s.title.strip():
        out.append(Problem("title", "must not be empty"))
    if s.country is not None and not COUNTRY_RE.match(s.country):
        out.append(Problem("country", f"{s.country!r} is not an ISO 3166-1 alpha-2 code such as KR"))
    if s.original_language is not None and not LANGUAGE_RE.match(s.original_language):
        out.append(
            Problem("original_language", f"{s.original_language!r} is not an ISO 639-1 code such as ko")
        )
    if s.kind is Kind.FILM:
        for key in ("episode_count", "season_count"):
            if getattr(s, key) is not None:
                out.append(Problem(key, "a film has no episodes or seasons: leave it out"))
    if s.tvmaze_id is not None or s.imdb_id is not None or s.thetvdb_id is not None:
        out.extend(_outside_id_problems(s))
    if s.premiered is not None or s.ended is not None:
        out.extend(_show_date_problems(s))
    if record.credits:
        _credit_problems(record, origins, out)
    if record.episodes:
        _episode_problems(record, origins, out)
    if record.releases:
        _release_problems(record, origins, out)
    if record.events:
        _event_problems(record, origins, out)
    if record.links:
        _link_problems(record, origins, out)
    return out


def _credit_problems(record: ShowRecord, origins: Origins | None, out: list[Problem]) -> None:
    twice = repeats([(c.person.id, c.role, c.character or "") for c in record.credits])
    cast = Role.CAST
    for i, c in enumerate(record.credits):
        person = c.person
        if not _ID_MATCH(person.id):
            _add(out, origins, "credits", i, "person_id", f"{person.id!r} is not a valid id")
        if c.character is not None and c.role is not cast:
            _add(
                out,
                origins,
                "credits",
                i,
                "character",
                f"only cast credits take a character, not {c.role.value}",
            )
        if c.order < 0:
            _add(out, origins, "credits", i, "order", f"must be 0 or more, not {c.order}")
        if twice and i in twice:
            first = _label(origins, "credits", twice[i])
            _add(
                out,
                origins,
                "credits",
                i,
                None,
                f"duplicate credit: {person.name} as {c.role.value} is already {first}",
            )


def _episode_problems(record: ShowRecord, origins: Origins | None, out: list[Problem]) -> None:
    twice = repeats([(e.season, e.number) for e in record.episodes])
    for i, e in enumerate(record.episodes):
        if e.season < 0 or e.number < 0:
            _add(out, origins, "episodes", i, None, "season and number must be 0 or more")
        if twice and i in twice:
            first = _label(origins, "episodes", twice[i])
            message = f"duplicate episode: season {e.season} episode {e.number} is already {first}"
            _add(out, origins, "episodes", i, None, message)


def _release_problems(record: ShowRecord, origins: Origins | None, out: list[Problem]) -> None:
    episodes_by_season: dict[int, list[int]] | None = None  # made when a season release needs it
    twice = repeats([r.id for r in record.releases])
    for i, r in enumerate(record.releases):
        scope = r.scope
        if scope is Scope.SHOW:
            if r.season is not None:
                _add(
                    out,
                    origins,
                    "releases",
                    i,
                    "season",
                    'a show release has no season (use scope = "season")',
                )
            if r.episode is not None:
                _add(
                    out,
                    origins,
                    "releases",
                    i,
                    "episode",
                    'a show release has no episode (use scope = "episode")',
                )
        elif scope is Scope.SEASON:
            if r.season is None:
                _add(out, origins, "releases", i, "season", "required for a season release")
            if r.episode is not None or r.part is not None or r.last_episode is not None:
                out.extend(_part_problems(r, _label(origins, "releases", i)))
        else:
            if r.season is None:
                _add(out, origins, "releases", i, "season", "required for an episode release")
            if r.episode is None:
                _add(out, origins, "releases", i, "episode", "required for an episode release")
        if scope is not Scope.SEASON:
            if r.part is not None:
                message = 'only a season release is released in parts (scope = "season")'
                _add(out, origins, "releases", i, "part", message)
            if r.last_episode is not None:
                message = 'only a season part takes a range of episodes (scope = "season", part = 1)'
                _add(out, origins, "releases", i, "episodes", message)
        elif r.season is not None and (r.note or r.episode is not None):
            if episodes_by_season is None:
                episodes_by_season = {}
                for e in record.episodes:
                    episodes_by_season.setdefault(e.season, []).append(e.number)
            out.extend(_season_claims(record, r, _label(origins, "releases", i), episodes_by_season))
        region = r.region
        if region != "WW" and not COUNTRY_RE.match(region):
            message = f"{region!r} is not WW or an ISO 3166-1 alpha-2 code such as KR"
            _add(out, origins, "releases", i, "region", message)
        if r.platform is not None and not r.platform.strip():
            _add(out, origins, "releases", i, "platform", "must not be empty")
        if not zone_is_valid(r.when.zone):
            _add(out, origins, "releases", i, "zone", f"unknown time zone {r.when.zone!r}")
        if twice and i in twice:
            first = _label(origins, "releases", twice[i])
            message = (
                f"duplicate release {r.id!r}: same scope, season, episode, platform and region as {first}"
            )
            _add(out, origins, "releases", i, None, message)


def _event_problems(record: ShowRecord, origins: Origins | None, out: list[Problem]) -> None:
    twice = repeats([ev.id for ev in record.events])
    for i, ev in enumerate(record.events):
        if not EVENT_KIND_RE.match(ev.kind):
            message = f"{ev.kind!r} is not a kind such as press_conference (lowercase, underscores)"
            _add(out, origins, "events", i, "kind", message)
        if not zone_is_valid(ev.when.zone):
            _add(out, origins, "events", i, "zone", f"unknown time zone {ev.when.zone!r}")
        if twice and i in twice:
            first = _label(origins, "events", twice[i])
            _add(out, origins, "events", i, None, f"duplicate event {ev.id!r}: same kind and date as {first}")


def _link_problems(record: ShowRecord, origins: Origins | None, out: list[Problem]) -> None:
    sid = record.show.id
    twice = repeats([k.other_id for k in record.links])
    for i, k in enumerate(record.links):
        if not _ID_MATCH(k.other_id):
            _add(out, origins, "links", i, "show", f"{k.other_id!r} is not a valid show id")
        elif k.other_id == sid:
            _add(out, origins, "links", i, "show", "a show does not link to itself")
        relation = k.relation.strip()
        if not relation:
            _add(out, origins, "links", i, "relation", "must not be empty")
        elif len(relation) > LINK_RELATION_MAX:
            message = f'at most {LINK_RELATION_MAX} characters, such as "sequel" or "same director"'
            _add(out, origins, "links", i, "relation", message)
        if twice and i in twice:
            first = _label(origins, "links", twice[i])
            _add(out, origins, "links", i, None, f"duplicate link to {k.other_id!r}: already {first}")


# --- outside ids, show dates, season parts and what a release says it holds

IMDB_RE = re.compile(r"^tt\d{7,}$")
LINK_RELATION_MAX = 40


def _outside_id_problems(s: Show) -> list[Problem]:
    out: list[Problem] = []
    for key in ("tvmaze_id", "thetvdb_id"):
        value = getattr(s, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            out.append(Problem(key, f"must be a whole number of 1 or more, not {value!r}"))
    if s.imdb_id is not None and not (isinstance(s.imdb_id, str) and IMDB_RE.match(s.imdb_id)):
        out.append(Problem("imdb_id", f"{s.imdb_id!r} is not an IMDb id such as tt0944947"))
    return out


def _day(text: object) -> str | None:
    """``text`` when it is a real YYYY-MM-DD day, else None."""
    if isinstance(text, str) and len(text) == 10 and _DAY_RE.match(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
        return text
    return None


_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _show_date_problems(s: Show) -> list[Problem]:
    out: list[Problem] = []
    days: dict[str, str | None] = {}
    for key in ("premiered", "ended"):
        value = getattr(s, key)
        if value is None:
            continue
        days[key] = _day(value)
        if days[key] is None:
            out.append(Problem(key, f'{value!r} is not a date such as "2022-01-28" (YYYY-MM-DD)'))
    premiered, ended = days.get("premiered"), days.get("ended")
    if premiered and ended and ended < premiered:
        out.append(Problem("ended", f"{s.ended} is before the show premiered ({s.premiered})"))
    return out


def _part_problems(r: Release, label: str) -> list[Problem]:
    """A season part: its range is 1 <= first <= last, and a part names its episodes."""
    if r.episode is None:
        if r.last_episode is not None:
            message = f"a range needs its first episode, not only the last ({r.last_episode})"
        else:
            message = f'required for a season part (part = {r.part}): its episodes, such as "1-8"'
        return [Problem(f"{label}.episodes", message)]
    last = r.last_episode if r.last_episode is not None else r.episode
    if r.episode < 1 or last < r.episode:
        shown = f"{r.episode}" if r.last_episode is None else f"{r.episode}-{r.last_episode}"
        return [Problem(f"{label}.episodes", f"{shown!r} is not a range of episodes: 1 <= first <= last")]
    return []


# What a release's note says it holds: "All 16 episodes", "8 episodes", "episodes 1-8",
# "episodes 8 and 9", "episode 8"; and "Part 2" / "Volume 2".
_NOTE_COUNT_RE = re.compile(r"\b(?:all\s+)?(\d+)\s+episodes\b", re.IGNORECASE)
_NOTE_RANGE_RE = re.compile(r"\bepisodes?\s+(\d+)(?:\s*(?:-|\u2013|to|and|&)\s*(\d+))?\b", re.IGNORECASE)
_NOTE_PART_RE = re.compile(r"\b(?:part|volume|vol\.)\s*(\d+|[IVX]+)\b", re.IGNORECASE)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}


def _note_part(note: str) -> int | None:
    match = _NOTE_PART_RE.search(note)
    if match is None:
        return None
    word = match.group(1).upper()
    return int(word) if word.isdigit() else _ROMAN.get(word)


def _season_claims(
    record: ShowRecord, r: Release, label: str, episodes_by_season: dict[int, list[int]]
) -> list[Problem]:
    """A season release holds no more than its season: a part's range ends at or before the
    season's last listed episode, and what its note says (a count, a range, a part) is what it
    holds. A whole-season release holds the listed episodes of its season (or the show's
    episode count for a one-season show)."""
    out: list[Problem] = []
    season = r.season
    assert season is not None
    listed = episodes_by_season.get(season)
    last_listed = max(listed) if listed else None
    span = r.episode_range
    if span is not None and (span[0] < 1 or span[1] < span[0]):
        return out  # reported by _part_problems
    what = f"season {season}"
    if span is not None:
        if last_listed is not None and span[1] > last_listed:
            out.append(
                Problem(
                    f"{label}.episodes",
                    f"episodes {span[0]}-{span[1]} go past the last listed episode of {what} ({last_listed})",
                )
            )
        holds: tuple[int, int] | None = span
        count: int | None = span[1] - span[0] + 1
    elif listed:
        holds, count = (1, last_listed), len(listed)  # type: ignore[assignment]
    elif record.show.season_count == 1 and record.show.episode_count:
        holds, count = (1, record.show.episode_count), record.show.episode_count
    else:
        holds = count = None
    note = r.note
    if not note:
        return out
    described = (
        f"episodes {span[0]}-{span[1]}"
        if span is not None and span[0] != span[1]
        else f"episode {span[0]}"
        if span is not None
        else f"the whole of {what}"
    )
    claimed = _NOTE_COUNT_RE.search(note)
    if claimed is not None and count is not None and int(claimed.group(1)) != count:
        out.append(
            Problem(
                f"{label}.note",
                f"says {claimed.group(0)!r} but the release holds {count} ({described})",
            )
        )
    rng = _NOTE_RANGE_RE.search(note)
    if rng is not None:
        first = int(rng.group(1))
        last = int(rng.group(2)) if rng.group(2) else first
        if holds is not None and (first, last) != holds:
            out.append(
                Problem(
                    f"{label}.note",
                    f"says {rng.group(0)!r} but the release holds {described}"
                    + ("" if span is not None else f" (episodes {holds[0]}-{holds[1]})"),
                )
            )
        elif holds is None and span is None and first != 1:
            out.append(
                Problem(
                    f"{label}.note", f"says {rng.group(0)!r} but a whole-season release starts at episode 1"
                )
            )
    part = _note_part(note)
    if part is not None and r.part is None and span is None:
        out.append(
            Problem(
                f"{label}.note",
                f"says {_NOTE_PART_RE.search(note).group(0)!r} but the release is the whole of {what}: "  # type: ignore[union-attr]
                f'give it part = {part} and its episodes = "first-last"',
            )
        )
    elif part is not None and r.part is not None and part != r.part:
        out.append(Problem(f"{label}.note", f"says part {part} but the release is part = {r.part}"))
    return out
