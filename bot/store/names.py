"""The name index: every title, original title, alias and person's name with its search key,
and the structures ``bot.search`` reads (word-start keys, with each show name's initials
among them, a trigram index per kind, trigram counts). The tables come from migration 0001.

``NameIndex`` answers the searches; ``replace_names`` and ``index_new_names`` are how an import
(``bot.store.importer``, ``bot.store.bulk``) keeps the index in step, inside its transaction.
On SQLite the trigram index is FTS5's (``names_fts_show``, ``names_fts_person``); on PostgreSQL
it is pg_trgm's, and ``bot.store.pg_names`` answers and keeps what differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.search import CLITICS, INITIALS_MIN, index_keys, normalise
from bot.store.database import POSTGRESQL, Database, Statements

NAME_KINDS = ("show", "person")
CLITICS_SQL = ", ".join(f"'{c}'" for c in CLITICS)  # as a list of SQL strings


class NameIndex:
    """Searches of names (``bot.search`` drives them)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.reads = db.command_reads()  # the short reads of a search (not a scan)

    async def search_names(
        self, text: str, kind: str | None = None, limit: int = 25
    ) -> list[tuple[str, str, str]]:
        """Substring search in titles, aliases and names (their search keys), any script:
        (kind, ref, matched text)."""
        needle = normalise(text)
        if not needle:
            return []
        # A key holds only word characters (no "_") and single spaces: nothing to escape in LIKE.
        out: list[tuple[str, str, str]] = []
        for k in NAME_KINDS if kind is None else (kind,):
            if k not in NAME_KINDS or len(out) >= limit:
                continue
            if len(needle) >= 3:  # the trigram index answers LIKE; shorter needles scan
                sql = (
                    f"SELECT n.kind, n.ref, n.text FROM names_fts_{k} f JOIN names n ON n.id = f.rowid "  # noqa: S608
                    "WHERE f.key LIKE ? LIMIT ?"
                )
                params: list[Any] = [f"%{needle}%", limit - len(out)]
            else:
                sql = "SELECT kind, ref, text FROM names WHERE kind = ? AND key LIKE ? LIMIT ?"
                params = [k, f"%{needle}%", limit - len(out)]
            reads = self.reads if len(needle) >= 3 else self.db
            out += [(r[0], r[1], r[2]) for r in await reads.query(sql, params)]
        return out

    async def name_prefix(
        self, kind: str, key: str, *, scan: int = 2000, top: int = 100
    ) -> list[tuple[str, str, str, float]]:
        """Names of ``kind`` whose key, or a word-start suffix of it, starts with ``key``:
        (ref, text, key, score), best first (a name may come more than once). Reads at most
        ``scan`` index rows in key order."""
        # The extra length is at most 40 (a CASE: SQLite's min(a, b) is PostgreSQL's least).
        extra = "CASE WHEN length - ?2 < 40 THEN length - ?2 ELSE 40 END"
        # A name matched by several of its word starts comes once per match, its best first (the
        # caller keeps a ref's best): no grouping, which cost as much as the rest of the query.
        rows = await self.reads.query(
            "SELECT n.ref, n.text, n.key, m.score FROM ("
            " SELECT name_id, CASE WHEN whole = 1 AND key = ?1 THEN 100.0"
            f"  WHEN whole = 1 THEN 96.0 - {extra} * 0.05"
            f"  ELSE 92.0 - {extra} * 0.05 END AS score, length FROM ("
            "  SELECT name_id, whole, length, key FROM name_keys"
            "  WHERE kind = ?3 AND key >= ?1 AND key < ?4 ORDER BY kind, key, name_id LIMIT ?5) k"
            " ORDER BY score DESC, length, name_id LIMIT ?6"
            ") m JOIN names n ON n.id = m.name_id ORDER BY m.score DESC, m.length, n.id",
            (key, len(key), kind, key + "\U0010ffff", scan, top),
        )
        return [(r[0], r[1], r[2], float(r[3])) for r in rows]

    async def gram_docs(self, kind: str, grams: Sequence[str]) -> dict[str, int]:
        """How many names of ``kind`` hold each trigram (absent: none)."""
        if not grams:
            return {}
        marks = ",".join("?" * len(grams))
        rows = await self.reads.query(
            f"SELECT gram, docs FROM name_grams WHERE kind = ? AND gram IN ({marks})",  # noqa: S608
            [kind, *grams],
        )
        return {r[0]: r[1] for r in rows}

    async def name_candidates(
        self, kind: str, grams: Sequence[str], need: int, limit: int = 300
    ) -> list[tuple[str, str, str, int]]:
        """Names of ``kind`` holding at least ``need`` of ``grams`` (trigrams of a search key),
        most shared first: (ref, text, key, shared)."""
        if kind not in NAME_KINDS or not grams:
            return []
        union = " UNION ALL ".join(
            f"SELECT rowid AS id FROM names_fts_{kind} WHERE names_fts_{kind} MATCH ?"
            for _ in grams  # noqa: S608
        )
        rows = await self.reads.query(
            f"SELECT n.ref, n.text, n.key, c.hits FROM (SELECT id, count(*) AS hits FROM ({union}) "  # noqa: S608
            "GROUP BY id HAVING hits >= ? ORDER BY hits DESC, id LIMIT ?) c JOIN names n ON n.id = c.id "
            "ORDER BY c.hits DESC, c.id",
            ['"' + g.replace('"', '""') + '"' for g in grams] + [need, limit],
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def names_with_grams(
        self, kind: str, groups: Sequence[Sequence[str]], limit: int = 300
    ) -> list[tuple[str, str, str]]:
        """Names of ``kind`` holding every trigram of at least one of ``groups``: (ref, text, key),
        in id order. Each group brings its first ``limit // len(groups)`` names (in id order), so
        a group of common trigrams cannot crowd out a telling one. The trigram index intersects
        the postings itself."""
        if kind not in NAME_KINDS or not groups:
            return []
        each = max(1, limit // len(groups))
        union = " UNION ".join(
            f"SELECT id FROM (SELECT rowid AS id FROM names_fts_{kind} WHERE names_fts_{kind} MATCH ? "  # noqa: S608
            "ORDER BY rowid LIMIT ?)"
            for _ in groups
        )
        params: list[Any] = []
        for group in groups:
            params += [" AND ".join('"' + g.replace('"', '""') + '"' for g in group), each]
        rows = await self.reads.query(
            f"SELECT n.ref, n.text, n.key FROM ({union}) c JOIN names n ON n.id = c.id ORDER BY n.id",  # noqa: S608
            params,
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def key_neighbours(self, kind: str, key: str) -> tuple[str, str]:
        """The keys (or word-start suffixes) of ``kind`` just before and just after ``key`` in
        key order ("" where there is none): between them, the longest start any key shares with
        ``key``. Two look-ups in the word-start index."""
        rows = await self.reads.query(
            "SELECT (SELECT max(key) FROM name_keys WHERE kind = ?1 AND key <= ?2),"
            " (SELECT min(key) FROM name_keys WHERE kind = ?1 AND key > ?2)",
            (kind, key),
        )
        before, after = rows[0] if rows else (None, None)
        return before or "", after or ""

    async def names_with_keys(
        self, kind: str, keys: Sequence[str], limit: int = 300
    ) -> list[tuple[str, str, str]]:
        """Names of ``kind`` whose key, or its suffix from a later word start, is one of ``keys``:
        (ref, text, key), whole keys first. One look-up in the word-start index per key."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = await self.reads.query(
            "SELECT n.ref, n.text, n.key FROM (SELECT name_id, whole FROM name_keys "  # noqa: S608
            f"WHERE kind = ? AND key IN ({marks}) ORDER BY whole DESC, name_id LIMIT ?) k "
            "JOIN names n ON n.id = k.name_id ORDER BY k.whole DESC, k.name_id",
            [kind, *keys, limit],
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def display_names(self, kind: str, refs: Iterable[str]) -> dict[str, str]:
        """Show id -> title, or person id -> name, for the given ids."""
        ids = list(dict.fromkeys(refs))
        if not ids:
            return {}
        table, column = ("shows", "title") if kind == "show" else ("people", "name")
        marks = ",".join("?" * len(ids))
        rows = await self.reads.query(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", ids)  # noqa: S608
        return {r[0]: r[1] for r in rows}

    async def first_names(self, kind: str, limit: int = 25) -> list[tuple[str, str]]:
        """The first ``limit`` shows (by title) or people (by name) in key order: (ref, display)."""
        table, column = ("shows", "title") if kind == "show" else ("people", "name")
        rows = await self.reads.query(
            f"SELECT n.ref, d.{column} FROM name_keys k JOIN names n ON n.id = k.name_id "  # noqa: S608
            f"JOIN {table} d ON d.id = n.ref AND d.{column} = n.text "
            "WHERE k.kind = ? AND k.whole = 1 ORDER BY k.key, k.name_id LIMIT ?",
            (kind, limit),
        )
        return [(r[0], r[1]) for r in rows]

    async def name_count(self) -> int:
        return int(await self.db.scalar("SELECT count(*) FROM names"))


# -- keeping the index in step with an import (inside its transaction) -----------------------------


@dataclass(slots=True)
class NameNumbers:
    """How an import numbers names: rows above ``mark`` are new in it (not in the search
    structures yet: ``index_new_names`` adds them at the end); the next one gets ``next_id``."""

    mark: int
    next_id: int


async def replace_names(
    tx: Statements, kind: str, wanted: dict[str, list[str]], numbers: NameNumbers
) -> None:
    """Make the names of each ref exactly ``wanted[ref]``; unchanged refs are left alone."""
    stored: dict[str, list[tuple[int, str, str]]] = {}
    for row in await tx.query_in(
        "SELECT id, ref, text, key FROM names WHERE ref IN ({values}) AND kind = ? ORDER BY id",
        wanted,
        after=(kind,),
    ):
        stored.setdefault(row[1], []).append((row[0], row[2], row[3]))
    unindex: list[tuple[int, str]] = []
    unkey: list[tuple[str, str, int]] = []
    drop: list[tuple[int]] = []
    add: list[tuple[int, str, str, str, str]] = []
    for ref, texts in wanted.items():
        old = stored.get(ref, [])
        if [t for _, t, _ in old] == texts:  # a key follows from its text
            continue
        for name_id, _text, key in old:
            drop.append((name_id,))
            if name_id <= numbers.mark:  # newer rows are not in the search structures yet
                unindex.append((name_id, key))
                unkey.extend((kind, suffix, name_id) for suffix in index_keys(kind, key))
        for text in texts:
            add.append((numbers.next_id, kind, ref, text, normalise(text)))
            numbers.next_id += 1
    if unindex:
        if tx.dialect == POSTGRESQL:
            from bot.store.pg_names import uncount_grams

            await uncount_grams(tx, kind, [key for _, key in unindex])
        else:
            await tx.write_many(
                f"INSERT INTO names_fts_{kind} (names_fts_{kind}, rowid, key) VALUES ('delete', ?, ?)",  # noqa: S608
                unindex,
            )
        await tx.write_many("DELETE FROM name_keys WHERE kind = ? AND key = ? AND name_id = ?", unkey)
    if drop:
        await tx.write_many("DELETE FROM names WHERE id = ?", drop)
    if add:
        await tx.write_many("INSERT INTO names (id, kind, ref, text, key) VALUES (?,?,?,?,?)", add)


async def index_new_names(tx: Statements, mark: int) -> None:
    """Add the names rows above ``mark`` to the search structures, in one pass each (sorted
    inserts into name_keys: word starts, then show initials; bulk inserts into the trigram
    indexes), then recount trigrams."""
    if tx.dialect == POSTGRESQL:
        from bot.store.pg_names import index_new_names as pg_index_new_names

        await pg_index_new_names(tx, mark)
        return
    # One sorted pass per kind, in key order (SQLite's sorter compares a first text column
    # quickly, where a leading kind that is nearly always equal costs a full comparison).
    for kind in sorted(NAME_KINDS):
        await tx.execute(
            "WITH RECURSIVE k(id, rest, whole, length) AS ("
            " SELECT id, key, 1, length(key) FROM names WHERE id > ? AND kind = ? AND key != ''"
            " UNION ALL SELECT id, substr(rest, instr(rest, ' ') + 1), 0, length FROM k"
            " WHERE instr(rest, ' ') > 0) "
            "INSERT INTO name_keys (kind, key, name_id, whole, length) "
            "SELECT ?, rest, id, whole, length FROM k ORDER BY rest, id",
            (mark, kind, kind),
        )
    # A show name's initials (``bot.search.initials``): the first character of each word of
    # its key, but a clitic after a longer word; kept from three on, so only names of three words
    # or more are read, word by word (``at``: where the first word of ``rest`` ends). Initials
    # that are one of the name's word suffixes already ("a b aba") are there once.
    await tx.execute(
        "WITH RECURSIVE w(id, length, rest, at, before, short) AS ("
        " SELECT id, length(key), key || ' ', instr(key, ' '), 0, '' FROM names"
        " WHERE id > ? AND kind = 'show' AND key LIKE '% % %'"
        " UNION ALL SELECT id, length, substr(rest, at + 1), instr(substr(rest, at + 1), ' '), at - 1,"
        f" short || CASE WHEN before > 1 AND substr(rest, 1, at - 1) IN ({CLITICS_SQL})"
        " THEN '' ELSE substr(rest, 1, 1) END FROM w WHERE at > 0) "
        "INSERT OR IGNORE INTO name_keys (kind, key, name_id, whole, length) "
        "SELECT 'show', short, id, 0, length FROM w WHERE at = 0 AND length(short) >= ? "
        "ORDER BY short, id",
        (mark, INITIALS_MIN),
    )
    for kind in NAME_KINDS:
        await tx.execute(
            f"INSERT INTO names_fts_{kind} (rowid, key) SELECT id, key FROM names "  # noqa: S608
            "WHERE id > ? AND kind = ?",
            (mark, kind),
        )
    await tx.execute("DELETE FROM name_grams")
    for kind in NAME_KINDS:
        await tx.execute(
            f"INSERT INTO name_grams (kind, gram, docs) SELECT ?, term, doc FROM names_vocab_{kind}",  # noqa: S608
            (kind,),
        )
