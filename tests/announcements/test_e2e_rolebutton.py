"""End to end through localcord: /announce rolebutton posts a button that gives a role and takes it
back, keeps working after the bot restarts, and says exactly what stops it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

import bot.app
from localcord import permissions as P

from .conftest import LocalDiscord, RunningBot

ROLEBUTTON = ["announce", "rolebutton"]
MANAGER = P.DEFAULT_BOT | P.MANAGE_ROLES


@pytest.fixture(autouse=True)
def _with_rolebutton(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot as `python -m bot` builds it, with cogs.rolebutton among its extensions (whether or
    not bot.client lists it yet)."""
    build = bot.app.build_bot

    async def build_with_rolebutton(*args: Any, **kwargs: Any) -> Any:
        built = await build(*args, **kwargs)
        if "cogs.rolebutton" not in built.initial_extensions:
            built.initial_extensions = (*built.initial_extensions, "cogs.rolebutton")
        return built

    monkeypatch.setattr(bot.app, "build_bot", build_with_rolebutton)


class Server:
    """A server with the bot (Manage Roles unless told), a channel, a role for pings, an admin and a fan."""

    def __init__(self, lc: LocalDiscord, *, bot_permissions: int = MANAGER) -> None:
        self.lc = lc
        self.guild = lc.create_guild("Fans", bot_permissions=bot_permissions)
        self.chan = lc.create_channel(self.guild, "releases")
        self.role = lc.create_role(self.guild, "Release Pings", mentionable=True)  # below the bot's role
        self.admin = lc.create_member(self.guild, "admin", permissions=P.MANAGE_GUILD)
        self.fan = lc.create_member(self.guild, "fan")

    async def post(self, role: Any = None, **options: Any) -> Any:
        options = {"channel": self.chan, "role": role if role is not None else self.role, **options}
        return await self.lc.run_command(self.guild, self.admin, ROLEBUTTON, options=options)

    def button(self) -> dict[str, Any]:
        posts = self.lc.messages(self.chan)
        assert len(posts) == 1, posts
        return posts[-1]

    async def press(self, message: dict[str, Any] | None = None, who: Any = None) -> Any:
        message = message or self.button()
        custom_id = message["components"][0]["components"][0]["custom_id"]
        return await self.lc.click_button(message, custom_id, who or self.fan)

    def fan_roles(self) -> list[int]:
        return list(self.lc.state_member(self.guild, self.fan).roles)


@pytest.fixture
async def server(lc: LocalDiscord) -> AsyncIterator[Server]:
    yield Server(lc)


async def test_a_button_gives_the_role_takes_it_back_and_survives_a_restart(
    lc: LocalDiscord, running: RunningBot, server: Server
) -> None:
    await running.start()
    posted = await server.post(label="Notify me")
    role = server.role.mention
    assert posted.ephemeral and posted.content.startswith(f"Posted the button in <#{server.chan.id}>"), (
        posted.content
    )
    assert "⚠️" not in posted.content  # a mentionable role: nothing to add
    message = server.button()
    button = message["components"][0]["components"][0]
    assert button["custom_id"] == f"premiere:role:{server.role.id}" and button["label"] == "Notify me"
    assert role in message["embeds"][0]["description"] and message["mention_roles"] == []

    given = await server.press()
    assert given.ephemeral and given.content == f"You now have {role}: you'll be pinged for releases."
    assert server.fan_roles() == [server.role.id]
    assert lc.audit_log(server.guild)[-1]["reason"] == "Premiere role button: opted in"

    # A new bot process on the same database and Discord: the button still works.
    await running.close()
    again = RunningBot(lc, running.store, running.clock, running.settings)
    try:
        await again.start()
        taken = await server.press()
        assert taken.ephemeral and taken.content == f"Removed {role}."
        assert server.fan_roles() == []
        given = await server.press()
        assert given.content == f"You now have {role}: you'll be pinged for releases."
        assert server.fan_roles() == [server.role.id]
    finally:
        await again.close()


async def test_each_refusal_names_what_is_missing_and_posts_nothing(
    lc: LocalDiscord, running: RunningBot
) -> None:
    plain = Server(lc, bot_permissions=P.DEFAULT_BOT)  # no Manage Roles
    good = Server(lc)
    bot_role = lc.state_role(good.guild, good.guild.bot_role_id)
    above = lc.create_role(good.guild, "Mods")
    lc.move_role(good.guild, above, bot_role.position + 1)
    other_bot = lc.create_user("otherbot", bot=True)
    integration = lc.create_role(good.guild, "otherbot", bot=other_bot)
    booster = lc.create_role(good.guild, "Server Booster", premium_subscriber=True)
    everyone = lc.state_role(good.guild, good.guild.id)
    elsewhere = Server(lc)
    await running.start()

    answer = await plain.post()
    assert answer.ephemeral and answer.content == (
        "I'm missing **Manage Roles** in this server: grant it to my role in Server Settings → Roles, "
        "then run this again."
    )
    answer = await good.post(above)
    assert answer.content == (
        f"{above.mention} is at or above my highest role ({bot_role.mention}), so I can't hand it out: "
        f"move my role above {above.mention} in Server Settings → Roles, then run this again."
    )
    for managed in (integration, booster):
        answer = await good.post(managed)
        assert answer.content.startswith(f"{managed.mention} is managed by an integration"), answer.content
    answer = await good.post(everyone)
    assert answer.content == (
        "@everyone can't be handed out: everyone has it already. Pick a role made for release pings."
    )
    lc.take_permission(good.guild, good.chan, "bot", P.EMBED_LINKS)
    answer = await good.post()
    assert answer.content.startswith(f"I can't post in <#{good.chan.id}>: I'm missing **Embed Links** there.")
    lc.take_permission(good.guild, good.chan, "bot", P.VIEW_CHANNEL)
    answer = await good.post()
    assert "I'm missing **View Channel, Send Messages, Embed Links** there" in answer.content, answer.content
    answer = await good.post(channel=elsewhere.chan)
    assert answer.content == "That channel is not in this server: pick one of this server's channels."
    voice = lc.create_channel(good.guild, "Lounge", type=2)
    answer = await good.post(channel=voice)
    assert answer.content == f"<#{voice.id}> is not a text or announcement channel: pick one of those."
    answer = await good.post(channel=elsewhere.chan)
    assert answer.content == "That channel is not in this server: pick one of this server's channels."
    for label, said in (
        ("x" * 200, "The button's **label** is too long: at most 80 characters, not 200."),
        ("", "The button's **label** is empty"),
        ("   ", "The button's **label** is empty"),
        ("\u200b\u200b", "The button's **label** is empty"),
    ):
        answer = await elsewhere.post(label=label)
        assert answer.ephemeral and answer.content.startswith(said), (label, answer.content)
    answer = await lc.run_command(
        good.guild, good.fan, ROLEBUTTON, options={"channel": good.chan, "role": good.role}
    )
    assert answer.content == "You need the **Manage Server** permission to use this command."

    for s in (plain, good, elsewhere):
        assert lc.messages(s.chan) == [] and s.fan_roles() == []

    quiet = lc.create_role(elsewhere.guild, "Quiet")  # not mentionable: posted, with a word about it
    answer = await elsewhere.post(quiet)
    assert answer.content.endswith(
        f"⚠️ {quiet.mention} is not mentionable: make it mentionable (Server Settings → Roles), "
        "or its members won't be notified."
    ), answer.content
    assert len(lc.messages(elsewhere.chan)) == 1


async def test_a_press_checks_again_and_a_refusal_from_discord_is_answered(
    lc: LocalDiscord, running: RunningBot, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    await running.start()
    await server.post()
    message = server.button()
    role = server.role.mention

    lc.set_bot_permissions(server.guild, P.DEFAULT_BOT)
    answer = await server.press(message)
    assert answer.ephemeral and answer.content == (
        f"I can't hand out {role} any more: I'm missing **Manage Roles**. Ask an admin to grant it to me."
    )
    lc.set_bot_permissions(server.guild, MANAGER)
    lc.move_role(server.guild, server.role, 99)
    answer = await server.press(message)
    assert answer.content == (
        f"I can't hand out {role} any more: it is at or above my highest role. Ask an admin to move "
        f"my role above {role} in Server Settings → Roles."
    )
    lc.move_role(server.guild, server.role, 1)
    assert server.fan_roles() == []

    # Discord refuses though the bot's view of the server said yes: a friendly answer, no crash.
    lc.state_role(server.guild, server.role).managed = True  # changed without telling the bot
    answer = await server.press(message)
    assert answer.content == (
        "Discord didn't let me change your roles. Ask an admin to check that my role has "
        f"**Manage Roles** and sits above {role} in Server Settings → Roles."
    )
    lc.state_role(server.guild, server.role).managed = False
    lc.inject_5xx("PUT /guilds/*/members/*/roles/*", status=503)
    with caplog.at_level(logging.ERROR, logger="cogs.rolebutton"):
        answer = await server.press(message)
    assert answer.content == "Discord didn't take the change just now; try again in a moment."
    assert any(r.exc_info for r in caplog.records if r.name == "cogs.rolebutton")  # logged with its traceback
    assert server.fan_roles() == []
    answer = await server.press(message)
    assert answer.content == f"You now have {role}: you'll be pinged for releases."

    lc.delete_role(server.guild, server.role)
    answer = await server.press(message)
    assert answer.content == "That role no longer exists; ask an admin to post a new button."


async def test_a_role_button_outside_its_server_does_nothing(lc: LocalDiscord, running: RunningBot) -> None:
    fan = lc.create_user("fan")
    await running.start()
    # No role button is ever posted in a DM; if one were pressed there, it is refused.
    stray = lc.post_user_message(
        lc.core.setup.dm_channel(fan),
        fan,
        "",
        components=[
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "premiere:role:1"}]}
        ],
    )
    answer = await lc.click_button(stray, "premiere:role:1", fan)
    assert answer.ephemeral and answer.content == "This button works only in the server it was posted in."
