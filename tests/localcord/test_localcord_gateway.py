"""Gateway behaviour: RESUME after a cut, INVALID_SESSION, RECONNECT, shards, raw framing."""

from __future__ import annotations

import asyncio
import json
import zlib

import aiohttp

from localcord import LocalDiscord


async def test_cut_gateway_resumes_and_replays(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "releases")
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(), server)
    await bot.tree.sync()
    first = await server.run_command(guild, alice, "cast", options={"show": "Kingdom"}, channel=chan)
    assert first.type == 4

    await server.cut_gateway()
    late = server.create_channel(guild, "created-while-down")  # buffered, replayed on RESUME
    await server.wait_for_resume(1, timeout=10)
    result = await server.run_command(guild, alice, "cast", options={"show": "Sweet Home"}, channel=chan)
    assert result.message["content"].startswith("Cast of Sweet Home")
    for _ in range(100):
        if bot.get_channel(late.id) is not None and "resumed" in bot.events:
            break
        await asyncio.sleep(0.01)
    assert bot.get_channel(late.id) is not None
    assert "resumed" in bot.events
    assert server.identify_count == 1


async def test_reconnect_opcode_resumes(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "c")
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(), server)
    await bot.tree.sync()
    server.send_reconnect()
    await server.wait_for_resume(1, timeout=10)
    assert (await server.run_command(guild, alice, "cast", options={"show": "x"}, channel=chan)).type == 4
    assert server.identify_count == 1


async def test_invalid_session_reidentifies(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("G")
    chan = server.create_channel(guild, "c")
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(), server)
    await bot.tree.sync()
    server.invalidate_session()
    for _ in range(500):
        if server.identify_count == 2:
            break
        await asyncio.sleep(0.01)
    assert server.identify_count == 2
    await server.wait_for_bot_ready(10)
    assert (await server.run_command(guild, alice, "cast", options={"show": "x"}, channel=chan)).type == 4


async def test_two_shards_route_guilds(discord_routes, runner, make_bot) -> None:
    server = LocalDiscord(limits=True, shards=2)
    await server.start()
    discord_routes(server)
    try:
        g0 = server.create_guild("even", shard=0)
        g1 = server.create_guild("odd", shard=1)
        assert (g0.id >> 22) % 2 == 0 and (g1.id >> 22) % 2 == 1
        c0 = server.create_channel(g0, "c")
        c1 = server.create_channel(g1, "c")
        a0 = server.create_member(g0, "alice")
        a1 = server.create_member(g1, "bob")
        bot = await runner.start(make_bot(), server)
        assert bot.shard_count == 2
        assert set(server.gateway.shards) == {0, 1}
        await bot.tree.sync()
        r0 = await server.run_command(g0, a0, "cast", options={"show": "a"}, channel=c0)
        r1 = await server.run_command(g1, a1, "cast", options={"show": "b"}, channel=c1)
        assert r0.message["content"].endswith("(shard 0)")
        assert r1.message["content"].endswith("(shard 1)")
        creates = {gid: shard for shard, ev, gid in server.dispatch_log if ev == "GUILD_CREATE"}
        assert creates == {str(g0.id): 0, str(g1.id): 1}
        inter_shards = [shard for shard, ev, _ in server.dispatch_log if ev == "INTERACTION_CREATE"]
        assert inter_shards == [0, 1]
        # cutting one shard only resumes that shard
        await server.cut_gateway(shard=1)
        await server.wait_for_resume(1)
        assert (await server.run_command(g1, a1, "cast", options={"show": "c"}, channel=c1)).type == 4
    finally:
        await runner.close()
        await server.stop()


async def _recv_json(ws: aiohttp.ClientWebSocketResponse, inflator=None, buffer=None) -> dict:
    msg = await asyncio.wait_for(ws.receive(), 5)
    if msg.type == aiohttp.WSMsgType.TEXT:
        return json.loads(msg.data)
    assert msg.type == aiohttp.WSMsgType.BINARY, msg
    assert msg.data.endswith(b"\x00\x00\xff\xff")
    return json.loads(inflator.decompress(msg.data))


async def test_raw_gateway_plain_json_and_zlib(server: LocalDiscord) -> None:
    server.create_guild("G")
    async with aiohttp.ClientSession() as session:
        # plain JSON text frames when compress is absent
        async with session.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            hello = await _recv_json(ws)
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == server.heartbeat_interval
            await ws.send_str(json.dumps({"op": 1, "d": None}))
            assert (await _recv_json(ws))["op"] == 11
            await ws.send_str(
                json.dumps({"op": 2, "d": {"token": server.token, "intents": 513, "properties": {}}})
            )
            ready = await _recv_json(ws)
            assert ready["t"] == "READY" and ready["s"] == 1
            gc = await _recv_json(ws)
            assert gc["t"] == "GUILD_CREATE" and gc["s"] == 2
        # zlib-stream: one shared inflater across binary frames
        async with session.ws_connect(server.gateway_url + "?v=10&encoding=json&compress=zlib-stream") as ws:
            inflator = zlib.decompressobj()
            assert (await _recv_json(ws, inflator))["op"] == 10
            await ws.send_str(
                json.dumps(
                    {"op": 2, "d": {"token": server.token, "intents": 513, "properties": {}, "shard": [0, 1]}}
                )
            )
            assert (await _recv_json(ws, inflator))["t"] == "READY"
            assert (await _recv_json(ws, inflator))["t"] == "GUILD_CREATE"
        # wrong token -> 4004
        async with session.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            await _recv_json(ws)
            await ws.send_str(json.dumps({"op": 2, "d": {"token": "nope", "intents": 1, "properties": {}}}))
            msg = await asyncio.wait_for(ws.receive(), 5)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4004
        # zstd-stream without the zstandard module -> closed with an error
        try:
            import zstandard  # noqa: F401
        except ImportError:
            async with session.ws_connect(
                server.gateway_url + "?v=10&encoding=json&compress=zstd-stream"
            ) as ws:
                msg = await asyncio.wait_for(ws.receive(), 5)
                assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4000
        # RESUME with an unknown session -> INVALID_SESSION false
        async with session.ws_connect(server.gateway_url + "?v=10&encoding=json") as ws:
            await _recv_json(ws)
            await ws.send_str(
                json.dumps({"op": 6, "d": {"token": server.token, "session_id": "nope", "seq": 3}})
            )
            assert await _recv_json(ws) == {"op": 9, "d": False, "s": None, "t": None}


async def test_rest_basics_content_type_and_errors(server: LocalDiscord) -> None:
    auth = {"Authorization": f"Bot {server.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(server.api_base + "/users/@me", headers=auth) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "application/json"
            assert (await r.json())["id"] == str(server.bot_user.id)
        async with session.get(server.api_base + "/gateway/bot", headers=auth) as r:
            body = await r.json()
            assert body["url"] == server.gateway_url and body["shards"] == 1
            assert r.headers["X-RateLimit-Limit"] and r.headers["X-RateLimit-Bucket"]
        async with session.get(server.api_base + "/no/such/route", headers=auth) as r:
            assert r.status == 404
            assert r.headers["Content-Type"] == "application/json"
            assert await r.json() == {"message": "404: Not Found", "code": 0}
        async with session.get(server.api_base + "/users/@me") as r:
            assert r.status == 401
        async with session.get(server.api_base + "/channels/1", headers=auth) as r:
            assert (await r.json()) == {"message": "Unknown Channel", "code": 10003}
    assert ("GET", "/no/such/route", 404) in server.request_log


async def test_global_rate_limit(discord_routes) -> None:
    server = LocalDiscord(limits=True)
    server.limiter.global_limit = 10
    await server.start()
    try:
        auth = {"Authorization": f"Bot {server.token}"}
        async with aiohttp.ClientSession() as session:
            statuses = []
            for _ in range(12):
                async with session.get(server.api_base + "/users/@me", headers=auth) as r:
                    statuses.append(r.status)
                    if r.status == 429:
                        body = await r.json()
                        assert body["global"] is True and body["retry_after"] > 0
                        assert r.headers["X-RateLimit-Global"] == "true"
                        assert r.headers["X-RateLimit-Scope"] == "global"
                        assert r.headers["Via"]
        assert statuses.count(429) >= 1
    finally:
        await server.stop()
