-- The catalogue: shows, people, credits, episodes, releases, events, and a search index.
CREATE TABLE shows (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('series', 'film')),
    original_title TEXT,
    aliases TEXT NOT NULL DEFAULT '[]',          -- JSON array of strings
    platform TEXT,
    country TEXT,
    original_language TEXT,
    genres TEXT NOT NULL DEFAULT '[]',           -- JSON array of strings
    synopsis TEXT,
    episode_count INTEGER,
    season_count INTEGER,
    source_kind TEXT,
    source_title TEXT,
    source_original_title TEXT,
    status TEXT
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    native_name TEXT
);

CREATE TABLE credits (
    show_id TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('cast', 'director', 'writer', 'creator', 'original_author')),
    character TEXT NOT NULL DEFAULT '',
    billing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (show_id, person_id, role, character)
) WITHOUT ROWID;
CREATE INDEX credits_person ON credits(person_id);

CREATE TABLE episodes (
    show_id TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    season INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT,
    PRIMARY KEY (show_id, season, number)
) WITHOUT ROWID;

CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    show_id TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    scope TEXT NOT NULL CHECK (scope IN ('show', 'season', 'episode')),
    season INTEGER,
    episode INTEGER,
    platform TEXT,
    region TEXT NOT NULL DEFAULT 'WW',
    precision TEXT NOT NULL CHECK (precision IN ('exact', 'date', 'month', 'year', 'tba')),
    zone TEXT NOT NULL DEFAULT 'UTC',
    instant TEXT,                                 -- UTC, 'YYYY-MM-DDTHH:MM:SSZ', sortable; NULL for TBA
    local TEXT,                                   -- as announced: '2022-01-28', '2022-01-28T17:00'
    note TEXT
);
CREATE INDEX releases_show ON releases(show_id);
CREATE INDEX releases_instant ON releases(instant, show_id, season, episode) WHERE instant IS NOT NULL;

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    show_id TEXT NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    precision TEXT NOT NULL,
    zone TEXT NOT NULL DEFAULT 'UTC',
    instant TEXT,
    local TEXT,
    place TEXT
);
CREATE INDEX events_show ON events(show_id);

-- Titles, aliases and names for substring search in any script (trigram tokenizer).
-- kind: 'show' or 'person'; ref: the show or person id. The rows live in `names` (indexed by
-- ref, so re-importing a show replaces its names without scanning the index); `names_fts` is
-- an external-content index over them, which the store keeps in step: an import adds its new
-- rows in one pass at the end, and un-indexes a row before deleting it.
CREATE TABLE names (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX names_ref ON names(ref, kind);
CREATE VIRTUAL TABLE names_fts USING fts5(
    text, kind UNINDEXED, ref UNINDEXED, content = 'names', content_rowid = 'id', tokenize = 'trigram'
);

-- Small facts the bot keeps about itself (the synced command set's hash, ...).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
