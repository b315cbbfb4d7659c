-- A show's initials find it, as people shorten a title: "twd" The Walking Dead, "hotd" House of
-- the Dragon, "지우학" 지금 우리 학교는. name_keys holds, beside a name's whole key and its word
-- suffixes, the initials of each show name (bot.search.initials: the first character of each word
-- of its key, but a clitic such as the "s" of "it s" after a longer word; three or more), as a
-- word start (whole = 0). Imports add them from now on (bot.store.names.index_new_names); this
-- adds them for the names already there.
WITH RECURSIVE w(id, length, rest, at, before, short) AS (
    SELECT id, length(key), key || ' ', instr(key, ' '), 0, '' FROM names WHERE kind = 'show' AND key LIKE '% % %'
    UNION ALL
    SELECT id, length, substr(rest, at + 1), instr(substr(rest, at + 1), ' '), at - 1,
        short || CASE WHEN before > 1 AND substr(rest, 1, at - 1) IN ('s', 't', 'd', 'll', 're', 've')
            THEN '' ELSE substr(rest, 1, 1) END
    FROM w WHERE at > 0
)
INSERT OR IGNORE INTO name_keys (kind, key, name_id, whole, length)
SELECT 'show', short, id, 0, length FROM w WHERE at = 0 AND length(short) >= 3 ORDER BY short, id;
