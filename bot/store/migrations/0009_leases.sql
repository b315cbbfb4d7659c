-- Leases: which process of a cluster (several bot processes on one database, each running some
-- of Discord's shards) runs a job that must run once for the whole bot: catalogue syncs,
-- followers' DMs. A row is held by ``holder`` (host:pid:random) until ``expires_at``; its holder
-- renews it well before then, and once it has expired (its holder died) another process takes it.
-- ``expires_at`` is a UTC instant as text, 'YYYY-MM-DDTHH:MM:SSZ', so it compares as text.
-- Written to run unchanged on PostgreSQL too.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
