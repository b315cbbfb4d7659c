-- A live catalogue: outside identities, show-level dates, season parts, links between shows,
-- the hand-curated layer, and a record of every sync.

ALTER TABLE shows ADD COLUMN tvmaze_id INTEGER;
ALTER TABLE shows ADD COLUMN imdb_id TEXT;
ALTER TABLE shows ADD COLUMN thetvdb_id INTEGER;
-- 'YYYY-MM-DD'
ALTER TABLE shows ADD COLUMN premiered TEXT;
-- 'YYYY-MM-DD'
ALTER TABLE shows ADD COLUMN ended TEXT;
-- TVmaze's `updated` stamp when last synced
ALTER TABLE shows ADD COLUMN tvmaze_updated INTEGER;
-- Two shows can share a title; a synced show's identity is its TVmaze id.
CREATE UNIQUE INDEX shows_tvmaze ON shows(tvmaze_id) WHERE tvmaze_id IS NOT NULL;
CREATE INDEX shows_imdb ON shows(imdb_id) WHERE imdb_id IS NOT NULL;

-- A season dropped in parts: part number and the part's episodes (episode .. last_episode).
ALTER TABLE releases ADD COLUMN part INTEGER;
ALTER TABLE releases ADD COLUMN last_episode INTEGER;

-- What another show is to this one: sequel, prequel, related ...
CREATE TABLE show_links (
    show_id TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    other_id TEXT NOT NULL,
    relation TEXT NOT NULL,
    PRIMARY KEY (show_id, other_id)
) WITHOUT ROWID;
CREATE INDEX show_links_other ON show_links(other_id);

-- The hand-curated layer: each curated show as its file states it (JSON of the file's table),
-- so a sync fills in only what the file leaves out and never overwrites what it says.
CREATE TABLE curated (
    show_id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);

-- One row per sync run: what it asked, what it changed, what failed.
CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                            -- schedule | updates | show | lookup
    started TEXT NOT NULL,                         -- UTC
    finished TEXT,
    requests INTEGER NOT NULL DEFAULT 0,
    shows_added INTEGER NOT NULL DEFAULT 0,
    shows_updated INTEGER NOT NULL DEFAULT 0,
    shows_unchanged INTEGER NOT NULL DEFAULT 0,
    releases_added INTEGER NOT NULL DEFAULT 0,
    releases_moved INTEGER NOT NULL DEFAULT 0,
    releases_removed INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
