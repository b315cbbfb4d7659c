-- A configured channel's name when last seen, so a channel deleted while the bot was away is
-- still named (in the owner's message, in /announce list) rather than shown by its raw id.
ALTER TABLE announce_channels ADD COLUMN name TEXT;
