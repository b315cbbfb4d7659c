"""The control endpoint for a server in its own process (``python -m localcord``).

``POST /_localcord/rpc {"method": "create_channel", "params": {"guild": ID, "name": "x"}}``
calls that method of the :class:`~localcord.server.LocalDiscord` front with ids for objects
and answers ``{"result": ...}`` (objects as their JSON), or ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from . import state as S
from .rest import json_response

METHODS = frozenset(
    {
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
        "create_scheduled_event",
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
        "remove_role",
        "move_role",
        "install_for_user",
        "uninstall_for_user",
        "audit_log",
        "set_dms_open",
        "info",
        "request_log_json",
    }
)


class RPC:
    """Calls the methods in :data:`METHODS` of ``target`` for HTTP clients."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def handle(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
            method = body["method"]
            params = body.get("params") or {}
            if method not in METHODS:
                return json_response({"error": f"unknown method {method!r}"}, 400)
            result = getattr(self.target, method)(**params)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                result = await result
            return json_response({"result": jsonable(result)})
        except Exception as e:  # report to the caller
            return json_response({"error": f"{type(e).__name__}: {e}"}, 500)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, S.Guild):
        return value.to_dict()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dict__"):
        return {k: jsonable(v) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)
