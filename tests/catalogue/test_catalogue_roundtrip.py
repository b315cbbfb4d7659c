"""Property: any valid record written as TOML reads back as the very same record."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalogue.project_format import dump_record, parse_toml
from bot.catalogue.validate import validate_records
from bot.models import (
    Credit,
    Episode,
    Event,
    Kind,
    Link,
    Person,
    Release,
    Role,
    Scope,
    Show,
    ShowRecord,
    Status,
    When,
    slugify,
)

SID = "prop-show"
ZONES = ["UTC", "Asia/Seoul", "America/New_York", "Europe/Madrid", "Australia/Lord_Howe"]

# any text a person might type, with at least one visible character, no surrogates
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda s: s.strip() != ""
)
slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
counts = st.integers(min_value=0, max_value=5000)


@st.composite
def whens(draw: st.DrawFn) -> When:
    zone = draw(st.sampled_from(ZONES))
    naive = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 12, 31))  # noqa: DTZ001
    dt = draw(naive)
    text = draw(st.sampled_from(["TBA", f"{dt:%Y}", f"{dt:%Y-%m}", f"{dt:%Y-%m-%d}", f"{dt:%Y-%m-%dT%H:%M}"]))
    return When.parse(text, zone)


@st.composite
def credits(draw: st.DrawFn) -> list[Credit]:
    out: list[Credit] = []
    seen: set[tuple[str, Role, str]] = set()
    for _ in range(draw(st.integers(0, 6))):
        name = draw(texts)
        pid = draw(st.one_of(st.just(slugify(name)), slugs))
        if not pid:
            continue
        role = draw(st.sampled_from(list(Role)))
        character = draw(st.one_of(st.none(), texts)) if role is Role.CAST else None
        if (pid, role, character or "") in seen:
            continue
        seen.add((pid, role, character or ""))
        person = Person(pid, name, draw(st.one_of(st.none(), texts)))
        out.append(Credit(SID, person, role, character, draw(st.integers(0, 40))))
    # one person id, one person
    people = {c.person.id: c.person for c in out}
    return [Credit(c.show_id, people[c.person.id], c.role, c.character, c.order) for c in out]


# notes that say nothing a season release could contradict (no counts, ranges or parts)
notes = texts.filter(
    lambda s: not any(ch.isdigit() for ch in s) and "part" not in s.casefold() and "vol" not in s.casefold()
)


@st.composite
def releases(draw: st.DrawFn) -> list[Release]:
    out: dict[str, Release] = {}
    for _ in range(draw(st.integers(0, 5))):
        scope = draw(st.sampled_from(list(Scope)))
        season = draw(st.integers(0, 30)) if scope is not Scope.SHOW else None
        episode = draw(st.integers(0, 300)) if scope is Scope.EPISODE else None
        part = last = None
        if scope is Scope.SEASON and draw(st.booleans()):  # a season part: "5", "5-8" or "5-5"
            season = draw(st.integers(10, 30))  # no listed episodes there for its range to pass
            part = draw(st.one_of(st.none(), st.integers(1, 5)))
            episode = draw(st.integers(1, 40))
            last = draw(st.one_of(st.none(), st.integers(episode, 60)))
        release = Release(
            SID,
            draw(whens()),
            scope,
            season,
            episode,
            platform=draw(st.one_of(st.none(), texts)),
            region=draw(st.sampled_from(["WW", "KR", "US", "JP"])),
            note=draw(st.one_of(st.none(), notes)),
            part=part,
            last_episode=last,
        )
        out.setdefault(release.id, release)
    return list(out.values())


@st.composite
def links(draw: st.DrawFn) -> list[Link]:
    others = draw(st.lists(slugs.filter(lambda s: s != SID), max_size=4, unique=True))
    relation = texts.filter(lambda s: len(s.strip()) <= 40)
    return [Link(SID, other, draw(relation)) for other in others]


@st.composite
def show_days(draw: st.DrawFn) -> tuple[str | None, str | None]:
    first = draw(st.one_of(st.none(), st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))))
    if first is None:
        return None, None
    last = draw(st.one_of(st.none(), st.dates(min_value=first, max_value=date(2099, 12, 31))))
    return first.isoformat(), last.isoformat() if last else None


@st.composite
def records(draw: st.DrawFn) -> ShowRecord:
    kind = draw(st.sampled_from(list(Kind)))
    series = kind is Kind.SERIES
    premiered, ended = draw(show_days())
    show = Show(
        id=SID,
        title=draw(texts),
        kind=kind,
        original_title=draw(st.one_of(st.none(), texts)),
        aliases=tuple(draw(st.lists(texts, max_size=4))),
        platform=draw(st.one_of(st.none(), texts)),
        country=draw(st.one_of(st.none(), st.sampled_from(["KR", "US", "ES"]))),
        original_language=draw(st.one_of(st.none(), st.sampled_from(["ko", "en", "es"]))),
        genres=tuple(draw(st.lists(texts, max_size=3))),
        synopsis=draw(st.one_of(st.none(), texts)),
        episode_count=draw(st.one_of(st.none(), counts)) if series else None,
        season_count=draw(st.one_of(st.none(), counts)) if series else None,
        source_kind=draw(st.one_of(st.none(), texts)),
        source_title=draw(st.one_of(st.none(), texts)),
        source_original_title=draw(st.one_of(st.none(), texts)),
        status=draw(st.one_of(st.none(), st.sampled_from(list(Status)))),
        tvmaze_id=draw(st.one_of(st.none(), st.integers(1, 10**7))),
        imdb_id=draw(st.one_of(st.none(), st.from_regex(r"tt[0-9]{7,8}", fullmatch=True))),
        thetvdb_id=draw(st.one_of(st.none(), st.integers(1, 10**7))),
        premiered=premiered,
        ended=ended,
    )
    episode_keys = draw(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 99)), max_size=6, unique=True))
    episodes = [Episode(SID, s, n, draw(st.one_of(st.none(), texts))) for s, n in episode_keys]
    events: dict[str, Event] = {}
    for _ in range(draw(st.integers(0, 3))):
        ev = Event(
            SID,
            draw(st.sampled_from(["press_conference", "trailer"])),
            draw(texts),
            draw(whens()),
            draw(st.one_of(st.none(), texts)),
        )
        events.setdefault(ev.id, ev)
    return ShowRecord(show, draw(credits()), episodes, draw(releases()), list(events.values()), draw(links()))


@settings(max_examples=150, deadline=None)
@given(records())
def test_any_valid_record_round_trips_through_toml(record: ShowRecord) -> None:
    assert validate_records([record]) == []
    assert parse_toml(dump_record(record)) == record
