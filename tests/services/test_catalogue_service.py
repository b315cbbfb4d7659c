"""The seed story, told by the service layer over the bundled catalogue."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import BadInput, NotFound
from bot.models import Precision, Role, Scope, Show, ShowRecord
from bot.services.catalogue import parse_episode

AOUAD = "all-of-us-are-dead"


async def test_show_details_tell_the_seed_story(catalogue):
    show = await catalogue.resolve_show("All of Us Are Dead")
    d = await catalogue.show_details(show)
    assert show.id == AOUAD
    assert show.original_title == "지금 우리 학교는"
    assert show.platform == "Netflix"
    assert show.episode_count == 12
    assert show.source_kind == "webtoon" and show.source_title == "Now at Our School"
    assert d.premiere is not None and d.premiere.when.local_date == date(2022, 1, 28)
    assert d.premiere.scope is Scope.SEASON  # one drop, not twelve
    assert [(c.person.name, c.character) for c in d.cast[:2]] == [
        ("Park Ji-hu", "Nam On-jo"),
        ("Yoon Chan-young", "Lee Cheong-san"),
    ]
    crew = {(c.role, c.person.name) for c in d.crew}
    assert (Role.DIRECTOR, "Lee Jae-kyoo") in crew
    assert (Role.ORIGINAL_AUTHOR, "Joo Dong-geun") in crew
    [event] = [e for e in d.events if e.kind == "press_conference"]
    assert (event.when.local, event.place) == ("2022-01-26", "Seoul")


async def test_show_names_the_top_billed_and_points_to_cast_for_the_rest(catalogue):
    from bot import render

    def starring(d, lang="en") -> str:
        return {f["name"]: f["value"] for f in render.show_embed(d, lang)["fields"]}[
            "Starring" if lang == "en" else "출연"
        ]

    # All of Us Are Dead bills seven actors: /show names six, and says where the seventh is.
    d = await catalogue.show_details(await catalogue.resolve_show(AOUAD))
    assert (len(d.cast), d.more_cast) == (6, 1)
    assert "Lee Yoo-mi" not in starring(d)
    assert starring(d).endswith("…and 1 more in `/cast`")
    assert starring(d, "ko").endswith("…외 1명은 `/출연진`에서")
    # All billed: no pointer.
    d = await catalogue.show_details(await catalogue.resolve_show(AOUAD), top=7)
    assert (len(d.cast), d.more_cast) == (7, 0)
    assert "Lee Yoo-mi" in starring(d) and "/cast" not in starring(d)


async def test_cast_in_billing_order(catalogue):
    sheet = await catalogue.cast(await catalogue.resolve_show(AOUAD))
    names = [(c.person.name, c.character) for c in sheet.cast]
    assert names[0] == ("Park Ji-hu", "Nam On-jo")
    assert ("Lee Yoo-mi", "Lee Na-yeon") in names
    for actor in ("Yoon Chan-young", "Cho Yi-hyun", "Lomon", "Yoo In-soo", "Lim Jae-hyeok"):
        assert actor in [n for n, _ in names]
    assert [c.order for c in sheet.cast] == sorted(c.order for c in sheet.cast)


async def test_cast_filtered_by_role(catalogue):
    sheet = await catalogue.cast(await catalogue.resolve_show(AOUAD), Role.DIRECTOR)
    assert sheet.cast == []
    assert [c.person.name for c in sheet.crew] == ["Lee Jae-kyoo"]


async def test_release_of_the_show_and_of_an_episode(catalogue):
    show = await catalogue.resolve_show(AOUAD)
    answer = await catalogue.release(show)
    [r] = answer.releases
    assert (r.platform, r.region, r.when.precision) == ("Netflix", "WW", Precision.EXACT)
    assert r.when.instant == datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    ep = await catalogue.release(show, "S1E7")
    assert ep.releases == [r] and ep.episode is not None and ep.episode.number == 7
    assert (await catalogue.release(show, "7")).releases == [r]
    with pytest.raises(NotFound, match="no episode S1E13") as err:
        await catalogue.release(show, "13")
    assert err.value.suggestions == [] and "leave episode out" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S1E3", (1, 3)),
        ("s01e03", (1, 3)),
        ("1x03", (1, 3)),
        ("episode 3", (None, 3)),
        ("3", (None, 3)),
        ("Season 2 Episode 10", (2, 10)),
    ],
)
def test_parse_episode(text, expected):
    assert parse_episode(text) == expected


@pytest.mark.parametrize("text", ["", "three", "S1E0", "-1", "x" * 50])
def test_parse_episode_rejects_nonsense(text):
    with pytest.raises(BadInput):
        parse_episode(text)


async def test_upcoming_window(catalogue, clock):
    up = await catalogue.upcoming(7, now=clock())
    assert [i.show.id for i in up.items if i.show.id == AOUAD] == [AOUAD]
    assert all(i.release.when.instant >= clock() - timedelta(days=1) for i in up.items)
    assert (await catalogue.upcoming(3, now=clock())).items == [] or AOUAD not in [
        i.show.id for i in (await catalogue.upcoming(3, now=clock())).items
    ]
    netflix = await catalogue.upcoming(7, "netflix", now=clock())
    assert all(i.release.platform.lower() == "netflix" for i in netflix.items)
    with pytest.raises(BadInput):
        await catalogue.upcoming(0)


async def test_upcoming_refuses_a_platform_the_catalogue_names_nowhere(catalogue, clock):
    with pytest.raises(NotFound) as err:
        await catalogue.upcoming(7, "Netflixx", now=clock())
    assert err.value.suggestions[0] == "Netflix"
    assert "“Netflixx”" in err.value.user_message
    with pytest.raises(NotFound) as err:
        await catalogue.upcoming(7, "qqqqqqqqqqqq", now=clock())
    assert err.value.suggestions == [] and "leave platform out" in (err.value.hint or "")
    # A platform it names, in any case, is a list (empty or not), never a refusal.
    later = clock() + timedelta(days=3000)
    assert (await catalogue.upcoming(1, "NETFLIX", now=later)).items == []
    listed = await catalogue.upcoming(7, "NETFLIX", now=clock())
    assert listed.items and listed.platform == "Netflix"  # the catalogue's spelling, for the heading


async def test_a_show_typed_by_its_initials_is_found(catalogue):
    assert (await catalogue.resolve_show("HOTD")).title == "House of the Dragon"
    assert (await catalogue.resolve_show("aouad")).id == AOUAD
    [hit, *_] = await catalogue.autocomplete_shows("hotd")
    assert hit.value == "house-of-the-dragon"
    # Initials two shows share are no answer, even below titles that start with them: the user picks.
    twins = [Show("the-world-dies", "The World Dies"), Show("two-wild-dogs", "Two Wild Dogs")]
    starting = [Show(f"twdx-{n}", f"Twdx {n}") for n in ("one", "two", "six", "ten")]
    await catalogue.store.import_records([ShowRecord(s) for s in [*twins, *starting]])
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_show("twd")
    assert err.value.suggestions[0].startswith("Twdx")


async def test_person_credits_across_the_catalogue(catalogue):
    person = await catalogue.resolve_person("Park Ji-hu")
    answer = await catalogue.person(person)
    assert person.native_name == "박지후"
    assert [(s.id, c.character) for c, s in answer.credits] == [(AOUAD, "Nam On-jo")]
    assert (await catalogue.resolve_person("박지후")).id == person.id


async def test_a_person_the_catalogue_lacks_gets_names_or_advice_about_names(catalogue):
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_person("Park Jihu")
    assert err.value.suggestions[0] == "Park Ji-hu"
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_person("Qwxz Zzyq")
    assert err.value.suggestions == [] and "pick a name" in (err.value.hint or "")
    # A stranger sharing a few letters is no "did you mean" (Fanny Herrero scores about 50).
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_person("Nobody Here")
    assert err.value.suggestions == []


@pytest.mark.parametrize(
    "typed", ["all of us are ded", "지금 우리 학교는", "Now at Our School", "ALL OF US ARE DEAD"]
)
async def test_autocomplete_finds_the_show_in_any_language(catalogue, typed):
    choices = await catalogue.autocomplete_shows(typed)
    assert choices[0].value == AOUAD
    assert len(choices) <= 25
    assert all(1 <= len(c.name) <= 100 for c in choices)


async def test_autocomplete_for_empty_input_gives_curated_defaults(catalogue):
    choices = await catalogue.autocomplete_shows("")
    assert 1 <= len(choices) <= 25
    assert len({c.value for c in choices}) == len(choices)


async def test_resolve_accepts_an_autocomplete_id_or_an_exact_title(catalogue):
    assert (await catalogue.resolve_show(AOUAD)).title == "All of Us Are Dead"
    assert (await catalogue.resolve_show("now at our school")).id == AOUAD


async def test_unknown_title_gives_up_to_three_suggestions(catalogue):
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_show("all of us are ded")
    assert "All of Us Are Dead" in err.value.suggestions
    assert len(err.value.suggestions) <= 3


async def test_unknown_title_suggests_only_close_titles(catalogue):
    # A slip in a short title: the title; not a long one that merely contains some of the letters.
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_show("Drak")
    assert err.value.suggestions == ["Dark"]
    # Only a word in common with a few long titles: no "did you mean", the usual advice instead.
    with pytest.raises(NotFound) as err:
        await catalogue.resolve_show("The Office")
    assert err.value.suggestions == []


@pytest.mark.parametrize("hostile", ["", "   ", "\u200b\u200b", "***", "x" * 10_000, "@everyone"])
async def test_hostile_input_gets_a_clear_error(catalogue, hostile):
    with pytest.raises((BadInput, NotFound)) as err:
        await catalogue.resolve_show(hostile)
    assert err.value.user_message
    assert len(err.value.user_message) < 300


async def test_platform_choices_are_read_once_per_import(catalogue):
    from bot.models import Kind, Release, Show, ShowRecord, When

    names = [c.value for c in await catalogue.platform_choices("")]
    assert "Netflix" in names and names == sorted(names, key=str.casefold)  # in the order people read them
    assert [c.value for c in await catalogue.platform_choices("netf")] == ["Netflix"]
    film = Show("a-new-film", "A New Film", Kind.FILM, platform="Cinemas")
    release = Release("a-new-film", When.parse("2022-02-01"), Scope.SHOW, platform="Drive-ins")
    await catalogue.store.import_records([ShowRecord(film, releases=[release])])
    assert [c.value for c in await catalogue.platform_choices("drive")] == []  # as read before the import
    await catalogue.refresh()  # what the bot does after an import or a sync that changed something
    assert [c.value for c in await catalogue.platform_choices("drive")] == ["Drive-ins"]
    assert [c.value for c in await catalogue.platform_choices("cinem")] == ["Cinemas"]


@pytest.mark.parametrize(
    ("text", "now", "out"),
    [
        ("2022-01-28T17:00", "2022-01-28T07:59:00Z", False),  # 17:00 in Seoul is 08:00 UTC
        ("2022-01-28T17:00", "2022-01-28T08:00:00Z", True),
        ("2022-01-28", "2022-01-27T15:00:00Z", True),  # the day has begun in Seoul
        ("2022-01-28", "2022-01-27T14:59:00Z", False),
        ("2026-12", "2026-12-15T00:00:00Z", None),  # the month is under way: not known to be out
        ("2026-12", "2026-12-31T15:00:00Z", True),  # January has begun in Seoul
        ("2026-12", "2026-11-30T14:59:00Z", False),
        ("2027", "2027-06-01T00:00:00Z", None),
        ("2027", "2027-12-31T15:00:00Z", True),
        ("TBA", "2022-01-28T00:00:00Z", None),
    ],
)
def test_a_release_is_out_from_its_instant_or_once_its_period_is_over(text, now, out):
    from bot.models import When
    from bot.services.catalogue import is_out

    assert is_out(When.parse(text, "Asia/Seoul"), datetime.fromisoformat(now)) is out


async def test_show_details_say_whether_the_premiere_is_out(catalogue, clock):
    show = await catalogue.resolve_show(AOUAD)
    assert (await catalogue.show_details(show)).out is False  # a week before
    clock.set(datetime(2022, 1, 28, 8, 0, tzinfo=UTC))
    assert (await catalogue.show_details(show)).out is True
    clock.set(datetime(2022, 1, 28, 7, 59, tzinfo=UTC))
    assert (await catalogue.show_details(show)).out is False


async def test_autocomplete_tells_shows_of_one_title_apart(catalogue):
    from bot.models import Show, ShowRecord

    await catalogue.store.import_records(
        [
            ShowRecord(Show("the-office-us", "The Office", platform="NBC", premiered="2005-03-24")),
            ShowRecord(Show("the-office-uk", "The Office", platform="BBC Two", premiered="2001-07-09")),
            ShowRecord(Show("the-office-party", "The Office Party")),
        ]
    )
    await catalogue.refresh()
    labels = {c.value: c.name for c in await catalogue.autocomplete_shows("the office")}
    assert labels["the-office-us"] == "The Office · 2005 · NBC"
    assert labels["the-office-uk"] == "The Office · 2001 · BBC Two"
    assert labels["the-office-party"] == "The Office Party"  # a title of its own: as it is
    assert (await catalogue.autocomplete_shows("all of us"))[0].name == "All of Us Are Dead"


async def test_upcoming_pages_and_a_page_past_the_end(catalogue, clock):
    from bot.models import Release, Show, ShowRecord, When

    show = Show("daily", "Daily", platform="Daily TV")
    day = clock().date()
    releases = [
        Release(
            show.id, When.parse(str(day + timedelta(days=n + 1)), "UTC"), Scope.EPISODE, 1, n + 1, "Daily TV"
        )
        for n in range(30)
    ]
    await catalogue.store.import_records([ShowRecord(show, releases=releases)])
    first = await catalogue.upcoming(60, "Daily TV", now=clock())
    assert (first.pages, first.count, len(first.items)) == (2, 30, 25)
    second = await catalogue.upcoming(60, "Daily TV", now=clock(), page=1)
    assert [i.release.episode for i in second.items] == [26, 27, 28, 29, 30] and second.page == 1
    # The list shrank since the buttons were made: a page past the end is the last one there is.
    far = await catalogue.upcoming(60, "Daily TV", now=clock() + timedelta(days=20), page=1)
    assert far.page == 0 and [i.release.episode for i in far.items] == list(range(20, 31))
    assert (await catalogue.upcoming(60, "Daily TV", now=clock(), page=99)).page == 1  # the last there is


async def test_autocomplete_tells_people_of_one_name_apart_by_what_they_are_known_for(catalogue):
    from bot.models import Credit, Person, Show, ShowRecord

    one, two = Person("kim-ji-won-1", "Kim Ji-won"), Person("kim-ji-won-2", "Kim Ji-won")
    await catalogue.store.import_records(
        [
            ShowRecord(
                Show("liberation", "My Liberation Notes"), [Credit("liberation", one, Role.CAST, "A", 1)]
            ),
            ShowRecord(Show("queen", "Queen of Tears"), [Credit("queen", one, Role.CAST, "Hong Hae-in", 1)]),
            ShowRecord(Show("docu", "A Documentary"), [Credit("docu", two, Role.DIRECTOR)]),
        ]
    )
    await catalogue.refresh()
    labels = {c.value: c.name for c in await catalogue.autocomplete_people("kim ji-won")}
    assert labels["kim-ji-won-1"] in ("Kim Ji-won · My Liberation Notes", "Kim Ji-won · Queen of Tears")
    assert labels["kim-ji-won-2"] == "Kim Ji-won · A Documentary"
    assert (await catalogue.autocomplete_people("park ji-hu"))[0].name == "Park Ji-hu"


async def test_a_running_shows_next_episode_in_show_and_release(catalogue, clock):
    from bot import render
    from bot.models import Release, Show, ShowRecord, When

    show = Show("weekly", "Weekly", platform="tvN")
    first = clock().date() - timedelta(days=10)
    releases = [
        Release(
            show.id,
            When.parse(f"{first + timedelta(days=7 * n)}T21:00", "Asia/Seoul"),
            Scope.EPISODE,
            1,
            n + 1,
            "tvN",
        )
        for n in range(4)
    ]
    await catalogue.store.import_records([ShowRecord(show, releases=releases)])
    d = await catalogue.show_details(show)
    assert d.premiere is not None and d.premiere.episode == 1 and d.out is True
    assert d.next is not None and d.next.episode == 3  # 10 days in: episodes 1 and 2 are out
    fields = {f["name"]: f["value"] for f in render.show_embed(d)["fields"]}
    assert fields["Next release"].startswith("**S1E3** — <t:")
    answer = await catalogue.release(show)
    assert [r.episode for r in answer.releases] == [1] and answer.next is not None
    assert "Next release: **S1E3**" in render.release_embed(answer)["description"]
    # Once the last one is out there is no next release.
    clock.set(clock() + timedelta(days=30))
    assert (await catalogue.show_details(show)).next is None and (await catalogue.release(show)).next is None


async def test_a_series_without_its_total_counts_at_least_the_episodes_listed(catalogue):
    from bot import render
    from bot.models import Episode, Kind

    def episodes_field(d, lang="en") -> str:
        return {f["name"]: f["value"] for f in render.show_embed(d, lang)["fields"]}[
            "Episodes" if lang == "en" else "회차"
        ]

    # House of the Dragon lists season 1 and the first episode of season 2; no total is entered.
    hotd = await catalogue.resolve_show("House of the Dragon")
    assert hotd.episode_count is None
    d = await catalogue.show_details(hotd)
    assert d.listed == 11
    assert episodes_field(d) == "At least 11"
    assert episodes_field(d, "ko") == "최소 11화"
    # A total entered is the count, and nothing is counted.
    aouad = await catalogue.show_details(await catalogue.resolve_show(AOUAD))
    assert (aouad.listed, episodes_field(aouad)) == (0, "12")
    # Seasons entered, the total not: at least those listed, in so many seasons; none listed:
    # unknown.
    three = Show("three-seasons", "Three Seasons", kind=Kind.SERIES, season_count=3)
    none = Show("no-episodes", "No Episodes", kind=Kind.SERIES)
    listed = [Episode(three.id, 1, n) for n in range(1, 6)]
    await catalogue.store.import_records([ShowRecord(three, episodes=listed), ShowRecord(none)])
    d = await catalogue.show_details(three)
    assert episodes_field(d) == "At least 5 in 3 seasons"
    assert episodes_field(d, "ko") == "시즌 3개, 최소 5화"
    assert episodes_field(await catalogue.show_details(none)) == "Unknown"
