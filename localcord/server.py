"""``LocalDiscord``: the front tests use, over the core that owns the state (core.py).

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
integer id, which is what the JSON control endpoint (``POST /_localcord/rpc``, rpc.py)
uses when the server runs as a separate process.

User installs (the rules are in installs.py)::

    server.install_for_user(alice)  # alice added the app to her account
    elsewhere = server.create_guild("No bot here", with_bot=False)
    server.create_member(elsewhere, user=alice)
    await server.run_command(elsewhere, alice, "cast", {...})  # context 0, owners {"1": alice}
    group = server.create_private_channel(alice, bob, carol)  # a group DM; two users: a DM
    await server.run_command(None, alice, "cast", {...}, channel=group)  # context 2
    await server.run_command(None, alice, "announce list")  # guild-only: CommandUnavailable

Member roles: ``add_role``/``remove_role`` (as an admin would), ``move_role`` (drag in Server
Settings → Roles), ``state_member(guild, user).roles``, and ``audit_log()`` for what the bot did.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar, overload

from aiohttp import web

from . import permissions as P
from . import state as S
from .core import Core, Limits, RequestObserver, RequestRecord
from .gateway import Gateway
from .installs import CommandUnavailable
from .invocations import InteractionResult, InteractionTimeout
from .ratelimit import Injection, RateLimiter
from .rest import RestAPI
from .rpc import RPC
from .state import Ref, ref_id

__all__ = [
    "LocalDiscord",
    "Limits",
    "InteractionResult",
    "InteractionTimeout",
    "CommandUnavailable",
    "RequestRecord",
]

T = TypeVar("T")


class _CoreAttribute(Generic[T]):
    """An attribute of :class:`LocalDiscord` that is its core's, read and written through."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _CoreAttribute[T]: ...
    @overload
    def __get__(self, obj: LocalDiscord, objtype: type | None = None) -> T: ...
    def __get__(self, obj: LocalDiscord | None, objtype: type | None = None) -> T | _CoreAttribute[T]:
        return self if obj is None else getattr(obj.core, self.name)  # type: ignore[no-any-return]

    def __set__(self, obj: LocalDiscord, value: T) -> None:
        setattr(obj.core, self.name, value)


class LocalDiscord:
    # Settings (writable: a test may shorten interaction_timeout, say) and state of the core.
    limits = _CoreAttribute[Limits]()
    shard_count = _CoreAttribute[int]()
    token = _CoreAttribute[str]()
    default_bot_permissions = _CoreAttribute[int]()
    interaction_timeout = _CoreAttribute[float]()
    token_lifetime = _CoreAttribute[float]()
    heartbeat_interval = _CoreAttribute[int]()
    host = _CoreAttribute[str]()
    port = _CoreAttribute[int]()
    privileged_intents = _CoreAttribute[int]()
    nonce_window = _CoreAttribute[float]()
    dispatch_message_events = _CoreAttribute[bool]()
    wall_clock = _CoreAttribute[Callable[[], float]]()  # Discord's "now" for scheduled events
    snowflakes = _CoreAttribute[S.Snowflakes]()
    request_log = _CoreAttribute[list[RequestRecord]]()
    dispatch_log = _CoreAttribute[list[tuple[int, str, str | None]]]()
    bot_user = _CoreAttribute[S.User]()
    owner_user = _CoreAttribute[S.User]()
    application_id = _CoreAttribute[int]()
    application_flags = _CoreAttribute[int]()
    limiter = _CoreAttribute[RateLimiter]()
    gateway = _CoreAttribute[Gateway]()

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
        self.core = Core(
            limits=limits,
            shards=shards,
            token=token or f"localcord.{secrets.token_urlsafe(24)}",
            bot_name=bot_name,
            bot_permissions=bot_permissions,
            interaction_timeout=interaction_timeout,
            token_lifetime=token_lifetime,
            heartbeat_interval=heartbeat_interval,
            host=host,
            port=port,
            privileged_intents=privileged_intents,
            nonce_window=nonce_window,
            dispatch_message_events=dispatch_message_events,
        )
        self.rest = RestAPI(self.core)
        self.rpc = RPC(self)
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> LocalDiscord:
        app = self.rest.build_app()
        app.router.add_route("POST", "/_localcord/rpc", self.rpc.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.core.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return self.core.base_url

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.core.api_base

    @property
    def gateway_url(self) -> str:
        """Websocket URL (also the right value for ``DiscordWebSocket.DEFAULT_GATEWAY``)."""
        return self.core.gateway_url

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

    # ------------------------------------------------------------------ requests

    def requests(self, pattern: str | None = None, *, status: int | None = None) -> list[RequestRecord]:
        """``request_log`` filtered by a route pattern (``"POST /channels/*/messages"``) and/or status."""
        return self.core.requests(pattern, status=status)

    def observe_requests(self, observer: RequestObserver) -> Callable[[], None]:
        """Calls ``observer(record)`` as each REST request is answered; returns a function that stops it."""
        return self.core.observe_requests(observer)

    @property
    def identify_count(self) -> int:
        return self.core.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.core.gateway.resume_count

    @property
    def late_callbacks(self) -> int:
        """Interaction callbacks that arrived after the deadline (answered 10062)."""
        return self.core.interactions.late_callbacks

    # ------------------------------------------------------------ object lookup

    def state_guild(self, ref: Ref) -> S.Guild:
        return self.core.state_guild(ref)

    def state_channel(self, ref: Ref) -> S.Channel:
        return self.core.state_channel(ref)

    def state_user(self, ref: Ref) -> S.User:
        return self.core.state_user(ref)

    def state_member(self, guild: Ref, ref: Ref) -> S.Member:
        return self.core.state_member(guild, ref)

    def state_role(self, guild: Ref, ref: Ref) -> S.Role:
        return self.core.state_role(guild, ref)

    # ------------------------------------------------------------ guild setup

    def create_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> S.User:
        return self.core.setup.create_user(name, bot=bot, global_name=global_name)

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
        return self.core.setup.create_guild(
            name,
            owner,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            with_bot=with_bot,
            shard=shard,
            shard_count=shard_count,
        )

    def add_bot_to_guild(self, guild: Ref, bot_permissions: Any = None) -> None:
        self.core.setup.add_bot_to_guild(guild, bot_permissions)

    def remove_bot_from_guild(self, guild: Ref) -> None:
        self.core.setup.remove_bot_from_guild(guild)

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
        return self.core.setup.create_channel(
            guild, name, type, topic=topic, parent=parent, position=position, nsfw=nsfw
        )

    def create_channels(self, guild: Ref, names: Iterable[str], type: int = S.TEXT) -> list[S.Channel]:
        return [self.create_channel(guild, n, type) for n in names]

    def create_thread(self, channel: Ref, name: str, *, message: Ref | None = None) -> S.Channel:
        return self.core.setup.create_thread(channel, name, message=message)

    def delete_channel(self, channel: Ref) -> None:
        self.core.setup.delete_channel(channel)

    def create_role(
        self,
        guild: Ref,
        name: str,
        *,
        permissions: Any = 0,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
        position: int = 1,
        managed: bool = False,
        bot: Ref | None = None,
        premium_subscriber: bool = False,
    ) -> S.Role:
        """A role at ``position`` (default: the bottom, just above @everyone, where Discord puts a
        new role, below the bot's). ``bot`` makes it that bot's managed role;
        ``premium_subscriber`` the server's booster role; ``managed`` any integration's role."""
        return self.core.setup.create_role(
            guild,
            name,
            permissions=permissions,
            mentionable=mentionable,
            color=color,
            hoist=hoist,
            position=position,
            managed=managed,
            bot=bot,
            premium_subscriber=premium_subscriber,
        )

    def move_role(self, guild: Ref, role: Ref, position: int) -> None:
        """Moves a role to ``position`` (1 is just above @everyone); the others close up around it."""
        self.core.setup.move_role(guild, role, position)

    def delete_role(self, guild: Ref, role: Ref) -> None:
        self.core.setup.delete_role(guild, role)

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
        return self.core.setup.create_member(
            guild, name, roles=roles, permissions=permissions, user=user, nick=nick
        )

    def add_role(self, guild: Ref, member: Ref, role: Ref) -> None:
        """Gives a member a role (as an admin would: no checks); GUILD_MEMBER_UPDATE follows."""
        self.core.setup.add_role(guild, member, role)

    def remove_role(self, guild: Ref, member: Ref, role: Ref) -> None:
        self.core.setup.remove_role(guild, member, role)

    def bot_member(self, guild: Ref) -> S.Member:
        return self.state_member(guild, self.bot_user.id)

    def set_bot_permissions(self, guild: Ref, permissions: Any) -> None:
        """Sets the permissions of the bot's managed role in ``guild``."""
        self.core.setup.set_bot_permissions(guild, permissions)

    def set_role_permissions(self, guild: Ref, role: Ref, permissions: Any) -> None:
        self.core.setup.set_role_permissions(guild, role, permissions)

    def set_preferred_locale(self, guild: Ref, locale: str) -> None:
        """A server's language in its settings (``guild_locale`` of its interactions, and
        ``preferred_locale`` as the bot sees it); the bot is told with GUILD_UPDATE."""
        self.core.setup.set_preferred_locale(guild, locale)

    def set_dms_open(self, user: Ref, open: bool = True) -> None:
        self.core.setup.set_dms_open(user, open)

    def create_private_channel(self, *users: Ref, name: str | None = None) -> S.Channel:
        """A DM between two users, or a group DM (three or more, or a ``name``); the bot is no party."""
        return self.core.setup.create_private_channel(users, name=name)

    # ----------------------------------------------------------------- installs

    def install_for_user(self, user: Ref) -> S.User:
        """``user`` installs the app to their account (USER_INSTALL): its commands that allow it
        follow them into servers without the bot, and DMs and group DMs."""
        return self.core.installs.install_for_user(user)

    def uninstall_for_user(self, user: Ref) -> None:
        self.core.installs.uninstall_for_user(user)

    def user_installed(self, user: Ref) -> bool:
        return self.core.installs.user_installed(user)

    # -------------------------------------------------------------- permissions

    def set_channel_overwrite(self, channel: Ref, who: Any, *, allow: Any = 0, deny: Any = 0) -> S.Overwrite:
        """Replaces the overwrite for ``who`` ("everyone", "bot", a role, member or id)."""
        return self.core.setup.set_channel_overwrite(channel, who, allow=allow, deny=deny)

    def take_permission(self, guild: Ref, channel: Ref, who: Any, perm: Any) -> S.Overwrite:
        """Denies ``perm`` for ``who`` in ``channel`` (keeps other bits of the overwrite)."""
        return self.core.setup.change_overwrite(guild, channel, who, perm, allow=False)

    def grant_permission(self, guild: Ref, channel: Ref, who: Any, perm: Any) -> S.Overwrite:
        """Allows ``perm`` for ``who`` in ``channel`` (keeps other bits of the overwrite)."""
        return self.core.setup.change_overwrite(guild, channel, who, perm, allow=True)

    def permissions_for(self, member: Ref, channel: Ref) -> int:
        return self.core.permissions_for(member, channel)

    def bot_permissions_in(self, channel: Ref) -> int:
        return self.core.bot_permissions_in(channel)

    def bot_base_permissions(self, guild: Ref) -> int:
        return self.core.bot_base_permissions(guild)

    # ------------------------------------------------------------------ queries

    def messages(self, channel: Ref) -> list[dict[str, Any]]:
        """Messages currently in ``channel``, oldest first (ephemeral ones excluded)."""
        return self.core.messages.in_channel(channel)

    def message(self, channel: Ref, message_id: Ref) -> dict[str, Any] | None:
        return self.core.messages.get(channel, message_id)

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        """The bytes of a message's attachment, as the bot uploaded them."""
        return self.core.messages.file_bytes(attachment["id"])

    def post_user_message(self, channel: Ref, author: Ref, content: str, **payload: Any) -> dict[str, Any]:
        """A message written by a (non-bot) user; dispatched to the bot as MESSAGE_CREATE."""
        return self.core.messages.post_user_message(channel, author, content, **payload)

    def dm_channel(self, user: Ref) -> S.Channel | None:
        return self.core.dms.get(self.state_user(user).id)

    def dm_messages(self, user: Ref) -> list[dict[str, Any]]:
        ch = self.dm_channel(user)
        return [] if ch is None else list(ch.messages.values())

    def commands(self, guild: Ref | None = None) -> list[dict[str, Any]]:
        """Registered application commands (global when ``guild`` is None)."""
        return list(self.core.commands.store(None if guild is None else self.state_guild(guild)).values())

    def crossposted(self, channel: Ref | None = None) -> list[dict[str, Any]]:
        return self.core.messages.crossposted_in(channel)

    def threads(self, guild: Ref) -> list[S.Channel]:
        return list(self.state_guild(guild).threads.values())

    def scheduled_events(self, guild: Ref) -> list[dict[str, Any]]:
        """A server's scheduled events as Discord lists them now (by ``wall_clock``: external
        events started or ended meanwhile are ACTIVE or COMPLETED)."""
        g = self.state_guild(guild)
        self.core.events.advance(g)
        return [e.to_dict() for e in g.scheduled_events.values()]

    def create_scheduled_event(self, guild: Ref, by: Ref, **fields: Any) -> dict[str, Any]:
        """A scheduled event made by a member (``by``) as through ``POST .../scheduled-events``,
        under the same rules: an external event by default, made in an hour, for an hour."""
        g = self.state_guild(guild)
        start = self.core.wall_clock() + 3600
        payload: dict[str, Any] = {
            "name": "Watch party",
            "privacy_level": 2,
            "entity_type": 3,
            "entity_metadata": {"location": "Somewhere"},
            "scheduled_start_time": S.iso(start),
            "scheduled_end_time": S.iso(start + 3600),
        }
        payload.update(fields)
        return self.core.events.create(g, payload, by=self.state_user(by)).to_dict()

    def guilds(self) -> list[S.Guild]:
        return list(self.core.guilds.values())

    def application_payload(self) -> dict[str, Any]:
        return self.core.application_payload()

    def audit_log(self, guild: Ref | None = None) -> list[dict[str, Any]]:
        """What the bot changed through REST that Discord logs (a member's roles), oldest first,
        each with the reason it gave in ``X-Audit-Log-Reason``."""
        entries = self.core.audit_log
        if guild is None:
            return list(entries)
        gid = str(ref_id(guild))
        return [e for e in entries if e["guild_id"] == gid]

    # -------------------------------------------------------------------- waits

    async def wait_for_messages(
        self,
        channel: Ref,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Waits until ``channel`` holds at least ``count`` messages, then returns them all."""
        return await self.core.messages.wait_for(channel, count, timeout)

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

    # --------------------------------------------------------- gateway controls

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
        return (ref_id(guild) >> 22) % count

    # ------------------------------------------------------------ interactions

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
        stale_client: bool = False,
    ) -> InteractionResult:
        """Invokes a registered slash command as ``member`` and returns what the bot did.

        ``name`` is ``"cast"``, ``"announce channel add"`` or ``["announce", "channel", "add"]``.
        Option values may be plain values or localcord objects (users, members, channels,
        roles); their ``resolved`` data is built like Discord's. ``guild=None`` runs it in
        the user's DM with the bot, or in ``channel`` when that is a DM or group DM between
        users. In a server without the bot, or a DM between users, it runs under the member's
        own install of the app (``install_for_user``). A command Discord would not offer there
        (its ``contexts`` or ``integration_types``) raises :class:`CommandUnavailable`, unless
        ``stale_client`` (a client with an outdated command list). Text that is not valid
        Unicode raises ``ValueError``.
        """
        return await self.core.invocations.run_command(
            guild,
            member,
            name,
            options,
            channel=channel,
            timeout=timeout,
            locale=locale,
            wait_deferred=wait_deferred,
            stale_client=stale_client,
        )

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
        stale_client: bool = False,
    ) -> list[dict[str, Any]]:
        """Sends an autocomplete interaction (type 4) and returns the bot's choices; where the
        command is offered, as for :meth:`run_command`."""
        return await self.core.invocations.run_autocomplete(
            guild,
            member,
            name,
            focused=focused,
            value=value,
            options=options,
            channel=channel,
            timeout=timeout,
            locale=locale,
            stale_client=stale_client,
        )

    async def click_button(
        self,
        message: Ref,
        custom_id: str,
        member: Ref,
        *,
        guild: Ref | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        wait_deferred: bool = True,
        locale: str = "en-US",
    ) -> InteractionResult:
        """Clicks a button of ``message`` (a message dict or id) as ``member`` (whose Discord
        language is ``locale``); ``guild`` is not needed."""
        return await self.core.invocations.click_button(
            message, custom_id, member, timeout=timeout, wait_deferred=wait_deferred, locale=locale
        )

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
        return await self.core.invocations.select_menu(
            message, custom_id, values, member, timeout=timeout, wait_deferred=wait_deferred
        )

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
        return await self.core.invocations.submit_modal(
            guild, member, custom_id, values, channel=channel, timeout=timeout, wait_deferred=wait_deferred
        )

    def interaction_payload(self, result: InteractionResult) -> dict[str, Any]:
        return result.payload

    # -------------------------------------------------------------------- RPC

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
