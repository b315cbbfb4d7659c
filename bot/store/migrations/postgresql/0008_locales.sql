-- PostgreSQL twin of ../0008_locales.sql.
ALTER TABLE announce_guilds ADD COLUMN preferred_locale TEXT COLLATE "C";
ALTER TABLE followers ADD COLUMN locale TEXT COLLATE "C";
