-- Calendar feeds that calendar apps poll cheaply, and entries that update in place.

-- What a feed showed when last served (its ETag) and when that last changed (Last-Modified).
ALTER TABLE calendar_feeds ADD COLUMN etag TEXT;
ALTER TABLE calendar_feeds ADD COLUMN changed_at TEXT;

-- One row per calendar entry (a release, or episodes dropped at once) by its UID: a digest of
-- what it shows, and its revision (SEQUENCE) and when that last changed (LAST-MODIFIED, DTSTAMP),
-- so an entry whose release moved is the same entry, revised, in every calendar that holds it.
CREATE TABLE calendar_entries (
    uid TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT NOT NULL                      -- UTC 'YYYY-MM-DDTHH:MM:SSZ'
) WITHOUT ROWID;
CREATE INDEX calendar_entries_changed ON calendar_entries(changed_at);
