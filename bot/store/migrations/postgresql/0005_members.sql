-- PostgreSQL twin of ../0005_members.sql.
CREATE TABLE deliveries_v5 (
    kind TEXT COLLATE "C" NOT NULL DEFAULT 'channel' CHECK (kind IN ('channel', 'user')),
    channel_id BIGINT NOT NULL,
    release_id TEXT COLLATE "C" NOT NULL,
    lead INTEGER NOT NULL DEFAULT 0 CHECK (lead >= 0),
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
    CONSTRAINT deliveries_pkey_v5 PRIMARY KEY (kind, channel_id, release_id, lead)
);
INSERT INTO deliveries_v5 (kind, channel_id, release_id, lead, guild_id, due, state, nonce, message_id,
                           late, reason, attempts, claimed_at, updated_at)
    SELECT 'channel', channel_id, release_id, 0, guild_id, due, state, nonce, message_id, late, reason,
           attempts, claimed_at, updated_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v5 RENAME TO deliveries;
ALTER TABLE deliveries RENAME CONSTRAINT deliveries_pkey_v5 TO deliveries_pkey;
CREATE INDEX deliveries_pending ON deliveries(kind, channel_id, nonce) WHERE state = 'pending';
CREATE INDEX deliveries_due ON deliveries(due);
CREATE INDEX deliveries_release ON deliveries(release_id, due);

ALTER TABLE announce_channels ADD COLUMN reminders TEXT COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE announce_channels ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0;

CREATE TABLE followers (
    user_id BIGINT PRIMARY KEY,
    reminders TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    dm_channel_id BIGINT,
    paused_reason TEXT COLLATE "C",
    paused_at TEXT COLLATE "C",
    told INTEGER NOT NULL DEFAULT 0,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE follows (
    user_id BIGINT NOT NULL REFERENCES followers(user_id) ON DELETE CASCADE,
    show_id TEXT COLLATE "C" NOT NULL,
    what TEXT COLLATE "C" NOT NULL DEFAULT 'premieres' CHECK (what IN ('premieres', 'episodes')),
    added_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, show_id)
);
CREATE INDEX follows_show ON follows(show_id, user_id);

CREATE TABLE weekly_messages (
    channel_id BIGINT NOT NULL,
    week_start TEXT COLLATE "C" NOT NULL,
    guild_id BIGINT NOT NULL,
    message_id BIGINT,
    digest TEXT COLLATE "C",
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel_id, week_start)
);
