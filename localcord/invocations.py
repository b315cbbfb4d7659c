"""What users do: run a slash command, ask for autocomplete, click a button, pick from a
menu, submit a modal. Each builds an interaction as Discord would, sends it to the bot's
shard as INTERACTION_CREATE and waits for the answer, read through :class:`InteractionResult`.

Where it happens (a server with or without the bot, the bot's DM, a DM between users) and under
which install is worked out by ``core.installs`` (installs.py), which also refuses a command
Discord would not offer there.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import permissions as P
from . import state as S
from . import wire
from .gateway import Session
from .installs import Surface
from .state import Ref, ref_id

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core
    from .interactions import Interactions


class InteractionTimeout(asyncio.TimeoutError):
    """The bot did not answer an interaction in time."""


class InteractionResult:
    """What the bot did with an interaction. Message properties read the live state."""

    def __init__(self, interactions: Interactions, inter: S.Interaction) -> None:
        self._interactions = interactions
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
        return None if mid is None else self._interactions.message(self._inter, mid)

    @property
    def followups(self) -> list[dict[str, Any]]:
        out = []
        for mid in self._inter.followup_ids:
            msg = self._interactions.message(self._inter, mid)
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
            ev = self._interactions.followup_event(self._inter)
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


class Invocations:
    def __init__(self, core: Core) -> None:
        self.core = core

    # ------------------------------------------------------------ the interaction

    def build(
        self,
        itype: int,
        guild: S.Guild | None,
        channel: S.Channel,
        user: S.User,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        locale: str = "en-US",
        owners: dict[str, str] | None = None,
    ) -> S.Interaction:
        """A new interaction of type ``itype`` (2 command, 3 component, 4 autocomplete, 5 modal).

        ``owners`` is its ``authorizing_integration_owners``; by default, the installs that reach
        where it happens.
        """
        core = self.core
        installs = core.installs
        surface = Surface(guild, channel, user, installs.context_of(channel))
        if owners is None:
            owners = installs.installs_here(surface)
        wire.refuse_invalid_text(data, "interaction data")
        iid = core.snowflakes.next()
        token = S.new_token()
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(core.application_id),
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
        app_permissions = installs.app_permissions(surface)
        if guild is not None:
            member = core.state_member(guild, user.id)
            member_perms = P.channel_permissions(guild, member, channel)
            # A server the bot is in: the channel as the bot knows it; else a partial channel.
            in_guild = installs.guild_installed(guild)
            channel_dict = channel.to_dict() if in_guild else installs.partial_channel(channel)
            channel_dict["permissions"] = str(member_perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": member.to_dict(permissions=member_perms),
                }
            )
        else:
            channel_dict = channel.to_dict()
            payload["user"] = user.to_dict()
        payload.update(
            {
                "app_permissions": str(app_permissions),
                "authorizing_integration_owners": dict(owners),
                "context": surface.context,
                "channel": channel_dict,
            }
        )
        if message is not None:
            payload["message"] = {k: v for k, v in message.items() if k != "allowed_mentions"}
        inter = S.Interaction(
            id=iid,
            token=token,
            type=itype,
            guild_id=guild.id if guild else None,
            channel_id=channel.id,
            user=user,
            payload=payload,
            created=core.clock(),
            context=surface.context,
            owners=dict(owners),
            force_ephemeral=installs.forced_ephemeral(surface, owners),
            future=asyncio.get_running_loop().create_future(),
            completed=asyncio.Event(),
        )
        core.interactions.register(inter)
        return inter

    async def _session_for(self, guild: S.Guild | None, timeout: float) -> Session:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            session = self.core.session_for_guild(guild.id if guild else None)
            if session is not None and session.conn is not None:
                return session
            if session is not None and session.conn is None and time.monotonic() >= deadline:
                return session  # buffered; delivered on RESUME
            if time.monotonic() >= deadline:
                raise TimeoutError("no gateway session for this guild's shard; is the bot connected?")
            await asyncio.sleep(0.01)

    async def send(
        self,
        inter: S.Interaction,
        timeout: float,  # noqa: ASYNC109
        wait_deferred: bool,
    ) -> InteractionResult:
        """Dispatches INTERACTION_CREATE and waits for the bot's answer (and a deferred one's end)."""
        core = self.core
        start = time.monotonic()
        guild = core.guilds.get(inter.guild_id) if inter.guild_id else None
        session = await self._session_for(guild, timeout)
        inter.created = core.clock()
        inter.shard_id = session.shard_id
        session.dispatch("INTERACTION_CREATE", inter.payload)
        remaining = max(0.01, timeout - (time.monotonic() - start))
        try:
            await asyncio.wait_for(asyncio.shield(inter.future), remaining)
        except TimeoutError:
            late = core.interactions.late_callbacks
            raise InteractionTimeout(
                f"the bot did not answer interaction {inter.id} (type {inter.type}) within {timeout:.1f}s"
                + (f"; {late} late callback(s) were rejected" if late else "")
            ) from None
        result = InteractionResult(core.interactions, inter)
        if wait_deferred and inter.response_type in (5, 6) and not inter.completed.is_set():
            remaining = max(0.01, timeout - (time.monotonic() - start))
            try:
                await asyncio.wait_for(inter.completed.wait(), remaining)
            except TimeoutError:
                pass
        return result

    def _command(
        self, surface: Surface, name: str | Sequence[str], stale_client: bool
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The command ``name`` starts with, and the installs that authorize running it there."""
        path = name.split() if isinstance(name, str) else list(name)
        if not path:
            raise ValueError("empty command name")
        installs = self.core.installs
        cmd = installs.find_command(surface, path[0])
        if stale_client:
            return cmd, installs.installs_here(surface)
        return cmd, installs.command_owners(surface, cmd)

    # ------------------------------------------------------------ commands

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
        here = self.core.installs.surface(guild, member, channel)
        cmd, owners = self._command(here, name, stale_client)
        data = self.core.commands.call_data(here.guild, here.user, name, options, command=cmd)
        inter = self.build(2, here.guild, here.channel, here.user, data, locale=locale, owners=owners)
        return await self.send(inter, timeout, wait_deferred)

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
        here = self.core.installs.surface(guild, member, channel)
        cmd, owners = self._command(here, name, stale_client)
        values = dict(options or {})
        values[focused] = value
        data = self.core.commands.call_data(here.guild, here.user, name, values, focused=focused, command=cmd)
        inter = self.build(4, here.guild, here.channel, here.user, data, locale=locale, owners=owners)
        result = await self.send(inter, timeout, False)
        return result.choices

    # ---------------------------------------------------- components and modals

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
        self, message: Ref, member: Ref
    ) -> tuple[S.Guild | None, S.Channel, S.User, dict[str, Any]]:
        core = self.core
        if isinstance(message, dict):
            channel_id = int(message["channel_id"])
            mid = int(message["id"])
        else:
            mid = ref_id(message)
            found = next((c.id for c in core.channels.values() if mid in c.messages), None)
            if found is None:
                raise KeyError(f"unknown message {message!r}")
            channel_id = found
        channel = core.state_channel(channel_id)
        msg = channel.messages.get(mid) or core.interactions.find_ephemeral(mid)
        if msg is None:
            raise KeyError(f"message {mid} no longer exists")
        user = core.state_user(member)
        guild = core.guild_of(channel)
        if guild is None and channel.is_private and user.id not in {u.id for u in channel.recipients}:
            raise KeyError(f"user {user.id} is not a recipient of channel {channel.id}")
        return guild, channel, user, msg

    def _component_owners(
        self, guild: S.Guild | None, channel: S.Channel, user: S.User, msg: dict[str, Any]
    ) -> dict[str, str]:
        installs = self.core.installs
        surface = Surface(guild, channel, user, installs.context_of(channel))
        return installs.component_owners(surface, msg)

    def _component(self, msg: dict[str, Any], custom_id: str) -> dict[str, Any]:
        comp = self._find_component(msg.get("components"), custom_id)
        if comp is None:
            raise LookupError(f"message {msg['id']} has no component with custom_id {custom_id!r}")
        return comp

    async def click_button(
        self,
        message: Ref,
        custom_id: str,
        member: Ref,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        wait_deferred: bool = True,
        locale: str = "en-US",
    ) -> InteractionResult:
        g, channel, user, msg = self._component_context(message, member)
        comp = self._component(msg, custom_id)
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": comp.get("type", 2)}
        owners = self._component_owners(g, channel, user, msg)
        inter = self.build(3, g, channel, user, data, message=msg, owners=owners, locale=locale)
        return await self.send(inter, timeout, wait_deferred)

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
        g, channel, user, msg = self._component_context(message, member)
        comp = self._component(msg, custom_id)
        data = {
            "custom_id": custom_id,
            "component_type": comp.get("type", 3),
            "values": [str(v) for v in values],
        }
        owners = self._component_owners(g, channel, user, msg)
        inter = self.build(3, g, channel, user, data, message=msg, owners=owners)
        return await self.send(inter, timeout, wait_deferred)

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
        here = self.core.installs.surface(guild, member, channel)
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()
            ],
        }
        inter = self.build(5, here.guild, here.channel, here.user, data)
        return await self.send(inter, timeout, wait_deferred)
