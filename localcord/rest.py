"""The REST API (``/api/v10``) as aiohttp routes over the core.

Each group of routes (rest_application.py, rest_channels.py, rest_guilds.py) raises :class:`APIError` for
Discord's JSON errors; the middleware here turns them into responses, applies injected
faults, authentication and rate limits, and records every request in the core's request
log (``LocalDiscord.request_log``, ``LocalDiscord.observe_requests``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .core import PREFIX
from .errors import APIError
from .rest_application import ApplicationRoutes
from .rest_base import json_response, no_content, read_body, read_payload
from .rest_channels import ChannelRoutes
from .rest_guilds import GuildRoutes

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

__all__ = ["PREFIX", "APIError", "RestAPI", "json_response", "no_content", "read_body", "read_payload"]


class RestAPI:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.groups = [ApplicationRoutes(core), ChannelRoutes(core), GuildRoutes(core)]

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self.middleware], client_max_size=64 * 1024 * 1024)
        for group in self.groups:
            for method, path, handler in group.routes():
                app.router.add_route(method, PREFIX + path, handler)
        app.router.add_route("GET", "/gateway-ws", self.core.gateway.handle)
        app.router.add_route("GET", "/gateway-ws/", self.core.gateway.handle)
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
