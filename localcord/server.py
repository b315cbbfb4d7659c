"""``LocalDiscord``: the server object and its test API.

Run it inside the test's event loop::

    server = LocalDiscord(limits=True)
    await server.start()
    guild = server.create_guild("Zombie Fans")
    chan = server.create_channel(guild, "releases")
    ...  # point discord.py at server.api_base / server.gateway_url
    await server.wait_for_bot_ready()
    result = await server.run_command(guild, member, "cast", options={"show": "Kingdom"}, channel=chan)
    await server.stop()

Every function that takes a guild, channel, role, member or user also accepts its
integer id, which is what the JSON control endpoint (``POST /_localcord/rpc``) uses
when the server runs as a separate process.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from aiohttp import web

from . import permissions as P
from . import state as S
from . import validation as V
from . import wire
from .gateway import (
    INTENT_DM_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MEMBERS,
    INTENT_MESSAGE_CONTENT,
    INTENT_SCHEDULED_EVENTS,
    PRIVILEGED,
    Gateway,
    Session,
)
from .ratelimit import Injection, RateLimiter
from .rest import PREFIX, APIError, RestAPI

__all__ = ["LocalDiscord", "Limits", "InteractionResult", "InteractionTimeout", "RequestRecord"]

_USER_RE = re.compile(r"<@!?(\d{1,21})>")
_ROLE_RE = re.compile(r"<@&(\d{1,21})>")

EPHEMERAL = 1 << 6
LOADING = 1 << 7
_KEEP_FLAGS = (1 << 2) | (1 << 6) | (1 << 12) | (1 << 15)  # suppress embeds, ephemeral, silent, components v2

Ref = int | str | Any


class RequestRecord(NamedTuple):
    method: str
    path: str
    status: int


class InteractionTimeout(asyncio.TimeoutError):
    """The bot did not answer an interaction in time."""


@dataclass
class Limits:
    """Which of Discord's limits and errors are enforced."""

    rate_limits: bool = True  # per-route buckets
    global_limit: bool = True  # 50 requests/s
    permissions: bool = True  # 403 50013 / 50001
    validation: bool = True  # 400 50035
    interaction_deadline: bool = True  # 404 10062 after interaction_timeout

    @classmethod
    def all(cls, on: bool) -> Limits:
        return cls(*(on for _ in fields(cls)))


class InteractionResult:
    """What the bot did with an interaction. Message properties read the live state."""

    def __init__(self, server: LocalDiscord, inter: S.Interaction) -> None:
        self._server = server
        self._inter = inter
        self.id = inter.id
        self.token = inter.token
        self.payload = inter.payload

    @property
    def type(self) -> int | None:
        """The callback type (4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal)."""
        return self._inter.response_type

    @property
    def data(self) -> dict[str, Any]:
        return self._inter.response_data or {}

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    @property
    def ephemeral(self) -> bool:
        return self._inter.ephemeral

    @property
    def message(self) -> dict[str, Any] | None:
        """The original response (or, for components, the message the component is on)."""
        mid = self._inter.original_message_id
        return None if mid is None else self._server._interaction_message(self._inter, mid)

    @property
    def followups(self) -> list[dict[str, Any]]:
        out = []
        for mid in self._inter.followup_ids:
            msg = self._server._interaction_message(self._inter, mid)
            if msg is not None:
                out.append(msg)
        return out

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The original response followed by every follow-up (without duplicates)."""
        out: list[dict[str, Any]] = []
        seen = set()
        first = self.message
        if first is not None and self.type not in (6, 7):
            out.append(first)
            seen.add(first["id"])
        for m in self.followups:
            if m["id"] not in seen:
                out.append(m)
                seen.add(m["id"])
        return out

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.data if self.type == 9 else None

    @property
    def content(self) -> str:
        """Text of the first visible message of the response (original or follow-up)."""
        for m in self.messages:
            return m.get("content", "")
        return ""

    async def wait_for_followups(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while len(self._inter.followup_ids) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InteractionTimeout(f"expected {count} follow-ups, got {len(self._inter.followup_ids)}")
            ev = self._server._followup_event(self._inter)
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except TimeoutError:
                pass
            ev.clear()
        return self.followups

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "data": self.data,
            "ephemeral": self.ephemeral,
            "message": self.message,
            "followups": self.followups,
        }

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} type={self.type} content={self.content[:40]!r}>"


class LocalDiscord:
    def __init__(
        self,
        *,
        limits: bool | Limits = True,
        shards: int = 1,
        token: str | None = None,
        bot_name: str = "Premiere",
        bot_permissions: Any = P.DEFAULT_BOT,
        interaction_timeout: float = 3.0,
        token_lifetime: float = 900.0,
        heartbeat_interval: int = 41250,
        host: str = "127.0.0.1",
        port: int = 0,
        privileged_intents: bool = True,
        nonce_window: float = 300.0,
        dispatch_message_events: bool = True,
    ) -> None:
        self.limits = limits if isinstance(limits, Limits) else Limits.all(bool(limits))
        self.shard_count = shards
        self.token = token or f"localcord.{secrets.token_urlsafe(24)}"
        self.default_bot_permissions = P.to_int(bot_permissions)
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = token_lifetime
        self.heartbeat_interval = heartbeat_interval
        self.host = host
        self.port = port
        self.privileged_intents = PRIVILEGED if privileged_intents else 0
        self.nonce_window = nonce_window
        self.dispatch_message_events = dispatch_message_events

        self.snowflakes = S.Snowflakes()
        self._users: dict[int, S.User] = {}
        self._guilds: dict[int, S.Guild] = {}
        self._channels: dict[int, S.Channel] = {}
        self._dms: dict[int, S.Channel] = {}
        self._global_commands: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._interactions: dict[int, S.Interaction] = {}
        self._interactions_by_token: dict[str, S.Interaction] = {}
        self._followup_events: dict[int, asyncio.Event] = {}
        self._nonces: OrderedDict[tuple[int, int, str], tuple[int, float]] = OrderedDict()
        self._waiters: dict[int, list[tuple[int, asyncio.Future]]] = {}
        self._crossposted: list[dict[str, Any]] = []
        self._late_callbacks = 0
        self.request_log: list[RequestRecord] = []
        self.dispatch_log: list[tuple[int, str, str | None]] = []

        self.bot_user = self.create_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.application_flags = (1 << 19) | (
            1 << 23
        )  # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT
        self.owner_user = self.create_user("app-owner")

        self.limiter = RateLimiter()
        self.gateway = Gateway(self)
        self.rest = RestAPI(self)
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> LocalDiscord:
        app = self.rest.build_app()
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.base_url + PREFIX

    @property
    def gateway_url(self) -> str:
        """Websocket URL (also the right value for ``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        return f"ws://{self.host}:{self.port}/gateway-ws/"

    # ------------------------------------------------------------------ settings

    def set_limits(self, **flags: bool) -> Limits:
        for key, value in flags.items():
            if not hasattr(self.limits, key):
                raise TypeError(f"unknown limit {key!r}")
            setattr(self.limits, key, bool(value))
        return self.limits

    def set_rate_limit(self, route_pattern: str, limit: int, per: float) -> None:
        """Overrides a per-route bucket, e.g. ``set_rate_limit("POST /channels/*/messages", 5, 5)``."""
        self.limiter.set_rule(route_pattern, limit, per)

    def reset_rate_limits(self) -> None:
        self.limiter.reset()

    def inject_429(
        self,
        route_pattern: str,
        count: int = 1,
        retry_after: float = 0.1,
        *,
        global_: bool = False,
        via: bool = True,
    ) -> Injection:
        """The next ``count`` requests matching ``route_pattern`` answer 429 with ``retry_after``."""
        return self.limiter.inject(Injection(route_pattern, count, 429, retry_after, global_, via))

    def inject_5xx(self, route_pattern: str, count: int = 1, status: int = 500) -> Injection:
        return self.limiter.inject(Injection(route_pattern, count, status))

    def requests(self, pattern: str | None = None, *, status: int | None = None) -> list[RequestRecord]:
        """``request_log`` filtered by a route pattern (``"POST /channels/*/messages"``) and/or status."""
        out = self.request_log
        if pattern is not None:
            from .ratelimit import compile_pattern

            method, regex = compile_pattern(pattern)
            out = [r for r in out if (method is None or r.method == method) and regex.match(r.path)]
        if status is not None:
            out = [r for r in out if r.status == status]
        return list(out)

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def late_callbacks(self) -> int:
        """Interaction callbacks that arrived after the deadline (answered 10062)."""
        return self._late_callbacks

    # ------------------------------------------------------------ object lookup

    def _id(self, ref: Ref) -> int:
        if isinstance(ref, bool):
            raise TypeError("expected an id or object")
        if isinstance(ref, int):
            return ref
        if isinstance(ref, str):
            return int(ref)
        if isinstance(ref, dict):
            return int(ref["id"])
        return int(ref.id)

    def state_guild(self, ref: Ref) -> S.Guild:
        guild = self._guilds.get(self._id(ref))
        if guild is None:
            raise KeyError(f"unknown guild {ref!r}")
        return guild

    def state_channel(self, ref: Ref) -> S.Channel:
        channel = self._channels.get(self._id(ref))
        if channel is None:
            raise KeyError(f"unknown channel {ref!r}")
        return channel

    def state_user(self, ref: Ref) -> S.User:
        if isinstance(ref, S.Member):
            return ref.user
        user = self._users.get(self._id(ref))
        if user is None:
            raise KeyError(f"unknown user {ref!r}")
        return user

    def state_member(self, guild: Ref, ref: Ref) -> S.Member:
        g = self.state_guild(guild)
        member = g.members.get(self._id(ref))
        if member is None:
            raise KeyError(f"user {ref!r} is not a member of guild {g.id}")
        return member

    def state_role(self, guild: Ref, ref: Ref) -> S.Role:
        g = self.state_guild(guild)
        role = g.roles.get(self._id(ref))
        if role is None:
            raise KeyError(f"unknown role {ref!r}")
        return role

    # ------------------------------------------------------------------ creation

    def create_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> S.User:
        user = S.User(self.snowflakes.next(), name, global_name=global_name, bot=bot)
        self._users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Test Guild",
        owner: Ref | None = None,
        *,
        bot_permissions: Any = None,
        everyone_permissions: Any = P.DEFAULT_EVERYONE,
        with_bot: bool = True,
        shard: int | None = None,
        shard_count: int | None = None,
    ) -> S.Guild:
        """Creates a guild with an @everyone role and (by default) the bot as a member.

        The bot gets a managed role holding ``bot_permissions``. ``shard`` picks an id that
        routes to that shard for ``shard_count`` (default: the configured shard count).
        """
        count = shard_count or self.shard_count
        while True:
            gid = self.snowflakes.next(distinct_ms=True)
            if shard is None or (gid >> 22) % count == shard:
                break
        owner_user = self.state_user(owner) if owner is not None else self.create_user(f"{name}-owner")
        guild = S.Guild(gid, name, owner_user.id)
        guild.roles[gid] = S.Role(gid, gid, "@everyone", P.to_int(everyone_permissions), position=0)
        self._guilds[gid] = guild
        guild.members[owner_user.id] = S.Member(gid, owner_user)
        if with_bot:
            self._add_bot(guild, bot_permissions)
        return guild

    def _add_bot(self, guild: S.Guild, bot_permissions: Any = None) -> None:
        perms = self.default_bot_permissions if bot_permissions is None else P.to_int(bot_permissions)
        role = S.Role(
            self.snowflakes.next(),
            guild.id,
            self.bot_user.username,
            perms,
            position=1,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[role.id] = role
        guild.bot_role_id = role.id
        guild.members[self.bot_user.id] = S.Member(guild.id, self.bot_user, [role.id])
        session = self.gateway.session_for_guild(guild.id)
        if session is not None:
            session.dispatch("GUILD_CREATE", self.guild_create_payload(guild))

    def add_bot_to_guild(self, guild: Ref, bot_permissions: Any = None) -> None:
        g = self.state_guild(guild)
        if self.bot_user.id not in g.members:
            self._add_bot(g, bot_permissions)

    def remove_bot_from_guild(self, guild: Ref) -> None:
        g = self.state_guild(guild)
        session = self.gateway.session_for_guild(g.id)
        g.members.pop(self.bot_user.id, None)
        if session is not None:
            session.dispatch("GUILD_DELETE", {"id": str(g.id)})

    def create_channel(
        self,
        guild: Ref,
        name: str,
        type: int = S.TEXT,
        *,
        topic: str | None = None,
        parent: Ref | None = None,
        position: int | None = None,
        nsfw: bool = False,
    ) -> S.Channel:
        """Creates a guild channel (0 text, 2 voice, 4 category, 5 announcement)."""
        g = self.state_guild(guild)
        channel = S.Channel(
            self.snowflakes.next(),
            type,
            name,
            guild_id=g.id,
            position=len(g.channels) if position is None else position,
            parent_id=None if parent is None else self._id(parent),
            topic=topic,
            nsfw=nsfw,
        )
        g.channels[channel.id] = channel
        self._channels[channel.id] = channel
        self._dispatch_guild(g, "CHANNEL_CREATE", channel.to_dict())
        return channel

    def create_channels(self, guild: Ref, names: Iterable[str], type: int = S.TEXT) -> list[S.Channel]:
        return [self.create_channel(guild, n, type) for n in names]

    def create_thread(self, channel: Ref, name: str, *, message: Ref | None = None) -> S.Channel:
        parent = self.state_channel(channel)
        ttype = S.ANNOUNCEMENT_THREAD if parent.type == S.ANNOUNCEMENT else S.PUBLIC_THREAD
        return self._create_thread(
            parent, name, ttype, thread_id=None if message is None else self._id(message)
        )

    def delete_channel(self, channel: Ref) -> None:
        ch = self.state_channel(channel)
        self._channels.pop(ch.id, None)
        if ch.guild_id is not None:
            g = self._guilds[ch.guild_id]
            g.channels.pop(ch.id, None)
            g.threads.pop(ch.id, None)
            event = "THREAD_DELETE" if ch.is_thread else "CHANNEL_DELETE"
            data = ch.to_dict()
            if ch.is_thread:
                data = {
                    "id": str(ch.id),
                    "guild_id": str(g.id),
                    "parent_id": str(ch.parent_id),
                    "type": ch.type,
                }
            self._dispatch_guild(g, event, data)
            for thread in [t for t in g.threads.values() if t.parent_id == ch.id]:
                self.delete_channel(thread)
        else:
            for uid, dm in list(self._dms.items()):
                if dm is ch:
                    del self._dms[uid]

    def create_role(
        self,
        guild: Ref,
        name: str,
        *,
        permissions: Any = 0,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
    ) -> S.Role:
        g = self.state_guild(guild)
        role = S.Role(
            self.snowflakes.next(),
            g.id,
            name,
            P.to_int(permissions),
            position=len(g.roles),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        g.roles[role.id] = role
        self._dispatch_guild(g, "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_dict()})
        return role

    def delete_role(self, guild: Ref, role: Ref) -> None:
        g = self.state_guild(guild)
        r = self.state_role(g, role)
        del g.roles[r.id]
        for m in g.members.values():
            if r.id in m.roles:
                m.roles.remove(r.id)
        self._dispatch_guild(g, "GUILD_ROLE_DELETE", {"guild_id": str(g.id), "role_id": str(r.id)})

    def create_member(
        self,
        guild: Ref,
        name: str | None = None,
        *,
        roles: Sequence[Ref] = (),
        permissions: Any = None,
        user: Ref | None = None,
        nick: str | None = None,
    ) -> S.Member:
        """Adds a member. ``permissions`` creates a personal role granting them."""
        g = self.state_guild(guild)
        u = self.state_user(user) if user is not None else self.create_user(name or f"user{len(self._users)}")
        role_ids = [self._id(r) for r in roles]
        for rid in role_ids:
            if rid not in g.roles:
                raise KeyError(f"role {rid} is not in guild {g.id}")
        if permissions is not None:
            personal = self.create_role(g, f"{u.username}-permissions", permissions=permissions)
            role_ids.append(personal.id)
        member = S.Member(g.id, u, role_ids, nick=nick)
        g.members[u.id] = member
        self._dispatch_guild(g, "GUILD_MEMBER_ADD", {**member.to_dict(), "guild_id": str(g.id)})
        return member

    def add_role(self, guild: Ref, member: Ref, role: Ref) -> None:
        g = self.state_guild(guild)
        m = self.state_member(g, member)
        rid = self.state_role(g, role).id
        if rid not in m.roles:
            m.roles.append(rid)
            self._dispatch_guild(g, "GUILD_MEMBER_UPDATE", {**m.to_dict(), "guild_id": str(g.id)})

    def bot_member(self, guild: Ref) -> S.Member:
        return self.state_member(guild, self.bot_user.id)

    def set_bot_permissions(self, guild: Ref, permissions: Any) -> None:
        """Sets the permissions of the bot's managed role in ``guild``."""
        g = self.state_guild(guild)
        role = g.roles[g.bot_role_id] if g.bot_role_id else None
        if role is None:
            raise KeyError("the bot is not a member of this guild")
        role.permissions = P.to_int(permissions)
        self._dispatch_guild(g, "GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": role.to_dict()})

    def set_role_permissions(self, guild: Ref, role: Ref, permissions: Any) -> None:
        g = self.state_guild(guild)
        r = self.state_role(g, role)
        r.permissions = P.to_int(permissions)
        self._dispatch_guild(g, "GUILD_ROLE_UPDATE", {"guild_id": str(g.id), "role": r.to_dict()})

    def set_dms_open(self, user: Ref, open: bool = True) -> None:
        self.state_user(user).dms_open = open

    # -------------------------------------------------------------- permissions

    def _overwrite_target(self, guild: S.Guild, who: Any) -> tuple[int, int]:
        if isinstance(who, str) and who in ("everyone", "@everyone"):
            return guild.id, 0
        if isinstance(who, str) and who == "bot":
            return self.bot_user.id, 1
        if isinstance(who, S.Role):
            return who.id, 0
        if isinstance(who, (S.Member, S.User)):
            return who.id, 1
        oid = self._id(who)
        return oid, 0 if oid in guild.roles else 1

    def set_channel_overwrite(self, channel: Ref, who: Any, *, allow: Any = 0, deny: Any = 0) -> S.Overwrite:
        """Replaces the overwrite for ``who`` ("everyone", "bot", a role, member or id)."""
        ch = self.state_channel(channel)
        g = self.state_guild(ch.guild_id)
        oid, otype = self._overwrite_target(g, who)
        ow = S.Overwrite(oid, otype, P.to_int(allow), P.to_int(deny))
        ch.overwrites[oid] = ow
        self._dispatch_channel("CHANNEL_UPDATE", ch)
        return ow

    def take_permission(self, guild: Ref, channel: Ref, who: Any, perm: Any) -> S.Overwrite:
        """Denies ``perm`` for ``who`` in ``channel`` (keeps other bits of the overwrite)."""
        return self._change_overwrite(guild, channel, who, perm, allow=False)

    def grant_permission(self, guild: Ref, channel: Ref, who: Any, perm: Any) -> S.Overwrite:
        """Allows ``perm`` for ``who`` in ``channel`` (keeps other bits of the overwrite)."""
        return self._change_overwrite(guild, channel, who, perm, allow=True)

    def _change_overwrite(self, guild: Ref, channel: Ref, who: Any, perm: Any, *, allow: bool) -> S.Overwrite:
        ch = self.state_channel(channel)
        g = self.state_guild(guild if guild is not None else ch.guild_id)
        oid, otype = self._overwrite_target(g, who)
        ow = ch.overwrites.get(oid) or S.Overwrite(oid, otype)
        bits = P.to_int(perm)
        if allow:
            ow.allow |= bits
            ow.deny &= ~bits
        else:
            ow.deny |= bits
            ow.allow &= ~bits
        ch.overwrites[oid] = ow
        self._dispatch_channel("CHANNEL_UPDATE", ch)
        return ow

    def permissions_for(self, member: Ref, channel: Ref) -> int:
        ch = self.state_channel(channel)
        if ch.guild_id is None:
            return P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES | P.READ_MESSAGE_HISTORY
        g = self._guilds[ch.guild_id]
        return P.channel_permissions(g, self.state_member(g, member), ch)

    def bot_permissions_in(self, channel: Ref) -> int:
        ch = self.state_channel(channel)
        if ch.guild_id is None:
            return self.permissions_for(self.bot_user.id, ch)
        g = self._guilds[ch.guild_id]
        member = g.members.get(self.bot_user.id)
        return 0 if member is None else P.channel_permissions(g, member, ch)

    def bot_base_permissions(self, guild: Ref) -> int:
        g = self.state_guild(guild)
        member = g.members.get(self.bot_user.id)
        return 0 if member is None else P.base_permissions(g, member)

    # ------------------------------------------------------------------ queries

    def messages(self, channel: Ref) -> list[dict[str, Any]]:
        """Messages currently in ``channel``, oldest first (ephemeral ones excluded)."""
        ch = self._channels.get(self._id(channel))
        return [] if ch is None else list(ch.messages.values())

    def message(self, channel: Ref, message_id: Ref) -> dict[str, Any] | None:
        ch = self._channels.get(self._id(channel))
        return None if ch is None else ch.messages.get(self._id(message_id))

    def dm_channel(self, user: Ref) -> S.Channel | None:
        return self._dms.get(self.state_user(user).id)

    def dm_messages(self, user: Ref) -> list[dict[str, Any]]:
        ch = self.dm_channel(user)
        return [] if ch is None else list(ch.messages.values())

    def commands(self, guild: Ref | None = None) -> list[dict[str, Any]]:
        """Registered application commands (global when ``guild`` is None)."""
        store = self._global_commands if guild is None else self.state_guild(guild).commands
        return list(store.values())

    def crossposted(self, channel: Ref | None = None) -> list[dict[str, Any]]:
        if channel is None:
            return list(self._crossposted)
        cid = str(self._id(channel))
        return [m for m in self._crossposted if m["channel_id"] == cid]

    def threads(self, guild: Ref) -> list[S.Channel]:
        return list(self.state_guild(guild).threads.values())

    def scheduled_events(self, guild: Ref) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.state_guild(guild).scheduled_events.values()]

    def guilds(self) -> list[S.Guild]:
        return list(self._guilds.values())

    async def wait_for_messages(
        self,
        channel: Ref,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Waits until ``channel`` holds at least ``count`` messages, then returns them all."""
        cid = self._id(channel)
        ch = self._channels.get(cid)
        if ch is not None and len(ch.messages) >= count:
            return list(ch.messages.values())
        fut = asyncio.get_running_loop().create_future()
        entry = (count, fut)
        self._waiters.setdefault(cid, []).append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            have = len(self.messages(cid))
            raise TimeoutError(f"channel {cid}: expected {count} messages, have {have}") from None
        finally:
            lst = self._waiters.get(cid)
            if lst and entry in lst:
                lst.remove(entry)
        return self.messages(cid)

    async def wait_for_bot_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until every shard identified and received READY plus its GUILD_CREATEs."""
        deadline = time.monotonic() + timeout
        while True:
            sessions = list(self.gateway.shards.values())
            if sessions:
                count = sessions[0].shard_count
                if len(sessions) >= count and all(s.ready.is_set() for s in sessions):
                    return
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"bot not ready: shards {sorted(self.gateway.shards)} identified of {self.shard_count}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while self.gateway.resume_count < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"expected {count} RESUMEs, saw {self.gateway.resume_count}")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------- gateway controls

    def cut_gateway(
        self, *, abrupt: bool = True, code: int = 4000, shard: int | None = None
    ) -> asyncio.Task[None]:
        """Drops the websocket(s) so the client RESUMEs. Returns an awaitable task."""
        return asyncio.ensure_future(self.gateway.cut(abrupt=abrupt, code=code, shard_id=shard))

    def invalidate_session(self, *, resumable: bool = False, shard: int | None = None) -> None:
        """Sends op 9. With ``resumable=False`` the session is dropped and the client re-IDENTIFYs."""
        self.gateway.invalidate(resumable=resumable, shard_id=shard)

    def send_reconnect(self, shard: int | None = None) -> None:
        """Sends op 7 RECONNECT; the client reconnects and RESUMEs."""
        self.gateway.reconnect(shard)

    def shard_for(self, guild: Ref) -> int:
        count = self.shard_count
        if self.gateway.shards:
            count = next(iter(self.gateway.shards.values())).shard_count
        return (self._id(guild) >> 22) % count

    # --------------------------------------------------------------- dispatching

    # What the gateway asks of the server (gateway.GatewayHost).

    def guilds_for_shard(self, shard_id: int, shard_count: int) -> list[S.Guild]:
        bot = self.bot_user.id
        return [
            g for g in self._guilds.values() if bot in g.members and (g.id >> 22) % shard_count == shard_id
        ]

    def guild_create_payload(self, guild: S.Guild) -> dict[str, Any]:
        return guild.to_dict(full=True)

    def find_guild(self, ref: Any) -> S.Guild | None:
        try:
            return self.state_guild(ref)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def record_dispatch(self, shard_id: int, event: str, data: Any) -> None:
        gid = data.get("guild_id") if isinstance(data, dict) else None
        if event == "GUILD_CREATE":
            gid = data.get("id")
        self.dispatch_log.append((shard_id, event, gid))

    _EVENT_INTENTS = {
        "GUILD_MEMBER_ADD": INTENT_MEMBERS,
        "GUILD_MEMBER_UPDATE": INTENT_MEMBERS,
        "GUILD_MEMBER_REMOVE": INTENT_MEMBERS,
        "GUILD_SCHEDULED_EVENT_CREATE": INTENT_SCHEDULED_EVENTS,
        "GUILD_SCHEDULED_EVENT_UPDATE": INTENT_SCHEDULED_EVENTS,
        "GUILD_SCHEDULED_EVENT_DELETE": INTENT_SCHEDULED_EVENTS,
    }

    def _dispatch_guild(self, guild: S.Guild, event: str, data: Any) -> None:
        if self.bot_user.id not in guild.members:
            return
        session = self.gateway.session_for_guild(guild.id)
        if session is None:
            return
        needed = self._EVENT_INTENTS.get(event, INTENT_GUILDS)
        if session.intents & needed:
            session.dispatch(event, data)

    def _dispatch_channel(self, event: str, channel: S.Channel) -> None:
        if channel.guild_id is not None:
            self._dispatch_guild(self._guilds[channel.guild_id], event, channel.to_dict())

    def _dispatch_message(self, event: str, channel: S.Channel, msg: dict[str, Any]) -> None:
        if not self.dispatch_message_events:
            return
        session = self.gateway.session_for_guild(channel.guild_id)
        if session is None:
            return
        guild = self._guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if not session.intents & (INTENT_GUILD_MESSAGES if guild is not None else INTENT_DM_MESSAGES):
            return
        if guild is not None and self.bot_user.id not in guild.members:
            return
        data = dict(msg)
        data.pop("allowed_mentions", None)
        if guild is not None:
            data["guild_id"] = str(guild.id)
            author = guild.members.get(int(msg["author"]["id"]))
            if author is not None and not msg.get("webhook_id"):
                data["member"] = author.to_dict(with_user=False)
        if not session.intents & INTENT_MESSAGE_CONTENT:
            bot_id = str(self.bot_user.id)
            mentioned = any(u["id"] == bot_id for u in msg.get("mentions", []))
            if msg["author"]["id"] != bot_id and not mentioned and channel.type != S.DM:
                data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        session.dispatch(event, data)

    def _log_request(self, method: str, path: str, status: int) -> None:
        self.request_log.append(RequestRecord(method, path, status))

    @staticmethod
    def _loop_time() -> float:
        return time.monotonic()

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner_user.to_dict(),
            "team": None,
            "flags": self.application_flags,
            "rpc_origins": [],
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "interactions_endpoint_url": None,
            "install_params": None,
            "tags": [],
            "bot": self.bot_user.to_dict(),
            "approximate_guild_count": len(self._guilds),
            "redirect_uris": [],
        }

    # ------------------------------------------------------------------ messages

    def _dm_channel(self, user: S.User) -> S.Channel:
        ch = self._dms.get(user.id)
        if ch is None:
            ch = S.Channel(self.snowflakes.next(), S.DM, None, recipients=[user])
            self._dms[user.id] = ch
            self._channels[ch.id] = ch
        return ch

    def _compute_mentions(
        self,
        channel: S.Channel,
        content: str,
        allowed: dict[str, Any] | None,
        privileged: bool,
        replied_to: int | None,
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        guild = self._guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            allowed_users: set = set()
            allowed_roles: set = set()
            replied = True
        else:
            parse = set(allowed.get("parse") or [])
            allowed_users = {int(x) for x in allowed.get("users") or []}
            allowed_roles = {int(x) for x in allowed.get("roles") or []}
            replied = bool(allowed.get("replied_user", False))
        user_ids: list[int] = []
        if content and "<@" in content:
            for m in _USER_RE.finditer(content):
                uid = int(m.group(1))
                if uid in self._users and uid not in user_ids and ("users" in parse or uid in allowed_users):
                    user_ids.append(uid)
        if replied_to is not None and replied and replied_to not in user_ids:
            user_ids.append(replied_to)
        mentions = []
        for uid in user_ids:
            d = self._users[uid].to_dict()
            if guild is not None and uid in guild.members:
                d["member"] = guild.members[uid].to_dict(with_user=False)
            mentions.append(d)
        roles: list[str] = []
        if guild is not None and content and "<@&" in content:
            for m in _ROLE_RE.finditer(content):
                rid = int(m.group(1))
                role = guild.roles.get(rid)
                if role is None or rid == guild.id or str(rid) in roles:
                    continue
                if ("roles" in parse or rid in allowed_roles) and (role.mentionable or privileged):
                    roles.append(str(rid))
        everyone = (
            bool(content)
            and ("@everyone" in content or "@here" in content)
            and "everyone" in parse
            and privileged
        )
        return mentions, roles, everyone

    def _normalize_embeds(self, embeds: Any) -> list[dict[str, Any]]:
        out = []
        for e in embeds or []:
            e = dict(e)
            e.setdefault("type", "rich")
            e.setdefault("content_scan_version", 0)
            out.append(e)
        return out

    def _attachments(self, files: list[dict[str, Any]], meta: Any) -> list[dict[str, Any]]:
        out = []
        meta = meta if isinstance(meta, list) else []
        for i, f in enumerate(files):
            aid = self.snowflakes.next()
            info = meta[i] if i < len(meta) and isinstance(meta[i], dict) else {}
            filename = info.get("filename") or f["filename"]
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            att = {
                "id": str(aid),
                "filename": filename,
                "size": f["size"],
                "url": url,
                "proxy_url": url,
                "content_type": f["content_type"],
            }
            if info.get("description"):
                att["description"] = info["description"]
            out.append(att)
        return out

    def _check_message_payload(
        self,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        prefix: tuple[str, ...] = (),
        *,
        edit: bool = False,
    ) -> None:
        if not isinstance(payload, dict):
            raise APIError(400, 50109, "The request body contains invalid JSON.")
        if self.limits.validation:
            errors = V.validate_message(payload, has_files=bool(files), edit=edit)
            if errors:
                if prefix:
                    errors.items = [((*prefix, *p), c, m) for p, c, m in errors.items]
                raise APIError.form(errors)
        if not edit and V.is_empty_message(payload, bool(files)):
            raise APIError(400, 50006, "Cannot send an empty message")

    def _new_message(
        self,
        channel: S.Channel,
        author: S.User,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        msg_type: int = 0,
        webhook: bool = False,
        inter: S.Interaction | None = None,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        content = payload.get("content")
        content = "" if content is None else str(content)
        allowed = payload.get("allowed_mentions")
        mid = self.snowflakes.next()
        referenced = None
        ref_payload = payload.get("message_reference")
        if isinstance(ref_payload, dict) and ref_payload.get("message_id") is not None:
            ref_channel = self._channels.get(int(ref_payload.get("channel_id") or channel.id))
            ref_msg = ref_channel.messages.get(int(ref_payload["message_id"])) if ref_channel else None
            if ref_msg is None:
                if ref_payload.get("fail_if_not_exists", True):
                    raise APIError(
                        400,
                        50035,
                        "Invalid Form Body",
                        {
                            "message_reference": {
                                "_errors": [
                                    {
                                        "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                        "message": "Unknown message",
                                    }
                                ]
                            }
                        },
                    )
            else:
                referenced = ref_msg
                if msg_type == 0:
                    msg_type = 19
        if webhook:
            privileged = True
        elif channel.guild_id is None:
            privileged = False
        else:
            g = self._guilds[channel.guild_id]
            member = g.members.get(author.id)
            privileged = member is not None and bool(
                P.channel_permissions(g, member, channel) & P.MENTION_EVERYONE
            )
        mentions, roles, everyone = self._compute_mentions(
            channel, content, allowed, privileged, int(referenced["author"]["id"]) if referenced else None
        )
        flags = (int(payload.get("flags") or 0) & _KEEP_FLAGS) | extra_flags
        msg: dict[str, Any] = {
            "id": str(mid),
            "type": msg_type,
            "channel_id": str(channel.id),
            "author": author.to_dict(),
            "content": content,
            "timestamp": S.iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": roles,
            "mention_channels": [],
            "attachments": self._attachments(files, payload.get("attachments")),
            "embeds": self._normalize_embeds(payload.get("embeds")),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": list(payload.get("components") or []),
            "allowed_mentions": allowed,
        }
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if payload.get("sticker_ids"):
            msg["sticker_items"] = [
                {"id": str(s), "name": "sticker", "format_type": 1} for s in payload["sticker_ids"]
            ]
        if payload.get("poll"):
            msg["poll"] = payload["poll"]
        if referenced is not None:
            msg["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            ref_copy = dict(referenced)
            ref_copy.pop("referenced_message", None)
            ref_copy.pop("allowed_mentions", None)
            msg["referenced_message"] = ref_copy
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if inter is not None:
            owners = inter.payload.get("authorizing_integration_owners", {})
            meta: dict[str, Any] = {
                "id": str(inter.id),
                "type": inter.type,
                "user": inter.user.to_dict(),
                "authorizing_integration_owners": owners,
            }
            if inter.type == 2:
                meta["name"] = inter.payload["data"]["name"]
                meta["command_type"] = inter.payload["data"].get("type", 1)
                msg["interaction"] = {
                    "id": str(inter.id),
                    "type": inter.type,
                    "name": inter.payload["data"]["name"],
                    "user": inter.user.to_dict(),
                }
            if inter.original_message_id is not None and inter.original_message_id != mid:
                meta["original_response_message_id"] = str(inter.original_message_id)
            if inter.type == 3 and inter.payload.get("message"):
                meta["interacted_message_id"] = inter.payload["message"]["id"]
            msg["interaction_metadata"] = meta
        return msg

    def _store_message(self, channel: S.Channel, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        channel.messages[mid] = msg
        channel.last_message_id = mid
        if channel.is_thread:
            channel.message_count += 1
        waiters = self._waiters.get(channel.id)
        if waiters:
            n = len(channel.messages)
            for count, fut in list(waiters):
                if n >= count and not fut.done():
                    fut.set_result(None)
        self._dispatch_message("MESSAGE_CREATE", channel, msg)

    def _post_message(
        self, channel: S.Channel, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """A message the bot posts through ``POST /channels/{id}/messages``."""
        self._check_message_payload(payload, files)
        nonce = payload.get("nonce")
        key = None
        now = time.monotonic()
        if nonce is not None and payload.get("enforce_nonce"):
            key = (channel.id, self.bot_user.id, str(nonce))
            nonces = self._nonces
            while nonces:
                oldest_key, (_, t) = next(iter(nonces.items()))
                if now - t <= self.nonce_window:
                    break
                nonces.popitem(last=False)
            hit = nonces.get(key)
            if hit is not None:
                existing = channel.messages.get(hit[0])
                if existing is not None:
                    return existing, False
        msg = self._new_message(channel, self.bot_user, payload, files)
        self._store_message(channel, msg)
        if key is not None:
            self._nonces[key] = (int(msg["id"]), now)
        return msg, True

    def post_user_message(self, channel: Ref, author: Ref, content: str, **payload: Any) -> dict[str, Any]:
        """A message written by a (non-bot) user; dispatched to the bot as MESSAGE_CREATE."""
        ch = self.state_channel(channel)
        user = self.state_user(author)
        wire.refuse_invalid_text({"content": content, **payload}, "post_user_message")
        msg = self._new_message(ch, user, {"content": content, **payload}, [])
        self._store_message(ch, msg)
        return msg

    def _edit_message(
        self,
        msg: dict[str, Any],
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        webhook: bool = False,
        interaction: S.Interaction | None = None,
    ) -> dict[str, Any]:
        self._check_message_payload(payload, files, edit=True)
        channel = self._channels.get(int(msg["channel_id"]))
        if "content" in payload:
            msg["content"] = "" if payload["content"] is None else str(payload["content"])
        if "embeds" in payload:
            msg["embeds"] = self._normalize_embeds(payload["embeds"])
        if "components" in payload:
            msg["components"] = list(payload["components"] or [])
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.get("flags", 0) & ~(1 << 2)
            msg["flags"] = keep | (int(payload["flags"]) & (1 << 2))
        if "attachments" in payload or files:
            keep_ids = None
            if isinstance(payload.get("attachments"), list):
                keep_ids = {str(a.get("id")) for a in payload["attachments"] if isinstance(a, dict)}
            kept = [a for a in msg.get("attachments", []) if keep_ids is None or a["id"] in keep_ids]
            msg["attachments"] = kept + self._attachments(files, None)
        if "allowed_mentions" in payload:
            msg["allowed_mentions"] = payload["allowed_mentions"]
        if channel is not None and ("content" in payload or "allowed_mentions" in payload):
            privileged = True if msg.get("webhook_id") else False
            if not privileged and channel.guild_id is not None:
                g = self._guilds[channel.guild_id]
                member = g.members.get(int(msg["author"]["id"]))
                privileged = member is not None and bool(
                    P.channel_permissions(g, member, channel) & P.MENTION_EVERYONE
                )
            replied = (
                int(msg["referenced_message"]["author"]["id"]) if msg.get("referenced_message") else None
            )
            m, r, e = self._compute_mentions(
                channel, msg["content"], msg.get("allowed_mentions"), privileged, replied
            )
            msg["mentions"], msg["mention_roles"], msg["mention_everyone"] = m, r, e
        was_loading = bool(msg.get("flags", 0) & LOADING)
        if was_loading:
            msg["flags"] &= ~LOADING
            if interaction is not None:
                interaction.loading = False
        else:
            msg["edited_timestamp"] = S.iso()
        if interaction is not None and interaction.completed is not None:
            interaction.completed.set()
        if channel is not None and not msg.get("flags", 0) & EPHEMERAL and int(msg["id"]) in channel.messages:
            self._dispatch_message("MESSAGE_UPDATE", channel, msg)
        return msg

    def _delete_message(self, msg: dict[str, Any]) -> None:
        channel = self._channels.get(int(msg["channel_id"]))
        if channel is None:
            return
        if channel.messages.pop(int(msg["id"]), None) is not None:
            data = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if channel.guild_id is not None:
                data["guild_id"] = str(channel.guild_id)
            session = self.gateway.session_for_guild(channel.guild_id)
            if session is not None and self.dispatch_message_events:
                session.dispatch("MESSAGE_DELETE", data)

    def _create_thread(
        self,
        parent: S.Channel,
        name: str,
        ttype: int,
        *,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
    ) -> S.Channel:
        thread = S.Channel(
            thread_id or self.snowflakes.next(),
            ttype,
            name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            auto_archive_duration=auto_archive_duration,
        )
        g = self._guilds[parent.guild_id]  # type: ignore[index]
        g.threads[thread.id] = thread
        self._channels[thread.id] = thread
        data = thread.to_dict()
        data["newly_created"] = True
        self._dispatch_guild(g, "THREAD_CREATE", data)
        return thread

    def _create_event(self, guild: S.Guild, payload: dict[str, Any]) -> S.ScheduledEvent:
        ev = S.ScheduledEvent(
            self.snowflakes.next(),
            guild.id,
            payload.get("name", ""),
            payload.get("scheduled_start_time", S.iso()),
            int(payload.get("entity_type") or 3),
            privacy_level=payload.get("privacy_level", 2),
            scheduled_end_time=payload.get("scheduled_end_time"),
            description=payload.get("description"),
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            entity_metadata=payload.get("entity_metadata"),
            creator=self.bot_user,
            image=payload.get("image"),
            recurrence_rule=payload.get("recurrence_rule"),
        )
        guild.scheduled_events[ev.id] = ev
        self._dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_CREATE", ev.to_dict())
        return ev

    # ------------------------------------------------------------------ commands

    def _replace_commands(
        self, guild: S.Guild | None, payloads: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        store = self._global_commands if guild is None else guild.commands
        by_key = {(c["type"], c["name"]): c for c in store.values()}
        new: OrderedDict[int, dict[str, Any]] = OrderedDict()
        for p in payloads:
            ctype = p.get("type", 1)
            old = by_key.get((ctype, p.get("name")))
            cid = int(old["id"]) if old else self.snowflakes.next()
            perms = p.get("default_member_permissions")
            cmd = {
                "id": str(cid),
                "application_id": str(self.application_id),
                "version": str(self.snowflakes.next()),
                "type": ctype,
                "name": p.get("name"),
                "name_localizations": p.get("name_localizations"),
                "description": p.get("description", ""),
                "description_localizations": p.get("description_localizations"),
                "options": p.get("options") or [],
                "default_member_permissions": None if perms is None else str(perms),
                "dm_permission": p.get("dm_permission", True),
                "nsfw": bool(p.get("nsfw", False)),
                "contexts": p.get("contexts"),
                "integration_types": p.get("integration_types", [0]),
            }
            if guild is not None:
                cmd["guild_id"] = str(guild.id)
            new[cid] = cmd
        store.clear()
        store.update(new)
        return list(new.values())

    def _find_command(self, guild: S.Guild | None, name: str, ctype: int = 1) -> dict[str, Any]:
        stores = ([guild.commands] if guild is not None else []) + [self._global_commands]
        for store in stores:
            for cmd in store.values():
                if cmd["name"] == name and cmd["type"] == ctype:
                    return cmd
        where = f"guild {guild.id}" if guild is not None else "global scope"
        known = sorted({c["name"] for s in stores for c in s.values()})
        raise LookupError(f"command {name!r} is not registered ({where}); registered: {known}")

    # -------------------------------------------------------------- interactions

    def _followup_event(self, inter: S.Interaction) -> asyncio.Event:
        ev = self._followup_events.get(inter.id)
        if ev is None:
            ev = self._followup_events[inter.id] = asyncio.Event()
        return ev

    def _interaction_message(self, inter: S.Interaction, mid: int) -> dict[str, Any] | None:
        msg = inter.ephemeral_messages.get(mid)
        if msg is not None:
            return msg
        channel = self._channels.get(inter.original_channel_id or inter.channel_id)
        if channel is not None and mid in channel.messages:
            return channel.messages[mid]
        channel = self._channels.get(inter.channel_id)
        return None if channel is None else channel.messages.get(mid)

    def _interaction_post(
        self,
        inter: S.Interaction,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        channel = self._channels.get(inter.channel_id)
        if channel is None:
            raise APIError(404, 10003, "Unknown Channel")
        msg_type = 20 if inter.type == 2 and inter.original_message_id is None else 0
        msg = self._new_message(
            channel,
            self.bot_user,
            payload,
            files,
            msg_type=msg_type,
            webhook=True,
            inter=inter,
            extra_flags=extra_flags,
        )
        if msg["flags"] & EPHEMERAL:
            inter.ephemeral_messages[int(msg["id"])] = msg
        else:
            self._store_message(channel, msg)
        return msg

    def _interaction_callback(
        self, inter: S.Interaction, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        rtype = payload.get("type")
        data = payload.get("data") or {}
        allowed = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(inter.type, set())
        if rtype not in allowed:
            raise APIError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                "message": "Invalid interaction response type",
                            }
                        ]
                    }
                },
            )
        msg = None
        if rtype == 4:
            self._check_message_payload(data, files, ("data",))
            msg = self._interaction_post(inter, data, files)
            inter.original_message_id = int(msg["id"])
            inter.ephemeral = bool(msg["flags"] & EPHEMERAL)
        elif rtype == 5:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            msg = self._interaction_post(inter, {"content": "", "flags": flags}, [], extra_flags=LOADING)
            inter.original_message_id = int(msg["id"])
            inter.ephemeral = bool(flags)
            inter.loading = True
        elif rtype in (6, 7):
            target = inter.payload.get("message")
            if target is None:
                raise APIError(
                    400,
                    50035,
                    "Invalid Form Body",
                    {
                        "type": {
                            "_errors": [
                                {
                                    "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                                    "message": "Invalid interaction response type",
                                }
                            ]
                        }
                    },
                )
            mid = int(target["id"])
            inter.original_message_id = mid
            inter.original_channel_id = int(target["channel_id"])
            current = self._interaction_message(inter, mid)
            inter.ephemeral = bool(current and current.get("flags", 0) & EPHEMERAL)
            if rtype == 7:
                if self.limits.validation:
                    errors = V.validate_message(data)
                    if errors:
                        errors.items = [(("data", *p), c, m) for p, c, m in errors.items]
                        raise APIError.form(errors)
                if current is None:
                    raise APIError(404, 10008, "Unknown Message")
                msg = self._edit_message(current, data, files, webhook=True)
            else:
                inter.loading = True
        elif rtype == 8:
            if self.limits.validation:
                errors = V.validate_autocomplete(data)
                if errors:
                    raise APIError.form(errors)
        elif rtype == 9:
            if self.limits.validation:
                errors = V.validate_modal(data)
                if errors:
                    raise APIError.form(errors)
        inter.acknowledged = True
        inter.response_type = rtype
        inter.response_data = data
        if inter.future is not None and not inter.future.done():
            inter.future.set_result(rtype)
        body: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": rtype in (5,),
                "response_message_ephemeral": inter.ephemeral,
            },
            "resource": {"type": rtype},
        }
        if inter.original_message_id is not None and rtype in (4, 5, 7):
            body["interaction"]["response_message_id"] = str(inter.original_message_id)
        if msg is not None:
            body["resource"]["message"] = {k: v for k, v in msg.items() if k != "allowed_mentions"}
        return body

    def _interaction_followup(
        self, inter: S.Interaction, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        original = None
        if inter.loading and inter.response_type == 5 and inter.original_message_id is not None:
            original = self._interaction_message(inter, inter.original_message_id)
        if original is not None:
            # The first follow-up after a deferred response replaces the "thinking" message.
            self._check_message_payload(payload, files)
            msg = self._edit_message(original, payload, files, webhook=True, interaction=inter)
        else:
            self._check_message_payload(payload, files)
            msg = self._interaction_post(inter, payload, files)
        inter.followup_ids.append(int(msg["id"]))
        if inter.completed is not None:
            inter.completed.set()
        self._followup_event(inter).set()
        return msg

    def _build_interaction(
        self,
        itype: int,
        guild: S.Guild | None,
        channel: S.Channel,
        user: S.User,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> S.Interaction:
        wire.refuse_invalid_text(data, "interaction data")
        iid = self.snowflakes.next()
        token = S.new_token()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
        }
        channel_dict = channel.to_dict()
        if guild is not None:
            member = self.state_member(guild, user.id)
            member_perms = P.channel_permissions(guild, member, channel)
            channel_dict["permissions"] = str(member_perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": member.to_dict(permissions=member_perms),
                    "app_permissions": str(self.bot_permissions_in(channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_dict(),
                    "app_permissions": str(self.permissions_for(self.bot_user.id, channel)),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        payload["channel"] = channel_dict
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if k != "allowed_mentions"}
        loop = asyncio.get_running_loop()
        inter = S.Interaction(
            id=iid,
            token=token,
            type=itype,
            guild_id=guild.id if guild else None,
            channel_id=channel.id,
            user=user,
            payload=payload,
            created=self._loop_time(),
            future=loop.create_future(),
            completed=asyncio.Event(),
        )
        self._interactions[iid] = inter
        self._interactions_by_token[token] = inter
        return inter

    async def _session_for(self, guild: S.Guild | None, timeout: float) -> Session:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            session = self.gateway.session_for_guild(guild.id if guild else None)
            if session is not None and session.conn is not None:
                return session
            if session is not None and session.conn is None and time.monotonic() >= deadline:
                return session  # buffered; delivered on RESUME
            if time.monotonic() >= deadline:
                raise TimeoutError("no gateway session for this guild's shard; is the bot connected?")
            await asyncio.sleep(0.01)

    async def _dispatch_interaction(
        self,
        inter: S.Interaction,
        timeout: float,  # noqa: ASYNC109
        wait_deferred: bool,
    ) -> InteractionResult:
        start = time.monotonic()
        guild = self._guilds.get(inter.guild_id) if inter.guild_id else None
        session = await self._session_for(guild, timeout)
        inter.created = self._loop_time()
        inter.shard_id = session.shard_id
        session.dispatch("INTERACTION_CREATE", inter.payload)
        remaining = max(0.01, timeout - (time.monotonic() - start))
        try:
            await asyncio.wait_for(asyncio.shield(inter.future), remaining)
        except TimeoutError:
            raise InteractionTimeout(
                f"the bot did not answer interaction {inter.id} (type {inter.type}) within {timeout:.1f}s"
                + (f"; {self._late_callbacks} late callback(s) were rejected" if self._late_callbacks else "")
            ) from None
        result = InteractionResult(self, inter)
        if wait_deferred and inter.response_type in (5, 6) and not inter.completed.is_set():
            remaining = max(0.01, timeout - (time.monotonic() - start))
            try:
                await asyncio.wait_for(inter.completed.wait(), remaining)
            except TimeoutError:
                pass
        return result

    def _resolve_context(
        self, guild: Ref | None, member: Ref, channel: Ref | None
    ) -> tuple[S.Guild | None, S.Channel, S.User]:
        if guild is None:
            user = self.state_user(member)
            ch = self.state_channel(channel) if channel is not None else self._dm_channel(user)
            return None, ch, user
        g = self.state_guild(guild)
        user = self.state_user(member)
        if user.id not in g.members:
            raise KeyError(f"user {user.id} is not a member of guild {g.id}")
        if channel is None:
            text = [c for c in g.channels.values() if c.type in (S.TEXT, S.ANNOUNCEMENT)]
            if not text:
                raise ValueError("guild has no text channel; pass channel=")
            ch = text[0]
        else:
            ch = self.state_channel(channel)
        return g, ch, user

    def _build_options(
        self,
        guild: S.Guild | None,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        out = []
        for name, value in values.items():
            opt = by_name.get(name)
            otype = opt["type"] if opt is not None else self._guess_type(value)
            if opt is None and schema:
                raise KeyError(f"option {name!r} is not defined; known: {sorted(by_name)}")
            entry: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                entry["value"] = value if isinstance(value, str) else str(value)
                entry["focused"] = True
            else:
                entry["value"] = self._option_value(guild, otype, value, resolved)
            out.append(entry)
        return out

    @staticmethod
    def _guess_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, (S.Member, S.User)):
            return 6
        if isinstance(value, S.Channel):
            return 7
        if isinstance(value, S.Role):
            return 8
        return 3

    def _option_value(
        self, guild: S.Guild | None, otype: int, value: Any, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        if otype == 3:
            return str(value)
        if otype == 4:
            return int(value)
        if otype == 5:
            return bool(value)
        if otype == 10:
            return float(value)
        if otype == 11:
            att = dict(value) if isinstance(value, dict) else {"filename": str(value)}
            aid = att.get("id") or str(self.snowflakes.next())
            att.setdefault("size", 0)
            att.setdefault("url", f"{self.base_url}/attachments/{aid}/{att['filename']}")
            att.setdefault("proxy_url", att["url"])
            att["id"] = str(aid)
            resolved.setdefault("attachments", {})[str(aid)] = att
            return str(aid)
        if otype == 9:
            if isinstance(value, S.Role) or (
                guild is not None
                and not isinstance(value, (S.User, S.Member))
                and self._id(value) in guild.roles
            ):
                otype = 8
            else:
                otype = 6
        oid = self._id(value)
        if otype == 6:
            user = self.state_user(oid)
            resolved.setdefault("users", {})[str(oid)] = user.to_dict()
            if guild is not None and oid in guild.members:
                m = guild.members[oid]
                ch_perm = m.to_dict(with_user=False, permissions=P.base_permissions(guild, m))
                resolved.setdefault("members", {})[str(oid)] = ch_perm
        elif otype == 7:
            ch = self.state_channel(oid)
            d = ch.to_dict()
            # "permissions" are the invoking member's; _command_data fills them in for guilds.
            cd: dict[str, Any] = {"id": d["id"], "name": d.get("name"), "type": ch.type, "permissions": "0"}
            for key in (
                "parent_id",
                "topic",
                "nsfw",
                "position",
                "last_message_id",
                "rate_limit_per_user",
                "flags",
                "guild_id",
            ):
                if key in d:
                    cd[key] = d[key]
            if ch.is_thread:
                for key in (
                    "owner_id",
                    "member_count",
                    "message_count",
                    "total_message_sent",
                    "thread_metadata",
                ):
                    cd[key] = d[key]
            resolved.setdefault("channels", {})[str(oid)] = cd
        elif otype == 8:
            if guild is None:
                raise ValueError("role options need a guild")
            resolved.setdefault("roles", {})[str(oid)] = guild.roles[oid].to_dict()
        return str(oid)

    def _command_data(
        self,
        guild: S.Guild | None,
        user: S.User,
        name: str | Sequence[str],
        options: dict[str, Any] | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        path = name.split() if isinstance(name, str) else list(name)
        if not path:
            raise ValueError("empty command name")
        cmd = self._find_command(guild, path[0])
        resolved: dict[str, dict[str, Any]] = {}
        schema = cmd.get("options") or []
        leaf_container: list[dict[str, Any]] = []
        top: list[dict[str, Any]] = leaf_container
        for part in path[1:]:
            sub = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise LookupError(f"{part!r} is not a subcommand of {' '.join(path[: path.index(part)])!r}")
            node = {"name": part, "type": sub["type"], "options": []}
            leaf_container.append(node)
            leaf_container = node["options"]
            schema = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in schema):
            raise LookupError(
                f"{' '.join(path)!r} needs a subcommand: {[o['name'] for o in schema if o['type'] in (1, 2)]}"
            )
        values = dict(options or {})
        wire.refuse_invalid_text(values, f"options of /{' '.join(path)}")
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise ValueError(f"missing required option(s) {missing} for {' '.join(path)!r}")
        leaf_container.extend(self._build_options(guild, schema, values, resolved, focused))
        if guild is not None and "channels" in resolved:
            member = guild.members[user.id]
            for cid, cd in resolved["channels"].items():
                cd["permissions"] = str(P.channel_permissions(guild, member, self._channels[int(cid)]))
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": cmd["type"]}
        if top:
            data["options"] = top
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data

    async def run_command(
        self,
        guild: Ref | None,
        member: Ref,
        name: str | Sequence[str],
        options: dict[str, Any] | None = None,
        *,
        channel: Ref | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        locale: str = "en-US",
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Invokes a registered slash command as ``member`` and returns what the bot did.

        ``name`` is ``"cast"``, ``"announce channel add"`` or ``["announce", "channel", "add"]``.
        Option values may be plain values or localcord objects (users, members, channels,
        roles); their ``resolved`` data is built like Discord's. ``guild=None`` runs it in
        the user's DM with the bot.
        """
        g, ch, user = self._resolve_context(guild, member, channel)
        data = self._command_data(g, user, name, options)
        inter = self._build_interaction(2, g, ch, user, data, locale=locale)
        return await self._dispatch_interaction(inter, timeout, wait_deferred)

    async def run_autocomplete(
        self,
        guild: Ref | None,
        member: Ref,
        name: str | Sequence[str],
        *,
        focused: str,
        value: Any = "",
        options: dict[str, Any] | None = None,
        channel: Ref | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        locale: str = "en-US",
    ) -> list[dict[str, Any]]:
        """Sends an autocomplete interaction (type 4) and returns the bot's choices."""
        g, ch, user = self._resolve_context(guild, member, channel)
        values = dict(options or {})
        values[focused] = value
        data = self._command_data(g, user, name, values, focused=focused)
        inter = self._build_interaction(4, g, ch, user, data, locale=locale)
        result = await self._dispatch_interaction(inter, timeout, False)
        return result.choices

    def _find_component(self, components: Any, custom_id: str) -> dict[str, Any] | None:
        if isinstance(components, dict):
            if components.get("custom_id") == custom_id and components.get("type") not in (1,):
                return components
            for key in ("components", "accessory"):
                found = self._find_component(components.get(key), custom_id)
                if found is not None:
                    return found
        elif isinstance(components, list):
            for c in components:
                found = self._find_component(c, custom_id)
                if found is not None:
                    return found
        return None

    def _component_context(
        self, message: Ref, member: Ref, guild: Ref | None
    ) -> tuple[S.Guild | None, S.Channel, S.User, dict[str, Any]]:
        if isinstance(message, dict):
            channel_id = int(message["channel_id"])
            mid = int(message["id"])
        else:
            mid = self._id(message)
            channel_id = next((c.id for c in self._channels.values() if mid in c.messages), None)  # type: ignore[assignment]
            if channel_id is None:
                raise KeyError(f"unknown message {message!r}")
        channel = self.state_channel(channel_id)
        msg = channel.messages.get(mid)
        if msg is None:
            for inter in self._interactions.values():
                if mid in inter.ephemeral_messages:
                    msg = inter.ephemeral_messages[mid]
                    break
        if msg is None:
            raise KeyError(f"message {mid} no longer exists")
        g = self._guilds.get(channel.guild_id) if channel.guild_id is not None else None
        user = self.state_user(member)
        return g, channel, user, msg

    async def click_button(
        self,
        message: Ref,
        custom_id: str,
        member: Ref,
        *,
        guild: Ref | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Clicks a button of ``message`` (a message dict or id) as ``member``."""
        g, channel, user, msg = self._component_context(message, member, guild)
        comp = self._find_component(msg.get("components"), custom_id)
        if comp is None:
            raise LookupError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": comp.get("type", 2)}
        inter = self._build_interaction(3, g, channel, user, data, message=msg)
        return await self._dispatch_interaction(inter, timeout, wait_deferred)

    async def select_menu(
        self,
        message: Ref,
        custom_id: str,
        values: Sequence[str],
        member: Ref,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        wait_deferred: bool = True,
    ) -> InteractionResult:
        g, channel, user, msg = self._component_context(message, member, None)
        comp = self._find_component(msg.get("components"), custom_id)
        if comp is None:
            raise LookupError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        data = {
            "custom_id": custom_id,
            "component_type": comp.get("type", 3),
            "values": [str(v) for v in values],
        }
        inter = self._build_interaction(3, g, channel, user, data, message=msg)
        return await self._dispatch_interaction(inter, timeout, wait_deferred)

    async def submit_modal(
        self,
        guild: Ref | None,
        member: Ref,
        custom_id: str,
        values: dict[str, str],
        *,
        channel: Ref | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        wait_deferred: bool = True,
    ) -> InteractionResult:
        """Submits a modal (type 5 interaction); ``values`` maps text input custom_id -> text."""
        g, ch, user = self._resolve_context(guild, member, channel)
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()
            ],
        }
        inter = self._build_interaction(5, g, ch, user, data)
        return await self._dispatch_interaction(inter, timeout, wait_deferred)

    def interaction_payload(self, result: InteractionResult) -> dict[str, Any]:
        return result.payload

    # --------------------------------------------------------------- control RPC

    _RPC = {
        "create_user",
        "create_guild",
        "create_channel",
        "create_role",
        "create_member",
        "create_thread",
        "set_bot_permissions",
        "set_channel_overwrite",
        "take_permission",
        "grant_permission",
        "delete_channel",
        "messages",
        "dm_messages",
        "commands",
        "crossposted",
        "scheduled_events",
        "inject_429",
        "inject_5xx",
        "set_limits",
        "set_rate_limit",
        "invalidate_session",
        "send_reconnect",
        "cut_gateway",
        "run_command",
        "run_autocomplete",
        "click_button",
        "select_menu",
        "submit_modal",
        "wait_for_messages",
        "wait_for_bot_ready",
        "post_user_message",
        "add_role",
        "set_dms_open",
        "info",
        "request_log_json",
    }

    def info(self) -> dict[str, Any]:
        return {
            "api_base": self.api_base,
            "gateway_url": self.gateway_url,
            "token": self.token,
            "bot_user": self.bot_user.to_dict(),
            "application_id": str(self.application_id),
            "shards": self.shard_count,
        }

    def request_log_json(self) -> list[list[Any]]:
        return [list(r) for r in self.request_log]

    async def _rpc_handler(self, request: web.Request) -> web.Response:
        """``POST /_localcord/rpc {"method": "create_channel", "params": {...}}`` for out-of-process use."""
        from .rest import json_response

        try:
            body = await request.json()
            method = body["method"]
            params = body.get("params") or {}
            if method not in self._RPC:
                return json_response({"error": f"unknown method {method!r}"}, 400)
            result = getattr(self, method)(**params)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                result = await result
            return json_response({"result": _jsonable(result)})
        except Exception as e:  # report to the caller
            return json_response({"error": f"{type(e).__name__}: {e}"}, 500)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, S.Guild):
        return value.to_dict()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dict__"):
        return {k: _jsonable(v) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)
