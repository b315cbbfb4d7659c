"""End to end through localcord: admins configure by slash commands, the clock moves, posts land."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.models import Kind, Release, Scope, Show, ShowRecord, When

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad, weekly

P_MANAGE_GUILD = 1 << 5
P_SEND = 1 << 11
P_EMBED = 1 << 14
DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)


def prank() -> ShowRecord:
    """A show whose catalogue text tries to ping everyone: it must stay inert."""
    show = Show("prank", "@everyone Prank <@&1>", Kind.FILM, platform="Netflix", synopsis="@here look")
    rel = Release(show.id, When.parse("2022-01-28T08:00", "UTC"), Scope.SHOW, platform="Netflix")
    return ShowRecord(show, releases=[rel])


async def wait_until(predicate, limit: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def eventually(read, expected, limit: float = 5.0):  # type: ignore[no-untyped-def]
    """Poll an async read until it returns ``expected`` (an event the bot handles on its own)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while (value := await read()) != expected:
        if loop.time() > end:
            raise AssertionError(f"still {value!r}, not {expected!r}")
        await asyncio.sleep(0.02)
    return value


async def test_admins_configure_and_each_channel_gets_one_post(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Zombie Fans")
    releases = lc.create_channel(guild, "releases")
    news = lc.create_channel(guild, "news", type=5)
    no_embeds = lc.create_channel(guild, "no-embeds")
    lc.take_permission(guild, no_embeds, "bot", P_EMBED)
    fans = lc.create_role(guild, "Premieres", mentionable=True)
    other = lc.create_role(guild, "Other", mentionable=True)
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    pleb = lc.create_member(guild, "pleb")
    watcher = lc.create_member(guild, "watcher", roles=[fans, other])

    await running.start(watch_every=timedelta(seconds=0.2))
    service, scheduler = running.service, running.scheduler

    add = ["announce", "channel", "add"]
    refused = await lc.run_command(guild, pleb, add, options={"channel": releases}, channel=releases)
    assert refused.ephemeral and "permission to use this command" in refused.content
    everyone = await lc.run_command(guild, admin, add, options={"channel": releases, "role": guild.id})
    assert everyone.ephemeral and "never ping @everyone" in everyone.content
    missing = await lc.run_command(guild, admin, add, options={"channel": no_embeds})
    assert "missing **Embed Links**" in missing.content

    ok = await lc.run_command(
        guild, admin, add, options={"channel": releases, "role": fans}, channel=releases
    )
    assert ok.ephemeral and "will be posted in" in ok.content, ok.content
    ok = await lc.run_command(
        guild, admin, add, options={"channel": news, "threads": True, "kinds": "premieres"}
    )
    assert "published to the servers that follow it" in ok.content, ok.content

    zones = await lc.run_autocomplete(guild, admin, ["announce", "timezone"], focused="zone", value="seoul")
    assert {"name": "Asia/Seoul", "value": "Asia/Seoul"} in zones
    tz = await lc.run_command(guild, admin, ["announce", "timezone"], options={"zone": "Asia/Seoul"})
    assert "Asia/Seoul" in tz.content
    bad = await lc.run_command(guild, admin, ["announce", "time"], options={"at": "25:99"})
    assert "HH:MM" in bad.content
    assert (
        "18:00" in (await lc.run_command(guild, admin, ["announce", "time"], options={"at": "18:00"})).content
    )

    # A catalogue import: the scheduler notices and plans one job for the minute, for every channel.
    await running.store.import_records([aoad(), weekly(), prank()])
    await running.bot.catalogue.refresh()  # what an import does for the question commands
    await wait_until(lambda: "announce:20220128T0800Z" in scheduler.job_ids())
    assert scheduler.job_ids() == ["announce:20220128T0800Z"]

    listing = await lc.run_command(guild, admin, ["announce", "list"])
    text = str(listing.message["embeds"][0])
    assert listing.ephemeral and "healthy" in text and "Next posts" in text and "All of Us Are Dead" in text
    preview = await lc.run_command(
        guild, admin, ["announce", "preview"], options={"show": "all-of-us-are-dead"}
    )
    assert preview.ephemeral and preview.message["embeds"], preview.content
    assert preview.message["embeds"][0]["title"].startswith("All of Us Are Dead")
    test = await lc.run_command(guild, admin, ["announce", "test"], options={"channel": releases})
    assert "Sent a test post" in test.content
    assert len(lc.messages(releases)) == 1 and lc.messages(releases)[0]["mention_roles"] == []

    # The clock moves to release time; what the job would run, the test runs.
    running.clock.set(DUE)
    report = await service.run_due()
    assert report.failed == 0 and not report.broken

    posts = lc.messages(releases)[1:]
    assert len(posts) == 1
    post = posts[0]
    assert post["content"].startswith(f"<@&{fans.id}>")
    assert (
        post["mention_roles"] == [str(fans.id)]
        and post["mention_everyone"] is False
        and post["mentions"] == []
    )
    titles = [e["title"] for e in post["embeds"]]
    prank_title = next(t for t in titles if "Prank" in t)
    assert "@everyone" not in prank_title and "<@&1>" not in prank_title  # escaped, inert
    assert any(t.startswith("All of Us Are Dead") for t in titles) and len(titles) == 4
    news_posts = lc.messages(news)
    assert len(news_posts) == 1 and len(news_posts[0]["embeds"]) == 3  # premieres only: not Snowdrop E2
    assert news_posts[0]["mention_roles"] == []
    assert [m["id"] for m in lc.crossposted(news)] == [news_posts[0]["id"]]
    assert len(lc.threads(guild)) == 1

    # Again and later: nothing more. The ledger says sent, with message ids.
    await service.run_due(DUE + timedelta(minutes=5))
    assert len(lc.messages(releases)) == 2 and len(lc.messages(news)) == 1
    rows = await running.store.deliveries(releases.id)
    assert {r.state for r in rows} == {"sent"} and {r.message_id for r in rows} == {int(post["id"])}
    assert watcher  # the member holding the role exists; the post pinged only that role


async def test_broken_channel_429s_and_owner_dm(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Many")
    chans = lc.create_channels(guild, [f"c{i}" for i in range(6)])
    role = lc.create_role(guild, "Fans", mentionable=True)
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    for ch in chans:
        r = await lc.run_command(
            guild, admin, ["announce", "channel", "add"], options={"channel": ch, "role": role}
        )
        assert "will be posted" in r.content, r.content
    await running.store.import_records([aoad(), weekly()])

    lc.take_permission(guild, chans[1], "bot", P_SEND)
    lc.delete_channel(chans[2])  # the bot hears of it: its settings go, nothing is tried there
    await eventually(lambda: running.store.announce_channel(chans[2].id), None)
    lc.inject_429("POST /channels/*/messages", count=4, retry_after=0.2)
    running.clock.set(DUE)
    report = await running.service.run_due()
    assert report.broken == [chans[1].id] and report.gone == []
    for ch in (chans[0], *chans[3:]):
        assert len(lc.messages(ch)) == 1, ch.name
    assert lc.messages(chans[1]) == []
    assert not [p for (m, p, s) in lc.request_log if p.endswith(f"/channels/{chans[2].id}/messages")]
    # 429s were waited out by discord.py, not turned into failures.
    statuses = [s for (m, p, s) in lc.request_log if m == "POST" and p.endswith("/messages")]
    assert statuses.count(429) == 4
    owner_dms = lc.dm_messages(guild.owner_id)
    assert len(owner_dms) == 1 and "**#c1**" in owner_dms[0]["content"]

    listing = await lc.run_command(guild, admin, ["announce", "list"])
    assert "broken" in str(listing.message["embeds"][0])
    # The next release: healthy channels only, and no second DM for the same breakage.
    running.clock.set(datetime(2022, 2, 4, 8, 0, tzinfo=UTC))
    await running.service.run_due()
    assert len(lc.messages(chans[0])) == 2 and lc.messages(chans[1]) == []
    assert len(lc.dm_messages(guild.owner_id)) == 1


async def test_a_crash_after_discord_accepted_the_post_is_answered_by_the_nonce(
    lc: LocalDiscord, running: RunningBot
) -> None:
    from .fakes import Crash

    guild = lc.create_guild("Crashy")
    chan = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": chan})
    await running.store.import_records([aoad()])
    real = running.service.poster

    class DiesAfterSend:
        """Discord accepts the message, then the process dies before the ledger hears of it."""

        def __getattr__(self, name: str):
            return getattr(real, name)

        async def send(self, post):
            await real.send(post)
            raise Crash()

    running.service.attach(DiesAfterSend())  # type: ignore[arg-type]
    running.clock.set(DUE)
    await running.service.run_due()
    assert len(lc.messages(chan)) == 1
    assert [r.state for r in await running.store.deliveries(chan.id)] == ["pending"]

    running.service.attach(real)
    report = await running.service.run_due(DUE + timedelta(seconds=30))
    assert report.sent == 1
    assert len(lc.messages(chan)) == 1  # the same nonce returned the first message
    row = (await running.store.deliveries(chan.id))[0]
    assert row.state == "sent" and row.message_id == int(lc.messages(chan)[0]["id"])


async def test_server_errors_are_retried_with_back_off(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Flaky")
    chans = lc.create_channels(guild, ["a", "b"])
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start(backoff=0.05)
    for ch in chans:
        await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": ch})
    await running.store.import_records([aoad()])
    lc.inject_5xx("POST /channels/*/messages", count=2, status=503)
    running.clock.set(DUE)
    report = await running.service.run_due()
    assert report.sent == 2 and report.failed == 0
    assert [len(lc.messages(ch)) for ch in chans] == [1, 1]
    statuses = [s for (m, p, s) in lc.request_log if m == "POST" and p.endswith("/messages")]
    assert statuses.count(503) == 2


async def test_pause_resume_and_remove_by_command(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Quiet")
    chans = lc.create_channels(guild, ["a", "b"])
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    for ch in chans:
        await lc.run_command(guild, admin, ["announce", "channel", "add"], options={"channel": ch})
    await running.store.import_records([aoad(), weekly()])
    assert "paused" in (await lc.run_command(guild, admin, ["announce", "pause"])).content
    running.clock.set(DUE)
    report = await running.service.run_due()
    assert report.sent == 0 and report.skipped > 0 and lc.messages(chans[0]) == []
    assert "resumed" in (await lc.run_command(guild, admin, ["announce", "resume"])).content
    gone = await lc.run_command(
        guild, admin, ["announce", "channel", "remove"], options={"channel": chans[1]}
    )
    assert "No more release announcements" in gone.content
    running.clock.set(datetime(2022, 2, 4, 8, 0, tzinfo=UTC))
    await running.service.run_due()
    assert len(lc.messages(chans[0])) == 1 and lc.messages(chans[1]) == []
