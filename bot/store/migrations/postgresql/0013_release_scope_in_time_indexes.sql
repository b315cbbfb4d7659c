-- PostgreSQL twin of ../0013_release_scope_in_time_indexes.sql.
-- /upcoming kinds:premieres (or new episodes): the time-ordered indexes hold the scope too, so
-- whether a release is a premiere is read from the index.
DROP INDEX releases_instant;
CREATE INDEX releases_instant ON releases (instant, show_id, season, episode, precision, platform, scope)
    WHERE instant IS NOT NULL;
DROP INDEX releases_platform;
CREATE INDEX releases_platform ON releases (lower(platform), instant, show_id, season, episode, precision, scope)
    WHERE instant IS NOT NULL;
