"""What users do: run a slash command, ask for autocomplete, click a button, pick from a
menu, submit a modal. Each builds an interaction as Discord would, sends it to the bot's
shard as INTERACTION_CREATE and waits for the answer, read through :class:`InteractionResult`.
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
    ) -> S.Interaction:
        """A new interaction of type ``itype`` (2 command, 3 component, 4 autocomplete, 5 modal)."""
        core = self.core
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
        channel_dict = channel.to_dict()
        if guild is not None:
            member = core.state_member(guild, user.id)
            member_perms = P.channel_permissions(guild, member, channel)
            channel_dict["permissions"] = str(member_perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "member": member.to_dict(permissions=member_perms),
                    "app_permissions": str(core.bot_permissions_in(channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_dict(),
                    "app_permissions": str(core.permissions_for(core.bot_user.id, channel)),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        payload["channel"] = channel_dict
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

    def _context(
        self, guild: Ref | None, member: Ref, channel: Ref | None
    ) -> tuple[S.Guild | None, S.Channel, S.User]:
        core = self.core
        if guild is None:
            user = core.state_user(member)
            ch = core.state_channel(channel) if channel is not None else core.setup.dm_channel(user)
            return None, ch, user
        g = core.state_guild(guild)
        user = core.state_user(member)
        if user.id not in g.members:
            raise KeyError(f"user {user.id} is not a member of guild {g.id}")
        if channel is None:
            text = [c for c in g.channels.values() if c.type in (S.TEXT, S.ANNOUNCEMENT)]
            if not text:
                raise ValueError("guild has no text channel; pass channel=")
            ch = text[0]
        else:
            ch = core.state_channel(channel)
        return g, ch, user

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
    ) -> InteractionResult:
        g, ch, user = self._context(guild, member, channel)
        data = self.core.commands.call_data(g, user, name, options)
        inter = self.build(2, g, ch, user, data, locale=locale)
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
    ) -> list[dict[str, Any]]:
        g, ch, user = self._context(guild, member, channel)
        values = dict(options or {})
        values[focused] = value
        data = self.core.commands.call_data(g, user, name, values, focused=focused)
        inter = self.build(4, g, ch, user, data, locale=locale)
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
        return core.guild_of(channel), channel, user, msg

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
    ) -> InteractionResult:
        g, channel, user, msg = self._component_context(message, member)
        comp = self._component(msg, custom_id)
        if comp.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": comp.get("type", 2)}
        inter = self.build(3, g, channel, user, data, message=msg)
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
        inter = self.build(3, g, channel, user, data, message=msg)
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
        g, ch, user = self._context(guild, member, channel)
        data = {
            "custom_id": custom_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()
            ],
        }
        inter = self.build(5, g, ch, user, data)
        return await self.send(inter, timeout, wait_deferred)
