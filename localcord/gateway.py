"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME, sharding.

Each IDENTIFY creates a :class:`Session` (one per shard). Dispatches get per-session
sequence numbers and are kept in a replay buffer, so a client that lost its
connection can RESUME and receive what it missed. Outgoing frames go through a
per-connection queue and a single writer task, which keeps the shared zlib (or
zstd) stream in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import WSMsgType, web

from . import wire

if TYPE_CHECKING:  # pragma: no cover
    from .state import Guild, User

log = logging.getLogger("localcord.gateway")

DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE = 3
VOICE_STATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_MEMBERS = 1 << 1
INTENT_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DM_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED = INTENT_MEMBERS | INTENT_PRESENCES | INTENT_MESSAGE_CONTENT

_REPLAY_LIMIT = 20000


class GatewayHost(Protocol):
    """What the gateway needs of the server it serves (the core, core.py)."""

    token: str
    heartbeat_interval: int
    privileged_intents: int
    application_id: int
    application_flags: int
    bot_user: User

    @property
    def gateway_url(self) -> str: ...

    def guilds_for_shard(self, shard_id: int, shard_count: int) -> list[Guild]: ...

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]: ...

    def find_guild(self, ref: Any) -> Guild | None: ...

    def record_dispatch(self, shard_id: int, event: str, data: Any) -> None: ...


def _zstd_compressor() -> Any | None:
    try:
        import zstandard  # type: ignore

        cobj = zstandard.ZstdCompressor().compressobj()
        flush_mode = zstandard.COMPRESSOBJ_FLUSH_BLOCK

        class _Z:
            def compress(self, data: bytes) -> bytes:
                return cobj.compress(data) + cobj.flush(flush_mode)

        return _Z()
    except ImportError:
        pass
    try:
        from compression import zstd  # type: ignore

        comp = zstd.ZstdCompressor()

        class _Z2:
            def compress(self, data: bytes) -> bytes:
                return comp.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)

        return _Z2()
    except ImportError:
        return None


class Connection:
    """One websocket connection. Frames are written by a single writer task."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: str | None) -> None:
        self.ws = ws
        self.request = request
        self.compress = compress
        self.session: Session | None = None
        self.queue: asyncio.Queue[tuple[str, int | None] | None] = asyncio.Queue()
        self.closed = False
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd_compressor() if compress == "zstd-stream" else None
        self.writer = asyncio.ensure_future(self._write_loop())

    @property
    def compression_available(self) -> bool:
        """False when zstd-stream was asked for and no zstd library is installed."""
        return self.compress != "zstd-stream" or self._zstd is not None

    def send(self, payload: dict[str, Any], seq: int | None = None) -> None:
        if not self.closed:
            self.queue.put_nowait((wire.dumps(payload, compact=True), seq))

    async def _write_loop(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                if item is None:
                    return
                text, seq = item
                if self.ws.closed:
                    return
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                elif self._zstd is not None:
                    await self.ws.send_bytes(self._zstd.compress(text.encode()))
                else:
                    await self.ws.send_str(text)
                if seq is not None and self.session is not None and self.session.conn is self:
                    self.session.mark_sent(seq)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            return
        except Exception:  # pragma: no cover - defensive
            # A connection that can no longer write must not linger mute: close it, so the
            # client notices at once and RESUMEs on a new one.
            log.exception("gateway writer failed; closing the connection")
            self.closed = True
            transport = self.request.transport
            if transport is not None:
                transport.abort()

    async def close(self, code: int = 4000, message: bytes = b"", *, abrupt: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        self.queue.put_nowait(None)
        if abrupt:
            transport = self.request.transport
            if transport is not None:
                transport.abort()
            return
        try:
            await self.ws.close(code=code, message=message)
        except Exception:  # pragma: no cover
            pass


class Session:
    def __init__(self, host: GatewayHost, shard_id: int, shard_count: int, intents: int) -> None:
        self.host = host
        self.id = secrets.token_hex(16)
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.seq = 0
        self.buffer: deque[tuple[int, dict[str, Any]]] = deque(maxlen=_REPLAY_LIMIT)
        self.conn: Connection | None = None
        self.ready_seq: int | None = None  # seq of the last GUILD_CREATE of the initial burst
        self.ready = asyncio.Event()
        self.sent_seq = 0
        self.resumes = 0
        self.invalidated = False

    def dispatch(self, event: str, data: Any) -> int:
        self.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append((self.seq, payload))
        if self.conn is not None:
            self.conn.send(payload, self.seq)
        self.host.record_dispatch(self.shard_id, event, data)
        return self.seq

    def mark_sent(self, seq: int) -> None:
        self.sent_seq = seq
        self._check_ready()

    def started(self, ready_seq: int) -> None:
        """READY and the GUILD_CREATEs up to ``ready_seq`` are queued; ready once they are sent."""
        self.ready_seq = ready_seq
        self._check_ready()

    def _check_ready(self) -> None:
        if self.ready_seq is not None and self.sent_seq >= self.ready_seq and not self.ready.is_set():
            self.ready.set()

    def replay_after(self, seq: int) -> list[dict[str, Any]] | None:
        if seq >= self.seq:
            return []
        if not self.buffer or self.buffer[0][0] > seq + 1:
            return None  # fell out of the replay buffer
        return [payload for s, payload in self.buffer if s > seq]


class Gateway:
    """Handles the websocket connections of a server (its :class:`GatewayHost`)."""

    def __init__(self, host: GatewayHost) -> None:
        self.host = host
        self.sessions: dict[str, Session] = {}
        self.shards: dict[int, Session] = {}  # current session per shard id
        self.connections: list[Connection] = []
        self.identify_count = 0
        self.resume_count = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        encoding = request.query.get("encoding", "json")
        conn = Connection(ws, request, compress)
        self.connections.append(conn)
        try:
            if encoding != "json":
                await conn.close(4002, b"localcord only speaks encoding=json")
                return ws
            if compress not in (None, "zlib-stream", "zstd-stream"):
                await conn.close(4000, b"unknown compression")
                return ws
            if not conn.compression_available:
                await conn.close(4000, b"zstd-stream requested but zstandard is not installed")
                return ws
            conn.send(
                {
                    "op": HELLO,
                    "d": {"heartbeat_interval": self.host.heartbeat_interval},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    text = msg.data
                elif msg.type == WSMsgType.BINARY:
                    text = msg.data.decode("utf-8", "replace")
                else:
                    break
                try:
                    frame = json.loads(text)
                except ValueError:
                    frame = None
                if not isinstance(frame, dict) or (
                    wire.may_hold_lone_surrogate(text) and wire.lone_surrogate_path(frame) is not None
                ):
                    # Discord's answer to a frame it cannot decode, text that is not valid
                    # Unicode included; the session stays resumable.
                    await conn.close(4002, b"Error while decoding payload.")
                    break
                await self._on_frame(conn, frame)
                if conn.closed:
                    break
        finally:
            conn.closed = True
            conn.queue.put_nowait(None)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            try:
                self.connections.remove(conn)
            except ValueError:
                pass
        return ws

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        if op == HEARTBEAT:
            conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, d or {})
        elif op == RESUME:
            await self._resume(conn, d or {})
        elif op == REQUEST_MEMBERS:
            self._request_members(conn, d or {})
        elif op in (PRESENCE, VOICE_STATE):
            if conn.session is None:
                await conn.close(4003, b"Not authenticated.")
        else:
            await conn.close(4001, b"Unknown opcode.")

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        host = self.host
        if conn.session is not None:
            await conn.close(4005, b"Already authenticated.")
            return
        if d.get("token") != host.token and d.get("token") != f"Bot {host.token}":
            await conn.close(4004, b"Authentication failed.")
            return
        shard = d.get("shard") or [0, 1]
        try:
            shard_id, shard_count = int(shard[0]), int(shard[1])
        except (TypeError, ValueError, IndexError):
            await conn.close(4010, b"Invalid shard.")
            return
        if shard_count < 1 or not (0 <= shard_id < shard_count):
            await conn.close(4010, b"Invalid shard.")
            return
        intents = d.get("intents")
        if intents is None:
            await conn.close(4013, b"Invalid intent(s).")
            return
        if intents & PRIVILEGED & ~host.privileged_intents:
            await conn.close(4014, b"Disallowed intent(s).")
            return
        self.identify_count += 1
        old = self.shards.get(shard_id)
        if old is not None:
            old.invalidated = True
            self.sessions.pop(old.id, None)
            if old.conn is not None and old.conn is not conn:
                await old.conn.close(4000)
        session = Session(host, shard_id, shard_count, intents)
        self.sessions[session.id] = session
        self.shards[shard_id] = session
        session.conn = conn
        conn.session = session
        guilds = host.guilds_for_shard(shard_id, shard_count)
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": host.bot_user.to_dict(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": host.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(host.application_id), "flags": host.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["localcord"],
            },
        )
        last = session.seq
        for guild in guilds:
            last = session.dispatch("GUILD_CREATE", host.guild_create_payload(guild))
        session.started(last)

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        host = self.host
        session = self.sessions.get(d.get("session_id") or "")
        token_ok = d.get("token") in (host.token, f"Bot {host.token}")
        if not token_ok:
            await conn.close(4004, b"Authentication failed.")
            return
        seq = d.get("seq")
        missed = None
        if session is not None and not session.invalidated and isinstance(seq, int):
            missed = session.replay_after(seq)
        if session is None or missed is None:
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not conn:
            await session.conn.close(4000)
        session.conn = conn
        conn.session = session
        session.resumes += 1
        self.resume_count += 1
        for payload in missed:
            conn.send(payload, payload["s"])
        session.dispatch("RESUMED", {"_trace": ["localcord"]})

    def _request_members(self, conn: Connection, d: dict[str, Any]) -> None:
        session = conn.session
        if session is None:
            return
        guild = self.host.find_guild(d.get("guild_id"))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = d.get("user_ids")
        not_found: list[str] = []
        if user_ids:
            if not isinstance(user_ids, list):
                user_ids = [user_ids]
            wanted = [int(u) for u in user_ids]
            members = [guild.members[u] for u in wanted if u in guild.members]
            not_found = [str(u) for u in wanted if u not in guild.members]
        else:
            query = (d.get("query") or "").lower()
            if query:
                members = [m for m in members if m.user.username.lower().startswith(query)]
            limit = d.get("limit") or 0
            if limit:
                members = members[:limit]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.to_dict() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if not_found:
            chunk["not_found"] = not_found
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # ---------------------------------------------------------------- test controls

    def session_for_guild(self, guild_id: int | None) -> Session | None:
        if not self.shards:
            return None
        if guild_id is None:
            return self.shards.get(0)
        count = next(iter(self.shards.values())).shard_count
        return self.shards.get((guild_id >> 22) % count)

    async def cut(self, *, abrupt: bool = True, code: int = 4000, shard_id: int | None = None) -> None:
        for conn in list(self.connections):
            if shard_id is not None and (conn.session is None or conn.session.shard_id != shard_id):
                continue
            await conn.close(code, abrupt=abrupt)

    def reconnect(self, shard_id: int | None = None) -> None:
        for session in list(self.shards.values()):
            if shard_id is None or session.shard_id == shard_id:
                if session.conn is not None:
                    session.conn.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    def invalidate(self, *, resumable: bool = False, shard_id: int | None = None) -> None:
        for session in list(self.shards.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            if not resumable:
                session.invalidated = True
                self.sessions.pop(session.id, None)
                if self.shards.get(session.shard_id) is session:
                    del self.shards[session.shard_id]
            if session.conn is not None:
                session.conn.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001)
