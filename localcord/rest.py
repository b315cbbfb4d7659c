"""The REST API (``/api/v10``) as aiohttp routes.

Handlers raise :class:`APIError` for Discord's JSON errors; the middleware turns
them into responses, applies injected faults, authentication and rate limits, and
records every request in the core's request log (``LocalDiscord.request_log``).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import permissions as P
from . import state as S
from . import validation as V
from . import wire
from .core import PREFIX
from .errors import (
    APIError,
    invalid_json,
    missing_access,
    missing_permissions,
    unknown_channel,
    unknown_guild,
    unknown_interaction,
    unknown_message,
    unknown_webhook,
)

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

__all__ = ["PREFIX", "APIError", "RestAPI", "json_response", "no_content", "read_body", "read_payload"]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return web.Response(body=wire.dumps(data).encode("utf-8"), status=status, headers=h)


def _decode_json(raw: str | bytes) -> Any:
    """Parses a JSON body; text that is not valid Unicode (a lone surrogate) is invalid JSON."""
    try:
        payload = json.loads(raw)
    except ValueError:
        raise invalid_json() from None
    if wire.has_lone_surrogate_escape(raw) and wire.lone_surrogate_path(payload) is not None:
        raise invalid_json()
    return payload


def no_content(headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=204, headers=headers)


async def read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """Returns (json payload, files). Accepts JSON and multipart/form-data with payload_json."""
    ctype = request.content_type
    files: list[dict[str, Any]] = []
    if ctype.startswith("multipart/"):
        payload: Any = {}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue  # a nested multipart: Discord reads none
            name = part.name or ""
            if name == "payload_json":
                try:
                    text = await part.text()
                except ValueError:
                    raise invalid_json() from None
                payload = _decode_json(text)
            else:
                data = await part.read()
                files.append(
                    {
                        "field": name,
                        "filename": part.filename or name,
                        "content_type": part.headers.get("Content-Type", "application/octet-stream"),
                        "size": len(data),
                        "data": data,
                    }
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return {}, files
    payload = _decode_json(raw)
    if not isinstance(payload, (dict, list)):
        raise invalid_json()
    return payload, files


async def read_payload(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Like :func:`read_body` for the routes whose body is a JSON object."""
    payload, files = await read_body(request)
    if not isinstance(payload, dict):
        raise APIError(
            400,
            50035,
            "Invalid Form Body",
            {
                "_errors": [
                    {"code": "DICT_TYPE_CONVERT", "message": "Only dictionaries may be used in a DictType"}
                ]
            },
        )
    return payload, files


def snowflake(value: Any) -> int | None:
    """An id given as an integer or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise APIError(404, 0, "404: Not Found") from None


class RestAPI:
    def __init__(self, core: Core) -> None:
        self.core = core

    # ------------------------------------------------------------------ plumbing

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self.middleware], client_max_size=64 * 1024 * 1024)
        r = app.router
        add = lambda method, path, handler: r.add_route(method, PREFIX + path, handler)  # noqa: E731
        add("GET", "/gateway", self.get_gateway)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/users/@me", self.get_me)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        for base in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            add("GET", base, self.list_commands)
            add("PUT", base, self.bulk_commands)
            add("POST", base, self.create_command)
            add("GET", base + "/{command_id}", self.get_command)
            add("PATCH", base + "/{command_id}", self.edit_command)
            add("DELETE", base + "/{command_id}", self.delete_command)
        add("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.interaction_callback)
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self.webhook_execute)
        add("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.webhook_get_message)
        add(
            "PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.webhook_edit_message
        )
        add(
            "DELETE",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.webhook_delete_message,
        )
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("PATCH", "/channels/{channel_id}", self.edit_channel)
        add("DELETE", "/channels/{channel_id}", self.delete_channel)
        add("GET", "/channels/{channel_id}/messages", self.list_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", self.crosspost)
        add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message)
        add("POST", "/channels/{channel_id}/threads", self.thread_without_message)
        add("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", self.put_overwrite)
        add("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", self.delete_overwrite)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.guild_channels)
        add("POST", "/guilds/{guild_id}/channels", self.guild_create_channel)
        add("GET", "/guilds/{guild_id}/roles", self.guild_roles)
        add("POST", "/guilds/{guild_id}/roles", self.guild_create_role)
        add("PATCH", "/guilds/{guild_id}/roles/{role_id}", self.guild_edit_role)
        add("DELETE", "/guilds/{guild_id}/roles/{role_id}", self.guild_delete_role)
        add("GET", "/guilds/{guild_id}/members", self.guild_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member)
        add("GET", "/guilds/{guild_id}/scheduled-events", self.list_events)
        add("POST", "/guilds/{guild_id}/scheduled-events", self.create_event)
        add("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self.get_event)
        add("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self.edit_event)
        add("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self.delete_event)
        r.add_route("GET", "/gateway-ws", self.core.gateway.handle)
        r.add_route("GET", "/gateway-ws/", self.core.gateway.handle)
        return app

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if not path.startswith(PREFIX):
            return await handler(request)
        core = self.core
        rel = path[len(PREFIX) :]
        method = request.method
        extra: dict[str, str] = {"Via": "1.1 google"}
        response: web.StreamResponse
        match = request.match_info
        exc: web.HTTPException | None = getattr(match, "http_exception", None)
        if exc is not None:
            response = json_response({"message": f"{exc.status}: {exc.reason}", "code": 0}, exc.status, extra)
            core.log_request(method, rel, response.status)
            return response
        decision = core.limiter.check_injection(method, rel) if core.limiter.injections else None
        if decision is not None:
            response = json_response(decision.body, decision.status or 500, decision.headers)
            core.log_request(method, rel, response.status)
            return response
        webhookish = rel.startswith("/interactions/") or rel.startswith("/webhooks/")
        if not webhookish and request.headers.get("Authorization") != f"Bot {core.token}":
            response = json_response({"message": "401: Unauthorized", "code": 0}, 401, extra)
            core.log_request(method, rel, response.status)
            return response
        if core.limits.rate_limits or core.limits.global_limit:
            core.limiter.routes_enabled = core.limits.rate_limits
            core.limiter.global_enabled = core.limits.global_limit
            resource = match.route.resource
            template = resource.canonical[len(PREFIX) :] if resource is not None else rel
            decision = core.limiter.check(method, rel, template, dict(match))
            if decision.status is not None:
                response = json_response(decision.body, decision.status, decision.headers)
                core.log_request(method, rel, response.status)
                return response
            extra.update(decision.headers)
        try:
            response = await handler(request)
        except APIError as e:
            response = json_response(e.body, e.status)
        except web.HTTPException as e:
            response = json_response({"message": f"{e.status}: {e.reason}", "code": 0}, e.status)
        for k, v in extra.items():
            response.headers[k] = v
        core.log_request(method, rel, response.status)
        return response

    # ------------------------------------------------------------------- lookups

    def _channel(self, request: web.Request) -> S.Channel:
        cid = _int(request.match_info["channel_id"])
        channel = self.core.channels.get(cid)
        if channel is None:
            raise unknown_channel()
        return channel

    def _guild(self, request: web.Request) -> S.Guild:
        gid = _int(request.match_info["guild_id"])
        guild = self.core.guilds.get(gid)
        if guild is None or self.core.bot_user.id not in guild.members:
            raise unknown_guild()
        return guild

    def _message(self, channel: S.Channel, request: web.Request) -> dict[str, Any]:
        mid = _int(request.match_info["message_id"])
        msg = channel.messages.get(mid)
        if msg is None:
            raise unknown_message()
        return msg

    def _require(self, channel: S.Channel, needed: int) -> None:
        """Checks the bot's permissions in a guild channel."""
        core = self.core
        if channel.guild_id is None or not core.limits.permissions:
            return
        perms = core.bot_permissions_in(channel)
        if not perms & P.VIEW_CHANNEL:
            raise missing_access()
        if perms & needed != needed:
            raise missing_permissions()

    # ------------------------------------------------------------ users, gateway

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.core.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.core.gateway_url,
                "shards": self.core.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, request: web.Request) -> web.Response:
        d = self.core.bot_user.to_dict()
        d.update(
            {"mfa_enabled": False, "verified": True, "email": None, "locale": "en-US", "premium_type": 0}
        )
        return json_response(d)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.core.users.get(_int(request.match_info["user_id"]))
        if user is None:
            raise APIError(404, 10013, "Unknown User")
        return json_response(user.to_dict())

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(self.core.application_payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        payload, _ = await read_payload(request)
        uid = snowflake(payload.get("recipient_id"))
        if uid is None:
            errors = V.FormErrors()
            V.required(errors, ("recipient_id",))
            raise APIError.form(errors)
        user = self.core.users.get(uid)
        if user is None:
            raise APIError.field("recipient_id", "USER_NOT_FOUND", "Unknown User")
        channel = self.core.setup.dm_channel(user)
        return json_response(channel.to_dict())

    # ------------------------------------------------------------------ commands

    def _command_scope(self, request: web.Request) -> S.Guild | None:
        if _int(request.match_info["application_id"]) != self.core.application_id:
            raise missing_access()
        return self._guild(request) if "guild_id" in request.match_info else None

    async def list_commands(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        return json_response(list(self.core.commands.store(guild).values()))

    async def bulk_commands(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        payload, _ = await read_body(request)
        if self.core.limits.validation:
            errors = V.validate_commands(payload, global_=guild is None)
            if errors:
                raise APIError.form(errors)
        elif not isinstance(payload, list):
            raise APIError(400, 50035, "Invalid Form Body")
        return json_response(self.core.commands.replace(guild, payload))

    async def create_command(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_command(errors, (), payload)
            if errors:
                raise APIError.form(errors)
        cmd, created = self.core.commands.upsert(guild, payload)
        return json_response(cmd, 201 if created else 200)

    def _command(self, request: web.Request) -> tuple[S.Guild | None, dict[str, Any]]:
        guild = self._command_scope(request)
        cmd = self.core.commands.store(guild).get(_int(request.match_info["command_id"]))
        if cmd is None:
            raise APIError(404, 10063, "Unknown application command")
        return guild, cmd

    async def get_command(self, request: web.Request) -> web.Response:
        _, cmd = self._command(request)
        return json_response(cmd)

    async def edit_command(self, request: web.Request) -> web.Response:
        guild, cmd = self._command(request)
        payload, _ = await read_payload(request)
        merged = {**cmd, **payload}
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_command(errors, (), merged)
            if errors:
                raise APIError.form(errors)
        return json_response(self.core.commands.edit(guild, cmd, merged))

    async def delete_command(self, request: web.Request) -> web.Response:
        guild, cmd = self._command(request)
        self.core.commands.delete(guild, cmd)
        return no_content()

    # -------------------------------------------------------------- interactions

    async def interaction_callback(self, request: web.Request) -> web.Response:
        interactions = self.core.interactions
        inter = interactions.by_id.get(_int(request.match_info["interaction_id"]))
        if inter is None or inter.token != request.match_info["interaction_token"]:
            raise unknown_interaction()
        payload, files = await read_payload(request)
        return json_response(interactions.respond(inter, payload, files))

    def _webhook_interaction(self, request: web.Request) -> S.Interaction:
        if _int(request.match_info["webhook_id"]) != self.core.application_id:
            raise unknown_webhook()
        inter = self.core.interactions.for_webhook(request.match_info["webhook_token"])
        if inter is None:
            raise unknown_webhook()
        return inter

    async def webhook_execute(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        if not inter.acknowledged:
            raise unknown_webhook()
        payload, files = await read_payload(request)
        msg = self.core.interactions.followup(inter, payload, files)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        if not wait:
            return no_content()
        return json_response(msg)

    def _webhook_message(self, inter: S.Interaction, request: web.Request) -> dict[str, Any]:
        raw = request.match_info["message_id"]
        if raw == "@original":
            mid = inter.original_message_id
            if mid is None:
                raise unknown_message()
        else:
            mid = _int(raw)
        msg = self.core.interactions.message(inter, mid)
        if msg is None:
            raise unknown_message()
        return msg

    async def webhook_get_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        return json_response(self._webhook_message(inter, request))

    async def webhook_edit_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        msg = self._webhook_message(inter, request)
        payload, files = await read_payload(request)
        return json_response(self.core.interactions.edit_message(inter, msg, payload, files))

    async def webhook_delete_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        msg = self._webhook_message(inter, request)
        self.core.interactions.delete_message(inter, msg)
        return no_content()

    # ------------------------------------------------------------------ channels

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.guild_id is not None and self.core.limits.permissions:
            if not self.core.bot_permissions_in(channel) & P.VIEW_CHANNEL:
                raise missing_access()
        return json_response(channel.to_dict())

    async def edit_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS)
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
        channel = self._channel(request)
        self._require(channel, P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS)
        data = channel.to_dict()
        self.core.setup.delete_channel(channel)
        return json_response(data)

    async def typing(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.SEND_MESSAGES)
        return no_content()

    async def put_overwrite(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.MANAGE_ROLES)
        payload, _ = await read_payload(request)
        oid = _int(request.match_info["overwrite_id"])
        channel.overwrites[oid] = S.Overwrite(
            oid, int(payload.get("type", 0)), int(payload.get("allow") or 0), int(payload.get("deny") or 0)
        )
        self.core.dispatch_channel("CHANNEL_UPDATE", channel)
        return no_content()

    async def delete_overwrite(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.MANAGE_ROLES)
        channel.overwrites.pop(_int(request.match_info["overwrite_id"]), None)
        self.core.dispatch_channel("CHANNEL_UPDATE", channel)
        return no_content()

    # ------------------------------------------------------------------ messages

    async def list_messages(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        q = request.query
        try:
            limit = max(1, min(100, int(q.get("limit", 50))))
        except ValueError:
            limit = 50
        ids = channel.messages
        out: list[dict[str, Any]] = []
        if "after" in q:
            after = _int(q["after"])
            for mid, msg in ids.items():
                if mid > after:
                    out.append(msg)
                    if len(out) >= limit:
                        break
            out.reverse()
        elif "around" in q:
            around = _int(q["around"])
            keys = list(ids)
            import bisect

            i = bisect.bisect_left(keys, around)
            lo = max(0, i - limit // 2)
            out = [ids[k] for k in keys[lo : lo + limit]]
            out.reverse()
        else:
            before = _int(q["before"]) if "before" in q else None
            for mid in reversed(ids):
                if before is not None and mid >= before:
                    continue
                out.append(ids[mid])
                if len(out) >= limit:
                    break
        return json_response(out)

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
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
            self._require(channel, needed)
        msg, _ = core.messages.post(channel, payload, files)
        return json_response(msg)

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._require(channel, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
        return json_response(self._message(channel, request))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._message(channel, request)
        payload, files = await read_payload(request)
        core = self.core
        if int(msg["author"]["id"]) != core.bot_user.id or msg.get("webhook_id"):
            if set(payload) - {"flags"}:
                raise APIError(403, 50005, "Cannot edit a message authored by another user")
            self._require(channel, P.MANAGE_MESSAGES)
        elif channel.guild_id is not None:
            self._require(channel, P.VIEW_CHANNEL | (P.EMBED_LINKS if payload.get("embeds") else 0))
        return json_response(core.messages.edit(msg, payload, files))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._message(channel, request)
        if int(msg["author"]["id"]) != self.core.bot_user.id:
            self._require(channel, P.MANAGE_MESSAGES)
        else:
            self._require(channel, P.VIEW_CHANNEL)
        self.core.messages.delete(msg)
        return no_content()

    async def crosspost(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel.type != S.ANNOUNCEMENT:
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        msg = self._message(channel, request)
        own = int(msg["author"]["id"]) == self.core.bot_user.id
        self._require(channel, P.SEND_MESSAGES if own else (P.SEND_MESSAGES | P.MANAGE_MESSAGES))
        if msg.get("flags", 0) & 1:
            raise APIError(400, 40033, "This message has already been crossposted.")
        if msg.get("type") not in (0, 19, 20):
            raise APIError(400, 50068, "Invalid message type")
        return json_response(self.core.messages.crosspost(channel, msg))

    async def add_reaction(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        msg = self._message(channel, request)
        self._require(channel, P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS)
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
        channel = self._channel(request)
        if channel.type not in (S.TEXT, S.ANNOUNCEMENT):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        msg = self._message(channel, request)
        self._require(channel, P.CREATE_PUBLIC_THREADS | P.READ_MESSAGE_HISTORY)
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
        channel = self._channel(request)
        if channel.type not in (S.TEXT, S.ANNOUNCEMENT):
            raise APIError(400, 50024, "Cannot execute action on this channel type")
        payload, _ = await read_payload(request)
        ttype = payload.get("type") or (
            S.ANNOUNCEMENT_THREAD if channel.type == S.ANNOUNCEMENT else S.PRIVATE_THREAD
        )
        self._require(
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

    # -------------------------------------------------------------------- guilds

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        d = guild.to_dict()
        if request.query.get("with_counts", "").lower() in ("1", "true"):
            d["approximate_member_count"] = len(guild.members)
            d["approximate_presence_count"] = 0
        return json_response(d)

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([c.to_dict() for c in guild.channels.values()])

    async def guild_create_channel(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_CHANNELS:
            raise missing_permissions()
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.bad_length(errors, ("name",), payload.get("name"), 1, 100)
            if errors:
                raise APIError.form(errors)
        channel = self.core.setup.create_channel(
            guild, payload["name"], type=payload.get("type", 0), topic=payload.get("topic")
        )
        return json_response(channel.to_dict(), 201)

    async def guild_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([r.to_dict() for r in guild.roles.values()])

    async def guild_create_role(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.max_length(errors, ("name",), payload.get("name"), 100)
            if errors:
                raise APIError.form(errors)
        role = self.core.setup.create_role(
            guild,
            payload.get("name") or "new role",
            permissions=int(payload.get("permissions") or 0),
            mentionable=bool(payload.get("mentionable", False)),
            color=int(payload.get("color") or 0),
            hoist=bool(payload.get("hoist", False)),
        )
        return json_response(role.to_dict())

    def _role(self, guild: S.Guild, request: web.Request) -> S.Role:
        role = guild.roles.get(_int(request.match_info["role_id"]))
        if role is None:
            raise APIError(404, 10011, "Unknown Role")
        return role

    async def guild_edit_role(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        role = self._role(guild, request)
        payload, _ = await read_payload(request)
        for key in ("name", "mentionable", "hoist", "color"):
            if key in payload:
                setattr(role, key, payload[key])
        if "permissions" in payload:
            role.permissions = int(payload["permissions"])
        self.core.setup.update_role(guild, role)
        return json_response(role.to_dict())

    async def guild_delete_role(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        role = self._role(guild, request)
        self.core.setup.delete_role(guild, role)
        return no_content()

    async def guild_members(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        try:
            limit = max(1, min(1000, int(request.query.get("limit", 1))))
        except ValueError:
            limit = 1
        after = int(request.query.get("after", 0) or 0)
        out = []
        for uid in sorted(guild.members):
            if uid > after:
                out.append(guild.members[uid].to_dict())
                if len(out) >= limit:
                    break
        return json_response(out)

    async def guild_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.members.get(_int(request.match_info["user_id"]))
        if member is None:
            raise APIError(404, 10007, "Unknown Member")
        return json_response(member.to_dict())

    # ---------------------------------------------------------- scheduled events

    def _event(self, guild: S.Guild, request: web.Request) -> S.ScheduledEvent:
        ev = guild.scheduled_events.get(_int(request.match_info["event_id"]))
        if ev is None:
            raise APIError(404, 10070, "Unknown Guild Scheduled Event")
        return ev

    async def list_events(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response([e.to_dict() for e in guild.scheduled_events.values()])

    async def get_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return json_response(self._event(guild, request).to_dict())

    def _event_permission(self, guild: S.Guild) -> None:
        if self.core.limits.permissions:
            perms = self.core.bot_base_permissions(guild)
            if not perms & (P.MANAGE_EVENTS | P.CREATE_EVENTS):
                raise missing_permissions()

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._event_permission(guild)
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.validate_scheduled_event(payload)
            start = V.parse_time(payload.get("scheduled_start_time"))
            if payload.get("scheduled_start_time") is not None and start is None:
                errors.add(("scheduled_start_time",), "DATE_TIME_TYPE_PARSE", "Could not parse date time.")
            elif start is not None and start < time.time() - 60:
                errors.add(
                    ("scheduled_start_time",),
                    "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
                    "Cannot schedule event in the past.",
                )
            end = V.parse_time(payload.get("scheduled_end_time"))
            if start is not None and end is not None and end <= start:
                errors.add(
                    ("scheduled_end_time",),
                    "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                    "Cannot schedule event to end before starting.",
                )
            if errors:
                raise APIError.form(errors)
            cid = payload.get("channel_id")
            if cid and int(cid) not in guild.channels:
                raise unknown_channel()
        ev = self.core.setup.create_scheduled_event(guild, payload)
        return json_response(ev.to_dict())

    async def edit_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._event_permission(guild)
        ev = self._event(guild, request)
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.validate_scheduled_event(payload, partial=True)
            if errors:
                raise APIError.form(errors)
        for key in (
            "name",
            "description",
            "scheduled_start_time",
            "scheduled_end_time",
            "entity_type",
            "privacy_level",
            "status",
            "entity_metadata",
            "image",
            "recurrence_rule",
        ):
            if key in payload:
                setattr(ev, key, payload[key])
        if "channel_id" in payload:
            ev.channel_id = int(payload["channel_id"]) if payload["channel_id"] else None
        self.core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_UPDATE", ev.to_dict())
        return json_response(ev.to_dict())

    async def delete_event(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        self._event_permission(guild)
        ev = self._event(guild, request)
        del guild.scheduled_events[ev.id]
        self.core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_DELETE", ev.to_dict())
        return no_content()
