"""A throwaway PostgreSQL server for the tests, started from the Debian `postgresql` package's
binaries (``initdb``, ``postgres``, ``pg_isready``), never one that must already be running.

``ThrowawayPostgres.start()`` makes a cluster in a new temporary folder (``initdb``, trust
authentication, UTF-8), starts ``postgres`` on it with durability off (``fsync=off``: nothing
here must survive a crash), listening on a free port of 127.0.0.1 and on a Unix socket in that
folder, and waits until it answers. A test's store gets ``scratch_database()``: one database, migrated
once, that ``empty()`` clears after each test (every row deleted, numbering restarted: ~10 ms,
where a new ``CREATE DATABASE ... TEMPLATE`` costs ~0.3 s, two checkpoints). A test that needs a
database of its own (two at once, or one not migrated yet) gets ``create_database()``, a copy of
a template migrated once, and ``drop_database()``. ``stop()`` shuts the server down and removes
the folder. Every wait has a deadline. PostgreSQL refuses to run as root: as root, the cluster
is made and run as the ``postgres`` user (the package creates it), else ``nobody``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

START_TIMEOUT = 60.0  # seconds for initdb and for the server to answer
STOP_TIMEOUT = 30.0
SUPERUSER = "premiere"
TEMPLATE = "premiere_template"
BINDIR_VAR = "PREMIERE_PG_BINDIR"  # where initdb and postgres are, when not found by themselves
REQUIRE_VAR = "PREMIERE_REQUIRE_POSTGRES"  # set (CI): no binaries is a failure, not a skip


class PostgresUnavailable(Exception):
    """No PostgreSQL binaries on this machine."""


def find_bindir() -> Path:
    """The folder with ``initdb``, ``postgres`` and ``pg_isready``: ``PREMIERE_PG_BINDIR``, else
    the PATH, else the newest ``/usr/lib/postgresql/<version>/bin`` (Debian's place)."""
    needed = ("initdb", "postgres", "pg_isready")
    candidates: list[Path] = []
    if os.environ.get(BINDIR_VAR):
        candidates.append(Path(os.environ[BINDIR_VAR]))
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name.split(".")[0] or 0)
    )
    candidates += [Path(p) for p in reversed(versions)]
    for folder in candidates:
        if all((folder / name).is_file() and os.access(folder / name, os.X_OK) for name in needed):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL's initdb and postgres were not found (on PATH, in /usr/lib/postgresql/*/bin or "
        f"in {BINDIR_VAR}); install the Debian package: apt-get install postgresql"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The user to run PostgreSQL as when this process is root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root and there is no postgres or nobody user to run PostgreSQL as")


class ThrowawayPostgres:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder: Path | None = None
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._user = _run_as()
        self._numbers = itertools.count(1)
        self._template_ready = False
        self._scratch: str | None = None
        self._empty_sql = ""

    # -- life cycle -----------------------------------------------------------------------------------

    def _popen_user(self) -> dict[str, object]:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="premiere-pg-"))
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        data = self.folder / "data"
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        for locale in ("C.UTF-8", "C"):  # a machine without the C.UTF-8 locale: plain C
            shutil.rmtree(data, ignore_errors=True)
            done = subprocess.run(
                [
                    str(self.bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
                    "--encoding=UTF8", f"--locale={locale}", "--no-sync",
                ],
                capture_output=True, timeout=START_TIMEOUT, env=env, cwd=self.folder, **self._popen_user(),
            )  # fmt: skip
            if done.returncode == 0:
                break
        else:
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')[-2000:]}")
        self.port = _free_port()
        log = open(self.folder / "postgres.log", "wb")  # noqa: SIM115  (closed when the server stops)
        self.process = subprocess.Popen(
            [
                str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port),
                "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1",
                # Nothing here must survive a crash: no waiting for the disk.
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=300", "-c", "shared_buffers=64MB",
            ],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=self.folder,
            start_new_session=True, **self._popen_user(),
        )  # fmt: skip
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self.process is not None and self.folder is not None
        deadline = time.monotonic() + START_TIMEOUT
        probe = [str(self.bindir / "pg_isready"), "-q", "-h", str(self.folder), "-p", str(self.port)]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited at start: {self.log_tail()}")
            if subprocess.run(probe, timeout=10, capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres did not answer within {START_TIMEOUT:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        if self.folder is None:
            return ""
        with contextlib.suppress(OSError):
            return (self.folder / "postgres.log").read_text(errors="replace")[-2000:]
        return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # -- databases ------------------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url("postgres"), timeout=START_TIMEOUT)

    async def create_database(self, *, migrated: bool = True) -> str:
        """A new database of its own: migrated (a copy of the template), or empty. Its URL."""
        name = f"test_{os.getpid()}_{next(self._numbers)}"
        conn = await self._admin()
        try:
            if migrated and not self._template_ready:
                await self._make_template(conn)
            template = TEMPLATE if migrated else "template0"
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        finally:
            await conn.close(timeout=STOP_TIMEOUT)
        return self.url(name)

    async def _make_template(self, conn: asyncpg.Connection) -> None:
        from bot.store import Store

        await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        await conn.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        store = await Store.open(self.url(TEMPLATE))
        await store.close()
        self._template_ready = True

    async def scratch_database(self) -> str:
        """The database tests' stores share, one after the other: migrated, and empty."""
        if self._scratch is None:
            url = await self.create_database()
            conn = await asyncpg.connect(url, timeout=START_TIMEOUT)
            try:
                tables = [
                    r[0]
                    for r in await conn.fetch(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename NOT IN ('schema_version', 'releases_changes') ORDER BY tablename"
                    )
                ]
                sequences = [
                    r[0]
                    for r in await conn.fetch(
                        "SELECT pg_get_serial_sequence(table_name, column_name) "
                        "FROM information_schema.columns WHERE table_schema = current_schema() "
                        "AND is_identity = 'YES'"
                    )
                ]
            finally:
                await conn.close(timeout=STOP_TIMEOUT)
            # Foreign keys are not checked while it empties (replica mode): any order will do.
            self._empty_sql = "; ".join(
                [
                    "SET session_replication_role = replica",
                    *(f'DELETE FROM "{t}"' for t in tables),
                    *(f"SELECT setval('{s}', 1, false)" for s in sequences),
                    "UPDATE releases_changes SET n = 0",
                    "RESET session_replication_role",
                ]
            )
            self._scratch = url
        return self._scratch

    async def empty(self, url: str) -> None:
        """Delete every row of the scratch database (its schema and version stay); when that
        fails, a new one is made for the next test."""
        try:
            conn = await asyncpg.connect(url, timeout=START_TIMEOUT)
            try:
                await conn.execute("SET lock_timeout = '10s'")
                await conn.execute(self._empty_sql)
            finally:
                await conn.close(timeout=STOP_TIMEOUT)
        except (OSError, TimeoutError, asyncpg.PostgresError):
            self._scratch = None
            await self.drop_database(url)

    async def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close(timeout=STOP_TIMEOUT)
