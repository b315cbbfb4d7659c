-- The platforms the catalogue names (autocomplete of a platform, /announce's platform filter,
-- /upcoming's check of a platform): read by jumping from one platform to the next along this
-- index and releases_platform, a look-up per platform, instead of a read of every show (0.2 s at
-- 300,000 shows) and every release (0.7 s). The same match as releases_platform (COLLATE NOCASE).
CREATE INDEX shows_platform ON shows(platform COLLATE NOCASE) WHERE platform IS NOT NULL;
