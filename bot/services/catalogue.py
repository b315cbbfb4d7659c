"""Answers to catalogue questions. Knows the store and the clock, never discord."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from bot.announce.models import Kinds
from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.i18n import N_, Msg, nmsg
from bot.models import Credit, Episode, Event, Kind, Link, Person, Precision, Release, Role, Scope, Show, When
from bot.search import Match, clean_input, initials, nearest_names, normalise, search, suggestions
from bot.store import Store

MAX_QUERY = 200  # characters of a title or name worth searching
MAX_CHOICES = 25  # Discord's limit for autocomplete
UPCOMING_MAX_DAYS = 366
UPCOMING_SHOWN = 25  # releases /upcoming lists; the rest are counted ...
UPCOMING_COUNTED = 100  # ... up to this many ("over 100 more" past it: a count costs what it reads)
UPCOMING_PAGES = (UPCOMING_SHOWN + UPCOMING_COUNTED) // UPCOMING_SHOWN  # pages to turn: what is counted
_TITLE_MEMORY = 4096  # titles of recently offered shows, for title_of
LOOKUP_MIN_SIMILARITY = 85  # rapidfuzz ratio of a looked-up title to what was typed


@dataclass(frozen=True, slots=True)
class Choice:
    name: str  # what the user sees (1-100 characters)
    value: str  # what the command receives: a show or person id
    title: str = field(default="", compare=False)  # the show's title or person's name, in full


@dataclass(frozen=True, slots=True)
class ShowDetails:
    show: Show
    cast: list[Credit]  # top billed
    crew: list[Credit]  # directors, creators, writers, original authors
    releases: list[Release]
    events: list[Event]
    premiere: Release | None  # the earliest dated release
    links: list[tuple[Link, str]] = field(default_factory=list)  # related shows, with their titles
    out: bool | None = None  # the premiere is out (True), still ahead (False), or not known to be
    next: Release | None = None  # the next release still ahead, when it is not the premiere
    listed: int = 0  # a series' episodes the catalogue lists, when its total is not known
    more_cast: int = 0  # cast credits beyond the top billed ones in ``cast``


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
    next: Release | None = None  # the next release still ahead, when ``releases`` leave it out


@dataclass(frozen=True, slots=True)
class UpcomingItem:
    release: Release
    show: Show


@dataclass(frozen=True, slots=True)
class Upcoming:
    start: datetime
    days: int
    platform: str | None
    items: list[UpcomingItem] = field(default_factory=list)  # the first ones, earliest first
    total: int | None = None  # how many there are in all (None: len(items))
    more_than: bool = False  # there are more than ``total`` (counting stopped there)
    page: int = 0  # ``items`` are this page's (of UPCOMING_SHOWN each), from 0
    kinds: Kinds = Kinds.BOTH  # premieres only, the other episodes only, or both

    @property
    def count(self) -> int:
        shown = self.page * UPCOMING_SHOWN + len(self.items)
        return shown if self.total is None else max(self.total, shown)

    @property
    def pages(self) -> int:
        """Pages of UPCOMING_SHOWN: what was counted (past the count, narrowing the window helps)."""
        return max(1, -(-min(self.count, UPCOMING_PAGES * UPCOMING_SHOWN) // UPCOMING_SHOWN))


@dataclass(frozen=True, slots=True)
class PersonAnswer:
    person: Person
    credits: list[tuple[Credit, Show]]


def check_query(text: str | None, what: str = "title") -> str:
    """Clean a typed title or name, or raise BadInput saying what to do."""
    cleaned = clean_input(text or "")
    if len(cleaned) > MAX_QUERY:
        values = {"length": len(cleaned), "max": MAX_QUERY}
        if what == "name":
            raise BadInput(
                Msg(
                    "That name is {length:,} characters long; type at most {max} "
                    "(pick one from the suggestions while you type).",
                    **values,
                )
            )
        raise BadInput(
            Msg(
                "That title is {length:,} characters long; type at most {max} "
                "(pick one from the suggestions while you type).",
                **values,
            )
        )
    if not normalise(cleaned):
        if what == "name":
            raise BadInput(Msg("Type a name to look up, for example: Park Ji-hu."))
        raise BadInput(Msg("Type a title to look up, for example: All of Us Are Dead."))
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
        raise BadInput(Msg("Name an episode like S1E3, 1x03 or just 3."))
    groups = m.groupdict()
    season = int(groups["season"]) if groups.get("season") else None
    number = int(groups["number"])
    if number < 1 or number > 10_000 or (season is not None and not 0 <= season <= 1000):
        raise BadInput(Msg("Name an episode like S1E3, 1x03 or just 3."))
    return season, number


def _by_initials(query: str, matches: list[Match]) -> str | None:
    """The one show whose name has exactly the typed initials ("hotd"), if only one has."""
    key = normalise(query)
    refs = {m.ref for m in matches if initials(normalise(m.text)) == key}
    return refs.pop() if len(refs) == 1 else None


class CatalogueService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._defaults: dict[str, list[Choice]] = {}  # curated choices for an empty box, by kind
        self._titles: dict[str, str] = {}  # show id -> title of recently offered shows (bounded)
        self._platforms: list[str] | None = None  # every platform named, read once per import

    async def refresh(self) -> None:
        """Forget what was cached from the catalogue (after an import). Search reads the store."""
        self._defaults.clear()
        self._titles.clear()
        self._platforms = None

    # -- finding things ------------------------------------------------------------------------

    async def _search(
        self, query: str, kind: str, limit: int = MAX_CHOICES, *, resolving: bool = False
    ) -> list[Match]:
        return await search(self.store, query, kind=kind, limit=limit, typos_after_exact=not resolving)

    async def resolve_show(self, text: str | None) -> Show:
        """A show from an autocomplete value (its id) or typed text; NotFound with suggestions."""
        query = check_query(text, "title")
        show = await self.store.get_show(query)
        if show:
            return show
        # A full list: initials some other show has too may be further down.
        matches = await self._search(query, "show", resolving=True)
        ref = matches[0].ref if matches and matches[0].score >= 99.5 else _by_initials(query, matches)
        if ref is not None:
            show = await self.store.get_show(ref)
            if show:
                return show
        offered = await self._offered("show", matches)
        raise NotFound(Msg("No show called “{query}” in the catalogue.", query=query), offered)

    async def _offered(self, kind: str, matches: list[Match]) -> list[str]:
        """The names to offer as "did you mean": those of the matches close enough
        (``bot.search.suggestions``), as the catalogue displays them."""
        close = suggestions([(m, m.score) for m in matches])
        names = await self.store.display_names(kind, [m.ref for m in close])
        return [names.get(m.ref, m.text) for m in close]

    async def show_matching(self, show_id: str, query: str) -> Show | None:
        """The show ``show_id`` if its title, original title or an alias is close to what was
        typed (an outside lookup's best match can be some other show)."""
        show = await self.store.get_show(show_id)
        if show is None:
            return None
        wanted = normalise(query)
        for name in (show.title, show.original_title, *show.aliases):
            key = normalise(name or "")
            if key and (key == wanted or fuzz.ratio(key, wanted) >= LOOKUP_MIN_SIMILARITY):
                return show
        return None

    async def resolve_person(self, text: str | None) -> Person:
        query = check_query(text, "name")
        person = await self.store.get_person(query)
        if person:
            return person
        matches = await self._search(query, "person", limit=5, resolving=True)
        if matches and matches[0].score >= 99.5:
            person = await self.store.get_person(matches[0].ref)
            if person:
                return person
        raise NotFound(
            Msg("No one called “{query}” in the catalogue.", query=query),
            await self._offered("person", matches),
            hint=N_("Check the spelling, or pick a name from the suggestions while you type."),
        )

    async def autocomplete_shows(self, text: str) -> list[Choice]:
        query = clean_input(text or "")[:MAX_QUERY]
        if not normalise(query):
            choices = await self._default_choices("show")
        else:
            choices = await self._choices(await self._search(query, "show"), "show")
        self._remember_titles(choices)
        return choices

    async def autocomplete_people(self, text: str) -> list[Choice]:
        query = clean_input(text or "")[:MAX_QUERY]
        if not normalise(query):
            return await self._default_choices("person")
        return await self._choices(await self._search(query, "person"), "person")

    def title_of(self, show_id: str) -> str:
        """The title of a show autocomplete recently offered (other ids come back as they are)."""
        return self._titles.get(show_id, show_id)

    async def _choices(self, matches: list[Match], kind: str) -> list[Choice]:
        """A choice per match, labelled with its title or name, and what matched when that differs."""
        display = await self.store.display_names(kind, [m.ref for m in matches])
        names = {m.ref: display.get(m.ref, m.text) for m in matches}
        # Shows of one title ("The Office" of NBC and of the BBC) are told apart by their first
        # year and platform, people of one name by the show they are best known for (billed
        # highest in): read only for them.
        counts = Counter(n.casefold() for n in names.values())
        alike = [ref for ref, n in names.items() if counts[n.casefold()] > 1][:MAX_CHOICES]
        apart = await (self._shows_apart(alike) if kind == "show" else self.store.known_for(alike))
        out = []
        for m in matches:
            name = names[m.ref]
            label = name if m.text == name else f"{name} ({m.text})"
            if apart.get(m.ref):
                label += f" · {apart[m.ref]}"
            out.append(Choice(_fit(label), m.ref, name))
        return out

    async def _shows_apart(self, show_ids: list[str]) -> dict[str, str]:
        shows = await self.store.get_shows(show_ids) if show_ids else {}
        return {
            ref: " · ".join(x for x in ((s.premiered or "")[:4], s.platform or s.country) if x)
            for ref, s in shows.items()
        }

    async def _default_choices(self, kind: str) -> list[Choice]:
        # Curated defaults for an empty box: the catalogue's first titles (or names) in search
        # key order, up to 25; read once per import.
        cached = self._defaults.get(kind)
        if cached is None:
            rows = await self.store.first_names(kind, MAX_CHOICES)
            cached = self._defaults[kind] = [Choice(_fit(name), ref, name) for ref, name in rows]
        return list(cached)

    def _remember_titles(self, choices: list[Choice]) -> None:
        if len(self._titles) > _TITLE_MEMORY:
            self._titles.clear()
        for c in choices:
            self._titles[c.value] = c.title or c.name

    async def _known_platforms(self) -> list[str]:
        # Every platform the catalogue names (a look-up per platform along two indexes), read
        # once per import or sync that changed the catalogue, not once per keystroke.
        if self._platforms is None:
            self._platforms = await self.store.platforms()
        return self._platforms

    async def platform_choices(self, text: str) -> list[Choice]:
        query = normalise(text or "")
        platforms = await self._known_platforms()
        hits = [p for p in platforms if query in normalise(p)] if query else platforms
        return [Choice(_fit(p), p[:100]) for p in hits[:MAX_CHOICES]]

    # -- answers --------------------------------------------------------------------------------

    async def show_details(self, show: Show, *, top: int = 6) -> ShowDetails:
        credits = await self.store.get_credits(show.id)
        releases = await self.store.get_releases(show.id)
        events = await self.store.get_events(show.id)
        billed = [c for c in credits if c.role is Role.CAST]
        cast = billed[:top]
        crew = [c for c in credits if c.role is not Role.CAST]
        dated = [r for r in releases if r.when.instant is not None]
        premiere = min(dated, key=lambda r: r.when.instant) if dated else None  # type: ignore[arg-type,return-value]
        links = await self.store.linked_shows(show.id)
        now = self.clock()
        out = None if premiere is None else is_out(premiere.when, now)
        ahead = next_release(releases, now)
        listed = 0
        if show.kind is Kind.SERIES and not show.episode_count:
            listed = await self.store.count_episodes(show.id)
        return ShowDetails(
            show, cast, crew, releases, events, premiere, links, out, ahead, listed, len(billed) - len(cast)
        )

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
            ahead = next_release(releases, self.clock())  # "when is the next episode?"
            return ReleaseAnswer(show, main or releases, next=None if ahead in (main or releases) else ahead)
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
                Msg(
                    "{title} has no episode {label} in the catalogue; it knows of {seasons}.",
                    title=show.title,
                    label=label,
                    seasons=_season_summary(episodes),
                ),
                hint=N_("Name one of its episodes like S1E3, or leave episode out for the whole show."),
            )
        exact = [
            r for r in releases if r.scope is Scope.EPISODE and r.season == season and r.episode == number
        ]
        if not exact:
            drops = [r for r in releases if r.scope is Scope.SEASON and r.season == season]
            # A season out in parts: the part that holds this episode.
            exact = [r for r in drops if (span := r.episode_range) and span[0] <= number <= span[1]] or [
                r for r in drops if r.episode_range is None
            ]
        if not exact:
            exact = [r for r in releases if r.scope is Scope.SHOW]
        return ReleaseAnswer(show, exact, found, label)

    async def upcoming(
        self,
        days: int = 7,
        platform: str | None = None,
        *,
        now: datetime | None = None,
        page: int = 0,
        kinds: Kinds = Kinds.BOTH,
    ) -> Upcoming:
        """What comes out in the ``days`` after ``now`` (of ``kinds``): page ``page`` of
        UPCOMING_SHOWN (the pages go as far as the count, UPCOMING_PAGES of them), and how many
        there are."""
        if not 1 <= days <= UPCOMING_MAX_DAYS:
            raise BadInput(Msg("Pick between 1 and {max} days.", max=UPCOMING_MAX_DAYS))
        start = now or self.clock()
        platform = clean_input(platform or "") or None
        if platform is not None:  # the catalogue's spelling, for the heading ("netflix": Netflix)
            folded = platform.casefold()
            platform = next((p for p in await self._known_platforms() if p.casefold() == folded), platform)
        # What is listed, and a count of the rest up to UPCOMING_COUNTED: releases still ahead of
        # `start` (a date-only release is upcoming for the whole of its day).
        counted = UPCOMING_SHOWN + UPCOMING_COUNTED
        page = max(0, min(page, UPCOMING_PAGES - 1))
        releases, total = await self.store.upcoming_releases(
            start,
            start + timedelta(days=days),
            platform=platform,
            limit=UPCOMING_SHOWN,
            count_to=counted,
            offset=page * UPCOMING_SHOWN,
            premieres=None if kinds is Kinds.BOTH else kinds is Kinds.PREMIERES,
        )
        if not releases and page > 0 and total > 0:  # fewer pages than when the buttons were made
            last = (min(total, counted) - 1) // UPCOMING_SHOWN
            return await self.upcoming(days, platform, now=start, page=last, kinds=kinds)
        if platform is not None and total == 0:
            await self._check_platform(platform)
        shows = await self.store.get_shows(r.show_id for r in releases)
        items = [UpcomingItem(r, shows[r.show_id]) for r in releases if r.show_id in shows]
        gone = len(releases) - len(items)  # releases of a show removed meanwhile
        if total > counted:  # counting stopped at counted + 1: there are more than `counted`
            return Upcoming(start, days, platform, items, counted - gone, True, page, kinds)
        return Upcoming(start, days, platform, items, total - gone, page=page, kinds=kinds)

    async def _check_platform(self, platform: str) -> None:
        """Refuse a platform the catalogue names nowhere (nothing would ever be listed for it),
        with the nearest ones it does name; one it names, whatever the case, is fine."""
        known = await self._known_platforms()
        if platform.casefold() in {p.casefold() for p in known}:
            return
        raise NotFound(
            Msg("No platform called “{query}” in the catalogue.", query=platform),
            nearest_names(platform, known),
            hint=N_("Pick a platform from the suggestions while you type, or leave platform out."),
        )

    async def person(self, person: Person) -> PersonAnswer:
        return PersonAnswer(person, await self.store.person_credits(person.id))


def next_release(releases: list[Release], now: datetime) -> Release | None:
    """The earliest release not out yet at ``now`` (a date-only one is out from the start of its
    day; a month or year under way, or TBA, is not a next release)."""
    ahead = [r for r in releases if r.when.instant is not None and is_out(r.when, now) is False]
    return min(ahead, key=lambda r: r.when.instant or now) if ahead else None


def is_out(when: When, now: datetime) -> bool | None:
    """Whether a release is out at ``now``: True from its instant (a date-only one from the start
    of its day), False before; a month or year release is out once that period is over, and not
    known to be (None) while it is under way. None for TBA."""
    if when.instant is None or when.local is None:
        return None
    if when.instant > now:
        return False
    if when.precision is Precision.MONTH:
        year, month = map(int, when.local.split("-"))
        after = f"{year + month // 12}-{month % 12 + 1:02d}"
    elif when.precision is Precision.YEAR:
        after = str(int(when.local) + 1)
    else:
        return True
    end = When.parse(after, when.zone).instant
    return True if end is not None and end <= now else None


def _season_summary(episodes: list[Episode]) -> tuple[Msg, ...]:
    """ "season 1: 12 episodes", one per season (said as a list, in the reader's language)."""
    by_season: dict[int, int] = {}
    for e in episodes:
        by_season[e.season] = by_season.get(e.season, 0) + 1
    return tuple(
        nmsg("season {season}: {n} episode", "season {season}: {n} episodes", n, season=s)
        for s, n in sorted(by_season.items())
    )


def _fit(text: str, limit: int = 100) -> str:
    text = text.strip() or "?"
    return text if len(text) <= limit else text[: limit - 1] + "…"
