-- PostgreSQL twin of ../0004_announce_channel_names.sql.
ALTER TABLE announce_channels ADD COLUMN name TEXT COLLATE "C";
