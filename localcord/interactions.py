"""Interactions and the bot's answers: callbacks (types 1 and 4 to 9), follow-ups, @original.

The bot answers an interaction once, within ``interaction_timeout`` (404 10062 after,
400 40060 for a second answer); its token then works for follow-ups and edits during
``token_lifetime``. Ephemeral messages live on their interaction, not in a channel.

Answers go to the interaction's channel whether or not the bot is in it (a server the bot is not
in, a DM between users: a user install). An interaction authorized by a user install alone gets at
most 5 follow-ups (400 40094), and its answers are ephemeral when ``force_ephemeral`` says so.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from . import state as S
from . import validation as V
from .errors import APIError, unknown_interaction, unknown_message
from .installs import USER_INSTALL_FOLLOWUPS
from .messages import EPHEMERAL, LOADING

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

# The callback types each interaction type accepts.
_ALLOWED_RESPONSES = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


def _invalid_response_type() -> APIError:
    return APIError.field("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type")


class Interactions:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.by_id: dict[int, S.Interaction] = {}
        self.by_token: dict[str, S.Interaction] = {}
        self.late_callbacks = 0  # callbacks that came after the deadline (answered 10062)
        self._followup_events: dict[int, asyncio.Event] = {}

    def register(self, inter: S.Interaction) -> None:
        self.by_id[inter.id] = inter
        self.by_token[inter.token] = inter

    def for_webhook(self, token: str) -> S.Interaction | None:
        """The interaction whose token this is, while the token lives."""
        inter = self.by_token.get(token)
        if inter is None or self.core.clock() - inter.created > self.core.token_lifetime:
            return None
        return inter

    def followup_event(self, inter: S.Interaction) -> asyncio.Event:
        """Set at each follow-up of ``inter``."""
        ev = self._followup_events.get(inter.id)
        if ev is None:
            ev = self._followup_events[inter.id] = asyncio.Event()
        return ev

    def message(self, inter: S.Interaction, mid: int) -> dict[str, Any] | None:
        """A message of ``inter``'s answer (ephemeral or not), or the message its component is on."""
        msg = inter.ephemeral_messages.get(mid)
        if msg is not None:
            return msg
        channels = self.core.channels
        channel = channels.get(inter.original_channel_id or inter.channel_id)
        if channel is not None and mid in channel.messages:
            return channel.messages[mid]
        channel = channels.get(inter.channel_id)
        if channel is not None and mid in channel.messages:
            return channel.messages[mid]
        return self.find_ephemeral(mid)  # a component on another interaction's ephemeral answer

    def find_ephemeral(self, mid: int) -> dict[str, Any] | None:
        for inter in self.by_id.values():
            if mid in inter.ephemeral_messages:
                return inter.ephemeral_messages[mid]
        return None

    # ---------------------------------------------------------------- answers

    def _post(
        self,
        inter: S.Interaction,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        core = self.core
        channel = core.channels.get(inter.channel_id)
        if channel is None:
            raise APIError(404, 10003, "Unknown Channel")
        msg_type = 20 if inter.type == 2 and inter.original_message_id is None else 0
        if inter.force_ephemeral:
            extra_flags |= EPHEMERAL
        msg = core.messages.build(
            channel,
            core.bot_user,
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
            core.messages.store(channel, msg)
        return msg

    def respond(
        self, inter: S.Interaction, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """``POST /interactions/{id}/{token}/callback``; returns the ``with_response`` body."""
        core = self.core
        if inter.acknowledged:
            raise APIError(400, 40060, "Interaction has already been acknowledged.")
        if core.limits.interaction_deadline and core.clock() - inter.created > core.interaction_timeout:
            self.late_callbacks += 1
            raise unknown_interaction()
        return self.callback(inter, payload, files)

    def callback(
        self, inter: S.Interaction, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The answer itself, once :meth:`respond` let it through."""
        core = self.core
        rtype = payload.get("type")
        data = payload.get("data") or {}
        if rtype not in _ALLOWED_RESPONSES.get(inter.type, set()):
            raise _invalid_response_type()
        msg = None
        if rtype == 4:
            core.messages.check_payload(data, files, ("data",))
            msg = self._post(inter, data, files)
            inter.original_message_id = int(msg["id"])
            inter.ephemeral = bool(msg["flags"] & EPHEMERAL)
        elif rtype == 5:
            flags = (int(data.get("flags") or 0) | (EPHEMERAL if inter.force_ephemeral else 0)) & EPHEMERAL
            msg = self._post(inter, {"content": "", "flags": flags}, [], extra_flags=LOADING)
            inter.original_message_id = int(msg["id"])
            inter.ephemeral = bool(flags)
            inter.loading = True
        elif rtype in (6, 7):
            target = inter.payload.get("message")
            if target is None:
                raise _invalid_response_type()
            mid = int(target["id"])
            inter.original_message_id = mid
            inter.original_channel_id = int(target["channel_id"])
            current = self.message(inter, mid)
            inter.ephemeral = bool(current and current.get("flags", 0) & EPHEMERAL)
            if rtype == 7:
                if core.limits.validation:
                    errors = V.validate_message(data)
                    if errors:
                        errors.items = [(("data", *p), c, m) for p, c, m in errors.items]
                        raise APIError.form(errors)
                if current is None:
                    raise unknown_message()
                msg = core.messages.edit(current, data, files, webhook=True)
            else:
                inter.loading = True
        elif rtype == 8:
            if core.limits.validation:
                errors = V.validate_autocomplete(data)
                if errors:
                    raise APIError.form(errors)
        elif rtype == 9:
            if core.limits.validation:
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

    def followup(
        self, inter: S.Interaction, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """``POST /webhooks/{app}/{token}``: a follow-up message."""
        core = self.core
        if set(inter.owners) == {str(S.USER_INSTALL)} and len(inter.followup_ids) >= USER_INSTALL_FOLLOWUPS:
            raise APIError(400, 40094, "This interaction has hit the maximum number of follow up messages")
        original = None
        if inter.loading and inter.response_type == 5 and inter.original_message_id is not None:
            original = self.message(inter, inter.original_message_id)
        core.messages.check_payload(payload, files)
        if original is not None:
            # The first follow-up after a deferred response replaces the "thinking" message.
            msg = core.messages.edit(original, payload, files, webhook=True, interaction=inter)
        else:
            msg = self._post(inter, payload, files)
        inter.followup_ids.append(int(msg["id"]))
        if inter.completed is not None:
            inter.completed.set()
        self.followup_event(inter).set()
        return msg

    def edit_message(
        self, inter: S.Interaction, msg: dict[str, Any], payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """``PATCH /webhooks/{app}/{token}/messages/{id or @original}``."""
        return self.core.messages.edit(msg, payload, files, webhook=True, interaction=inter)

    def delete_message(self, inter: S.Interaction, msg: dict[str, Any]) -> None:
        self.core.messages.delete(msg)
        inter.ephemeral_messages.pop(int(msg["id"]), None)
