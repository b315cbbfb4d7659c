"""Discord's limits and errors as seen by discord.py: 429 retries, 403, 404, 400, nonce, crosspost."""

from __future__ import annotations

import asyncio

import discord
import pytest

from localcord import LocalDiscord
from localcord import permissions as P


async def test_injected_429_is_retried(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    server.inject_429("POST /channels/{channel_id}/messages", count=2, retry_after=0.05)
    msg = await bot.get_channel(chan.id).send("hello")
    assert msg.content == "hello"
    posts = server.requests("POST /channels/*/messages")
    assert [r.status for r in posts] == [429, 429, 200]
    assert len(server.messages(chan)) == 1


async def test_global_429_and_missing_via_header(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    server.inject_429("POST /channels/*/messages", count=1, retry_after=0.05, global_=True)
    await bot.get_channel(chan.id).send("after global")
    assert [r.status for r in server.requests("POST /channels/*/messages")] == [429, 200]
    # Without a Via header discord.py treats a 429 as a Cloudflare ban and raises.
    server.inject_429("POST /channels/*/messages", count=1, retry_after=0.05, via=False)
    with pytest.raises(discord.HTTPException) as exc:
        await bot.get_channel(chan.id).send("banned")
    assert exc.value.status == 429


async def test_channel_message_bucket_5_per_5s(server: LocalDiscord, runner, make_bot) -> None:
    server.set_rate_limit("POST /channels/*/messages", 5, 0.5)  # shortened window, same shape
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    channel = bot.get_channel(chan.id)
    await asyncio.gather(*(channel.send(f"m{i}") for i in range(12)))
    assert len(server.messages(chan)) == 12
    # discord.py reads X-RateLimit-Remaining/Reset-After and waits instead of hitting 429s.
    assert server.requests("POST /channels/*/messages", status=429) == []


async def test_injected_5xx_is_retried(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    server.inject_5xx("GET /channels/*", count=1, status=502)
    fetched = await bot.fetch_channel(chan.id)
    assert fetched.id == chan.id
    assert [r.status for r in server.requests("GET /channels/*")] == [502, 200]


async def test_403_without_send_messages(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "locked")
    hidden = server.create_channel(guild, "hidden")
    server.take_permission(guild, chan, "everyone", P.SEND_MESSAGES)
    server.take_permission(guild, chan, "bot", P.SEND_MESSAGES)
    server.take_permission(guild, hidden, "everyone", P.VIEW_CHANNEL)
    server.take_permission(guild, hidden, guild.bot_role_id, P.VIEW_CHANNEL)
    bot = await runner.start(make_bot(), server)
    with pytest.raises(discord.Forbidden) as exc:
        await bot.get_channel(chan.id).send("nope")
    assert exc.value.code == 50013
    assert exc.value.status == 403
    with pytest.raises(discord.Forbidden) as exc:
        await bot.get_partial_messageable(hidden.id).send("nope")
    assert exc.value.code == 50001  # Discord answers Missing Access when the channel is not visible
    # EMBED_LINKS is only needed when embeds are present.
    plain = server.create_channel(guild, "plain")
    server.take_permission(guild, plain, "bot", P.EMBED_LINKS)
    server.take_permission(guild, plain, "everyone", P.EMBED_LINKS)
    await asyncio.sleep(0.05)
    await bot.get_channel(plain.id).send("text is fine")
    with pytest.raises(discord.Forbidden):
        await bot.get_channel(plain.id).send(embed=discord.Embed(title="no embeds here"))
    # with limits switched off the same request goes through
    server.set_limits(permissions=False)
    await bot.get_channel(chan.id).send("now allowed")


async def test_404_unknown_channel_and_message(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "gone")
    bot = await runner.start(make_bot(), server)
    channel = bot.get_channel(chan.id)
    msg = await channel.send("first")
    await msg.delete()
    with pytest.raises(discord.NotFound) as exc:
        await channel.fetch_message(msg.id)
    assert exc.value.code == 10008
    server.delete_channel(chan)
    with pytest.raises(discord.NotFound) as exc:
        await channel.send("into the void")
    assert exc.value.code == 10003


async def test_400_invalid_form_body(server: LocalDiscord, runner, make_bot) -> None:
    server.set_rate_limit("POST /channels/*/messages", 50, 1)  # this test sends more than 5 in 5 s
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    channel = bot.get_channel(chan.id)
    with pytest.raises(discord.HTTPException) as exc:
        await channel.send("x" * 2001)
    assert exc.value.status == 400 and exc.value.code == 50035
    assert "content" in exc.value.text and "2000" in exc.value.text
    await channel.send("x" * 2000)

    big = discord.Embed(title="t" * 256, description="d" * 4096)
    for i in range(3):
        big.add_field(name=f"f{i}", value="v" * 1000)
    with pytest.raises(discord.HTTPException) as exc:
        await channel.send(embed=big)  # 256 + 4096 + 3 * 1002 = 7358 > 6000
    assert exc.value.code == 50035
    assert "In embeds: Embed size exceeds maximum size of 6000" in exc.value.text
    with pytest.raises(discord.HTTPException) as exc:
        await channel.send(embed=discord.Embed(title="t" * 257))
    assert "embeds.0.title" in exc.value.text
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=chan.id)
    with pytest.raises(discord.HTTPException) as exc:  # discord.py refuses 11 embeds itself; send raw
        await bot.http.request(route, json={"embeds": [{"title": str(i)} for i in range(11)]})
    assert exc.value.code == 50035 and "In embeds: Must be 10 or fewer in length." in exc.value.text
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.request(route, json={"content": ""})
    assert exc.value.code == 50006
    assert len(server.messages(chan)) == 1


async def test_nonce_enforce_nonce_returns_original(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    other = server.create_channel(guild, "other")
    bot = await runner.start(make_bot(), server)
    http = bot.http
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=chan.id)
    # discord.py sends enforce_nonce=True whenever a nonce is given
    first = await bot.get_channel(chan.id).send("S2 is out", nonce="rel-42")
    again = await http.request(
        route, json={"content": "S2 is out (retry)", "nonce": "rel-42", "enforce_nonce": True}
    )
    assert again["id"] == str(first.id)
    assert again["content"] == "S2 is out"  # the ORIGINAL message comes back
    unenforced = await http.request(route, json={"content": "dup", "nonce": "rel-42"})
    assert unenforced["id"] != str(first.id)  # without enforce_nonce nothing is deduplicated
    assert len(server.messages(chan)) == 2
    elsewhere = await bot.get_channel(other.id).send("S2 is out", nonce="rel-42")
    assert elsewhere.id != first.id  # nonces are per channel


async def test_crosspost_only_in_announcement_channels(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    news = server.create_channel(guild, "news", type=5)
    text = server.create_channel(guild, "text")
    bot = await runner.start(make_bot(), server)
    msg = await bot.get_channel(news.id).send("Episode 3 is out")
    published = await msg.publish()
    assert published is None or True
    stored = server.message(news, msg.id)
    assert stored["flags"] & 1
    assert server.crossposted(news)[0]["id"] == str(msg.id)
    with pytest.raises(discord.HTTPException) as exc:
        await msg.publish()
    assert exc.value.code == 40033
    plain = await bot.get_channel(text.id).send("not news")
    with pytest.raises(discord.HTTPException) as exc:
        await plain.publish()
    assert exc.value.code == 50024


async def test_thread_from_message_needs_permission(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    bot = await runner.start(make_bot(), server)
    msg = await bot.get_channel(chan.id).send("Discuss S2 here")
    thread = await msg.create_thread(name="S2 discussion")
    assert thread.id == msg.id and thread.parent_id == chan.id
    await thread.send("first post in thread")
    assert server.messages(thread)[0]["content"] == "first post in thread"
    msg2 = await bot.get_channel(chan.id).send("another")
    server.take_permission(guild, chan, "bot", P.CREATE_PUBLIC_THREADS)
    server.take_permission(guild, chan, "everyone", P.CREATE_PUBLIC_THREADS)
    with pytest.raises(discord.Forbidden) as exc:
        await msg2.create_thread(name="nope")
    assert exc.value.code == 50013


async def test_mentions_only_allowed_role_pings(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    watchers = server.create_role(guild, "Watchers")
    other = server.create_role(guild, "Other", mentionable=True)
    alice = server.create_member(guild, "alice")
    server.set_bot_permissions(guild, P.DEFAULT_BOT | P.MENTION_EVERYONE)
    bot = await runner.start(make_bot(), server)
    content = f"@everyone {watchers.mention} {other.mention} {alice.mention} new episode"
    allowed = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(watchers.id)])
    await bot.get_channel(chan.id).send(content, allowed_mentions=allowed)
    msg = server.messages(chan)[-1]
    assert msg["mention_everyone"] is False
    assert msg["mentions"] == []
    assert msg["mention_roles"] == [str(watchers.id)]
    assert [int(r) for r in msg["allowed_mentions"]["roles"]] == [watchers.id]
    # no allowed_mentions: Discord's defaults apply (users + mentionable roles + everyone with permission)
    await bot.get_channel(chan.id).send(content, allowed_mentions=discord.AllowedMentions.all())
    msg = server.messages(chan)[-1]
    assert msg["mention_everyone"] is True
    assert [u["id"] for u in msg["mentions"]] == [str(alice.id)]
    assert set(msg["mention_roles"]) == {str(watchers.id), str(other.id)}


async def test_multipart_file_upload(server: LocalDiscord, runner, make_bot) -> None:
    import io

    guild = server.create_guild("G")
    chan = server.create_channel(guild, "files")
    bot = await runner.start(make_bot(), server)
    msg = await bot.get_channel(chan.id).send(
        "poster", file=discord.File(io.BytesIO(b"PNGDATA"), filename="poster.png")
    )
    assert msg.attachments[0].filename == "poster.png" and msg.attachments[0].size == 7
    assert server.messages(chan)[0]["content"] == "poster"


async def test_scheduled_events(server: LocalDiscord, runner, make_bot) -> None:
    import datetime as dt

    guild = server.create_guild("G")
    bot = await runner.start(make_bot(), server)
    g = bot.get_guild(guild.id)
    start = discord.utils.utcnow() + dt.timedelta(days=1)
    ev = await g.create_scheduled_event(
        name="S2 premiere",
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Netflix",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert ev.name == "S2 premiere"
    assert server.scheduled_events(guild)[0]["entity_metadata"] == {"location": "Netflix"}
    await ev.edit(name="S2 premiere (moved)")
    events = await g.fetch_scheduled_events()
    assert [e.name for e in events] == ["S2 premiere (moved)"]
    with pytest.raises(discord.HTTPException) as exc:
        await g.create_scheduled_event(
            name="past",
            start_time=discord.utils.utcnow() - dt.timedelta(days=1),
            end_time=discord.utils.utcnow(),
            entity_type=discord.EntityType.external,
            location="x",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert exc.value.code == 50035
    await ev.delete()
    assert server.scheduled_events(guild) == []


async def test_command_validation_on_sync(server: LocalDiscord, runner, make_bot) -> None:
    server.create_guild("G")
    bot = await runner.start(make_bot(), server)
    route = discord.http.Route(
        "PUT", "/applications/{application_id}/commands", application_id=server.application_id
    )
    bad = [
        {"name": "Cast", "description": "uppercase is invalid", "type": 1},
        {"name": "ok", "description": "", "type": 1},
        {
            "name": "지금",
            "description": "hangul is fine",
            "type": 1,
            "options": [{"name": f"o{i}", "description": "d", "type": 3} for i in range(26)],
        },
    ]
    with pytest.raises(discord.HTTPException) as exc:
        await bot.http.request(route, json=bad)
    text = exc.value.text
    assert exc.value.code == 50035
    assert "0.name" in text and "1.description" in text and "2.options" in text
    too_many = [{"name": f"c{i}", "description": "d", "type": 1} for i in range(101)]
    with pytest.raises(discord.HTTPException):
        await bot.http.request(route, json=too_many)
    ok = await bot.http.request(
        route,
        json=[
            {"name": "हिन्दी", "description": "devanagari", "type": 1},
            {"name": "ไทย", "description": "thai", "type": 1},
        ],
    )
    assert [c["name"] for c in ok] == ["हिन्दी", "ไทย"]


async def test_autocomplete_limits(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "c")
    alice = server.create_member(guild, "alice")
    bot = make_bot()
    failures: list = []

    @bot.tree.command(name="many", description="too many choices")
    async def many(interaction: discord.Interaction, q: str) -> None:
        await interaction.response.send_message(q)

    @many.autocomplete("q")
    async def many_q(interaction: discord.Interaction, current: str):
        return [discord.app_commands.Choice(name=f"c{i}", value=str(i)) for i in range(26)]

    @bot.tree.error
    async def on_error(interaction, error) -> None:
        failures.append(error)

    await runner.start(bot, server)
    await bot.tree.sync()
    with pytest.raises(asyncio.TimeoutError):
        await server.run_autocomplete(guild, alice, "many", focused="q", value="", channel=chan, timeout=0.5)
    statuses = [r.status for r in server.requests("POST /interactions/*/*/callback")]
    assert statuses == [400]
