-- PostgreSQL twin of ../0001_catalogue.sql: the same tables and columns. Text compares and sorts
-- byte by byte (COLLATE "C"), as in SQLite, whatever the database's own collation; ids are
-- BIGINT (Discord's ids do not fit in INTEGER); instants stay ISO text and truth values 0/1.
-- Search: a GIN trigram index (pg_trgm) over the names' keys where SQLite has FTS5 trigram
-- tables; name_keys and name_grams are the same tables (bot.store.pg_names).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE shows (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('series', 'film')),
    original_title TEXT COLLATE "C",
    aliases TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    platform TEXT COLLATE "C",
    country TEXT COLLATE "C",
    original_language TEXT COLLATE "C",
    genres TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    synopsis TEXT COLLATE "C",
    episode_count INTEGER,
    season_count INTEGER,
    source_kind TEXT COLLATE "C",
    source_title TEXT COLLATE "C",
    source_original_title TEXT COLLATE "C",
    status TEXT COLLATE "C"
);

CREATE TABLE people (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    native_name TEXT COLLATE "C"
);

CREATE TABLE credits (
    show_id TEXT COLLATE "C" NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    person_id TEXT COLLATE "C" NOT NULL REFERENCES people(id),
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('cast', 'director', 'writer', 'creator', 'original_author')),
    character TEXT COLLATE "C" NOT NULL DEFAULT '',
    billing INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (show_id, person_id, role, character)
);
CREATE INDEX credits_person ON credits(person_id);

CREATE TABLE episodes (
    show_id TEXT COLLATE "C" NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    season INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT COLLATE "C",
    PRIMARY KEY (show_id, season, number)
);

CREATE TABLE releases (
    id TEXT COLLATE "C" PRIMARY KEY,
    show_id TEXT COLLATE "C" NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    scope TEXT COLLATE "C" NOT NULL CHECK (scope IN ('show', 'season', 'episode')),
    season INTEGER,
    episode INTEGER,
    platform TEXT COLLATE "C",
    region TEXT COLLATE "C" NOT NULL DEFAULT 'WW',
    precision TEXT COLLATE "C" NOT NULL CHECK (precision IN ('exact', 'date', 'month', 'year', 'tba')),
    zone TEXT COLLATE "C" NOT NULL DEFAULT 'UTC',
    instant TEXT COLLATE "C",
    local TEXT COLLATE "C",
    note TEXT COLLATE "C"
);
CREATE INDEX releases_show ON releases(show_id);
CREATE INDEX releases_instant ON releases(instant, show_id, season, episode, precision, platform)
    WHERE instant IS NOT NULL;

-- PostgreSQL only: a counter every statement that writes to releases moves on, so a process
-- sees that another one changed the releases (SQLite reads PRAGMA data_version for that).
CREATE TABLE releases_changes (n BIGINT NOT NULL);
INSERT INTO releases_changes (n) VALUES (0);
CREATE FUNCTION releases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE releases_changes SET n = n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER releases_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON releases
    FOR EACH STATEMENT EXECUTE FUNCTION releases_changed();

CREATE TABLE events (
    id TEXT COLLATE "C" PRIMARY KEY,
    show_id TEXT COLLATE "C" NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    precision TEXT COLLATE "C" NOT NULL,
    zone TEXT COLLATE "C" NOT NULL DEFAULT 'UTC',
    instant TEXT COLLATE "C",
    local TEXT COLLATE "C",
    place TEXT COLLATE "C"
);
CREATE INDEX events_show ON events(show_id);

CREATE TABLE names (
    id BIGINT PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    ref TEXT COLLATE "C" NOT NULL,
    text TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL
);
CREATE INDEX names_ref ON names(ref, kind);
-- Substring questions (key LIKE '%abc%'): what SQLite asks of names_fts_show and names_fts_person.
CREATE INDEX names_key_trgm ON names USING gin (key gin_trgm_ops);
CREATE TABLE name_keys (
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    name_id BIGINT NOT NULL,
    whole INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (kind, key, name_id)
);
CREATE TABLE name_grams (
    kind TEXT COLLATE "C" NOT NULL,
    gram TEXT COLLATE "C" NOT NULL,
    docs INTEGER NOT NULL,
    PRIMARY KEY (kind, gram)
);

CREATE TABLE meta (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
