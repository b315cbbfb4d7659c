-- PostgreSQL twin of ../0002_announcements.sql.
CREATE TABLE announce_guilds (
    guild_id BIGINT PRIMARY KEY,
    zone TEXT COLLATE "C" NOT NULL DEFAULT 'UTC',
    post_time TEXT COLLATE "C" NOT NULL DEFAULT '09:00',
    paused INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE announce_channels (
    channel_id BIGINT PRIMARY KEY,
    guild_id BIGINT NOT NULL REFERENCES announce_guilds(guild_id) ON DELETE CASCADE,
    role_id BIGINT,
    platforms TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    shows TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    kinds TEXT COLLATE "C" NOT NULL DEFAULT 'both' CHECK (kinds IN ('premieres', 'episodes', 'both')),
    threads INTEGER NOT NULL DEFAULT 0,
    publish INTEGER NOT NULL DEFAULT 0,
    added_at TEXT COLLATE "C" NOT NULL,
    broken_reason TEXT COLLATE "C",
    broken_at TEXT COLLATE "C",
    owner_notified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX announce_channels_guild ON announce_channels(guild_id);

CREATE TABLE deliveries (
    channel_id BIGINT NOT NULL,
    release_id TEXT COLLATE "C" NOT NULL,
    guild_id BIGINT NOT NULL,
    due TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    nonce TEXT COLLATE "C" NOT NULL,
    message_id BIGINT,
    late INTEGER NOT NULL DEFAULT 0,
    reason TEXT COLLATE "C",
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel_id, release_id)
);
CREATE INDEX deliveries_pending ON deliveries(channel_id, nonce) WHERE state = 'pending';
CREATE INDEX deliveries_due ON deliveries(due);
CREATE INDEX deliveries_release ON deliveries(release_id, due);
