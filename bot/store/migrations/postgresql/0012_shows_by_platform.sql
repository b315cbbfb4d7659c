-- PostgreSQL twin of ../0012_shows_by_platform.sql.
-- The platforms the catalogue names: one entry per platform to read, the same match as
-- releases_platform (lower(platform)).
CREATE INDEX shows_platform ON shows (lower(platform)) WHERE platform IS NOT NULL;
