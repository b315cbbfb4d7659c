-- PostgreSQL twin of ../0014_show_initials.sql.
-- A show's initials find it ("twd" The Walking Dead): name_keys holds the initials of each show
-- name already there (bot.search.initials), as a word start (whole = 0).
INSERT INTO name_keys (kind, key, name_id, whole, length)
SELECT n.kind, i.short, n.id, 0, length(n.key) FROM names n CROSS JOIN LATERAL (
    SELECT string_agg(left(w.word, 1), '' ORDER BY w.at) AS short FROM (
        SELECT word, at, coalesce(length(lag(word) OVER (ORDER BY at)), 0) AS before
        FROM unnest(string_to_array(n.key, ' ')) WITH ORDINALITY AS u(word, at)) w
    WHERE NOT (w.before > 1 AND w.word IN ('s', 't', 'd', 'll', 're', 've'))) i
WHERE n.kind = 'show' AND n.key LIKE '% % %' AND length(i.short) >= 3
ON CONFLICT DO NOTHING;
