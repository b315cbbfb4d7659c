"""The core: localcord's settings and state, and the operations its parts share.

The core owns the Discord objects (users, guilds, channels, DMs, global commands), routes
events to the gateway and keeps the request log. Its parts own the operations, each in
its own module, and reach the state and each other only through public names:

* ``core.setup`` (guilds.py): users, guilds, channels, threads, roles, members,
  overwrites and scheduled events; what a test builds, and what REST creates;
* ``core.messages`` (messages.py): posting, editing and deleting messages, mentions,
  nonces, and waiting for messages;
* ``core.commands`` (commands.py): application commands and the data of a command call;
* ``core.installs`` (installs.py): where the app is installed (servers, users' accounts), where
  a command may run, and what the app may do there;
* ``core.interactions`` (interactions.py): interactions and the bot's answers to them;
* ``core.invocations`` (invocations.py): what users do (run a command, click a button)
  and the :class:`~localcord.invocations.InteractionResult` a test reads;
* ``core.events`` (scheduled_events.py): Discord's rules for scheduled events, and the status
  changes Discord makes by itself, by ``core.wall_clock``.

REST (rest.py) and the gateway (gateway.py) work through the core; ``LocalDiscord``
(server.py) is the front tests use, and the RPC (rpc.py) drives that front from another
process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from . import permissions as P
from . import state as S
from .commands import Commands
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
from .guilds import GuildSetup
from .installs import Installs
from .interactions import Interactions
from .invocations import Invocations
from .messages import Messages
from .ratelimit import RateLimiter, compile_pattern
from .scheduled_events import ScheduledEvents
from .state import Ref, ref_id

PREFIX = "/api/v10"


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


class RequestRecord(NamedTuple):
    method: str
    path: str
    status: int


RequestObserver = Callable[[RequestRecord], None]

_EVENT_INTENTS = {
    "GUILD_MEMBER_ADD": INTENT_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_MEMBERS,
    "GUILD_SCHEDULED_EVENT_CREATE": INTENT_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": INTENT_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": INTENT_SCHEDULED_EVENTS,
}


class Core:
    def __init__(
        self,
        *,
        limits: bool | Limits = True,
        shards: int = 1,
        token: str,
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
        self.token = token
        self.default_bot_permissions = P.to_int(bot_permissions)
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = token_lifetime
        self.heartbeat_interval = heartbeat_interval
        self.host = host
        self.port = port
        self.privileged_intents = PRIVILEGED if privileged_intents else 0
        self.nonce_window = nonce_window
        self.dispatch_message_events = dispatch_message_events
        # Discord's wall clock, in seconds since the epoch: what "the past" is for a scheduled
        # event's start, and when Discord starts and ends external events. A test whose bot runs
        # on a clock of its own points this at that clock.
        self.wall_clock: Callable[[], float] = time.time

        self.snowflakes = S.Snowflakes()
        self.users: dict[int, S.User] = {}
        self.guilds: dict[int, S.Guild] = {}
        self.channels: dict[int, S.Channel] = {}  # guild channels, threads and DMs
        self.dms: dict[int, S.Channel] = {}  # user id -> the bot's DM channel with them
        self.global_commands: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.request_log: list[RequestRecord] = []
        self.audit_log: list[dict[str, Any]] = []  # what the bot did, with its X-Audit-Log-Reason
        self.dispatch_log: list[tuple[int, str, str | None]] = []
        self._request_observers: list[RequestObserver] = []

        self.limiter = RateLimiter()
        self.gateway = Gateway(self)
        self.setup = GuildSetup(self)
        self.messages = Messages(self)
        self.commands = Commands(self)
        self.installs = Installs(self)
        self.interactions = Interactions(self)
        self.invocations = Invocations(self)
        self.events = ScheduledEvents(self)

        self.bot_user = self.setup.create_user(bot_name, bot=True)
        self.application_id = self.bot_user.id
        # GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT
        self.application_flags = (1 << 19) | (1 << 23)
        self.owner_user = self.setup.create_user("app-owner")

    # ---------------------------------------------------------------- addresses

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway-ws/"

    @staticmethod
    def clock() -> float:
        """The clock of interaction deadlines and token lifetimes."""
        return time.monotonic()

    # ------------------------------------------------------------------ lookups

    def state_guild(self, ref: Ref) -> S.Guild:
        guild = self.guilds.get(ref_id(ref))
        if guild is None:
            raise KeyError(f"unknown guild {ref!r}")
        return guild

    def state_channel(self, ref: Ref) -> S.Channel:
        channel = self.channels.get(ref_id(ref))
        if channel is None:
            raise KeyError(f"unknown channel {ref!r}")
        return channel

    def state_user(self, ref: Ref) -> S.User:
        if isinstance(ref, S.Member):
            return ref.user
        user = self.users.get(ref_id(ref))
        if user is None:
            raise KeyError(f"unknown user {ref!r}")
        return user

    def state_member(self, guild: Ref, ref: Ref) -> S.Member:
        g = self.state_guild(guild)
        member = g.members.get(ref_id(ref))
        if member is None:
            raise KeyError(f"user {ref!r} is not a member of guild {g.id}")
        return member

    def state_role(self, guild: Ref, ref: Ref) -> S.Role:
        g = self.state_guild(guild)
        role = g.roles.get(ref_id(ref))
        if role is None:
            raise KeyError(f"unknown role {ref!r}")
        return role

    def guild_of(self, channel: S.Channel) -> S.Guild | None:
        return None if channel.guild_id is None else self.guilds.get(channel.guild_id)

    def is_bot_dm(self, channel: S.Channel) -> bool:
        """Whether ``channel`` is the DM of the bot with a user (not a DM between two users)."""
        return channel.type == S.DM and any(self.dms.get(u.id) is channel for u in channel.recipients)

    def bot_is_in(self, channel: S.Channel) -> bool:
        """Whether the bot belongs where ``channel`` is: a member of its guild, or a party to the DM."""
        guild = self.guild_of(channel)
        if guild is not None:
            return self.bot_user.id in guild.members
        return channel.guild_id is None and (not channel.is_private or self.is_bot_dm(channel))

    # -------------------------------------------------------------- permissions

    def permissions_for(self, member: Ref, channel: Ref) -> int:
        ch = self.state_channel(channel)
        if ch.guild_id is None:
            return P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES | P.READ_MESSAGE_HISTORY
        g = self.guilds[ch.guild_id]
        return P.channel_permissions(g, self.state_member(g, member), ch)

    def bot_permissions_in(self, channel: Ref) -> int:
        ch = self.state_channel(channel)
        if ch.guild_id is None:
            return self.permissions_for(self.bot_user.id, ch)
        g = self.guilds[ch.guild_id]
        member = g.members.get(self.bot_user.id)
        return 0 if member is None else P.channel_permissions(g, member, ch)

    def bot_base_permissions(self, guild: Ref) -> int:
        g = self.state_guild(guild)
        member = g.members.get(self.bot_user.id)
        return 0 if member is None else P.base_permissions(g, member)

    def may_mention_everyone(self, channel: S.Channel, author_id: int) -> bool:
        """Whether a message by ``author_id`` in ``channel`` may ping @everyone and any role."""
        guild = self.guild_of(channel)
        if guild is None:
            return False
        member = guild.members.get(author_id)
        return member is not None and bool(P.channel_permissions(guild, member, channel) & P.MENTION_EVERYONE)

    # ---------------------------------------------------------------- dispatching

    def session_for_guild(self, guild_id: int | None) -> Session | None:
        return self.gateway.session_for_guild(guild_id)

    def dispatch_guild(self, guild: S.Guild, event: str, data: Any) -> None:
        """Sends a guild event to the bot's shard of ``guild``, if the bot is in it and wants it."""
        if self.bot_user.id not in guild.members:
            return
        session = self.gateway.session_for_guild(guild.id)
        if session is None:
            return
        needed = _EVENT_INTENTS.get(event, INTENT_GUILDS)
        if session.intents & needed or self._sent_regardless_of_intents(event, data):
            session.dispatch(event, data)

    def _sent_regardless_of_intents(self, event: str, data: Any) -> bool:
        """GUILD_MEMBER_UPDATE "is sent for current-user updates regardless of whether the
        GUILD_MEMBERS intent is set" (events/gateway, Caveats)."""
        if event != "GUILD_MEMBER_UPDATE" or not isinstance(data, dict):
            return False
        return str((data.get("user") or {}).get("id")) == str(self.bot_user.id)

    def dispatch_channel(self, event: str, channel: S.Channel) -> None:
        if channel.guild_id is not None:
            self.dispatch_guild(self.guilds[channel.guild_id], event, channel.to_dict())

    def dispatch_message(self, event: str, channel: S.Channel, msg: dict[str, Any]) -> None:
        """MESSAGE_CREATE/UPDATE as the bot receives it: by intents, without content it may not read."""
        if not self.dispatch_message_events:
            return
        session = self.gateway.session_for_guild(channel.guild_id)
        if session is None:
            return
        guild = self.guild_of(channel)
        if not session.intents & (INTENT_GUILD_MESSAGES if guild is not None else INTENT_DM_MESSAGES):
            return
        if not self.bot_is_in(channel):
            return  # a server the bot is not in, or a DM between users
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

    def dispatch_message_delete(self, channel: S.Channel, msg: dict[str, Any]) -> None:
        if not self.dispatch_message_events or not self.bot_is_in(channel):
            return
        session = self.gateway.session_for_guild(channel.guild_id)
        if session is None:
            return
        data = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        session.dispatch("MESSAGE_DELETE", data)

    # ------------------------------------------------- what the gateway asks of the core

    def guilds_for_shard(self, shard_id: int, shard_count: int) -> list[S.Guild]:
        bot = self.bot_user.id
        return [
            g for g in self.guilds.values() if bot in g.members and (g.id >> 22) % shard_count == shard_id
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

    # ------------------------------------------------------------------ requests

    def log_request(self, method: str, path: str, status: int) -> None:
        """Records an answered REST request and tells the observers."""
        record = RequestRecord(method, path, status)
        self.request_log.append(record)
        for observer in self._request_observers:
            observer(record)

    def observe_requests(self, observer: RequestObserver) -> Callable[[], None]:
        """Calls ``observer`` with each answered REST request; returns a function that stops it."""
        self._request_observers.append(observer)

        def stop() -> None:
            if observer in self._request_observers:
                self._request_observers.remove(observer)

        return stop

    def requests(self, pattern: str | None = None, *, status: int | None = None) -> list[RequestRecord]:
        out = self.request_log
        if pattern is not None:
            method, regex = compile_pattern(pattern)
            out = [r for r in out if (method is None or r.method == method) and regex.match(r.path)]
        if status is not None:
            out = [r for r in out if r.status == status]
        return list(out)

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
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
        }
