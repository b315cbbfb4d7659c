-- PostgreSQL twin of ../0011_releases_by_platform.sql.
-- /upcoming for one platform: the releases of that platform in time order, so the list and the
-- count read only that platform's entries (through releases_instant they read every platform's,
-- about 30 for each one listed). The same match as the query (lower(platform)), and the order's
-- columns, so the index answers in order and stops at the limit.
CREATE INDEX releases_platform ON releases (lower(platform), instant, show_id, season, episode, precision)
    WHERE instant IS NOT NULL;
