"""What every group of routes shares: JSON bodies in and out, and the lookups of path ids."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from . import permissions as P
from . import state as S
from . import wire
from .errors import (
    APIError,
    invalid_json,
    missing_access,
    missing_permissions,
    unknown_channel,
    unknown_guild,
    unknown_message,
)

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

Route = tuple[str, str, Any]  # method, path under /api/v10, handler


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
    if wire.may_hold_lone_surrogate(raw) and wire.lone_surrogate_path(payload) is not None:
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


def path_int(value: Any) -> int:
    """A path segment that must be an id; anything else is Discord's plain 404."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise APIError(404, 0, "404: Not Found") from None


class Routes:
    """A group of REST routes over the core."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def channel(self, request: web.Request) -> S.Channel:
        cid = path_int(request.match_info["channel_id"])
        channel = self.core.channels.get(cid)
        if channel is None:
            raise unknown_channel()
        if channel.is_private and self.core.limits.permissions and not self.core.is_bot_dm(channel):
            raise missing_access()  # a DM or group DM between users: the bot is no party to it
        return channel

    def guild(self, request: web.Request) -> S.Guild:
        gid = path_int(request.match_info["guild_id"])
        guild = self.core.guilds.get(gid)
        if guild is None or self.core.bot_user.id not in guild.members:
            raise unknown_guild()
        return guild

    def message(self, channel: S.Channel, request: web.Request) -> dict[str, Any]:
        mid = path_int(request.match_info["message_id"])
        msg = channel.messages.get(mid)
        if msg is None:
            raise unknown_message()
        return msg

    def require(self, channel: S.Channel, needed: int) -> None:
        """Checks the bot's permissions in a guild channel."""
        core = self.core
        if channel.guild_id is None or not core.limits.permissions:
            return
        perms = core.bot_permissions_in(channel)
        if not perms & P.VIEW_CHANNEL:
            raise missing_access()
        if perms & needed != needed:
            raise missing_permissions()
