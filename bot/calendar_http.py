"""A small HTTP server in the bot process that serves calendar feeds to calendar apps.

Started only when ``CALENDAR_HTTP_PORT`` is set. It serves one thing:
``GET /calendar/<token>.ics`` (and ``HEAD``), the feed of a server or a member as it is now
(``bot.services.calendar``), with an ``ETag`` and a ``Last-Modified``; a request with a matching
``If-None-Match`` (or, without one, an ``If-Modified-Since`` no earlier than the last change)
gets ``304 Not Modified`` and no body. A token that is unknown, revoked or malformed gets the
same 404 as any other address, so answers never tell which tokens exist. Nothing is logged per
request: a feed's address is its only secret.

The bot calls :func:`start_calendar_http` as it starts and :func:`stop_calendar_http` as it
closes.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime
from ipaddress import ip_address

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.config import Settings
from bot.services.calendar import FEED_PATH, CalendarService, Served

log = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=300"  # then ask again, with If-None-Match
CONTENT_TYPE = "text/calendar; charset=utf-8"
COMMON_HEADERS = {
    "Server": "Premiere",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def http_date(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def not_modified(request: web.Request, served: Served) -> bool:
    """Whether the client's copy is current (RFC 9110: If-None-Match wins over If-Modified-Since)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or served.etag in tags
    since = request.if_modified_since
    return since is not None and served.last_modified <= since


class CalendarHTTP:
    """The feed server: :meth:`start`, then :meth:`stop`. ``port`` 0 binds a free port."""

    def __init__(
        self, service: CalendarService, host: str, port: int, *, public_url: str | None = None
    ) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.public_url = public_url
        self.runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors])
        app.router.add_get(FEED_PATH.replace("{token}", "{token:[A-Za-z0-9_-]{1,200}}"), self.feed)
        app.on_response_prepare.append(self._headers)
        return app

    @property
    def base_url(self) -> str:
        """Where calendar apps reach the feeds: CALENDAR_PUBLIC_URL, or this server's address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        try:
            if ip_address(host).version == 6:
                host = f"[{host}]"
        except ValueError:
            pass  # a host name
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self.runner.setup()
        await web.SockSite(self.runner, sock).start()
        self.service.serve_at(self.base_url)
        if not self.public_url and self.host in ("0.0.0.0", "::", ""):
            log.warning(
                "calendar feeds listen on every address, but CALENDAR_PUBLIC_URL is not set: the links "
                "shown say %s; set CALENDAR_PUBLIC_URL to the address calendar apps can reach",
                self.base_url,
            )
        log.info("calendar feeds served on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        self.service.serve_at(None)
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def feed(self, request: web.Request) -> web.StreamResponse:
        served = await self.service.serve(request.match_info["token"])
        if served is None:
            raise web.HTTPNotFound()  # the very answer of an address that does not exist
        headers = {
            "ETag": served.etag,
            "Last-Modified": http_date(served.last_modified),
            "Cache-Control": CACHE_CONTROL,
        }
        if not_modified(request, served):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = CONTENT_TYPE
        headers["Content-Disposition"] = 'inline; filename="premiere.ics"'
        return web.Response(body=served.body, headers=headers)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("calendar feed failed")  # never the address: it is the feed's secret
            raise web.HTTPInternalServerError() from None

    @staticmethod
    async def _headers(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(COMMON_HEADERS)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def start_calendar_http(service: CalendarService, settings: Settings) -> CalendarHTTP | None:
    """Serve the feeds when CALENDAR_HTTP_PORT is set (None when it is not, or the port cannot
    be had: the bot runs on, and ``/calendar link`` says feeds are off)."""
    if settings.calendar_http_port is None:
        return None
    http = CalendarHTTP(
        service,
        settings.calendar_http_host,
        settings.calendar_http_port,
        public_url=settings.calendar_public_url,
    )
    try:
        await http.start()
    except OSError as exc:
        log.error(
            "calendar feeds are off: cannot listen on %s:%d (%s); check CALENDAR_HTTP_HOST and "
            "CALENDAR_HTTP_PORT",
            settings.calendar_http_host,
            settings.calendar_http_port,
            exc.strerror or exc,
        )
        await http.stop()
        return None
    return http


async def stop_calendar_http(http: CalendarHTTP | None) -> None:
    if http is not None:
        await http.stop()


__all__ = ["CalendarHTTP", "not_modified", "start_calendar_http", "stop_calendar_http"]
