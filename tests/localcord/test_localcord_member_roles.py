"""A member's roles: PUT/DELETE /guilds/{guild}/members/{user}/roles/{role}, Discord's refusals,
where new roles go, and which GUILD_MEMBER_UPDATEs the bot is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from localcord import LocalDiscord
from localcord import permissions as P

MANAGER = P.DEFAULT_BOT | P.MANAGE_ROLES


class Raw:
    """The bot's REST calls, by hand."""

    def __init__(self, server: LocalDiscord, session: aiohttp.ClientSession) -> None:
        self.server, self.session = server, session

    async def role(
        self, method: str, guild: Any, user: Any, role: Any, *, reason: str | None = None
    ) -> tuple[int, Any]:
        url = f"{self.server.api_base}/guilds/{guild}/members/{user}/roles/{role}"
        headers = {"Authorization": f"Bot {self.server.token}"}
        if reason is not None:
            headers["X-Audit-Log-Reason"] = reason
        async with self.session.request(method, url, headers=headers) as resp:
            body = await resp.json() if resp.status != 204 else None
            return resp.status, body


@pytest.fixture
async def raw(server: LocalDiscord) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(server, session)


def role_ids(server: LocalDiscord, guild: Any, member: Any) -> list[int]:
    return list(server.state_member(guild, member).roles)


async def test_add_and_remove_a_role_with_a_reason(server: LocalDiscord, raw: Raw) -> None:
    guild = server.create_guild("Roles", bot_permissions=MANAGER)
    fans = server.create_role(guild, "Fans")
    alice = server.create_member(guild, "alice")

    assert await raw.role("PUT", guild.id, alice.id, fans.id, reason="opted in: release pings") == (204, None)
    assert role_ids(server, guild, alice) == [fans.id]
    assert await raw.role("PUT", guild.id, alice.id, fans.id) == (204, None)  # already there: no change
    assert role_ids(server, guild, alice) == [fans.id]
    assert await raw.role("DELETE", guild.id, alice.id, fans.id, reason="opted out") == (204, None)
    assert role_ids(server, guild, alice) == []
    assert await raw.role("DELETE", guild.id, alice.id, fans.id) == (204, None)

    log = server.audit_log(guild)
    assert [(e["changes"][0]["key"], e["reason"]) for e in log] == [
        ("$add", "opted in: release pings"),
        ("$remove", "opted out"),
    ]
    assert all(e["target_id"] == str(alice.id) and e["user_id"] == str(server.bot_user.id) for e in log)


async def test_unknown_member_role_and_guild(server: LocalDiscord, raw: Raw) -> None:
    guild = server.create_guild("Roles", bot_permissions=MANAGER)
    fans = server.create_role(guild, "Fans")
    alice = server.create_member(guild, "alice")
    stranger = server.create_user("stranger")
    elsewhere = server.create_guild("Elsewhere", with_bot=False)

    status, body = await raw.role("PUT", guild.id, stranger.id, fans.id)
    assert (status, body["code"], body["message"]) == (404, 10007, "Unknown Member")
    status, body = await raw.role("PUT", guild.id, alice.id, 12345)
    assert (status, body["code"], body["message"]) == (404, 10011, "Unknown Role")
    status, body = await raw.role("DELETE", guild.id, alice.id, 12345)
    assert (status, body["code"]) == (404, 10011)
    status, body = await raw.role("PUT", elsewhere.id, alice.id, fans.id)
    assert (status, body["code"]) == (404, 10004)


async def test_what_the_bot_may_not_hand_out(server: LocalDiscord, raw: Raw) -> None:
    guild = server.create_guild("Roles", bot_permissions=MANAGER)
    below = server.create_role(guild, "Below")
    above = server.create_role(guild, "Above")
    server.move_role(guild, above, server.state_role(guild, guild.bot_role_id).position + 1)
    other_bot = server.create_user("otherbot", bot=True)
    integration = server.create_role(guild, "otherbot", bot=other_bot)
    booster = server.create_role(guild, "Server Booster", premium_subscriber=True)
    alice = server.create_member(guild, "alice")
    bot_role = server.state_role(guild, guild.bot_role_id)
    assert below.position < bot_role.position < above.position
    assert (
        integration.managed and booster.managed and booster.to_dict()["tags"] == {"premium_subscriber": None}
    )

    for role in (above, integration, booster, guild.id):  # guild.id is @everyone's id
        status, body = await raw.role("PUT", guild.id, alice.id, getattr(role, "id", role))
        assert (status, body["code"], body["message"]) == (403, 50013, "Missing Permissions"), role
    assert await raw.role("PUT", guild.id, alice.id, below.id) == (204, None)
    server.set_bot_permissions(guild, P.DEFAULT_BOT)  # Manage Roles taken away
    status, body = await raw.role("DELETE", guild.id, alice.id, below.id)
    assert (status, body["code"]) == (403, 50013)
    assert role_ids(server, guild, alice) == [below.id]
    # An administrator bot still may not hand out a role above its own.
    server.set_bot_permissions(guild, P.ADMINISTRATOR)
    status, body = await raw.role("PUT", guild.id, alice.id, above.id)
    assert (status, body["code"]) == (403, 50013)
    # A role at the bot's highest role: the bot's own top role, when it is not its managed one.
    helpers = server.create_role(guild, "Helpers")
    server.move_role(guild, helpers, bot_role.position + 1)
    server.add_role(guild, server.bot_user, helpers)
    status, body = await raw.role("PUT", guild.id, alice.id, helpers.id)
    assert (status, body["code"]) == (403, 50013)
    assert role_ids(server, guild, alice) == [below.id]


async def test_new_roles_go_below_the_bots_and_older_ones_stay_above(server: LocalDiscord) -> None:
    guild = server.create_guild("Order", with_bot=False)
    older = server.create_role(guild, "Older")
    server.add_bot_to_guild(guild, MANAGER)
    newer = server.create_role(guild, "Newer")
    positions = {r.name: r.position for r in server.state_guild(guild).roles.values()}
    assert positions == {"@everyone": 0, "Newer": 1, "Premiere": 2, "Older": 3}
    server.move_role(guild, newer, 3)
    positions = {r.name: r.position for r in server.state_guild(guild).roles.values()}
    assert positions == {"@everyone": 0, "Premiere": 1, "Older": 2, "Newer": 3}
    assert older.position == 2


async def test_through_discord_py_with_only_the_guilds_intent(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Roles", bot_permissions=MANAGER)
    fans = server.create_role(guild, "Fans")
    above = server.create_role(guild, "Above")
    server.move_role(guild, above, 99)
    alice = server.create_member(guild, "alice")
    bot = await runner.start(make_bot(intents=discord.Intents(guilds=True)), server)
    g = bot.get_guild(guild.id)
    assert g.me.top_role.id == guild.bot_role_id and g.get_role(above.id) > g.me.top_role

    member = await g.fetch_member(alice.id)
    await member.add_roles(discord.Object(fans.id), reason="wants pings")
    assert role_ids(server, guild, alice) == [fans.id]
    assert server.audit_log(guild)[-1]["reason"] == "wants pings"
    with pytest.raises(discord.Forbidden) as exc:
        await member.add_roles(discord.Object(above.id))
    assert exc.value.code == 50013
    await member.remove_roles(discord.Object(fans.id))
    assert role_ids(server, guild, alice) == []

    # Without the GUILD_MEMBERS intent the bot hears of no member's update but its own.
    session = server.gateway.shards[0]
    updates = [p["d"] for _, p in session.buffer if p["t"] == "GUILD_MEMBER_UPDATE"]
    assert updates == []
    server.add_role(guild, server.bot_user, fans)
    updates = [p["d"] for _, p in session.buffer if p["t"] == "GUILD_MEMBER_UPDATE"]
    assert [u["user"]["id"] for u in updates] == [str(server.bot_user.id)]
    assert str(fans.id) in updates[0]["roles"]


async def test_with_the_members_intent_every_update_is_sent(server: LocalDiscord, runner, make_bot) -> None:
    guild = server.create_guild("Roles", bot_permissions=MANAGER)
    fans = server.create_role(guild, "Fans")
    alice = server.create_member(guild, "alice")
    intents = discord.Intents(guilds=True, members=True)
    bot = await runner.start(make_bot(intents=intents), server)
    member = await bot.get_guild(guild.id).fetch_member(alice.id)
    await member.add_roles(discord.Object(fans.id))
    server.remove_role(guild, alice, fans)
    session = server.gateway.shards[0]
    updates = [p["d"] for _, p in session.buffer if p["t"] == "GUILD_MEMBER_UPDATE"]
    assert [(u["user"]["id"], u["roles"]) for u in updates] == [
        (str(alice.id), [str(fans.id)]),
        (str(alice.id), []),
    ]
    assert all(u["guild_id"] == str(guild.id) for u in updates)
