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
-- In /upcoming's order, and covering what it filters on, so counting the rest reads only the index.
CREATE INDEX releases_instant ON releases(instant, show_id, season, episode, precision, platform)
    WHERE instant IS NOT NULL;

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

-- Titles, aliases and names, searched in any script. kind: 'show' or 'person'; ref: the show or
-- person id; key: bot.search.normalise(text), written by the import with the same function
-- the queries use. `names` is indexed by ref, so re-importing a show replaces its names without
-- scanning the search structures, which the store keeps in step with it:
--   name_keys   one row per name for its whole key and one per later word start (its suffix from
--               that word), so exact, prefix and word-prefix matches are range scans
--               (key >= q AND key < q || U+10FFFF) in key order;
--   names_fts_show, names_fts_person
--               external-content trigram indexes over the keys, one per kind, for typos;
--   name_grams  how many names of a kind hold each trigram (from the fts5vocab tables, rebuilt
--               after each import), so a typo search reads only the rarest postings.
-- An import adds its new rows to name_keys and the trigram indexes in one pass at the end, and
-- un-indexes a row before deleting it.
CREATE TABLE names (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    text TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX names_ref ON names(ref, kind);
CREATE TABLE name_keys (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,            -- the name's key, or its suffix from a later word start
    name_id INTEGER NOT NULL,
    whole INTEGER NOT NULL,       -- 1 for the name's whole key
    length INTEGER NOT NULL,      -- length of the whole key
    PRIMARY KEY (kind, key, name_id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE names_fts_show USING fts5(
    key, content = 'names', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
);
CREATE VIRTUAL TABLE names_fts_person USING fts5(
    key, content = 'names', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
);
CREATE VIRTUAL TABLE names_vocab_show USING fts5vocab(names_fts_show, 'row');
CREATE VIRTUAL TABLE names_vocab_person USING fts5vocab(names_fts_person, 'row');
CREATE TABLE name_grams (
    kind TEXT NOT NULL,
    gram TEXT NOT NULL,
    docs INTEGER NOT NULL,
    PRIMARY KEY (kind, gram)
) WITHOUT ROWID;

-- Small facts the bot keeps about itself (the synced command set's hash, ...).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
