"""Channels: settings, overwrites, typing, messages, reactions, crossposts and threads."""

from __future__ import annotations

import bisect
from typing import Any

from aiohttp import web

from . import permissions as P
from . import state as S
from . import validation as V
from .errors import APIError, missing_access
from .rest_base import Route, Routes, json_response, no_content, path_int, read_payload


class ChannelRoutes(Routes):
    def routes(self) -> list[Route]:
        return [
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.edit_channel),
            ("DELETE", "/channels/{channel_id}", self.delete_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", self.crosspost),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message),
            ("POST", "/channels/{channel_id}/threads", self.thread_without_message),
            ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", self.put_overwrite),
            ("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", self.delete_overwrite),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction),
        ]

    # ------------------------------------------------------------------ channels

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if channel.guild_id is not None and self.core.limits.permissions:
            if not self.core.bot_permissions_in(channel) & P.VIEW_CHANNEL:
                raise missing_access()
        return json_response(channel.to_dict())

    async def edit_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS)
        payload, _ = await read_payload(request)
        errors = V.FormErrors()
        if "name" in payload:
            V.bad_length(errors, ("name",), payload["name"], 1, 100)
        if "topic" in payload and payload["topic"] is not None:
            V.max_length(errors, ("topic",), payload["topic"], 1024)
        if errors and self.core.limits.validation:
            raise APIError.form(errors)
        for key in (
            "name",
            "topic",
            "nsfw",
            "rate_limit_per_user",
            "position",
            "archived",
            "auto_archive_duration",
        ):
            if key in payload:
                setattr(channel, key, payload[key])
        if (
            "type" in payload
            and payload["type"] in (S.TEXT, S.ANNOUNCEMENT)
            and channel.type in (S.TEXT, S.ANNOUNCEMENT)
        ):
            channel.type = payload["type"]
        if "parent_id" in payload:
            channel.parent_id = int(payload["parent_id"]) if payload["parent_id"] else None
        self.core.dispatch_channel("THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", channel)
        return json_response(channel.to_dict())

    async def delete_channel(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS)
        data = channel.to_dict()
        self.core.setup.delete_channel(channel)
        return json_response(data)

    async def typing(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.SEND_MESSAGES)
        return no_content()

    async def put_overwrite(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.MANAGE_ROLES)
        payload, _ = await read_payload(request)
        oid = path_int(request.match_info["overwrite_id"])
        channel.overwrites[oid] = S.Overwrite(
            oid, int(payload.get("type", 0)), int(payload.get("allow") or 0), int(payload.get("deny") or 0)
        )
        self.core.dispatch_channel("CHANNEL_UPDATE", channel)
        return no_content()

    async def delete_overwrite(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.MANAGE_ROLES)
        channel.overwrites.pop(path_int(request.match_info["overwrite_id"]), None)
        self.core.dispatch_channel("CHANNEL_UPDATE", channel)
        return no_content()

    # ------------------------------------------------------------------ messages

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        q = request.query
        try:
            limit = max(1, min(100, int(q.get("limit", 50))))
        except ValueError:
            limit = 50
        ids = channel.messages
        out: list[dict[str, Any]] = []
        if "after" in q:
            after = path_int(q["after"])
            for mid, msg in ids.items():
                if mid > after:
                    out.append(msg)
                    if len(out) >= limit:
                        break
            out.reverse()
        elif "around" in q:
            around = path_int(q["around"])
            keys = list(ids)
            i = bisect.bisect_left(keys, around)
            lo = max(0, i - limit // 2)
            out = [ids[k] for k in keys[lo : lo + limit]]
            out.reverse()
        else:
            before = path_int(q["before"]) if "before" in q else None
            for mid in reversed(ids):
                if before is not None and mid >= before:
                    continue
                out.append(ids[mid])
                if len(out) >= limit:
                    break
        return json_response(out)

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        payload, files = await read_payload(request)
        core = self.core
        if channel.type == S.DM:
            recipient = next((u for u in channel.recipients if u.id != core.bot_user.id), None)
            if recipient is not None and not recipient.dms_open:
                raise APIError(403, 50007, "Cannot send messages to this user")
        else:
            needed = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
            if payload.get("embeds"):
                needed |= P.EMBED_LINKS
            if files:
                needed |= P.ATTACH_FILES
            if payload.get("message_reference"):
                needed |= P.READ_MESSAGE_HISTORY
            if payload.get("tts"):
                pass  # Discord silently drops TTS without the permission
            self.require(channel, needed)
        msg, _ = core.messages.post(channel, payload, files)
        return json_response(msg)

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        self.require(channel, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        return json_response(self.message(channel, request))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        msg = self.message(channel, request)
        payload, files = await read_payload(request)
        core = self.core
        if int(msg["author"]["id"]) != core.bot_user.id or msg.get("webhook_id"):
            if set(payload) - {"flags"}:
                raise APIError(403, 50005, "Cannot edit a message authored by another user")
            self.require(channel, P.MANAGE_MESSAGES)
        elif channel.guild_id is not None:
            self.require(channel, P.VIEW_CHANNEL | (P.EMBED_LINKS if payload.get("embeds") else 0))
        return json_response(core.messages.edit(msg, payload, files))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        msg = self.message(channel, request)
        if int(msg["author"]["id"]) != self.core.bot_user.id:
            self.require(channel, P.MANAGE_MESSAGES)
        else:
            self.require(channel, P.VIEW_CHANNEL)
        self.core.messages.delete(msg)
        return no_content()

    async def crosspost(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if channel.type != S.ANNOUNCEMENT:
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        msg = self.message(channel, request)
        own = int(msg["author"]["id"]) == self.core.bot_user.id
        self.require(channel, P.SEND_MESSAGES if own else (P.SEND_MESSAGES | P.MANAGE_MESSAGES))
        if msg.get("flags", 0) & 1:
            raise APIError(400, 40033, "This message has already been crossposted.")
        if msg.get("type") not in (0, 19, 20):
            raise APIError(400, 50068, "Invalid message type")
        return json_response(self.core.messages.crosspost(channel, msg))

    async def add_reaction(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        msg = self.message(channel, request)
        self.require(channel, P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS)
        emoji = request.match_info["emoji"]
        reactions = msg.setdefault("reactions", [])
        for r in reactions:
            if r["emoji"].get("name") == emoji:
                if not r["me"]:
                    r["count"] += 1
                    r["me"] = True
                break
        else:
            reactions.append(
                {
                    "count": 1,
                    "me": True,
                    "me_burst": False,
                    "burst_colors": [],
                    "count_details": {"burst": 0, "normal": 1},
                    "emoji": {"id": None, "name": emoji},
                }
            )
        return no_content()

    async def thread_from_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if channel.type not in (S.TEXT, S.ANNOUNCEMENT):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        msg = self.message(channel, request)
        self.require(channel, P.CREATE_PUBLIC_THREADS | P.READ_MESSAGE_HISTORY)
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_thread_name(errors, payload.get("name"))
            if errors:
                raise APIError.form(errors)
        if msg.get("thread") is not None or int(msg["id"]) in self.core.channels:
            raise APIError(400, 160004, "A thread has already been created for this message")
        thread = self.core.setup.open_thread(
            channel,
            payload.get("name") or "thread",
            S.ANNOUNCEMENT_THREAD if channel.type == S.ANNOUNCEMENT else S.PUBLIC_THREAD,
            thread_id=int(msg["id"]),
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
        )
        msg["thread"] = thread.to_dict()
        msg["flags"] = msg.get("flags", 0) | 32
        return json_response(thread.to_dict(), 201)

    async def thread_without_message(self, request: web.Request) -> web.Response:
        channel = self.channel(request)
        if channel.type not in (S.TEXT, S.ANNOUNCEMENT):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        payload, _ = await read_payload(request)
        ttype = payload.get("type") or (
            S.ANNOUNCEMENT_THREAD if channel.type == S.ANNOUNCEMENT else S.PRIVATE_THREAD
        )
        self.require(
            channel, P.CREATE_PRIVATE_THREADS if ttype == S.PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
        )
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_thread_name(errors, payload.get("name"))
            if errors:
                raise APIError.form(errors)
        thread = self.core.setup.open_thread(
            channel,
            payload.get("name") or "thread",
            ttype,
            auto_archive_duration=payload.get("auto_archive_duration") or 1440,
        )
        return json_response(thread.to_dict(), 201)
