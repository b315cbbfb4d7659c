"""Text that is not valid Unicode (a lone UTF-16 surrogate) never takes localcord down.

Discord refuses such text at its API (discord/discord-api-docs#6561), so a bot never
receives it; localcord refuses it where it comes in and never fails to encode what it sends.
"""

from __future__ import annotations

import json

import aiohttp
import discord
import pytest

from localcord import LocalDiscord, wire

LONE = "\ud800"


async def _bot_with_echo(server: LocalDiscord, runner, make_bot):  # noqa: ANN202
    bot = make_bot()

    @bot.tree.command(name="echo", description="Says the text back")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(f"you said {text}")

    @bot.tree.command(name="odd", description="Answers with text that is not valid Unicode")
    async def odd(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("bad " + LONE)
        except discord.HTTPException as e:
            await interaction.response.send_message(f"refused {e.status} {e.code}")

    await runner.start(bot, server)
    await bot.tree.sync()
    return bot


async def test_a_lone_surrogate_option_is_refused_and_the_next_command_answered(
    server: LocalDiscord, runner, make_bot
) -> None:
    guild = server.create_guild("Text")
    chan = server.create_channel(guild, "general")
    alice = server.create_member(guild, "alice")
    await _bot_with_echo(server, runner, make_bot)

    with pytest.raises(ValueError, match="options of /cast: show is not valid Unicode"):
        await server.run_command(guild, alice, "cast", options={"show": LONE}, channel=chan)
    with pytest.raises(ValueError, match="lone UTF-16 surrogate"):
        await server.run_autocomplete(guild, alice, "cast", focused="show", value="x" + LONE)
    with pytest.raises(ValueError, match="post_user_message"):
        server.post_user_message(chan, alice, "hi " + LONE)

    result = await server.run_command(guild, alice, "cast", options={"show": "Kingdom"}, channel=chan)
    assert result.content.startswith("Cast of Kingdom")

    # Out of process, the same call through the RPC answers with an error and the next one works.
    rpc = f"{server.base_url}/_localcord/rpc"
    params = {"guild": guild.id, "member": alice.id, "name": "cast", "channel": chan.id}
    async with aiohttp.ClientSession() as s:
        body = {"method": "run_command", "params": {**params, "options": {"show": LONE}}}
        async with s.post(rpc, data=json.dumps(body), headers={"Content-Type": "application/json"}) as r:
            assert "not valid Unicode" in (await r.json())["error"]
        async with s.post(
            rpc, json={"method": "run_command", "params": {**params, "options": {"show": "ok"}}}
        ) as r:
            assert (await r.json())["result"]["message"]["content"].startswith("Cast of ok")


async def test_a_bot_sending_a_lone_surrogate_gets_400_50109(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Text")
    chan = server.create_channel(guild, "general")
    alice = server.create_member(guild, "alice")
    await _bot_with_echo(server, runner, make_bot)

    result = await server.run_command(guild, alice, "odd", channel=chan)
    assert result.content == "refused 400 50109"

    auth = {"Authorization": f"Bot {server.token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as s:
        for body in (
            '{"content": "a\\ud800b"}',
            '{"content": "x", "embeds": [{"title": "\\udfff"}]}',
            b'{"content": "\xed\xa0\x80"}',  # a surrogate's own UTF-8 bytes, which json.loads lets through
        ):
            async with s.post(f"{server.api_base}/channels/{chan.id}/messages", data=body, headers=auth) as r:
                assert r.status == 400 and (await r.json())["code"] == 50109
        # A surrogate pair is one valid character.
        async with s.post(
            f"{server.api_base}/channels/{chan.id}/messages",
            data='{"content": "\\ud83d\\ude00"}',
            headers=auth,
        ) as r:
            assert r.status == 200 and (await r.json())["content"] == "\U0001f600"
        form = aiohttp.FormData()
        form.add_field("payload_json", '{"content": "\\ud800"}', content_type="application/json")
        form.add_field("files[0]", b"x", filename="x.txt")
        async with s.post(
            f"{server.api_base}/channels/{chan.id}/messages",
            data=form,
            headers={"Authorization": f"Bot {server.token}"},
        ) as r:
            assert r.status == 400 and (await r.json())["code"] == 50109

    answered = await server.run_command(guild, alice, "echo", options={"text": "still here"}, channel=chan)
    assert answered.content == "you said still here"


async def test_a_lone_surrogate_reaching_a_frame_goes_out_replaced(
    server: LocalDiscord, runner, make_bot
) -> None:
    guild = server.create_guild("Text")
    chan = server.create_channel(guild, "general")
    alice = server.create_member(guild, "alice")
    bot = await _bot_with_echo(server, runner, make_bot)

    odd = server.create_channel(guild, "news" + LONE)  # dispatched as CHANNEL_CREATE
    result = await server.run_command(guild, alice, "cast", options={"show": "Kingdom"}, channel=chan)
    assert result.content.startswith("Cast of Kingdom")
    seen = bot.get_channel(odd.id)
    assert seen is not None and seen.name == "news\ufffd"
    # REST answers carry it replaced too, instead of failing with a 500.
    auth = {"Authorization": f"Bot {server.token}"}
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{server.api_base}/channels/{odd.id}", headers=auth) as r:
            assert r.status == 200 and (await r.json())["name"] == "news\ufffd"


async def test_a_gateway_frame_with_a_lone_surrogate_is_closed_4002(server: LocalDiscord) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10
            await ws.send_str(json.dumps({"op": 1, "d": LONE}))
            closed = await ws.receive()
            assert closed.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4002
        async with s.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            assert (await ws.receive_json())["op"] == 10
            await ws.send_str(json.dumps({"op": 1, "d": None}))
            assert (await ws.receive_json())["op"] == 11


def test_wire_text_is_always_encodable() -> None:
    assert wire.well_formed("a\ud800b\ud83d\ude00c\udc00") == "a\ufffdb\U0001f600c\ufffd"
    assert wire.dumps({"k" + LONE: [LONE]}).encode("utf-8") == '{"k\ufffd": ["\ufffd"]}'.encode()
    assert wire.lone_surrogate_path({"a": [1, {"b": "x" + LONE}]}) == ("a", 1, "b")
    assert wire.lone_surrogate_path({"a": ["지금 우리 학교는", "\U0001f600"]}) is None
    may = wire.may_hold_lone_surrogate
    assert may(b'"\\uD800"') and may(b'"\xed\xa0\x80"') and may('"\\udfff"')
    assert not may(b'"\\u00e9"') and not may("é".encode()) and not may("지금")
