-- PostgreSQL twin of ../0007_calendar_entries.sql.
ALTER TABLE calendar_feeds ADD COLUMN etag TEXT COLLATE "C";
ALTER TABLE calendar_feeds ADD COLUMN changed_at TEXT COLLATE "C";

CREATE TABLE calendar_entries (
    uid TEXT COLLATE "C" PRIMARY KEY,
    digest TEXT COLLATE "C" NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX calendar_entries_changed ON calendar_entries(changed_at);
