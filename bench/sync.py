"""The live catalogue's costs, against a TVmaze-compatible server (localtvmaze) in another
process, so that only the bot's side is measured:

- the CPU time of an hourly schedule sync of 14 days (worldwide streaming plus the broadcast and
  local streaming schedules of US, GB, KR and JP): once cold (every show new, fetched whole with
  cast, crew and episodes and imported) and once warm (nothing changed: schedules only);
- `/show` for a title the catalogue lacks, answered by an on-demand lookup, through localcord
  and the real bot, against a server that takes 200 ms to answer every request.

`python -m bench.sync [--shows N]`. The bot's client is not rate limited here (TVmaze's 20
requests per 10 s would only add waiting, not CPU); the figures are CPU seconds and wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.stats import Row, latency_row, percentile

ROOT = Path(__file__).resolve().parents[1]
SYNC_CPU_TARGET_S = 2.0
LOOKUP_TARGET_MS = 1_500.0
COUNTRIES = ("US", "GB", "KR", "JP")
ZONES = {"US": "America/New_York", "GB": "Europe/London", "KR": "Asia/Seoul", "JP": "Asia/Tokyo"}
NETWORKS = {"US": "NBC", "GB": "BBC One", "KR": "tvN", "JP": "NHK"}


def _person(pid: int, name: str) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "url": f"https://www.tvmaze.com/people/{pid}",
        "country": None,
        "birthday": None,
        "deathday": None,
        "gender": None,
        "image": None,
        "updated": 0,
        "_links": {},
    }


def seed_items(
    shows: int, today: datetime, rng: random.Random, *, prefix: str = "Bench"
) -> list[dict[str, Any]]:
    """``shows`` TVmaze shows with cast, crew and episodes, airing over the next 14 days: a fifth
    on worldwide streaming services (whole seasons on one day), the rest on the four countries'
    networks (weekly or daily episodes)."""
    from localtvmaze import make_episode, make_show

    items = []
    pid = 1_000_000
    for i in range(shows):
        tv_id = 10_000 + i
        web = i % 5 == 0
        country = COUNTRIES[i % len(COUNTRIES)]
        name = f"{prefix} Show {i} {rng.choice(['Harbour', 'Lantern', 'Orbit', 'Crown', 'Signal'])}"
        if web:
            show = make_show(tv_id, name, web_channel="Netflix", language="English", updated=1_000)
        else:
            show = make_show(tv_id, name, network=NETWORKS[country], country_code=country, updated=1_000)
        start = today + timedelta(days=rng.randrange(14))
        step = 7 if rng.random() < 0.7 else 1
        episodes = []
        for n in range(1, 17):
            day = start if web else start + timedelta(days=step * (n - 1) - 21)
            episodes.append(
                make_episode(
                    tv_id * 100 + n,
                    1,
                    n,
                    airdate=day.date().isoformat(),
                    airtime="" if web else "21:00",
                    zone="UTC" if web else ZONES[country],
                )
            )
        cast = []
        for k in range(10):
            pid += 1
            cast.append(
                {
                    "person": _person(pid, f"Actor {pid}"),
                    "character": {"id": pid, "name": f"Role {k}"},
                    "self": False,
                    "voice": False,
                }
            )
        crew = []
        for kind in ("Creator", "Director", "Writer"):
            pid += 1
            crew.append({"type": kind, "person": _person(pid, f"Crew {pid}")})
        items.append({"show": show, "episodes": episodes, "cast": cast, "crew": crew})
    return items


@contextmanager
def tvmaze_server(seed: Path, delay: float = 0.0) -> Iterator[str]:
    cmd = [sys.executable, "-m", "localtvmaze", "--seed", str(seed)]
    if delay:
        cmd += ["--delay", str(delay)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        if not base.startswith("http"):
            raise RuntimeError("localtvmaze did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _sync_costs(base: str, db: Path) -> tuple[dict[str, float], dict[str, float]]:
    from bot.app import seed_catalogue
    from bot.clock import system_clock
    from bot.config import load_settings
    from bot.store import Store
    from bot.sync.client import TVmazeClient
    from bot.sync.service import CatalogueSync

    settings = load_settings({"CATALOGUE_SYNC": "off"}, require_token=False, dotenv_path=Path(os.devnull))
    async with await Store.open(db) as store, TVmazeClient(base, max_requests=1_000_000) as client:
        await seed_catalogue(store, settings)
        sync = CatalogueSync(store, system_clock, client, days=14, countries=COUNTRIES)
        out = []
        for _ in range(2):
            cpu, wall = time.process_time(), time.perf_counter()
            report = await sync.sync_schedule()
            out.append(
                {
                    "cpu_s": time.process_time() - cpu,
                    "wall_s": time.perf_counter() - wall,
                    "requests": report.requests,
                    "added": report.shows_added,
                    "unchanged": report.shows_unchanged,
                    "errors": len(report.errors),
                }
            )
        return out[0], out[1]


async def _lookup_latency(base: str, db: Path, titles: list[str]) -> list[float]:
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket

    from bot.app import build_bot, seed_catalogue
    from bot.clock import system_clock
    from bot.config import load_settings
    from bot.store import Store
    from localcord import LocalDiscord

    server = LocalDiscord(limits=True, interaction_timeout=10.0)
    await server.start()
    saved = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    env = {
        "DISCORD_TOKEN": server.token,
        "DATABASE_PATH": str(db),
        "TVMAZE_API_BASE": base,
        "SYNC_COUNTRIES": "KR",
        "SYNC_DAYS": "1",
        "SYNC_SCHEDULE_MINUTES": "1440",
    }
    settings = load_settings(env, dotenv_path=Path(os.devnull))
    samples: list[float] = []
    try:
        async with await Store.open(db) as store:
            await seed_catalogue(store, settings)
            bot = await build_bot(settings, store, system_clock)
            task = asyncio.create_task(bot.start(server.token))
            await server.wait_for_bot_ready(20)
            guild = server.create_guild("Bench")
            server.create_channel(guild, "general")
            member = server.create_member(guild, "member")
            for title in titles:
                start = time.perf_counter()
                result = await server.run_command(guild, member, "show", options={"title": title}, timeout=10)
                elapsed = (time.perf_counter() - start) * 1000
                embeds = (result.message or {}).get("embeds") or []
                if not embeds or embeds[0].get("title") != title:
                    raise RuntimeError(f"/show {title!r} did not answer with the show: {result.content!r}")
                samples.append(elapsed)
            await bot.close()
            await asyncio.wait_for(task, 10)
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
        await server.stop()
    return samples


def run_sync_bench(shows: int = 800, lookups: int = 20) -> list[Row]:
    rng = random.Random(20261201)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="premiere-bench-sync-") as tmp:
        work = Path(tmp)
        seed = work / "seed.json"
        seed.write_text(json.dumps(seed_items(shows, today, rng)), encoding="utf-8")
        with tvmaze_server(seed) as base:
            cold, warm = asyncio.run(_sync_costs(base, work / "sync.sqlite3"))
        for label, r in (("cold: every show new", cold), ("warm: the next hour, nothing changed", warm)):
            rows.append(
                Row(
                    f"hourly schedule sync, 14 days, {label}",
                    f"{r['cpu_s']:.2f} s CPU ({r['wall_s']:.2f} s wall)",
                    f"< {SYNC_CPU_TARGET_S:g} s CPU",
                    r["cpu_s"] < SYNC_CPU_TARGET_S and r["errors"] == 0,
                    f"{int(r['requests'])} requests, {int(r['added'])} shows added, "
                    f"{int(r['unchanged'])} unchanged",
                    r,
                )
            )
        lookup_seed = work / "lookup.json"
        titles = [f"Lookup Show {i}" for i in range(lookups)]
        items = seed_items(lookups, today, rng, prefix="Lookup")
        for item, title in zip(items, titles, strict=True):
            item["show"]["name"] = title
        lookup_seed.write_text(json.dumps(items), encoding="utf-8")
        with tvmaze_server(lookup_seed, delay=0.2) as base:
            samples = asyncio.run(_lookup_latency(base, work / "lookup.sqlite3", titles))
        row = latency_row("/show by on-demand lookup (server answers in 200 ms)", samples, LOOKUP_TARGET_MS)
        row.note = f"n={len(samples)}, max {max(samples):.0f} ms, p50 {percentile(samples, 50):.0f} ms"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--shows", type=int, default=800, help="shows airing in the 14-day window")
    parser.add_argument("--lookups", type=int, default=20)
    args = parser.parse_args(argv)
    rows = run_sync_bench(args.shows, args.lookups)
    width = max(len(r.name) for r in rows)
    for r in rows:
        mark = "" if r.ok is None else (" ok" if r.ok else " MISSED")
        print(f"{r.name:<{width}}  {r.value:<32} {r.target:<16}{mark}  {r.note}")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
