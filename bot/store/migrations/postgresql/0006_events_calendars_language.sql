-- PostgreSQL twin of ../0006_events_calendars_language.sql.
ALTER TABLE announce_guilds ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
ALTER TABLE announce_guilds ADD COLUMN events_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE announce_guilds ADD COLUMN language TEXT COLLATE "C";

CREATE TABLE scheduled_events (
    guild_id BIGINT NOT NULL,
    release_key TEXT COLLATE "C" NOT NULL,
    event_id BIGINT,
    starts_at TEXT COLLATE "C" NOT NULL,
    digest TEXT COLLATE "C",
    state TEXT COLLATE "C" NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'canceled', 'deleted')),
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (guild_id, release_key)
);

CREATE TABLE calendar_feeds (
    token TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('server', 'user')),
    owner_id BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_owner ON calendar_feeds(kind, owner_id);
