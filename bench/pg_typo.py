"""An experiment for the typo autocomplete on PostgreSQL: its fallback statement (names sharing
the most of a typed key's rarest trigrams, ``PgNameIndex.name_candidates``) as the bot asks it,
against the same question asked of a table of trigram postings, as SQLite's FTS5 keeps them.

`python -m bench.pg_typo [--shows 10000] [--queries 3000]`

The bench catalogue (seed 5) is imported into a throwaway PostgreSQL (tests/pg/server.py) and
analysed; then ``name_gram_postings (kind, gram, name_id)`` is made by hand from ``names`` (every
distinct run of three characters of each key, the very trigrams ``name_grams`` counts), with its
primary key as the index. For each typo query of ``bench/service.py`` (one edit away from a title
or a name), the trigrams and the posting budget are chosen as ``bot.search`` chooses them, and
both statements are timed one after the other; their answers are compared (they must be the same
names in the same order). The table is not the bot's: nothing here changes the schema the bot
migrates to.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate as gen  # noqa: E402
from bench.backends import analyze, build  # noqa: E402
from bench.service import make_queries  # noqa: E402
from bench.stats import percentile  # noqa: E402

POSTINGS = (
    "CREATE TABLE name_gram_postings AS SELECT DISTINCT n.kind, substr(n.key, i, 3) AS gram, n.id AS name_id "
    "FROM names n CROSS JOIN LATERAL generate_series(1, length(n.key) - 2) AS i"
)
CANDIDATES = (
    "SELECT n.ref, n.text, n.key, c.hits FROM (SELECT name_id AS id, count(*) AS hits "
    "FROM name_gram_postings WHERE kind = ? AND gram = ANY(?::text[]) GROUP BY name_id "
    "HAVING count(*) >= ? ORDER BY hits DESC, name_id LIMIT ?) c JOIN names n ON n.id = c.id "
    "ORDER BY c.hits DESC, c.id"
)


def summary(samples: Sequence[float]) -> str:
    mean = sum(samples) / len(samples)
    return (
        f"p50 {percentile(samples, 50):.2f} ms, p99 {percentile(samples, 99):.2f} ms, "
        f"max {max(samples):.2f} ms, mean {mean:.2f} ms"
    )


async def run(shows: int, queries: int) -> dict[str, object]:
    import asyncpg

    from bot.search import TYPO_CANDIDATES, normalise, rarest_grams, trigrams
    from bot.store import Store
    from tests.pg.server import ThrowawayPostgres, find_bindir

    records = gen.generate(shows, 5)
    server = ThrowawayPostgres(find_bindir())
    server.start()
    try:
        url = await server.create_database(migrated=False)
        await build(url, records)
        conn = await asyncpg.connect(url)
        try:
            t = time.perf_counter()
            await conn.execute(POSTINGS)
            await conn.execute("ALTER TABLE name_gram_postings ADD PRIMARY KEY (kind, gram, name_id)")
            built = time.perf_counter() - t
            rows = await conn.fetchval("SELECT count(*) FROM name_gram_postings")
            names = await conn.fetchval("SELECT count(*) FROM names")
            size = await conn.fetchval("SELECT pg_total_relation_size('name_gram_postings')")
            gin = await conn.fetchval("SELECT pg_relation_size('names_key_trgm')")
        finally:
            await conn.close()
        await analyze(url)
        store = await Store.open(url)
        now, postings, same = [], [], 0
        try:
            for kind, text in make_queries(records, queries).typos:
                grams = trigrams(normalise(text))
                if not grams:
                    continue
                docs = await store.names.gram_docs(kind, grams)
                used, need = rarest_grams(grams, docs)
                if not used:
                    continue
                t = time.perf_counter()
                asked = await store.names.name_candidates(kind, used, need, TYPO_CANDIDATES)
                now.append((time.perf_counter() - t) * 1e3)
                t = time.perf_counter()
                found = await store.db.query(CANDIDATES, (kind, used, need, TYPO_CANDIDATES))
                postings.append((time.perf_counter() - t) * 1e3)
                same += asked == [(r[0], r[1], r[2], r[3]) for r in found]
        finally:
            await store.close()
    finally:
        server.stop()
    return {
        "postings": rows,
        "names": names,
        "postings_mb": size / 1e6,
        "trigram_index_mb": gin / 1e6,
        "built_s": built,
        "queries": len(now),
        "same": same,
        "now_ms": now,
        "postings_ms": postings,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_typo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    args = parser.parse_args(argv)
    got = asyncio.run(run(args.shows, args.queries))
    print(
        f"{args.shows:,} shows: {got['postings']:,} postings for {got['names']:,} names, "
        f"{got['postings_mb']:.0f} MB with their index (the GIN trigram index of names: "
        f"{got['trigram_index_mb']:.0f} MB), made in {got['built_s']:.1f} s"
    )
    print(f"{got['queries']:,} typo queries, the fallback statement of each: same answers {got['same']:,}")
    print(f"  as the bot asks it now (names, key LIKE, GIN pg_trgm): {summary(got['now_ms'])}")  # type: ignore[arg-type]
    print(f"  from the postings table: {summary(got['postings_ms'])}")  # type: ignore[arg-type]
    return 0 if got["same"] == got["queries"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
