from datetime import UTC, datetime

import pytest

from bot import render
from bot.models import Credit, Event, Person, Release, Role, Scope, Show, When
from bot.services.catalogue import CastSheet, PersonAnswer, ReleaseAnswer, ShowDetails, Upcoming, UpcomingItem

SHOW = Show(
    "all-of-us-are-dead",
    "All of Us Are Dead",
    original_title="지금 우리 학교는",
    platform="Netflix",
    episode_count=12,
    season_count=1,
    source_kind="webtoon",
    source_title="Now at Our School",
    synopsis="Students are trapped in their high school during a zombie outbreak.",
)
DROP = Release(
    SHOW.id,
    When.parse("2022-01-28T17:00", "Asia/Seoul"),
    Scope.SEASON,
    1,
    platform="Netflix",
    note="All 12 episodes at once",
)


def credit(name, character=None, role=Role.CAST, order=1):
    return Credit(SHOW.id, Person(name.lower().replace(" ", "-"), name), role, character, order)


def test_escape_neutralises_markdown_and_mentions():
    assert render.escape("**bold** _x_ `c` [a](b)") == r"\*\*bold\*\* \_x\_ \`c\` \[a\](b)"
    assert render.escape("# big\n> quote\n- list") == "\\# big\n\\> quote\n\\- list"
    assert render.escape("Park Ji-hu (Nam On-jo)") == "Park Ji-hu (Nam On-jo)"
    out = render.escape("@everyone @here <@123> <@&456> <#789>")
    assert "@everyone" not in out and "@here" not in out
    assert "<@123>" not in out and "<@&456>" not in out and "<#789>" not in out


def test_exact_release_uses_discord_timestamps():
    text = render.when_text(DROP.when)
    ts = int(datetime(2022, 1, 28, 8, 0, tzinfo=UTC).timestamp())
    assert f"<t:{ts}:F>" in text and f"<t:{ts}:R>" in text


def test_date_month_year_and_tba_are_said_plainly():
    assert render.when_text(When.parse("2022-01-28")) == "28 January 2022"
    assert render.when_text(When.parse("2026-12")) == "December 2026"
    assert "2027" in render.when_text(When.parse("2027")) and "announced" in render.when_text(
        When.parse("2027")
    )
    assert render.when_text(When.parse("TBA")) == "To be announced"


def test_show_embed_carries_the_facts():
    d = ShowDetails(
        SHOW,
        [credit("Park Ji-hu", "Nam On-jo")],
        [credit("Lee Jae-kyoo", role=Role.DIRECTOR), credit("Joo Dong-geun", role=Role.ORIGINAL_AUTHOR)],
        [DROP],
        [],
        DROP,
    )
    e = render.show_embed(d)
    flat = str(e)
    for needle in (
        "All of Us Are Dead",
        "지금 우리 학교는",
        "Netflix",
        "12",
        "Park Ji-hu",
        "Nam On-jo",
        "Joo Dong-geun",
        "Lee Jae-kyoo",
        "Now at Our School",
    ):
        assert needle in flat, needle
    assert render.embed_length(e) <= 6000


def test_cast_pages_split_long_casts_and_keep_billing_order():
    cast = [credit(f"Actor {i}", f"Role {i}", order=i) for i in range(1, 41)]
    pages = render.cast_pages(CastSheet(SHOW, cast, [credit("Lee Jae-kyoo", role=Role.DIRECTOR)], None))
    assert len(pages) == 3
    assert pages[0]["description"].startswith("**Actor 1** as Role 1")
    assert "page 1 of 3" in pages[0]["footer"]["text"]
    assert "Lee Jae-kyoo" in pages[0]["fields"][0]["value"]
    assert all(render.embed_length(p) <= 6000 and len(p["description"]) <= 4096 for p in pages)


def test_release_embed_tba_and_season_drop():
    assert "to be announced" in render.release_embed(ReleaseAnswer(SHOW, []))["description"]
    text = render.release_embed(ReleaseAnswer(SHOW, [DROP]))["description"]
    assert "Season 1, all 12 episodes" in text and "Worldwide" in text and "All 12 episodes at once" in text


def test_upcoming_embed_caps_its_length():
    items = [UpcomingItem(DROP, SHOW) for _ in range(200)]
    e = render.upcoming_embed(Upcoming(datetime(2022, 1, 21, tzinfo=UTC), 7, None, items))
    assert "175 more" in e["description"]
    assert len(e["description"]) <= 4096


def test_hostile_catalogue_text_cannot_break_limits_or_ping():
    evil = Show("evil", "@everyone " + "*" * 5000, synopsis="<@&1> " * 2000, genres=("x" * 3000,))
    e = render.show_embed(ShowDetails(evil, [], [], [], [], None))
    assert len(e["title"]) <= 256 and len(e["description"]) <= 4096
    assert all(len(f["value"]) <= 1024 for f in e["fields"])
    assert "@everyone" not in str(e) and "<@&1>" not in str(e)


def test_person_embed_lists_credits():
    answer = PersonAnswer(
        Person("park-ji-hu", "Park Ji-hu", "박지후"), [(credit("Park Ji-hu", "Nam On-jo"), SHOW)]
    )
    e = render.person_embed(answer)
    assert "박지후" in e["title"] and "Nam On-jo" in e["description"]


def test_not_found_text_offers_suggestions():
    text = render.not_found_text("No show called “x”.", ["All of Us Are Dead", "Dead to Me"])
    assert "Did you mean **All of Us Are Dead**, **Dead to Me**?" in text


def test_not_found_text_says_its_hint_when_nothing_is_near():
    hint = "Pick a platform from the suggestions while you type, or leave platform out."
    text = render.not_found_text("No platform called “x”.", [], hint=hint)
    assert text.endswith(hint) and "spelling" not in text
    assert "Check the spelling" in render.not_found_text("No show called “x”.", [])
    assert "Did you mean **Netflix**?" in render.not_found_text(
        "No platform called “x”.", ["Netflix"], hint=hint
    )


@pytest.mark.parametrize(("out", "label"), [(True, "Released"), (False, "Coming out"), (None, "Release")])
def test_show_embed_says_the_premiere_in_its_tense(out, label):
    e = render.show_embed(ShowDetails(SHOW, [], [], [DROP], [], DROP, out=out))
    assert [f["name"] for f in e["fields"] if f["name"].startswith(("Release", "Coming"))] == [label]


def test_an_event_place_with_a_usual_name_is_said_in_the_readers_language():
    events = [
        Event(SHOW.id, "press_conference", "Press conference", When.parse("2022-01-26"), "Seoul"),
        Event(SHOW.id, "fan_meeting", "Fan meeting", When.parse("2022-02-03"), "Busan"),
    ]
    d = ShowDetails(SHOW, [], [], [], events, None)
    en = {f["name"]: f["value"] for f in render.show_embed(d)["fields"]}
    ko = {f["name"]: f["value"] for f in render.show_embed(d, "ko")["fields"]}
    assert en["Press conference"] == "26 January 2022 in Seoul"
    assert ko["제작발표회"] == "2022년 1월 26일 · 서울"
    # a place the bot has no usual name for is shown as the catalogue writes it
    assert en["Fan meeting"] == "3 February 2022 in Busan" and ko["Fan meeting"] == "2022년 2월 3일 · Busan"
