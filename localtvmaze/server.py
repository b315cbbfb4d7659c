"""``LocalTVmaze``: a TVmaze-compatible HTTP server on loopback, and its test API.

Run it inside the test's event loop::

    async with LocalTVmaze(now=clock) as tv:
        tv.add_show(make_show(1, "Kingdom", network="Netflix"), episodes=[...])
        ...  # point the client at tv.base_url
        tv.faults.inject(503, count=2, path_prefix="/shows")
        assert tv.request_count("/shows/1") == 3
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from .data import is_country_code
from .faults import HANG, MALFORMED, STATUS, TRUNCATED, Faults
from .store import SHOW_EMBEDS, Entry, Store

__all__ = ["LocalTVmaze", "RequestRecord"]

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

JSON_TYPE = "application/json; charset=UTF-8"
SINCE = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400}
# Yii's names, which TVmaze's error envelopes carry (it says "Unprocessable entity").
_ERROR_NAMES = {422: "Unprocessable entity"}
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


class RequestRecord(NamedTuple):
    """One request. ``query`` joins repeated keys with "," (``embed[]=cast&embed[]=crew`` ->
    ``{"embed[]": "cast,crew"}``). ``status`` is 0 while unanswered, and for requests that got
    no answer at all (hang, offline)."""

    method: str
    path: str
    query: dict[str, str]
    status: int


class _Dropped(Exception):
    """The connection was closed without an answer."""


def _body(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out = {"Content-Type": JSON_TYPE}
    if status < 300:
        out["Cache-Control"] = "public, max-age=3600"
    out.update(headers or {})
    return web.Response(body=data, status=status, headers=out)


def error(status: int, message: str = "", headers: Mapping[str, str] | None = None) -> web.Response:
    """TVmaze's error envelope: ``{"name", "message", "code": 0, "status"}``."""
    try:
        name = _ERROR_NAMES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        name = "Error"
    return _body({"name": name, "message": message, "code": 0, "status": status}, status, headers)


class LocalTVmaze:
    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: Faults | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.faults = faults or Faults()
        self.requests: list[RequestRecord] = []
        self._store = Store(now or (lambda: datetime.now(UTC)))
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._closing = asyncio.Event()
        self._arrived = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        if self._base_url is None:
            raise RuntimeError("the server is not started")
        return self._base_url

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("already started")
        self._closing = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        get = app.router.add_get
        get(r"/shows/{id:\d+}", self._show)
        get(r"/shows/{id:\d+}/episodes", self._episodes)
        get(r"/shows/{id:\d+}/cast", self._cast)
        get(r"/shows/{id:\d+}/crew", self._crew)
        get(r"/shows/{id:\d+}/seasons", self._seasons)
        get("/schedule", self._schedule)
        get("/schedule/web", self._web_schedule)
        get("/schedule/full", self._full_schedule)
        get("/updates/shows", self._updates)
        get("/search/shows", self._search)
        get("/singlesearch/shows", self._singlesearch)
        get("/lookup/shows", self._lookup)
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = int(port)
        self._base_url = f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stops serving. Hanging and delayed requests are let go (their connections dropped)."""
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._base_url = None

    async def __aenter__(self) -> LocalTVmaze:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- test API ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The server's clock."""
        return self._store.now()

    def add_show(
        self,
        show: Mapping[str, Any],
        episodes: Iterable[Mapping[str, Any]] = (),
        cast: Iterable[Mapping[str, Any]] = (),
        crew: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Adds (or replaces, by id) a show. Everything is copied; ``"updated": None`` is
        stamped with now. A show object with ``_embedded`` (as TVmaze serves it) is taken apart
        when the lists are not given."""
        embedded = show.get("_embedded") or {}
        self._store.add(
            show,
            episodes or embedded.get("episodes") or (),
            cast or embedded.get("cast") or (),
            crew or embedded.get("crew") or (),
        )

    def load(self, items: Iterable[Mapping[str, Any]]) -> int:
        """Adds ``{"show", "episodes", "cast", "crew"}`` items, or show objects with ``_embedded``."""
        count = 0
        for item in items:
            if "show" in item and isinstance(item["show"], Mapping):
                self.add_show(
                    item["show"], item.get("episodes") or (), item.get("cast") or (), item.get("crew") or ()
                )
            else:
                self.add_show(item)
            count += 1
        return count

    def remove_show(self, show_id: int) -> None:
        self._store.get(show_id)
        del self._store.entries[int(show_id)]

    def show(self, show_id: int) -> dict[str, Any]:
        """The stored show dict (live: changes to it are served)."""
        return self._store.get(show_id).show

    @property
    def show_ids(self) -> list[int]:
        return sorted(self._store.entries)

    def update_show(self, show_id: int, **fields: Any) -> None:
        """Changes fields of the show and stamps ``updated`` with now (unless given)."""
        entry = self._store.get(show_id)
        entry.show.update(fields)
        if "updated" not in fields:
            self._store.touch(show_id)

    def set_episodes(self, show_id: int, episodes: Iterable[Mapping[str, Any]]) -> None:
        self._store.get(show_id).episodes = copy.deepcopy([dict(x) for x in episodes])
        self._store.touch(show_id)

    def set_cast(self, show_id: int, cast: Iterable[Mapping[str, Any]]) -> None:
        self._store.get(show_id).cast = copy.deepcopy([dict(x) for x in cast])
        self._store.touch(show_id)

    def set_crew(self, show_id: int, crew: Iterable[Mapping[str, Any]]) -> None:
        self._store.get(show_id).crew = copy.deepcopy([dict(x) for x in crew])
        self._store.touch(show_id)

    def request_count(self, path_prefix: str = "") -> int:
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    async def wait_for_requests(
        self,
        count: int,
        path_prefix: str = "",
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's deadline
    ) -> list[RequestRecord]:
        """Waits until ``count`` requests under ``path_prefix`` have arrived (answered or not)."""
        async with asyncio.timeout(timeout):
            while True:
                self._arrived.clear()
                seen = [r for r in self.requests if r.path.startswith(path_prefix)]
                if len(seen) >= count:
                    return seen
                await self._arrived.wait()

    # -- faults and recording ------------------------------------------------------------

    async def _pause(self, seconds: float | None) -> None:
        """Sleeps (None: until close). Raises _Dropped when the server closes meanwhile."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return
        raise _Dropped

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        query = {k: ",".join(request.query.getall(k)) for k in dict.fromkeys(request.query.keys())}
        record = RequestRecord(request.method, request.path, query, 0)
        self.requests.append(record)
        self._arrived.set()
        status = 0
        try:
            response = await self._answer(request, handler)
            status = response.status
            return response
        except _Dropped:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        finally:
            if status:
                for i in range(len(self.requests) - 1, -1, -1):
                    if self.requests[i] is record:
                        self.requests[i] = record._replace(status=status)
                        break

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        faults = self.faults
        if faults.offline:
            raise _Dropped
        if faults.delay > 0:
            await self._pause(faults.delay)
        retry_after = faults.admit(request.remote or "")
        if retry_after is not None:
            return error(429, "Rate limit exceeded.", {"Retry-After": str(int(retry_after))})
        fault = faults.take(request.path)
        if fault is not None and fault.kind == HANG:
            await self._pause(None)
        if fault is not None and fault.kind == STATUS:
            headers = {"Retry-After": "1"} if fault.status == 429 else None
            return error(fault.status, "Injected fault.", headers)
        response = await self._handle(request, handler)
        if fault is not None and fault.kind == MALFORMED:
            return web.Response(body=MALFORMED_BODY, status=200, headers={"Content-Type": JSON_TYPE})
        if fault is not None and fault.kind == TRUNCATED:
            body = response.body if isinstance(response, web.Response) else b""
            data = bytes(body) if isinstance(body, bytes | bytearray) else b"{}"
            return web.Response(body=data[: len(data) // 2], status=200, headers={"Content-Type": JSON_TYPE})
        return response

    async def _handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            return error(exc.status)
        except Exception:
            log.exception("localtvmaze: %s %s failed", request.method, request.path_qs)
            return error(500, "Internal server error.")

    # -- endpoints -----------------------------------------------------------------------

    def _entry(self, request: web.Request) -> Entry | None:
        return self._store.entries.get(int(request.match_info["id"]))

    @staticmethod
    def _embeds(request: web.Request) -> list[str] | None:
        """The requested embeds (``embed=x`` or ``embed[]=x``), or None if one is invalid."""
        names = request.query.getall("embed[]", []) + request.query.getall("embed", [])
        if any(name not in SHOW_EMBEDS for name in names):
            return None
        return list(dict.fromkeys(names))

    def _show_with_embeds(self, entry: Entry, embeds: list[str]) -> web.Response:
        show = self._store.show_out(entry)
        if embeds:
            show["_embedded"] = self._store.embedded(entry, embeds)
        return _body(show)

    async def _show(self, request: web.Request) -> web.Response:
        entry = self._entry(request)
        if entry is None:
            return error(404)
        embeds = self._embeds(request)
        if embeds is None:
            return error(400, "Invalid embed type")
        return self._show_with_embeds(entry, embeds)

    async def _episodes(self, request: web.Request) -> web.Response:
        entry = self._entry(request)
        if entry is None:
            return error(404)
        specials = request.query.get("specials", "") not in ("", "0")
        return _body(self._store.episodes_out(entry, specials=specials))

    async def _cast(self, request: web.Request) -> web.Response:
        entry = self._entry(request)
        return error(404) if entry is None else _body(entry.cast)

    async def _crew(self, request: web.Request) -> web.Response:
        entry = self._entry(request)
        return error(404) if entry is None else _body(entry.crew)

    async def _seasons(self, request: web.Request) -> web.Response:
        entry = self._entry(request)
        return error(404) if entry is None else _body(self._store.seasons(entry))

    def _date(self, request: web.Request) -> date | None:
        raw = request.query.get("date")
        if not raw:
            return self.now().astimezone(UTC).date()
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            return None

    async def _schedule(self, request: web.Request) -> web.Response:
        country = (request.query.get("country") or "US").upper()
        if not is_country_code(country):
            return error(422, "Not a valid ISO country code")
        day = self._date(request)
        if day is None:
            return error(422, "Not a valid ISO date")
        return _body(self._store.schedule(country, day))

    async def _web_schedule(self, request: web.Request) -> web.Response:
        country = request.query.get("country")
        if country:
            country = country.upper()
            if not is_country_code(country):
                return error(422, "Not a valid ISO country code")
        day = self._date(request)
        if day is None:
            return error(422, "Not a valid ISO date")
        return _body(self._store.web_schedule(country, day))

    async def _full_schedule(self, request: web.Request) -> web.Response:
        return _body(self._store.full_schedule(self.now().astimezone(UTC).date()))

    async def _updates(self, request: web.Request) -> web.Response:
        since = request.query.get("since")
        if since is not None and since not in SINCE:
            return error(400, "Invalid value for since")
        return _body(self._store.updates(SINCE[since] if since else None))

    async def _search(self, request: web.Request) -> web.Response:
        if "q" not in request.query:
            return error(400, "Missing required parameters: q")
        found = self._store.search(request.query["q"])
        return _body([{"score": score, "show": self._store.show_out(entry)} for score, entry in found])

    async def _singlesearch(self, request: web.Request) -> web.Response:
        if "q" not in request.query:
            return error(400, "Missing required parameters: q")
        embeds = self._embeds(request)
        if embeds is None:
            return error(400, "Invalid embed type")
        found = self._store.search(request.query["q"], strict=True)
        if not found:
            return _body(None, 404)  # TVmaze answers a miss with a bare null
        return self._show_with_embeds(found[0][1], embeds)

    async def _lookup(self, request: web.Request) -> web.Response:
        for kind in ("imdb", "thetvdb", "tvrage"):
            value = request.query.get(kind)
            if value:
                entry = self._store.lookup(kind, value)
                if entry is not None:
                    return _body(None, 301, {"Location": f"{self.base_url}/shows/{entry.id}"})
                break
        return _body(None, 404)
