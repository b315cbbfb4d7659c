"""Answers to catalogue questions. Knows the store and the clock, never discord."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.models import Credit, Episode, Event, Person, Precision, Release, Role, Scope, Show
from bot.search import Match, NameIndex, clean_input, normalise
from bot.store import Store

MAX_QUERY = 200  # characters of a title or name worth searching
MAX_CHOICES = 25  # Discord's limit for autocomplete
UPCOMING_MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Choice:
    name: str  # what the user sees (1-100 characters)
    value: str  # what the command receives: a show or person id


@dataclass(frozen=True, slots=True)
class ShowDetails:
    show: Show
    cast: list[Credit]  # top billed
    crew: list[Credit]  # directors, creators, writers, original authors
    releases: list[Release]
    events: list[Event]
    premiere: Release | None  # the earliest dated release


@dataclass(frozen=True, slots=True)
class CastSheet:
    show: Show
    cast: list[Credit]
    crew: list[Credit]
    role: Role | None


@dataclass(frozen=True, slots=True)
class ReleaseAnswer:
    show: Show
    releases: list[Release]
    episode: Episode | None = None
    asked_episode: str | None = None  # what the user asked for, when it was an episode


@dataclass(frozen=True, slots=True)
class UpcomingItem:
    release: Release
    show: Show


@dataclass(frozen=True, slots=True)
class Upcoming:
    start: datetime
    days: int
    platform: str | None
    items: list[UpcomingItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PersonAnswer:
    person: Person
    credits: list[tuple[Credit, Show]]


def check_query(text: str | None, what: str = "title") -> str:
    """Clean a typed title or name, or raise BadInput saying what to do."""
    cleaned = clean_input(text or "")
    if len(cleaned) > MAX_QUERY:
        raise BadInput(
            f"That {what} is {len(cleaned):,} characters long; type at most {MAX_QUERY} "
            f"(pick one from the suggestions while you type)."
        )
    if not normalise(cleaned):
        raise BadInput(f"Type a {what} to look up, for example: All of Us Are Dead.")
    return cleaned


_EPISODE_FORMS = (
    re.compile(r"s(?:eason)?\s*(?P<season>\d+)\s*[ ,.:-]?\s*e(?:p(?:isode)?)?\.?\s*(?P<number>\d+)", re.I),
    re.compile(r"(?P<season>\d+)\s*x\s*(?P<number>\d+)", re.I),
    re.compile(r"(?:e|ep|episode)?\.?\s*(?P<number>\d+)", re.I),
)


def parse_episode(text: str) -> tuple[int | None, int]:
    """'S1E3', 's01e03', '1x03', 'episode 3', '3' -> (season or None, episode)."""
    cleaned = clean_input(text)
    m = next((m for form in _EPISODE_FORMS if (m := form.fullmatch(cleaned))), None)
    if not m:
        raise BadInput("Name an episode like S1E3, 1x03 or just 3.")
    groups = m.groupdict()
    season = int(groups["season"]) if groups.get("season") else None
    number = int(groups["number"])
    if number < 1 or number > 10_000 or (season is not None and not 0 <= season <= 1000):
        raise BadInput("Name an episode like S1E3, 1x03 or just 3.")
    return season, number


class CatalogueService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._index = NameIndex()
        self._show_titles: dict[str, str] = {}
        self._person_names: dict[str, str] = {}
        self._show_years: dict[str, int] = {}

    async def refresh(self) -> None:
        """Rebuild the in-memory search index from the store (after start and every import)."""
        entries = await self.store.name_entries()
        self._show_titles, self._person_names = await self.store.display_names()
        self._index = NameIndex(entries)

    # -- finding things ------------------------------------------------------------------------

    def _search(self, query: str, kind: str, limit: int = MAX_CHOICES) -> list[Match]:
        return self._index.search(query, kind=kind, limit=limit)

    async def resolve_show(self, text: str | None) -> Show:
        """A show from an autocomplete value (its id) or typed text; NotFound with suggestions."""
        query = check_query(text, "title")
        if query in self._show_titles:
            show = await self.store.get_show(query)
            if show:
                return show
        matches = self._search(query, "show", limit=5)
        if matches and matches[0].score >= 99.5:
            show = await self.store.get_show(matches[0].ref)
            if show:
                return show
        suggestions = [self._show_titles.get(m.ref, m.text) for m in matches[:3]]
        raise NotFound(f"No show called “{query}” in the catalogue.", suggestions)

    async def resolve_person(self, text: str | None) -> Person:
        query = check_query(text, "name")
        if query in self._person_names:
            person = await self.store.get_person(query)
            if person:
                return person
        matches = self._search(query, "person", limit=5)
        if matches and matches[0].score >= 99.5:
            person = await self.store.get_person(matches[0].ref)
            if person:
                return person
        suggestions = [self._person_names.get(m.ref, m.text) for m in matches[:3]]
        raise NotFound(f"No one called “{query}” in the catalogue.", suggestions)

    def autocomplete_shows(self, text: str) -> list[Choice]:
        query = clean_input(text or "")[:MAX_QUERY]
        if not normalise(query):
            return self._default_show_choices()
        return [self._show_choice(m.ref, m.text) for m in self._search(query, "show")]

    def autocomplete_people(self, text: str) -> list[Choice]:
        query = clean_input(text or "")[:MAX_QUERY]
        if not normalise(query):
            names = sorted(self._person_names.items(), key=lambda kv: kv[1])[:MAX_CHOICES]
            return [Choice(_fit(name), ref) for ref, name in names]
        out = []
        for m in self._search(query, "person"):
            name = self._person_names.get(m.ref, m.text)
            label = name if m.text == name else f"{name} ({m.text})"
            out.append(Choice(_fit(label), m.ref))
        return out

    def title_of(self, show_id: str) -> str:
        """A show's title by id, from memory (ids unknown to the catalogue come back as they are)."""
        return self._show_titles.get(show_id, show_id)

    def _show_choice(self, ref: str, matched: str) -> Choice:
        title = self._show_titles.get(ref, matched)
        label = title if matched == title else f"{title} ({matched})"
        return Choice(_fit(label), ref)

    def _default_show_choices(self) -> list[Choice]:
        # Curated defaults for an empty box: the catalogue's titles, alphabetically, up to 25.
        items = sorted(self._show_titles.items(), key=lambda kv: normalise(kv[1]))[:MAX_CHOICES]
        return [Choice(_fit(title), ref) for ref, title in items]

    async def platform_choices(self, text: str) -> list[Choice]:
        query = normalise(text or "")
        platforms = await self.store.platforms()
        hits = [p for p in platforms if query in normalise(p)] if query else platforms
        return [Choice(_fit(p), p[:100]) for p in hits[:MAX_CHOICES]]

    # -- answers --------------------------------------------------------------------------------

    async def show_details(self, show: Show, *, top: int = 6) -> ShowDetails:
        credits = await self.store.get_credits(show.id)
        releases = await self.store.get_releases(show.id)
        events = await self.store.get_events(show.id)
        cast = [c for c in credits if c.role is Role.CAST][:top]
        crew = [c for c in credits if c.role is not Role.CAST]
        dated = [r for r in releases if r.when.instant is not None]
        premiere = min(dated, key=lambda r: r.when.instant) if dated else None  # type: ignore[arg-type,return-value]
        return ShowDetails(show, cast, crew, releases, events, premiere)

    async def cast(self, show: Show, role: Role | None = None) -> CastSheet:
        credits = await self.store.get_credits(show.id, role)
        cast = [c for c in credits if c.role is Role.CAST]
        crew = [c for c in credits if c.role is not Role.CAST]
        return CastSheet(show, cast, crew, role)

    async def release(self, show: Show, episode: str | None = None) -> ReleaseAnswer:
        releases = await self.store.get_releases(show.id)
        if not episode or not clean_input(episode):
            # The show's own release(s), season drops and premieres; not every weekly episode.
            main = [r for r in releases if r.scope is not Scope.EPISODE or r.episode == 1]
            return ReleaseAnswer(show, main or releases)
        season, number = parse_episode(episode)
        episodes = await self.store.get_episodes(show.id)
        if season is None:
            seasons = sorted({e.season for e in episodes} | {r.season for r in releases if r.season})
            season = seasons[0] if len(seasons) == 1 else 1
        found = next((e for e in episodes if e.season == season and e.number == number), None)
        label = f"S{season}E{number}"
        season_known = any(e.season == season for e in episodes)
        season_released = any(r.season == season for r in releases)
        if found is None and (season_known or (episodes and not season_released)):
            raise NotFound(
                f"{show.title} has no episode {label} in the catalogue; it knows of "
                f"{_season_summary(episodes)}."
            )
        exact = [r for r in releases if r.scope is Scope.EPISODE and r.season == season and r.episode == number]
        if not exact:
            exact = [r for r in releases if r.scope is Scope.SEASON and r.season == season]
        if not exact:
            exact = [r for r in releases if r.scope is Scope.SHOW]
        return ReleaseAnswer(show, exact, found, label)

    async def upcoming(self, days: int = 7, platform: str | None = None, *, now: datetime | None = None) -> Upcoming:
        if not 1 <= days <= UPCOMING_MAX_DAYS:
            raise BadInput(f"Pick between 1 and {UPCOMING_MAX_DAYS} days.")
        start = now or self.clock()
        platform = clean_input(platform or "") or None
        # A date-only release is "upcoming" for the whole of its day, so look back one day.
        releases = await self.store.releases_between(
            start - timedelta(days=1), start + timedelta(days=days), platform=platform, limit=500
        )
        kept = [r for r in releases if _still_ahead(r, start)]
        shows = await self.store.get_shows(r.show_id for r in kept)
        items = [UpcomingItem(r, shows[r.show_id]) for r in kept if r.show_id in shows]
        return Upcoming(start, days, platform, items)

    async def person(self, person: Person) -> PersonAnswer:
        return PersonAnswer(person, await self.store.person_credits(person.id))


def _still_ahead(release: Release, now: datetime) -> bool:
    w = release.when
    if w.instant is None:
        return False
    if w.precision is Precision.EXACT:
        return w.instant >= now
    if w.precision is Precision.DATE:
        return w.instant + timedelta(days=1) > now
    return w.instant >= now


def _season_summary(episodes: list[Episode]) -> str:
    by_season: dict[int, int] = {}
    for e in episodes:
        by_season[e.season] = by_season.get(e.season, 0) + 1
    return ", ".join(
        f"season {s}: {n} episode{'s' if n != 1 else ''}" for s, n in sorted(by_season.items())
    )


def _fit(text: str, limit: int = 100) -> str:
    text = text.strip() or "?"
    return text if len(text) <= limit else text[: limit - 1] + "…"
