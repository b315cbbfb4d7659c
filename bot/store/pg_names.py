"""The name index on PostgreSQL: pg_trgm where SQLite has FTS5's trigram tables.

``bot.search`` asks the same questions of both backends and ranks the answers itself (rapidfuzz),
so the answers must be the same names in the same order. SQLite answers a trigram question from
an FTS5 trigram index (``names_fts_<kind>``: does a key contain these three characters?);
PostgreSQL answers it with ``key LIKE '%abc%'``, which the GIN trigram index of migration 0001
(``names_key_trgm``, ``gin_trgm_ops``) serves, ANDed and ORed by bitmap scans. Both return names
in id order (FTS5 in rowid order), so a ``LIMIT`` keeps the same ones.

The trigram counts ``name_grams`` that pick a query's rarest trigrams are the same table on both:
SQLite recounts it from FTS5's vocabulary after each import; here it is kept up to date as names
come and go (``index_new_names``, ``uncount_grams``), with the same numbers: how many names of a
kind hold each run of three characters of their key (``bot.search.trigrams``). The word-start
keys (``name_keys``) are the same rows on both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from bot.search import INITIALS_MIN, normalise, trigrams
from bot.store.database import Statements
from bot.store.names import CLITICS_SQL, NAME_KINDS, NameIndex


def contains(text: str) -> str:
    """A LIKE pattern for keys that contain ``text``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PgNameIndex(NameIndex):
    """``NameIndex`` with the trigram questions asked of pg_trgm."""

    async def search_names(
        self, text: str, kind: str | None = None, limit: int = 25
    ) -> list[tuple[str, str, str]]:
        needle = normalise(text)
        if not needle:
            return []
        out: list[tuple[str, str, str]] = []
        for k in NAME_KINDS if kind is None else (kind,):
            if k not in NAME_KINDS or len(out) >= limit:
                continue
            rows = await self.db.query(
                "SELECT kind, ref, text FROM names WHERE kind = ? AND key LIKE ? ORDER BY id LIMIT ?",
                (k, contains(needle), limit - len(out)),
            )
            out += [(r[0], r[1], r[2]) for r in rows]
        return out

    async def names_with_keys(
        self, kind: str, keys: Sequence[str], limit: int = 300
    ) -> list[tuple[str, str, str]]:
        # The keys as one array: planning a list of hundreds of values cost more than the look-ups.
        if not keys:
            return []
        rows = await self.db.query(
            "SELECT n.ref, n.text, n.key FROM (SELECT name_id, whole FROM name_keys "
            "WHERE kind = ? AND key = ANY(?::text[]) ORDER BY whole DESC, name_id LIMIT ?) k "
            "JOIN names n ON n.id = k.name_id ORDER BY k.whole DESC, k.name_id",
            (kind, list(keys), limit),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def name_candidates(
        self, kind: str, grams: Sequence[str], need: int, limit: int = 300
    ) -> list[tuple[str, str, str, int]]:
        if kind not in NAME_KINDS or not grams:
            return []
        n = len(grams)
        hits = " + ".join(f"CASE WHEN key LIKE ?{i} THEN 1 ELSE 0 END" for i in range(1, n + 1))
        anyof = " OR ".join(f"key LIKE ?{i}" for i in range(1, n + 1))
        rows = await self.db.query(
            f"SELECT ref, text, key, hits FROM (SELECT id, ref, text, key, {hits} AS hits FROM names "  # noqa: S608
            f"WHERE kind = ?{n + 1} AND ({anyof})) c WHERE hits >= ?{n + 2} "
            f"ORDER BY hits DESC, id LIMIT ?{n + 3}",
            [*(contains(g) for g in grams), kind, need, limit],
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def names_with_grams(
        self, kind: str, groups: Sequence[Sequence[str]], limit: int = 300
    ) -> list[tuple[str, str, str]]:
        if kind not in NAME_KINDS or not groups:
            return []
        each = max(1, limit // len(groups))
        params: list[Any] = []
        selects = []
        for group in groups:
            likes = " AND ".join("key LIKE ?" for _ in group)
            selects.append(
                f"SELECT id FROM (SELECT id FROM names WHERE kind = ? AND {likes} ORDER BY id LIMIT ?) g"
            )
            params += [kind, *(contains(g) for g in group), each]
        rows = await self.db.query(
            f"SELECT n.ref, n.text, n.key FROM ({' UNION '.join(selects)}) c JOIN names n ON n.id = c.id "  # noqa: S608
            "ORDER BY n.id",
            params,
        )
        return [(r[0], r[1], r[2]) for r in rows]


# -- keeping the structures in step with an import (inside its transaction) -----------------------


async def index_new_names(tx: Statements, mark: int) -> None:
    """The names rows above ``mark`` into ``name_keys`` (the key and its suffix from each later
    word start; a show name's initials, as ``bot.store.names`` computes them) and counted into
    ``name_grams``; the trigram index follows the table by itself."""
    await tx.execute(
        "INSERT INTO name_keys (kind, key, name_id, whole, length) "
        "SELECT n.kind, array_to_string(w.words[i:], ' '), n.id, CASE WHEN i = 1 THEN 1 ELSE 0 END, "
        "length(n.key) FROM names n CROSS JOIN LATERAL (SELECT string_to_array(n.key, ' ') AS words) w "
        "CROSS JOIN LATERAL generate_subscripts(w.words, 1) AS i WHERE n.id > ? AND n.key != ''",
        (mark,),
    )
    await tx.execute(
        "INSERT INTO name_keys (kind, key, name_id, whole, length) "
        "SELECT n.kind, i.short, n.id, 0, length(n.key) FROM names n CROSS JOIN LATERAL ("
        " SELECT string_agg(left(w.word, 1), '' ORDER BY w.at) AS short FROM ("
        "  SELECT word, at, coalesce(length(lag(word) OVER (ORDER BY at)), 0) AS before"
        "  FROM unnest(string_to_array(n.key, ' ')) WITH ORDINALITY AS u(word, at)) w"
        f" WHERE NOT (w.before > 1 AND w.word IN ({CLITICS_SQL}))) i "
        "WHERE n.id > ? AND n.kind = 'show' AND n.key LIKE '% % %' AND length(i.short) >= ? "
        "ON CONFLICT DO NOTHING",
        (mark, INITIALS_MIN),
    )
    await tx.execute(
        "INSERT INTO name_grams (kind, gram, docs) "
        "SELECT kind, gram, count(*) FROM (SELECT DISTINCT n.id, n.kind, substr(n.key, i, 3) AS gram "
        "FROM names n CROSS JOIN LATERAL generate_series(1, length(n.key) - 2) AS i WHERE n.id > ?) g "
        "GROUP BY kind, gram "
        "ON CONFLICT (kind, gram) DO UPDATE SET docs = name_grams.docs + excluded.docs",
        (mark,),
    )


async def uncount_grams(tx: Statements, kind: str, keys: Sequence[str]) -> None:
    """Names of ``kind`` with these keys are going: their trigrams are held by one name fewer."""
    counts = Counter(gram for key in keys for gram in trigrams(key))
    if not counts:
        return
    await tx.write_many(
        "UPDATE name_grams SET docs = docs - ? WHERE kind = ? AND gram = ?",
        [(n, kind, gram) for gram, n in sorted(counts.items())],
    )
    await tx.execute("DELETE FROM name_grams WHERE kind = ? AND docs <= 0", (kind,))
