"""Korean and English end to end: localcord sends interactions with the reader's locale and the
real bot answers in it; posts go out in the server's language, DMs in the follower's.

The story: a Korean fan asks about 지금 우리 학교는 (All of Us Are Dead, out 2022-01-28 17:00 in
Seoul) the week before, and on release day a server that chose Korean gets its post in Korean.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.weekly_discord import DiscordWeeklyPoster
from localcord import permissions as P
from tests.conftest import LocalDiscord, RunningBot, settings_for

DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # 17:00 in Seoul
TS = int(DUE.timestamp())
AOUAD = "all-of-us-are-dead"


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0].get("fields", [])}


@pytest.fixture
async def world(lc: LocalDiscord, seeded_store: Any, clock: ManualClock, tmp_path: Any) -> AsyncIterator[Any]:
    """A server with a Korean fan and an English one, the bot with the bundled catalogue, a week
    before the release."""
    guild = lc.create_guild("좀비 팬")
    channel = lc.create_channel(guild, "general")
    minji = lc.create_member(guild, "minji")
    alice = lc.create_member(guild, "alice")
    running = RunningBot(lc, seeded_store, clock, settings_for(lc, tmp_path))
    await running.start()
    try:
        yield lc, guild, channel, minji, alice
    finally:
        await running.close()


async def test_a_korean_reader_finds_a_show_by_its_korean_title_and_reads_it_in_korean(world: Any) -> None:
    lc, guild, channel, minji, _ = world
    res = await lc.run_command(
        guild, minji, "show", {"title": "지금 우리 학교는"}, channel=channel, locale="ko"
    )
    embed = res.message["embeds"][0]
    assert embed["title"] == "지금 우리 학교는 (All of Us Are Dead)"  # the original title first
    got = fields(res.message)
    assert got["영문 제목"] == "All of Us Are Dead"
    assert got["플랫폼"] == "Netflix"
    # a week ahead ("coming out"); read by each client in its own language and zone
    assert got["공개 예정"] == f"<t:{TS}:F> (<t:{TS}:R>)"
    assert got["회차"] == "총 12화"
    assert got["장르"] == "공포, 스릴러, 드라마"
    assert got["상태"] == "시즌 갱신"
    assert got["원작"] == "주동근의 웹툰 “지금 우리 학교는” (Now at Our School)"
    assert got["감독"] == "이재규"
    assert got["출연"].startswith("**박지후** (Park Ji-hu) — Nam On-jo 역")
    assert got["제작발표회"] == "2022년 1월 26일 · 서울"  # its kind and place in Korean words
    assert got["관련 작품"].startswith("**Kingdom**")  # titles as the catalogue has them


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
async def test_english_readers_read_what_they_always_read(world: Any, locale: str) -> None:
    lc, guild, channel, _, alice = world
    res = await lc.run_command(
        guild, alice, "show", {"title": "지금 우리 학교는"}, channel=channel, locale=locale
    )
    assert res.message["embeds"][0]["title"] == "All of Us Are Dead (지금 우리 학교는)"
    got = fields(res.message)
    assert (
        got["Original title"] == "지금 우리 학교는" and got["Episodes"] == "12" and got["Status"] == "Renewed"
    )
    assert got["Based on"] == "Webtoon “Now at Our School” (지금 우리 학교는) by Joo Dong-geun"
    assert got["Press conference"] == "26 January 2022 in Seoul"
    cast = await lc.run_command(guild, alice, "cast", {"title": AOUAD}, channel=channel, locale=locale)
    assert cast.message["embeds"][0]["title"] == "Cast of All of Us Are Dead (지금 우리 학교는)"
    assert "**Park Ji-hu** (박지후) as Nam On-jo" in cast.message["embeds"][0]["description"]
    unknown = await lc.run_command(guild, alice, "show", {"title": "Kingdm"}, channel=channel, locale=locale)
    assert unknown.ephemeral and unknown.content.startswith("No show called “Kingdm” in the catalogue.")


async def test_cast_release_and_upcoming_in_korean(world: Any) -> None:
    lc, guild, channel, minji, _ = world
    cast = await lc.run_command(guild, minji, "cast", {"title": AOUAD}, channel=channel, locale="ko")
    embed = cast.message["embeds"][0]
    assert embed["title"] == "지금 우리 학교는 (All of Us Are Dead) 출연진"
    assert embed["description"].splitlines()[0] == "**박지후** (Park Ji-hu) — Nam On-jo 역"
    assert fields(cast.message)["제작진"] == "**감독:** 이재규\n**작가:** 천성일\n**원작자:** 주동근"

    release = await lc.run_command(guild, minji, "release", {"title": AOUAD}, channel=channel, locale="ko")
    embed = release.message["embeds"][0]
    assert embed["title"] == "지금 우리 학교는 공개일"
    assert embed["description"].startswith(f"**시즌 1 전 12화** — Netflix · 전 세계: <t:{TS}:F> (<t:{TS}:R>)")
    kingdom = await lc.run_command(
        guild, minji, "release", {"title": "kingdom"}, channel=channel, locale="ko"
    )
    assert "**시즌 1** — Netflix · 전 세계: 2019년 1월 25일" in kingdom.message["embeds"][0]["description"]

    upcoming = await lc.run_command(guild, minji, "upcoming", {"days": 7}, channel=channel, locale="ko")
    embed = upcoming.message["embeds"][0]
    assert embed["title"] == "앞으로 7일 동안 공개 예정"
    assert embed["description"].startswith("**지금 우리 학교는** · **시즌 1 전 12화** — Netflix · 전 세계")
    nothing = await lc.run_command(guild, minji, "upcoming", {"days": 1}, channel=channel, locale="ko")
    assert nothing.message["embeds"][0]["description"] == "이 기간에 공개되는 작품이 카탈로그에 없습니다."


async def test_errors_are_said_in_korean(world: Any) -> None:
    lc, guild, channel, minji, _ = world
    unknown = await lc.run_command(guild, minji, "show", {"title": "Kingdm"}, channel=channel, locale="ko")
    assert unknown.ephemeral
    assert unknown.content.startswith(
        "카탈로그에 “Kingdm”(이)라는 작품이 없습니다. 혹시 이것인가요? **Kingdom**"
    )
    episode = await lc.run_command(
        guild, minji, "release", {"title": AOUAD, "episode": "S1E40"}, channel=channel, locale="ko"
    )
    assert episode.ephemeral
    assert "All of Us Are Dead의 S1E40 회차가 없습니다. 알려진 회차: 시즌 1: 12화." in episode.content
    bad = await lc.run_command(guild, minji, "release", {"title": AOUAD, "episode": "soon"}, locale="ko")
    assert bad.ephemeral and bad.content == "회차는 S1E3, 1x03 또는 그냥 3처럼 입력해 주세요."
    nobody = await lc.run_command(guild, minji, "person", {"name": "Nobody At All"}, locale="ko")
    assert nobody.ephemeral and nobody.content.startswith(
        "카탈로그에 “Nobody At All”(이)라는 인물이 없습니다."
    )


# -- release day: posts in the server's language, DMs in the follower's ------------------------------


@pytest.fixture
async def release_day(lc: LocalDiscord, seeded_store: Any, tmp_path: Any) -> AsyncIterator[RunningBot]:
    running = RunningBot(lc, seeded_store, ManualClock(DUE - timedelta(hours=2)), settings_for(lc, tmp_path))
    try:
        yield running
    finally:
        await running.close()


def server(lc: LocalDiscord, name: str, *, locale: str | None = None) -> tuple[Any, Any, Any]:
    guild = lc.create_guild(name, bot_permissions=P.DEFAULT_BOT | P.MANAGE_ROLES)
    if locale is not None:
        lc.set_preferred_locale(guild, locale)
    channel = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P.MANAGE_GUILD)
    return guild, channel, admin


async def test_a_server_that_chose_korean_gets_its_release_post_in_korean(
    lc: LocalDiscord, release_day: RunningBot
) -> None:
    korean, k_chan, k_admin = server(lc, "좀비 팬")
    english, e_chan, e_admin = server(lc, "Zombie Fans")
    await release_day.start()
    for guild, chan, admin in ((korean, k_chan, k_admin), (english, e_chan, e_admin)):
        added = await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan})
        assert added.content.startswith("Release announcements will be posted in")  # the admin's language
    chosen = await lc.run_command(korean, k_admin, ["announce", "language"], {"language": "ko"})
    assert chosen.ephemeral and chosen.content.startswith("Announcements here are now in **한국어**")
    asked = await lc.run_command(korean, k_admin, ["announce", "language"], locale="ko")
    assert asked.content == "이 서버의 공지 언어: **한국어** (`/공지 언어`로 설정됨)."

    release_day.clock.set(DUE)
    await release_day.service.run_due()
    [post] = lc.messages(k_chan)
    assert post["content"] == "새 작품이 공개되었습니다!"
    embed = post["embeds"][0]
    assert embed["title"] == "지금 우리 학교는 (All of Us Are Dead)"
    assert embed["description"].startswith(
        f"**시즌 1 — 전 12화 — 지금 공개**\nNetflix · 전 세계\n<t:{TS}:F> (<t:{TS}:R>)"
    )
    [post] = lc.messages(e_chan)
    assert post["content"] == "A new release is out!"
    assert post["embeds"][0]["title"] == "All of Us Are Dead (지금 우리 학교는)"
    assert post["embeds"][0]["description"].startswith("**Season 1 — all 12 episodes — out now**")


async def test_by_default_a_server_posts_in_its_discord_language(
    lc: LocalDiscord, release_day: RunningBot
) -> None:
    guild, chan, admin = server(lc, "좀비 팬", locale="ko")
    await release_day.start()
    # The admin reads English; the server's language (its preferred locale) is Korean.
    await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan, "reminders": "1h"})
    asked = await lc.run_command(guild, admin, ["announce", "language"])
    assert (
        asked.content == "Announcements here are in **한국어**, this server's language in Discord's settings."
    )
    preview = await lc.run_command(guild, admin, ["announce", "preview"], {"show": AOUAD})
    assert (
        preview.message["embeds"][0]["title"] == "지금 우리 학교는 (All of Us Are Dead)"
    )  # as it would be posted

    release_day.clock.set(DUE - timedelta(hours=1))
    await release_day.service.run_due()
    [reminder] = lc.messages(chan)
    assert reminder["content"] == f"\N{ALARM CLOCK} 미리 알림, 1시간 전: <t:{TS}:R> 공개됩니다 (<t:{TS}:f>)."

    # An admin switches the server to English in Discord: the bot hears it and follows.
    lc.set_preferred_locale(guild, "en-US")
    async with asyncio.timeout(5):
        await release_day.bot.wait_for("guild_update")
        for _ in range(500):  # and the cog's listener keeps it
            if (await release_day.store.announce_guild(guild.id)).preferred_locale == "en-US":
                break
            await asyncio.sleep(0.01)
    release_day.clock.set(DUE)
    await release_day.service.run_due()
    post = lc.messages(chan)[-1]
    assert post["content"] == "A new release is out!"
    back = await lc.run_command(guild, admin, ["announce", "language"], {"language": "default"}, locale="ko")
    assert back.content == "이제 이 서버의 공지는 디스코드 설정의 서버 언어를 따릅니다: **English**."


async def test_a_korean_followers_dms_are_in_korean(lc: LocalDiscord, release_day: RunningBot) -> None:
    guild, _, _ = server(lc, "Zombie Fans")
    minji = lc.create_member(guild, "minji")
    alice = lc.create_member(guild, "alice")
    await release_day.start()
    followed = await lc.run_command(guild, minji, "follow", {"show": AOUAD, "reminders": "1h"}, locale="ko")
    assert followed.content == (
        "**지금 우리 학교는** 팔로우 완료: 첫 공개 소식을 DM으로 알려 드릴게요. "
        "1시간 전 미리 알림도 보내 드립니다.\n"
        "저장했습니다: 공개될 때 받는 DM 외에도 팔로우한 모든 작품에 1시간 전 미리 알림을 보내 드립니다."
    )
    await lc.run_command(guild, alice, "follow", {"show": AOUAD, "reminders": "1h"})
    listing = await lc.run_command(guild, minji, "following", locale="ko")
    embed = listing.message["embeds"][0]
    assert embed["title"] == "팔로우 중인 작품 1/100"
    assert embed["description"].startswith("**1. 지금 우리 학교는** · 첫 공개\n다음: 시즌 1 전 12화")

    release_day.clock.set(DUE - timedelta(hours=1))
    await release_day.service.run_due()
    release_day.clock.set(DUE)
    await release_day.service.run_due()
    reminder, dm = lc.dm_messages(minji)
    assert reminder["content"] == f"\N{ALARM CLOCK} 미리 알림, 1시간 전: <t:{TS}:R> 공개됩니다 (<t:{TS}:f>)."
    assert dm["content"] == "\N{TELEVISION} 팔로우한 작품의 새 소식:"
    assert dm["embeds"][0]["title"] == "지금 우리 학교는 (All of Us Are Dead)"
    reminder, dm = lc.dm_messages(alice)
    assert reminder["content"].startswith("\N{ALARM CLOCK} Reminder, 1 hour ahead: a release comes out")
    assert dm["content"] == "\N{TELEVISION} New from a show you follow:"


async def test_the_week_at_a_glance_and_a_role_button_in_a_korean_server(
    lc: LocalDiscord, release_day: RunningBot
) -> None:
    guild, chan, admin = server(lc, "좀비 팬", locale="ko")
    role = lc.create_role(guild, "공개 알림", mentionable=True)
    minji = lc.create_member(guild, "minji")
    alice = lc.create_member(guild, "alice")
    await release_day.start()
    await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan, "weekly": True})
    weekly = release_day.bot.services.weekly
    if weekly.poster is None:
        weekly.attach(DiscordWeeklyPoster(release_day.bot))
    await weekly.refresh()
    [glance] = lc.messages(chan)
    assert glance["content"] == "📅 **이번 주 한눈에 보기**"
    embed = glance["embeds"][0]
    assert embed["title"] == "이번 주: 2022년 1월 24일~30일"
    assert f"▫️ **지금 우리 학교는** — 시즌 1 전 12화 · Netflix · <t:{TS}:f>" in embed["description"]
    assert embed["footer"]["text"] == "Premiere · ✅ 이미 공개됨 · 시각은 내 시간대 기준"

    posted = await lc.run_command(guild, admin, ["announce", "rolebutton"], {"channel": chan, "role": role})
    assert posted.content.startswith("Posted the button in")  # the admin reads English
    button = lc.messages(chan)[-1]
    assert button["embeds"][0]["title"] == "공개 알림"  # the server's language
    [row] = button["components"]
    [item] = row["components"]
    assert item["label"] == "공개 알림 받기"
    korean = await lc.click_button(button, item["custom_id"], minji, locale="ko")
    assert korean.content == f"이제 <@&{role.id}> 역할이 있습니다: 공개 소식이 올라오면 멘션을 받습니다."
    english = await lc.click_button(button, item["custom_id"], alice)
    assert english.content == f"You now have <@&{role.id}>: you'll be pinged for releases."
