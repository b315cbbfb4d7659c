-- Discord scheduled events for releases, calendar feeds, and each server's language.

-- A server's scheduled events (off by default; how many days ahead) and the language of its
-- announcements (NULL: the server's preferred locale, as Discord reports it).
ALTER TABLE announce_guilds ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
ALTER TABLE announce_guilds ADD COLUMN events_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE announce_guilds ADD COLUMN language TEXT;

-- The Discord scheduled event made for a release in a server: never two for one release.
CREATE TABLE scheduled_events (
    guild_id INTEGER NOT NULL,
    release_key TEXT NOT NULL,                    -- what the event is for (a release, or a drop)
    event_id INTEGER,                             -- NULL until Discord made it
    starts_at TEXT NOT NULL,                      -- UTC start as last written to Discord
    digest TEXT,                                  -- name, description and place as last written
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'canceled', 'deleted')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, release_key)
) WITHOUT ROWID;

-- Calendar feeds at unguessable addresses: one per server and one per member, revocable.
CREATE TABLE calendar_feeds (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('server', 'user')),
    owner_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_owner ON calendar_feeds(kind, owner_id);
