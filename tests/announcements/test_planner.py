"""The pure planning maths: due instants, zones and DST, filters, grouping, splitting, ids."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.models import Release, Scope, When
from bot.planner import (
    NONCE_MAX,
    ChannelConfig,
    GuildConfig,
    Kinds,
    collapse,
    due_at,
    job_id,
    nonce_for,
    plan,
)
from bot.render import embed_length
from bot.render_announce import item_embed, split_embeds

from .fakes import aoad, aoad_as_episodes, film, weekly

T0 = datetime(2022, 1, 28, 7, 0, tzinfo=UTC)
ADDED = datetime(2022, 1, 1, tzinfo=UTC)


def chan(cid: int = 10, gid: int = 1, **kw) -> ChannelConfig:
    return ChannelConfig(cid, gid, kw.pop("added_at", ADDED), **kw)


def test_exact_release_is_due_at_its_instant() -> None:
    rel = aoad().releases[0]
    assert due_at(rel, GuildConfig(1, "America/New_York", time(18, 0))) == datetime(
        2022, 1, 28, 8, 0, tzinfo=UTC
    )


def test_exact_release_with_seconds_rounds_up_to_the_next_minute() -> None:
    rel = Release("x", When.parse("2022-01-28T08:00:30+00:00"))
    assert due_at(rel, GuildConfig(1)) == datetime(2022, 1, 28, 8, 1, tzinfo=UTC)


def test_date_only_release_posts_at_the_guild_time_in_the_guild_zone() -> None:
    rel = film("2022-01-28", "Asia/Seoul").releases[0]
    assert due_at(rel, GuildConfig(1, "Europe/Paris", time(9, 0))) == datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert due_at(rel, GuildConfig(1, "Asia/Seoul", time(9, 0))) == datetime(2022, 1, 28, 0, 0, tzinfo=UTC)
    assert due_at(rel, GuildConfig(1, "America/Los_Angeles", time(18, 30))) == datetime(
        2022, 1, 29, 2, 30, tzinfo=UTC
    )


def test_date_only_across_daylight_saving() -> None:
    guild = GuildConfig(1, "America/New_York", time(9, 0))
    before = Release("x", When.parse("2022-03-12"))
    after = Release("x", When.parse("2022-03-14"))
    assert due_at(before, guild) == datetime(2022, 3, 12, 14, 0, tzinfo=UTC)  # EST, UTC-5
    assert due_at(after, guild) == datetime(2022, 3, 14, 13, 0, tzinfo=UTC)  # EDT, UTC-4
    # 02:30 does not exist on 13 March 2022 in New York: the post moves forward with the clocks.
    gap = due_at(Release("x", When.parse("2022-03-13")), GuildConfig(1, "America/New_York", time(2, 30)))
    assert gap == datetime(2022, 3, 13, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2022-01", "2022", "TBA"])
def test_month_year_and_tba_are_never_posted(text: str) -> None:
    assert due_at(Release("x", When.parse(text)), GuildConfig(1)) is None


def test_a_season_drop_of_twelve_episodes_is_one_item() -> None:
    items = collapse(aoad_as_episodes().releases)
    assert len(items) == 1
    assert len(items[0].releases) == 12
    assert items[0].is_premiere


def test_kinds_filters() -> None:
    releases = weekly().releases + aoad().releases
    guilds = {1: GuildConfig(1)}
    now = datetime(2022, 2, 3, 9, 0, tzinfo=UTC)

    def shows_for(kinds: Kinds) -> list[tuple[str, ...]]:
        slots = plan(now, guilds, [chan(kinds=kinds)], releases, horizon=timedelta(days=1))
        return [tuple(sorted(r for s in slots for r in s.release_ids))]

    premieres = shows_for(Kinds.PREMIERES)[0]
    episodes = shows_for(Kinds.EPISODES)[0]
    both = shows_for(Kinds.BOTH)[0]
    assert "all-of-us-are-dead-season-s1-netflix-ww" in premieres
    assert "snowdrop-episode-s1-e1-disney-ww" in premieres
    assert "snowdrop-episode-s1-e3-disney-ww" in episodes
    assert "snowdrop-episode-s1-e3-disney-ww" not in premieres
    assert set(premieres) | set(episodes) == set(both)


def test_platform_and_show_filters() -> None:
    releases = weekly().releases + aoad().releases
    now = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    only_netflix = plan(now, {}, [chan(platforms=("netflix",))], releases)
    assert {i.show_id for s in only_netflix for i in s.items} == {"all-of-us-are-dead"}
    only_snowdrop = plan(now, {}, [chan(shows=("snowdrop",))], releases)
    assert {i.show_id for s in only_snowdrop for i in s.items} == {"snowdrop"}


def test_releases_due_at_one_minute_are_one_slot_per_channel() -> None:
    releases = weekly().releases + aoad().releases  # AOAD 08:00 UTC, Snowdrop E1+E2 08:00 UTC
    now = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    slots = plan(now, {}, [chan(10), chan(11), chan(20, gid=2)], releases)
    at_eight = [s for s in slots if s.due == now]
    assert [s.channel_id for s in at_eight] == [10, 11, 20]
    # Snowdrop E1 (WW) and E2 (KR) differ by region, so they stay two items; AOAD is one.
    assert len(at_eight[0].items) == 3


def test_nothing_due_before_the_channel_was_added_and_done_is_left_out() -> None:
    releases = aoad().releases
    now = datetime(2022, 1, 28, 9, 0, tzinfo=UTC)
    assert plan(now, {}, [chan(added_at=datetime(2022, 1, 28, 8, 30, tzinfo=UTC))], releases) == []
    rid = releases[0].id
    assert plan(now, {}, [chan()], releases, done={(10, rid)}) == []
    assert len(plan(now, {}, [chan(11)], releases, done={(10, rid)})) == 1


def test_broken_channels_are_not_planned() -> None:
    slots = plan(T0, {}, [chan(broken_reason="Missing Permissions")], aoad().releases)
    assert slots == []


def test_past_slots_within_the_lookback_are_planned_for_catch_up() -> None:
    now = datetime(2022, 1, 28, 20, 0, tzinfo=UTC)  # twelve hours after
    slots = plan(now, {}, [chan()], aoad().releases)
    assert len(slots) == 1 and slots[0].due < now


def test_job_ids_are_stable_and_per_minute() -> None:
    due = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert job_id(due) == "announce:20220128T0800Z"
    a = plan(T0, {}, [chan(), chan(11)], aoad().releases)
    b = plan(T0 + timedelta(minutes=30), {}, [chan(), chan(11)], aoad().releases)
    assert [s.job_id for s in a] == [s.job_id for s in b] == ["announce:20220128T0800Z"] * 2


def test_nonce_is_short_stable_and_distinct() -> None:
    n = nonce_for(123456789012345678, ["b", "a"])
    assert n == nonce_for(123456789012345678, ["a", "b"])
    assert len(n) <= NONCE_MAX
    assert n != nonce_for(123456789012345679, ["a", "b"])
    assert n != nonce_for(123456789012345678, ["a"])


def test_split_under_ten_embeds_and_six_thousand_characters() -> None:
    big = {"title": "t", "description": "x" * 2500}
    small = {"title": "t", "description": "x"}
    assert split_embeds([small] * 25) == [list(range(10)), list(range(10, 20)), list(range(20, 25))]
    parts = split_embeds([big, big, big, small])
    assert parts == [[0, 1], [2, 3]]
    for part in parts:
        assert sum(embed_length([big, big, big, small][i]) for i in part) <= 6000


def test_rendered_items_fit_one_message_each() -> None:
    item = collapse(aoad_as_episodes().releases)[0]
    embed = item_embed(item, aoad().show)
    assert embed_length(embed) < 6000
    assert "episodes 1–12" in embed["description"]
    assert embed["title"].startswith("All of Us Are Dead")


def test_scope_of_the_twelve_episode_drop_uses_one_nonce() -> None:
    slots = plan(datetime(2022, 1, 28, 8, 0, tzinfo=UTC), {}, [chan()], aoad_as_episodes().releases)
    assert len(slots) == 1 and len(slots[0].items) == 1 and len(slots[0].release_ids) == 12
    assert all(r.scope is Scope.EPISODE for r in slots[0].items[0].releases)
