-- Members' side: follows and their DMs, reminders before a release, the week at a glance.

-- The delivery ledger now holds every post of the bot, not only a channel's post at release:
--   kind 'channel': channel_id is the announcement channel;
--   kind 'user': channel_id is the follower's user id (the post is a DM);
--   lead: minutes before the release (0 = the post at release, 1440 = a reminder a day ahead).
-- Exactly once is one row per (kind, target, release, lead), claimed before the send.
CREATE TABLE deliveries_v5 (
    kind TEXT NOT NULL DEFAULT 'channel' CHECK (kind IN ('channel', 'user')),
    channel_id INTEGER NOT NULL,
    release_id TEXT NOT NULL,
    lead INTEGER NOT NULL DEFAULT 0 CHECK (lead >= 0),
    guild_id INTEGER NOT NULL,                    -- 0 for a DM
    due TEXT NOT NULL,                            -- UTC 'YYYY-MM-DDTHH:MM:SSZ'
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    nonce TEXT NOT NULL,
    message_id INTEGER,
    late INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, channel_id, release_id, lead)
) WITHOUT ROWID;
INSERT INTO deliveries_v5 (kind, channel_id, release_id, lead, guild_id, due, state, nonce, message_id,
                           late, reason, attempts, claimed_at, updated_at)
    SELECT 'channel', channel_id, release_id, 0, guild_id, due, state, nonce, message_id, late, reason,
           attempts, claimed_at, updated_at
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_v5 RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries(kind, channel_id, nonce) WHERE state = 'pending';
CREATE INDEX deliveries_due ON deliveries(due);
-- what a plan already did, by release
CREATE INDEX deliveries_release ON deliveries(release_id, due);

-- A channel's reminders ahead of each release (JSON array of minutes, e.g. [1440, 60]) and
-- whether it keeps a "week at a glance" message.
ALTER TABLE announce_channels ADD COLUMN reminders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE announce_channels ADD COLUMN weekly INTEGER NOT NULL DEFAULT 0;

-- A member who follows shows: DM settings and health.
CREATE TABLE followers (
    user_id INTEGER PRIMARY KEY,
    reminders TEXT NOT NULL DEFAULT '[]',         -- JSON array of minutes before each release
    dm_channel_id INTEGER,                        -- the DM channel, once opened (saves a request)
    paused_reason TEXT,                           -- NULL while DMs are delivered
    paused_at TEXT,
    told INTEGER NOT NULL DEFAULT 0,              -- the member was told of the pause
    created_at TEXT NOT NULL
);

-- What a member follows: a show's premieres only, or every episode.
CREATE TABLE follows (
    user_id INTEGER NOT NULL REFERENCES followers(user_id) ON DELETE CASCADE,
    show_id TEXT NOT NULL,
    what TEXT NOT NULL DEFAULT 'premieres' CHECK (what IN ('premieres', 'episodes')),
    added_at TEXT NOT NULL,                       -- UTC: nothing due before this is sent
    PRIMARY KEY (user_id, show_id)
) WITHOUT ROWID;
CREATE INDEX follows_show ON follows(show_id, user_id);

-- The "week at a glance" message of a channel, one per week: edited in place as the week goes.
CREATE TABLE weekly_messages (
    channel_id INTEGER NOT NULL,
    week_start TEXT NOT NULL,                     -- the week's first day, YYYY-MM-DD, in the server's zone
    guild_id INTEGER NOT NULL,
    message_id INTEGER,                           -- NULL until posted
    digest TEXT,                                  -- what it shows, to edit only when that changes
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, week_start)
) WITHOUT ROWID;
