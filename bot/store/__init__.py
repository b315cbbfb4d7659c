"""The one place with SQL: the catalogue and the bot's own state, in one database: a SQLite
file, or PostgreSQL (``DATABASE_URL``; ``bot.store.postgres``).

``Store`` is what the rest of the code is given. It is made of parts over one ``Database``
(``bot.store.database``: the connection, its migrations, its transactions and every statement;
the parts' SQL is the same on both backends, and where it cannot be, the part asks the
database's ``dialect``):

- ``catalogue`` (``bot.store.catalogue``): shows, credits, releases... as models;
- ``names`` (``bot.store.names``): the name index that search reads;
- ``importer`` (``bot.store.importer``, ``bot.store.bulk``): records in, all or nothing;
- ``announce`` and ``ledger`` (``bot.store.announcements``, ``bot.store.announce_ledger``):
  servers' and channels' announcement settings, and the delivery ledger;
- ``sync`` (``bot.store.sync``): synced shows' identities, the curated layer, sync runs;
- ``follows`` (``bot.store.follows``): members' follows and their DM settings;
- ``weekly`` (``bot.store.weekly``): the "week at a glance" message of each channel and week.

Each part's methods up to ``sync`` are also the store's own (``store.get_show`` is
``store.catalogue.get_show``), so callers need not know which part answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from bot.store.announce_ledger import Ledger
from bot.store.announcements import AnnounceSettings
from bot.store.budget import RateBudgets
from bot.store.calendars import CalendarRecords
from bot.store.catalogue import CatalogueReads
from bot.store.database import POSTGRESQL, Database, MigrationError, Statements, migrations, open_database
from bot.store.events import ScheduledEvents
from bot.store.follows import FollowRecords
from bot.store.importer import Importer
from bot.store.leases import LeaseRecords
from bot.store.names import NameIndex
from bot.store.pg_names import PgNameIndex
from bot.store.sync import SyncRecords
from bot.store.weekly import WeeklyMessages

__all__ = ["Database", "MigrationError", "Store", "migrations"]

P = ParamSpec("P")
R = TypeVar("R")


class _Part(Generic[P, R]):
    """A store method that is a part's: ``name = _Part("catalogue", CatalogueReads.name)``."""

    __slots__ = ("part", "func")

    def __init__(self, part: str, func: Callable[Concatenate[Any, P], R]) -> None:
        self.part = part
        self.func = func

    def __set_name__(self, owner: type, name: str) -> None:
        declared = owner.__annotations__.get(self.part)
        if name != self.func.__name__ or declared != self.func.__qualname__.rsplit(".", 1)[0]:
            raise TypeError(f"Store.{name} is not a method of its part {self.part}: {declared}")

    @overload
    def __get__(self, obj: None, owner: type) -> _Part[P, R]: ...

    @overload
    def __get__(self, obj: object, owner: type) -> Callable[P, R]: ...

    def __get__(self, obj: object | None, owner: type) -> _Part[P, R] | Callable[P, R]:
        if obj is None:
            return self
        # By name, so a backend's own variant of a part (PgNameIndex) answers with its methods.
        return getattr(getattr(obj, self.part), self.func.__name__)  # type: ignore[no-any-return]


class Store:
    """Async access to the database. Build with ``await Store.open(path_or_url)``."""

    db: Database
    catalogue: CatalogueReads
    names: NameIndex
    importer: Importer
    announce: AnnounceSettings
    ledger: Ledger
    budget: RateBudgets  # the rate budget every process shares
    sync: SyncRecords
    follows: FollowRecords
    weekly: WeeklyMessages
    events: ScheduledEvents
    calendars: CalendarRecords
    leases: LeaseRecords

    def __init__(self, db: Database) -> None:
        self.db = db
        self.catalogue = CatalogueReads(db)
        self.names = PgNameIndex(db) if db.dialect == POSTGRESQL else NameIndex(db)
        self.importer = Importer(db)
        self.announce = AnnounceSettings(db)
        self.ledger = Ledger(db)
        self.budget = RateBudgets(db)
        self.sync = SyncRecords(db)
        self.follows = FollowRecords(db)
        self.weekly = WeeklyMessages(db)
        self.events = ScheduledEvents(db)
        self.calendars = CalendarRecords(db)
        self.leases = LeaseRecords(db)

    # -- life cycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, target: Path | str) -> Store:
        """The store in a SQLite file at ``target``, or in the PostgreSQL database a
        ``postgresql://`` URL names; migrated."""
        return cls(await open_database(target))

    @property
    def path(self) -> Path | str:
        return self.db.path

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        return await self.db.schema_version()

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction. Returns the new version."""
        return await self.db.migrate()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Statements]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (under the write lock)."""
        async with self.db.transaction() as tx:
            yield tx

    # -- the bot's own facts -------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        value = await self.db.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- the parts' methods ----------------------------------------------------------------------

    import_records = _Part("importer", Importer.import_records)
    import_rows = _Part("importer", Importer.import_rows)

    get_show = _Part("catalogue", CatalogueReads.get_show)
    get_shows = _Part("catalogue", CatalogueReads.get_shows)
    get_credits = _Part("catalogue", CatalogueReads.get_credits)
    get_episodes = _Part("catalogue", CatalogueReads.get_episodes)
    count_episodes = _Part("catalogue", CatalogueReads.count_episodes)
    get_releases = _Part("catalogue", CatalogueReads.get_releases)
    get_release = _Part("catalogue", CatalogueReads.get_release)
    get_events = _Part("catalogue", CatalogueReads.get_events)
    get_person = _Part("catalogue", CatalogueReads.get_person)
    person_credits = _Part("catalogue", CatalogueReads.person_credits)
    known_for = _Part("catalogue", CatalogueReads.known_for)
    get_links = _Part("catalogue", CatalogueReads.get_links)
    linked_shows = _Part("catalogue", CatalogueReads.linked_shows)
    releases_between = _Part("catalogue", CatalogueReads.releases_between)
    upcoming_releases = _Part("catalogue", CatalogueReads.upcoming_releases)
    platforms = _Part("catalogue", CatalogueReads.platforms)
    dated_releases_between = _Part("catalogue", CatalogueReads.dated_releases_between)
    releases_by_ids = _Part("catalogue", CatalogueReads.releases_by_ids)
    show_platforms = _Part("catalogue", CatalogueReads.show_platforms)
    releases_fingerprint = _Part("catalogue", CatalogueReads.releases_fingerprint)
    export_records = _Part("catalogue", CatalogueReads.export_records)
    stats = _Part("catalogue", CatalogueReads.stats)
    is_empty = _Part("catalogue", CatalogueReads.is_empty)

    search_names = _Part("names", NameIndex.search_names)
    name_prefix = _Part("names", NameIndex.name_prefix)
    gram_docs = _Part("names", NameIndex.gram_docs)
    name_candidates = _Part("names", NameIndex.name_candidates)
    names_with_grams = _Part("names", NameIndex.names_with_grams)
    names_with_keys = _Part("names", NameIndex.names_with_keys)
    key_neighbours = _Part("names", NameIndex.key_neighbours)
    display_names = _Part("names", NameIndex.display_names)
    first_names = _Part("names", NameIndex.first_names)
    name_count = _Part("names", NameIndex.name_count)

    ensure_announce_guild = _Part("announce", AnnounceSettings.ensure_announce_guild)
    announce_guild = _Part("announce", AnnounceSettings.announce_guild)
    announce_guilds = _Part("announce", AnnounceSettings.announce_guilds)
    update_announce_guild = _Part("announce", AnnounceSettings.update_announce_guild)
    set_preferred_locales = _Part("announce", AnnounceSettings.set_preferred_locales)
    upsert_announce_channel = _Part("announce", AnnounceSettings.upsert_announce_channel)
    configure_announce_channel = _Part("announce", AnnounceSettings.configure_announce_channel)
    forget_announce_channels = _Part("announce", AnnounceSettings.forget_announce_channels)
    forget_announce_guild = _Part("announce", AnnounceSettings.forget_announce_guild)
    announce_guild_ids = _Part("announce", AnnounceSettings.announce_guild_ids)
    clear_announce_roles = _Part("announce", AnnounceSettings.clear_announce_roles)
    rename_announce_channel = _Part("announce", AnnounceSettings.rename_announce_channel)
    remove_announce_channel = _Part("announce", AnnounceSettings.remove_announce_channel)
    announce_channel = _Part("announce", AnnounceSettings.announce_channel)
    announce_channels = _Part("announce", AnnounceSettings.announce_channels)
    mark_channel_broken = _Part("announce", AnnounceSettings.mark_channel_broken)
    mark_owner_notified = _Part("announce", AnnounceSettings.mark_owner_notified)
    owner_notified = _Part("announce", AnnounceSettings.owner_notified)

    delivered_keys = _Part("ledger", Ledger.delivered_keys)
    claim_deliveries = _Part("ledger", Ledger.claim_deliveries)
    claim_many = _Part("ledger", Ledger.claim_many)
    finish_many = _Part("ledger", Ledger.finish_many)
    has_pending = _Part("ledger", Ledger.has_pending)
    pending_deliveries = _Part("ledger", Ledger.pending_deliveries)
    finish_deliveries = _Part("ledger", Ledger.finish_deliveries)
    ledger_keys = _Part("ledger", Ledger.ledger_keys)
    count_attempt = _Part("ledger", Ledger.count_attempt)
    deliveries = _Part("ledger", Ledger.deliveries)
    delivery_counts = _Part("ledger", Ledger.delivery_counts)

    shows_by_tvmaze = _Part("sync", SyncRecords.shows_by_tvmaze)
    shows_by_imdb = _Part("sync", SyncRecords.shows_by_imdb)
    unsynced_shows_named = _Part("sync", SyncRecords.unsynced_shows_named)
    existing_show_ids = _Part("sync", SyncRecords.existing_show_ids)
    tvmaze_stamps = _Part("sync", SyncRecords.tvmaze_stamps)
    curated_texts = _Part("sync", SyncRecords.curated_texts)
    start_sync_run = _Part("sync", SyncRecords.start_sync_run)
    finish_sync_run = _Part("sync", SyncRecords.finish_sync_run)
    sync_runs = _Part("sync", SyncRecords.sync_runs)
