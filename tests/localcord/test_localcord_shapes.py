"""Payload shapes checked against discord.py's typed dicts, plus unit tests of the model."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import discord

from localcord import LocalDiscord
from localcord import permissions as P
from localcord import validation as V
from localcord.state import Snowflakes

# discord.types modules import each other in a cycle that only type checkers resolve, so
# the TypedDicts are read from their source: required keys of a class, following bases.
_TYPES_DIR = Path(discord.__file__).parent / "types"
_parsed: dict = {}


def _module(name: str) -> tuple[dict, dict]:
    if name not in _parsed:
        tree = ast.parse((_TYPES_DIR / f"{name}.py").read_text())
        classes, imports = {}, {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes[node.name] = node
            elif isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                for alias in node.names:
                    imports[alias.asname or alias.name] = node.module
        _parsed[name] = (classes, imports)
    return _parsed[name]


def required_keys(module: str, cls: str) -> set:
    classes, imports = _module(module)
    if cls not in classes:
        return required_keys(imports[cls], cls) if cls in imports else set()
    node = classes[cls]
    total = not any(
        k.arg == "total" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in node.keywords
    )
    keys: set = set()
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id not in ("TypedDict", "Generic"):
            keys |= required_keys(module, base.id)
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            ann = ast.unparse(stmt.annotation)
            if ann.startswith("Required["):
                keys.add(stmt.target.id)
            elif total and not ann.startswith("NotRequired["):
                keys.add(stmt.target.id)
    return keys


def missing(typed_dict: str, payload: dict) -> set:
    module, cls = typed_dict.rsplit(".", 1)
    keys = required_keys(module, cls)
    assert keys, typed_dict
    return keys - set(payload)


async def test_payloads_have_required_keys(server: LocalDiscord) -> None:
    guild = server.create_guild("Shapes")
    chan = server.create_channel(guild, "c")
    news = server.create_channel(guild, "n", type=5)
    role = server.create_role(guild, "r")
    alice = server.create_member(guild, "alice", roles=[role])
    # a session to route interactions into (no client needed to build payloads)
    g_dict = guild.to_dict(full=True)
    assert not missing("guild.Guild", g_dict)
    assert not missing("channel.TextChannel", chan.to_dict())
    assert not missing("channel.NewsChannel", news.to_dict())
    assert not missing("role.Role", role.to_dict())
    assert not missing("member.MemberWithUser", alice.to_dict())
    assert not missing("user.User", alice.user.to_dict())

    core = server.core
    msg, _ = core.messages.post(chan, {"content": f"hi {alice.mention}"}, [])
    assert not missing("message.Message", msg)
    assert msg["mentions"][0]["id"] == str(alice.id) and "member" in msg["mentions"][0]

    cmds = core.commands.replace(
        None,
        [
            {
                "name": "cast",
                "description": "d",
                "type": 1,
                "options": [{"name": "show", "description": "s", "type": 3, "required": True}],
            }
        ],
    )
    assert not missing("command._ChatInputApplicationCommand", cmds[0])
    data = core.commands.call_data(guild, alice.user, "cast", {"show": "Kingdom"})
    inter = core.invocations.build(2, guild, chan, alice.user, data)
    assert not missing("interactions.ApplicationCommandInteraction", inter.payload)
    assert inter.payload["data"]["options"] == [{"name": "show", "type": 3, "value": "Kingdom"}]
    assert inter.payload["member"]["permissions"]

    thread = core.setup.open_thread(chan, "t", 11, thread_id=int(msg["id"]))
    assert not missing("threads.Thread", thread.to_dict())
    ev = core.setup.create_scheduled_event(
        guild,
        {
            "name": "e",
            "scheduled_start_time": "2030-01-01T00:00:00+00:00",
            "entity_type": 3,
            "privacy_level": 2,
            "entity_metadata": {"location": "x"},
            "scheduled_end_time": "2030-01-01T01:00:00+00:00",
        },
    )
    assert not missing("scheduled_event.ExternalScheduledEvent", ev.to_dict())

    body = core.interactions.respond(inter, {"type": 4, "data": {"content": "ok"}}, [])
    assert not missing("interactions.InteractionCallback", body)
    assert not missing("interactions.InteractionCallbackResponse", body["interaction"])
    assert not missing("message.Message", body["resource"]["message"])


async def test_ready_event_shape(server: LocalDiscord, runner, make_bot) -> None:
    server.create_guild("G")
    await runner.start(make_bot(), server)
    session = server.gateway.shards[0]
    ready = next(p["d"] for _, p in session.buffer if p["t"] == "READY")
    assert not missing("gateway.ReadyEvent", ready)
    assert ready["resume_gateway_url"] == server.gateway_url
    assert ready["shard"] == [0, 1]
    assert ready["application"] == {"id": str(server.application_id), "flags": server.application_flags}
    gc = next(p["d"] for _, p in session.buffer if p["t"] == "GUILD_CREATE")
    assert str(server.bot_user.id) in {m["user"]["id"] for m in gc["members"]}


def test_permission_computation() -> None:
    srv = LocalDiscord()
    guild = srv.create_guild("P", everyone_permissions=P.VIEW_CHANNEL | P.SEND_MESSAGES)
    chan = srv.create_channel(guild, "c")
    mods = srv.create_role(guild, "mods", permissions=P.MANAGE_MESSAGES)
    admin_role = srv.create_role(guild, "admin", permissions=P.ADMINISTRATOR)
    bob = srv.create_member(guild, "bob", roles=[mods])
    carol = srv.create_member(guild, "carol", roles=[admin_role])
    owner = guild.members[guild.owner_id]
    assert srv.permissions_for(bob, chan) & P.MANAGE_MESSAGES
    # role deny beats @everyone allow, member allow beats role deny
    srv.set_channel_overwrite(chan, mods, deny=P.SEND_MESSAGES)
    assert not srv.permissions_for(bob, chan) & P.SEND_MESSAGES
    srv.set_channel_overwrite(chan, bob, allow=P.SEND_MESSAGES)
    assert srv.permissions_for(bob, chan) & P.SEND_MESSAGES
    # no VIEW_CHANNEL -> nothing
    srv.set_channel_overwrite(chan, "everyone", deny=P.VIEW_CHANNEL)
    srv.set_channel_overwrite(chan, bob, deny=P.VIEW_CHANNEL)
    assert srv.permissions_for(bob, chan) == 0
    # admin and owner bypass overwrites
    srv.set_channel_overwrite(chan, carol, deny=P.VIEW_CHANNEL)
    assert srv.permissions_for(carol, chan) == P.ALL
    assert srv.permissions_for(owner, chan) == P.ALL
    # without SEND_MESSAGES, EMBED_LINKS and MENTION_EVERYONE are lost
    c2 = srv.create_channel(guild, "c2")
    srv.set_bot_permissions(guild, P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.MENTION_EVERYONE)
    srv.take_permission(guild, c2, "everyone", P.SEND_MESSAGES)
    srv.take_permission(guild, c2, "bot", P.SEND_MESSAGES)
    perms = srv.bot_permissions_in(c2)
    assert perms & P.VIEW_CHANNEL and not perms & (P.SEND_MESSAGES | P.EMBED_LINKS | P.MENTION_EVERYONE)
    assert P.to_int(["SEND_MESSAGES", "view_channel"]) == P.SEND_MESSAGES | P.VIEW_CHANNEL


def test_validation_rules() -> None:
    assert V.valid_command_name("cast") and V.valid_command_name("지금") and V.valid_command_name("a-b_c")
    assert V.valid_command_name("हिन्दी") and V.valid_command_name("ไทย")
    assert (
        not V.valid_command_name("Cast")
        and not V.valid_command_name("two words")
        and not V.valid_command_name("x" * 33)
    )
    assert not V.valid_command_name("")
    e = V.validate_message(
        {
            "content": "x" * 2001,
            "embeds": [{"title": "t" * 257, "fields": [{"name": "n", "value": "v" * 1025}]}],
        }
    )
    r = e.render()
    assert r["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert "title" in r["embeds"]["0"] and "value" in r["embeds"]["0"]["fields"]["0"]
    assert V.validate_autocomplete({"choices": [{"name": "", "value": "x"}]}).render()["data"]["choices"][
        "0"
    ]["name"]
    assert V.validate_autocomplete({"choices": [{"name": "a", "value": "a"}] * 26})
    assert V.validate_message({"allowed_mentions": {"parse": ["users"], "users": ["1"]}})
    assert not V.validate_message({"content": "ok", "embeds": [{"title": "t", "footer": {"text": "f"}}]})


def test_snowflakes_are_increasing_and_spread_for_shards() -> None:
    s = Snowflakes()
    ids = [s.next() for _ in range(10000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    spread = [s.next(distinct_ms=True) for _ in range(4)]
    assert len({(i >> 22) % 2 for i in spread}) == 2


async def test_ten_thousand_posts_all_land() -> None:
    """10,000 posts over HTTP and 10,000 in-process all land (how fast: bench/, not a test)."""
    server = LocalDiscord(limits=True)
    server.set_limits(global_limit=False)  # 10,000 requests would take 200 s at Discord's 50/s
    await server.start()
    try:
        guilds = [server.create_guild(f"g{i}") for i in range(20)]
        channels = [server.create_channel(g, f"c{j}") for g in guilds for j in range(500)]
        auth = {"Authorization": f"Bot {server.token}", "Content-Type": "application/json"}
        body = b'{"content": "New episode of All of Us Are Dead is out", "allowed_mentions": {"parse": []}}'
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def post(ch) -> int:
                async with session.post(
                    f"{server.api_base}/channels/{ch.id}/messages", data=body, headers=auth
                ) as r:
                    await r.read()
                    return r.status

            sem = asyncio.Semaphore(64)

            async def bounded(ch) -> int:
                async with sem:
                    return await post(ch)

            async with asyncio.timeout(120):  # a deadline, not a measure
                statuses = await asyncio.gather(*(bounded(ch) for ch in channels))
        assert statuses.count(200) == 10000
        assert sum(len(server.messages(c)) for c in channels) == 10000
        for ch in channels:  # the in-process path (no HTTP)
            server.core.messages.post(ch, {"content": "again"}, [])
        assert sum(len(server.messages(c)) for c in channels) == 20000
    finally:
        await server.stop()


def test_subprocess_mode(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "localcord", "--port", "0", "--seed", "Demo", "--token", "tok"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        env=env,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v10")

        async def drive() -> None:
            async with aiohttp.ClientSession() as s:
                async with s.get(url + "/gateway/bot", headers={"Authorization": "Bot tok"}) as r:
                    assert r.status == 200 and (await r.json())["url"].startswith("ws://127.0.0.1:")
                base = url[: -len("/api/v10")]
                async with s.post(base + "/_localcord/rpc", json={"method": "info"}) as r:
                    info = (await r.json())["result"]
                    assert info["token"] == "tok"
                async with s.post(
                    base + "/_localcord/rpc", json={"method": "create_guild", "params": {"name": "X"}}
                ) as r:
                    gid = (await r.json())["result"]["id"]
                async with s.post(
                    base + "/_localcord/rpc",
                    json={"method": "create_channel", "params": {"guild": int(gid), "name": "releases"}},
                ) as r:
                    cid = (await r.json())["result"]["id"]
                async with s.post(
                    url + f"/channels/{cid}/messages",
                    json={"content": "hi"},
                    headers={"Authorization": "Bot tok"},
                ) as r:
                    assert r.status == 200
                async with s.post(
                    base + "/_localcord/rpc", json={"method": "messages", "params": {"channel": int(cid)}}
                ) as r:
                    assert [m["content"] for m in (await r.json())["result"]] == ["hi"]

        asyncio.run(drive())
    finally:
        proc.terminate()
        proc.wait(5)
