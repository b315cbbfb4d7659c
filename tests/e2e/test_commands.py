"""The question commands, end to end: localcord sends INTERACTION_CREATE, the real bot answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Credit, Person, Release, Role, Scope, Show, ShowRecord, When
from tests.conftest import RunningBot, settings_for

AOUAD = "all-of-us-are-dead"
RELEASE_TS = int(datetime(2022, 1, 28, 8, 0, tzinfo=UTC).timestamp())


@pytest.fixture
async def world(lc, seeded_store, clock, tmp_path):
    """A guild with a channel and a member, and the bot connected with the bundled catalogue."""
    guild = lc.create_guild("Zombie Fans")
    channel = lc.create_channel(guild, "general")
    alice = lc.create_member(guild, "alice")
    running = RunningBot(lc, seeded_store, clock, settings_for(lc, tmp_path))
    await running.start()
    try:
        yield lc, guild, channel, alice, running
    finally:
        await running.close()


def embed_text(message: dict) -> str:
    parts = []
    for e in message.get("embeds", []):
        parts += [e.get("title", ""), e.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
        parts.append(e.get("footer", {}).get("text", ""))
    return "\n".join(parts)


def assert_pings_nobody(message: dict) -> None:
    assert message["mentions"] == [] and message["mention_roles"] == [] and not message["mention_everyone"]


async def test_commands_are_registered_with_discord(world):
    lc, *_ = world
    names = {c["name"] for c in lc.commands()}
    assert {"show", "cast", "release", "upcoming", "person", "sync"} <= names


async def test_cast_tells_the_seed_story(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "cast", options={"title": AOUAD}, channel=channel)
    assert res.type == 4 and not res.ephemeral
    text = embed_text(res.message)
    assert "**Park Ji-hu** (박지후) as Nam On-jo" in text
    assert "**Lee Yoo-mi** (이유미) as Lee Na-yeon" in text
    assert text.index("Park Ji-hu") < text.index("Yoon Chan-young") < text.index("Lee Yoo-mi")
    assert "Director:** Lee Jae-kyoo" in text and "Original author:** Joo Dong-geun" in text
    assert_pings_nobody(res.message)


async def test_cast_filtered_by_role(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(
        guild, alice, "cast", options={"title": AOUAD, "role": "director"}, channel=channel
    )
    text = embed_text(res.message)
    assert "Lee Jae-kyoo" in text and "Park Ji-hu" not in text


async def test_show_carries_platform_release_episodes_and_source(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "show", options={"title": "All of Us Are Dead"}, channel=channel)
    text = embed_text(res.message)
    for needle in (
        "지금 우리 학교는",
        "Platform: Netflix",
        f"<t:{RELEASE_TS}:F>",
        "Episodes: 12",
        "Horror",
        "Webtoon “Now at Our School”",
        "by Joo Dong-geun",
        "zombie",
        "Nam On-jo",
        "Press conference",
    ):
        assert needle in text, needle


async def test_release_in_every_viewers_time_zone(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "release", options={"title": AOUAD}, channel=channel)
    text = embed_text(res.message)
    assert f"<t:{RELEASE_TS}:F>" in text and f"<t:{RELEASE_TS}:R>" in text
    assert "Season 1, all 12 episodes" in text and "Netflix · Worldwide" in text
    ep = await lc.run_command(
        guild, alice, "release", options={"title": AOUAD, "episode": "S1E5"}, channel=channel
    )
    assert f"<t:{RELEASE_TS}:F>" in embed_text(ep.message)
    bad = await lc.run_command(
        guild, alice, "release", options={"title": AOUAD, "episode": "S1E40"}, channel=channel
    )
    assert bad.ephemeral and "no episode S1E40" in bad.content


async def test_release_of_an_announced_show_says_tba(world):
    lc, guild, channel, alice, running = world
    tba = [r for r in await running.store.get_releases("severance") if r.when.precision.value == "tba"]
    assert tba, "the bundled catalogue has Severance season 3 as TBA"
    res = await lc.run_command(
        guild, alice, "release", options={"title": "severance", "episode": "S3E1"}, channel=channel
    )
    assert "To be announced" in embed_text(res.message)


async def test_upcoming_lists_the_seed_show_a_week_before(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "upcoming", options={"days": 7}, channel=channel)
    text = embed_text(res.message)
    assert "All of Us Are Dead" in text and f"<t:{RELEASE_TS}:F>" in text
    narrow = await lc.run_command(guild, alice, "upcoming", options={"days": 2}, channel=channel)
    assert "All of Us Are Dead" not in embed_text(narrow.message)
    other = await lc.run_command(
        guild, alice, "upcoming", options={"days": 7, "platform": "Disney+"}, channel=channel
    )
    assert "All of Us Are Dead" not in embed_text(other.message)


async def test_upcoming_on_a_platform_the_catalogue_lacks_names_the_nearest(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(
        guild, alice, "upcoming", options={"days": 7, "platform": "Netflixx"}, channel=channel
    )
    assert res.ephemeral
    text = res.message["content"]
    assert "No platform called “Netflixx” in the catalogue." in text
    assert "Did you mean **Netflix**" in text


async def test_person_lists_credits(world):
    lc, guild, channel, alice, _ = world
    choices = await lc.run_autocomplete(guild, alice, "person", focused="name", value="park ji")
    assert choices[0]["value"] == "park-ji-hu"
    res = await lc.run_command(guild, alice, "person", options={"name": "park-ji-hu"}, channel=channel)
    text = embed_text(res.message)
    assert "Park Ji-hu (박지후)" in text and "All of Us Are Dead" in text and "Nam On-jo" in text


@pytest.mark.parametrize("typed", ["all of us are ded", "지금 우리 학교는", "지금", "Now at Our School"])
async def test_autocomplete_in_english_korean_and_aliases(world, typed):
    lc, guild, channel, alice, _ = world
    choices = await lc.run_autocomplete(guild, alice, "cast", focused="title", value=typed)
    assert choices[0]["value"] == AOUAD
    assert 1 <= len(choices) <= 25


async def test_a_show_typed_as_its_initials(world):
    lc, guild, channel, alice, _ = world
    choices = await lc.run_autocomplete(guild, alice, "show", focused="title", value="aouad")
    assert choices[0]["value"] == AOUAD
    # Entered without picking: the one show with these initials.
    res = await lc.run_command(guild, alice, "show", options={"title": "HOTD"}, channel=channel)
    assert not res.ephemeral and "HOUSE OF THE DRAGON" in embed_text(res.message).upper()


async def test_autocomplete_on_empty_input_offers_defaults(world):
    lc, guild, channel, alice, _ = world
    choices = await lc.run_autocomplete(guild, alice, "show", focused="title", value="")
    assert len(choices) == 25


async def test_unknown_title_is_answered_privately_with_suggestions(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "cast", options={"title": "all of us are ded"}, channel=channel)
    assert res.ephemeral
    assert "No show called “all of us are ded”" in res.content
    assert "Did you mean **All of Us Are Dead**" in res.content
    assert lc.messages(channel) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("x" * 10_000, "10,000 characters"),
        ("@everyone", "No show called"),
        ("**__~~spoiler~~__**", "No show called"),
        ("\u200b\u200b\u200b", "Type a title"),
        ("<@&123456789012345678> <@1>", "No show called"),
    ],
)
async def test_hostile_input_gets_a_clear_private_answer_and_pings_nobody(world, typed, expected):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "show", options={"title": typed}, channel=channel)
    assert res.ephemeral and expected in res.content
    assert len(res.content) < 2000
    assert_pings_nobody(res.message)
    assert "@everyone" not in res.content


async def test_long_casts_page_with_buttons_for_the_asker_only(world):
    lc, guild, channel, alice, running = world
    show = Show("big-ensemble", "Big Ensemble")
    credits = [
        Credit(show.id, Person(f"actor-{i}", f"Actor {i}"), Role.CAST, f"Role {i}", i) for i in range(1, 41)
    ]
    await running.store.import_records([ShowRecord(show, credits)])
    await running.catalogue.refresh()
    res = await lc.run_command(guild, alice, "cast", options={"title": "Big Ensemble"}, channel=channel)
    msg = res.message
    assert "page 1 of 3" in embed_text(msg) and "Actor 1**" in embed_text(msg)
    buttons = [c for row in msg["components"] for c in row["components"]]
    ids = {b["label"]: b["custom_id"] for b in buttons}
    upd = await lc.click_button(msg, ids["Next"], alice)
    assert upd.type == 7
    page2 = lc.message(channel, msg["id"]) if msg.get("channel_id") else upd.message
    assert "page 2 of 3" in embed_text(page2) and "Actor 16**" in embed_text(page2)
    bob = lc.create_member(guild, "bob")
    now_ids = {b["label"]: b["custom_id"] for row in page2["components"] for b in row["components"]}
    refused = await lc.click_button(page2, now_ids["Next"], bob)
    assert refused.ephemeral and "someone else's" in refused.content

    # The bot restarts: the buttons on the message keep working, built again from the catalogue.
    await running.close()
    await running.start()
    again = await lc.click_button(page2, now_ids["Next"], alice)
    assert again.type == 7
    page3 = lc.message(channel, msg["id"]) if msg.get("channel_id") else again.message
    assert "page 3 of 3" in embed_text(page3) and "Actor 31**" in embed_text(page3)


async def test_a_long_upcoming_list_pages_with_buttons_that_keep_its_window(world):
    lc, guild, channel, alice, running = world
    show = Show("daily-show", "Daily Show", platform="Daily TV")
    start = datetime(2022, 1, 22, 9, 0, tzinfo=UTC)
    releases = [
        Release(
            show.id,
            When.parse(f"{(start + timedelta(days=n)).date()}T18:00", "Asia/Seoul"),
            Scope.EPISODE,
            season=1,
            episode=n + 1,
            platform="Daily TV",
        )
        for n in range(60)
    ]
    await running.store.import_records([ShowRecord(show, releases=releases)])
    await running.catalogue.refresh()
    premiere = await lc.run_command(
        guild, alice, "upcoming", options={"days": 90, "platform": "Daily TV", "kinds": "premieres"}
    )
    assert "Premieres in the next 90 days on Daily TV" in embed_text(premiere.message)
    assert "S1E1**" in embed_text(premiere.message) and "S1E2**" not in embed_text(premiere.message)
    assert not premiere.message.get("components")  # one page: no buttons
    options = {"days": 90, "platform": "Daily TV", "kinds": "episodes"}  # every episode but the first
    res = await lc.run_command(guild, alice, "upcoming", options=options, channel=channel)
    msg = res.message
    first = embed_text(msg)
    assert "New episodes in the next 90 days on Daily TV" in first
    assert "page 1 of 3 · 59 releases" in first, first
    assert "S1E2**" in first and "S1E26**" in first and "S1E27" not in first and "more" not in first
    ids = {b["label"]: b["custom_id"] for row in msg["components"] for b in row["components"]}
    refused = await lc.click_button(msg, ids["Next"], lc.create_member(guild, "bob"))
    assert refused.ephemeral and "someone else's" in refused.content

    # Pressed a day later and after a restart: page 2 of the window that was asked for.
    running.clock.set(running.clock() + timedelta(days=1))
    await running.close()
    await running.start()
    pressed = await lc.click_button(msg, ids["Next"], alice)
    assert pressed.type == 7
    page2 = lc.message(channel, msg["id"])
    text = embed_text(page2)
    assert "page 2 of 3" in text and "S1E27**" in text and "S1E51**" in text and "S1E52" not in text, text
    ids = {b["label"]: b["custom_id"] for row in page2["components"] for b in row["components"]}
    await lc.click_button(page2, ids["Next"], alice)
    last = lc.message(channel, msg["id"])
    assert "page 3 of 3" in embed_text(last) and "S1E60" in embed_text(last)
    assert [b.get("disabled", False) for row in last["components"] for b in row["components"]] == [
        False,
        True,
    ]


async def test_sync_is_refused_to_anyone_but_the_owner(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "sync", channel=channel)
    assert res.ephemeral and "Only the bot's owner" in res.content


async def test_gateway_cut_and_resumed_the_bot_still_answers(world):
    lc, guild, channel, alice, _ = world
    await lc.cut_gateway()
    await lc.wait_for_resume(timeout=15)
    res = await lc.run_command(guild, alice, "cast", options={"title": AOUAD}, channel=channel)
    assert "Nam On-jo" in embed_text(res.message)


async def test_a_member_without_manage_server_is_refused_admin_commands(world):
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, "announce list", channel=channel)
    assert res.ephemeral
    assert "You need the **Manage Server** permission" in res.content


async def test_show_filters_autocomplete_to_titles_that_resolve(world):
    lc, guild, channel, alice, running = world
    choices = await lc.run_autocomplete(
        guild,
        alice,
        "announce channel add",
        focused="shows",
        value="Squid Game, 지금 우리",
        options={"channel": channel},
    )
    assert choices[0]["value"] == "Squid Game, All of Us Are Dead"
    assert (await running.catalogue.resolve_show("All of Us Are Dead")).id == AOUAD


async def test_pages_kept_in_memory_say_they_expired_after_a_restart(world):
    lc, guild, channel, alice, running = world
    show = Show("a-" + "very-long-title-" * 6 + "x", "A Very Long Title")
    credits = [
        Credit(show.id, Person(f"actor-{i}", f"Actor {i}"), Role.CAST, f"Role {i}", i) for i in range(1, 21)
    ]
    await running.store.import_records([ShowRecord(show, credits)])
    res = await lc.run_command(guild, alice, "cast", options={"title": show.id}, channel=channel)
    msg = res.message
    ids = {b["label"]: b["custom_id"] for row in msg["components"] for b in row["components"]}
    assert ids["Next"] == "pages:next"
    await running.close()
    await running.start()
    expired = await lc.click_button(msg, ids["Next"], alice)
    assert expired.ephemeral and "expired" in expired.content
