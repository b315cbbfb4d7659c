"""/upcoming lists a month or year release that has begun (never posted), and says so; season
parts are said exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import render
from bot.clock import ManualClock
from bot.models import Kind, Release, Scope, Show, ShowRecord, When
from bot.planner import GuildConfig, due_at
from bot.services.catalogue import CatalogueService
from bot.store import Store

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def film(sid: str, when: str) -> ShowRecord:
    show = Show(sid, sid.replace("-", " ").title(), Kind.FILM, platform="Cinemas")
    return ShowRecord(
        show,
        releases=[
            Release(sid, When.parse(when, "America/Los_Angeles"), Scope.SHOW, platform="Cinemas", region="US")
        ],
    )


async def test_a_month_under_way_is_upcoming_this_month_and_never_due(store: Store) -> None:
    await store.import_records(
        [
            film("doomsday", "2026-12"),
            film("next-year", "2027"),
            film("this-year", "2026"),
            film("last-month", "2026-11"),
            film("yesterday", "2026-11-30"),
            film("today", "2026-12-01"),
        ]
    )
    service = CatalogueService(store, ManualClock(NOW))
    answer = await service.upcoming(30)
    listed = [i.show.id for i in answer.items]
    assert listed == ["this-year", "doomsday", "today"]
    text = render.upcoming_embed(answer)["description"]
    assert "December 2026 (this month)" in text and "(later this year)" in text
    for item in answer.items[:2]:
        assert due_at(item.release, GuildConfig(1)) is None  # month and year releases are never posted
    assert [i.show.id for i in (await service.upcoming(366)).items][-1] == "next-year"


def test_a_season_part_is_said_with_its_episodes() -> None:
    show = Show("the-glory", "The Glory", episode_count=16, season_count=1)
    part1 = Release(
        "the-glory",
        When.parse("2022-12-30", "Asia/Seoul"),
        Scope.SEASON,
        1,
        1,
        "Netflix",
        part=1,
        last_episode=8,
    )
    finale = Release(
        "x", When.parse("2025-12-31", "UTC"), Scope.SEASON, 5, 8, "Netflix", part=3, last_episode=8
    )
    whole = Release("the-glory", When.parse("2022-12-30", "Asia/Seoul"), Scope.SEASON, 1, platform="Netflix")
    assert render.scope_text(part1, show) == "Season 1, part 1: episodes 1–8"
    assert render.scope_text(finale) == "Season 5, part 3: episode 8"
    assert render.scope_text(whole, show) == "Season 1, all 16 episodes"
    assert part1.id != whole.id and part1.is_part and not whole.is_part


async def test_an_episode_of_a_season_in_parts_is_answered_with_its_part(seeded_store: Store) -> None:
    service = CatalogueService(seeded_store, ManualClock(NOW))
    show = await service.resolve_show("The Glory")
    answer = await service.release(show, "S1E12")
    assert [(r.part, r.episode_range) for r in answer.releases] == [(2, (9, 16))]
    text = render.release_embed(answer)["description"]
    assert "Season 1, part 2: episodes 9–16" in text
