-- Release announcements: per-server settings, configured channels, and the delivery ledger.

-- One row per server that configured announcements.
CREATE TABLE announce_guilds (
    guild_id INTEGER PRIMARY KEY,
    zone TEXT NOT NULL DEFAULT 'UTC',             -- IANA zone for date-only releases
    post_time TEXT NOT NULL DEFAULT '09:00',      -- HH:MM in zone: when date-only releases are posted
    paused INTEGER NOT NULL DEFAULT 0
);

-- A channel that receives announcements, with its filters and health.
CREATE TABLE announce_channels (
    channel_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL REFERENCES announce_guilds(guild_id) ON DELETE CASCADE,
    role_id INTEGER,                              -- the only mention ever sent; NULL = no ping
    platforms TEXT NOT NULL DEFAULT '[]',         -- JSON array, lower case; empty = every platform
    shows TEXT NOT NULL DEFAULT '[]',             -- JSON array of show ids; empty = every show
    kinds TEXT NOT NULL DEFAULT 'both' CHECK (kinds IN ('premieres', 'episodes', 'both')),
    threads INTEGER NOT NULL DEFAULT 0,           -- open a discussion thread on each post
    publish INTEGER NOT NULL DEFAULT 0,           -- an announcement channel: crosspost each post
    added_at TEXT NOT NULL,                       -- UTC; nothing due before this is ever posted
    broken_reason TEXT,                           -- NULL while healthy
    broken_at TEXT,
    owner_notified INTEGER NOT NULL DEFAULT 0     -- the owner got the DM for this breakage
);
CREATE INDEX announce_channels_guild ON announce_channels(guild_id);

-- Exactly once: one row per (channel, release). Claimed as 'pending' before the send; then
-- 'sent' (message_id), 'failed' (reason) or 'skipped' (missed beyond the grace window).
-- Every release of one post shares that post's nonce, so a pending post is re-sent as it was.
CREATE TABLE deliveries (
    channel_id INTEGER NOT NULL,
    release_id TEXT NOT NULL,
    guild_id INTEGER NOT NULL,
    due TEXT NOT NULL,                            -- UTC 'YYYY-MM-DDTHH:MM:SSZ'
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    nonce TEXT NOT NULL,
    message_id INTEGER,
    late INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, release_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries(channel_id, nonce) WHERE state = 'pending';
CREATE INDEX deliveries_due ON deliveries(due);
CREATE INDEX deliveries_release ON deliveries(release_id, due);  -- what a plan already did, by release
