-- Languages: a server's preferred locale and each follower's locale, as Discord last reported them.

-- The server's preferred locale (Discord's guild.preferred_locale, e.g. 'ko' or 'en-US'), written
-- when the bot sees the server and when an admin uses /announce: the language of its announcements
-- while none is chosen with /announce language (the column ``language``, NULL by default).
ALTER TABLE announce_guilds ADD COLUMN preferred_locale TEXT;

-- A follower's Discord locale when they last used a follow command: the language of their DMs.
ALTER TABLE followers ADD COLUMN locale TEXT;
