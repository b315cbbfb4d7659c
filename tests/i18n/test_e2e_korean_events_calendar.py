"""Scheduled events and calendars in Korean, end to end: localcord sends each interaction with the
reader's locale and the real bot answers in it; a server's events and calendar are in the
server's language, a member's calendar in the member's.

The story, the week before 지금 우리 학교는 (All of Us Are Dead, out 2022-01-28 17:00 in Seoul): a
Korean admin turns events on in a Korean-language server, whose event then reads in Korean; a
Korean fan takes the shows she follows to her calendar.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
import icalendar
import pytest

from bot.announce.models import GuildConfig
from bot.calendar import calendar_entries, calendar_items, entry_for
from bot.clock import ManualClock
from bot.events import event_spec, items_by_due
from bot.i18n import ENGLISH, KOREAN
from bot.models import Release, Scope, Show, When
from localcord import permissions as P
from tests.conftest import LocalDiscord, RunningBot, settings_for

AOUAD = "all-of-us-are-dead"
AOUAD_OUT = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # 17:00 in Seoul
AOUAD_UID = "all-of-us-are-dead-season-s1-netflix-ww@premiere"
KOREAN_EVENT = "지금 우리 학교는 — 시즌 1 전 12화"
ENGLISH_EVENT = "All of Us Are Dead — Season 1, all 12 episodes"
EVENTS = ["announce", "events"]
URL = re.compile(r"<(http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]+\.ics)>")
# The calendar's window as of the story's now (2022-01-21 12:00): a week back, eight weeks ahead.
SPAN_KO = "2022년 1월 14일부터 2022년 3월 17일까지"


@pytest.fixture
async def running(
    lc: LocalDiscord, seeded_store: Any, clock: ManualClock, tmp_path: Any
) -> AsyncIterator[RunningBot]:
    """The bot with the bundled catalogue a week before the release, its feed server on a free
    loopback port; localcord's wall clock is the bot's (an event may not start in its past)."""
    lc.wall_clock = lambda: clock().timestamp()
    settings = settings_for(lc, tmp_path, calendar_http_port=0, calendar_http_host="127.0.0.1")
    rb = RunningBot(lc, seeded_store, clock, settings)
    try:
        yield rb
    finally:
        await rb.close()


def server(lc: LocalDiscord, name: str, *, locale: str | None = None) -> tuple[Any, Any, Any]:
    guild = lc.create_guild(name)
    if locale is not None:
        lc.set_preferred_locale(guild, locale)
    channel = lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P.MANAGE_GUILD)
    return guild, channel, admin


def upcoming(lc: LocalDiscord, guild: Any) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in lc.scheduled_events(guild) if e["status"] == 1}


def attached(lc: LocalDiscord, answer: Any) -> tuple[str, bytes]:
    [attachment] = answer.message["attachments"]
    return attachment["filename"], lc.attachment_bytes(attachment)


def vevents(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


async def get(url: str) -> bytes:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        async with session.get(url) as response:
            assert response.status == 200
            return await response.read()


# -- scheduled events ------------------------------------------------------------------------------


async def test_a_korean_admin_turns_events_on_and_the_korean_servers_event_reads_in_korean(
    lc: LocalDiscord, running: RunningBot
) -> None:
    korean, k_chan, k_admin = server(lc, "좀비 팬", locale="ko")
    english, e_chan, e_admin = server(lc, "Zombie Fans")
    await running.start()
    service = running.bot.services.events
    for guild, chan, admin in ((korean, k_chan, k_admin), (english, e_chan, e_admin)):
        await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan})

    on = await lc.run_command(korean, k_admin, [*EVENTS, "on"], locale="ko")
    assert on.ephemeral
    assert on.content == (
        "이벤트 켜짐: 이 서버에서 공지하는 작품마다 공개 7일 전에 디스코드 이벤트를 추가하고, "
        "공개일이 바뀌거나 공개가 취소되면 이벤트도 맞춰 고칩니다. 첫 이벤트는 1분 안에 나타납니다."
    )
    english_on = await lc.run_command(english, e_admin, [*EVENTS, "on"])  # an English admin: as ever
    assert english_on.content.startswith(
        "Events on: I'll add a Discord event for each release announced here, 7 days ahead"
    )
    await service.refresh()

    # What the members of each server see in Discord: the Korean server's event in Korean, with
    # the show's own Korean title first; the platform as it is.
    event = upcoming(lc, korean)[KOREAN_EVENT]
    assert event["entity_metadata"] == {"location": "Netflix"}
    assert datetime.fromisoformat(event["scheduled_start_time"]) == AOUAD_OUT
    assert ENGLISH_EVENT in upcoming(lc, english) and KOREAN_EVENT not in upcoming(lc, english)

    status = await lc.run_command(korean, k_admin, [*EVENTS, "status"], locale="ko")
    count = sum(1 for e in lc.scheduled_events(korean) if e["status"] == 1)
    assert status.content == f"이벤트 켜짐 (공개 7일 전에 추가): 제가 추가한 예정 이벤트 {count}개."

    # The English server switches to Korean: its event is edited, not made again.
    before = upcoming(lc, english)[ENGLISH_EVENT]["id"]
    await lc.run_command(english, e_admin, ["announce", "language"], {"language": "ko"})
    assert (await service.refresh()).edited >= 1
    assert upcoming(lc, english)[KOREAN_EVENT]["id"] == before

    off = await lc.run_command(korean, k_admin, [*EVENTS, "off"], locale="ko")
    assert off.content == f"이벤트 꺼짐. 제가 추가했던 이벤트 {count}개를 삭제했습니다."
    again = await lc.run_command(korean, k_admin, [*EVENTS, "off"], locale="ko")
    assert again.content.startswith("이 서버의 이벤트는 이미 꺼져 있습니다. `/공지 이벤트 켜기`")


async def test_refusals_of_announce_events_are_said_in_korean(lc: LocalDiscord, running: RunningBot) -> None:
    guild, chan, admin = server(lc, "좀비 팬")
    fan = lc.create_member(guild, "minji")
    await running.start()
    await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan})
    bad = await lc.run_command(guild, admin, [*EVENTS, "on"], {"days_ahead": 31}, locale="ko")
    assert bad.ephemeral and bad.content == "**며칠전**에는 1부터 30 사이의 일수를 입력해 주세요 (예: 7)."
    member = await lc.run_command(guild, fan, [*EVENTS, "on"], locale="ko")
    assert member.ephemeral and "**서버 관리하기**" in member.content
    lc.set_bot_permissions(guild, P.DEFAULT_BOT & ~P.CREATE_EVENTS)
    missing = await lc.run_command(guild, admin, [*EVENTS, "on"], locale="ko")
    assert missing.ephemeral and missing.content.startswith(
        "이 서버에는 이벤트를 추가할 수 없습니다: 제게 **이벤트 만들기** 권한이 없습니다"
    )
    assert "**이벤트 관리하기** 권한만으로는" in missing.content
    status = await lc.run_command(guild, admin, [*EVENTS, "status"], locale="ko")
    assert status.content.startswith("이 서버의 이벤트는 꺼져 있습니다.")


AOUAD_SHOW = Show(
    "aouad",
    "All of Us Are Dead",
    original_title="지금 우리 학교는",
    original_language="ko",
    platform="Netflix",
    episode_count=12,
    season_count=1,
)
AOUAD_DROP = Release(
    "aouad", When.parse("2022-01-28T17:00", "Asia/Seoul"), Scope.SEASON, 1, platform="Netflix"
)


def test_an_events_name_and_place_in_korean() -> None:
    """Korean words where the name has words; titles as they are, the Korean one first when the
    catalogue has it; English exactly as before."""
    snowdrop = Show("snowdrop", "Snowdrop", platform="Disney+")
    episode = Release("snowdrop", AOUAD_DROP.when, Scope.EPISODE, 1, 2, "Disney+", region="KR")
    film = Show("film", "The Film")
    undated_place = Release("film", AOUAD_DROP.when, Scope.SHOW)
    shows = {s.id: s for s in (AOUAD_SHOW, snowdrop, film)}
    items = {i.show_id: i for _, i in items_by_due(GuildConfig(1), [AOUAD_DROP, episode, undated_place])}
    ko = {k: event_spec(i, shows[k], AOUAD_OUT, KOREAN) for k, i in items.items()}
    en = {k: event_spec(i, shows[k], AOUAD_OUT) for k, i in items.items()}
    assert (ko["aouad"].name, ko["aouad"].location) == (KOREAN_EVENT, "Netflix")
    assert (en["aouad"].name, en["aouad"].location) == (ENGLISH_EVENT, "Netflix")
    assert (ko["snowdrop"].name, ko["snowdrop"].location) == ("Snowdrop — 시즌 1 2화", "Disney+ (KR)")
    assert (en["snowdrop"].name, en["snowdrop"].location) == ("Snowdrop — S1E2", "Disney+ (KR)")
    assert (ko["film"].name, ko["film"].location) == ("The Film", "추후 공개")
    assert (en["film"].name, en["film"].location) == ("The Film", "To be announced")
    assert ko["aouad"].digest != en["aouad"].digest  # a server that changes language gets its events edited
    assert ko["aouad"].description == en["aouad"].description  # the catalogue's synopsis, in its language


# -- calendars -------------------------------------------------------------------------------------


async def test_a_korean_members_calendar_file_of_her_follows_in_korean(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild, _, _ = server(lc, "Zombie Fans")
    minji = lc.create_member(guild, "minji")
    await running.start()
    nothing = await lc.run_command(None, minji, ["calendar", "file"], {"scope": "my follows"}, locale="ko")
    assert nothing.ephemeral
    assert (
        nothing.content == "아직 팔로우한 작품이 없습니다. `/팔로우`로 작품을 팔로우한 뒤 다시 요청해 주세요."
    )
    await lc.run_command(guild, minji, "follow", {"show": AOUAD}, locale="ko")

    answer = await lc.run_command(guild, minji, ["calendar", "file"], {"scope": "my follows"}, locale="ko")
    assert answer.ephemeral
    name, body = attached(lc, answer)
    assert name == "premiere-my-follows.ics"
    found = vevents(body)
    assert answer.message["content"] == (
        f"📅 팔로우한 작품의 공개 {len(found)}건 ({SPAN_KO}). 파일을 열어 캘린더에 추가하세요. "
        "늘 최신 상태로 유지되는 캘린더를 원하면 `/캘린더 링크`를 사용하세요."
    )
    cal = icalendar.Calendar.from_ical(body)
    assert str(cal["NAME"]) == "Premiere: 내가 팔로우하는 작품"
    assert str(cal["X-WR-CALDESC"]).startswith("Premiere에서 팔로우하는 작품의 공개 일정")
    event = found[AOUAD_UID]
    assert str(event["SUMMARY"]) == KOREAN_EVENT
    description = str(event["DESCRIPTION"]).splitlines()
    assert description[:2] == ["시즌 1 전 12화 · Netflix", "영문 제목: All of Us Are Dead"]
    assert event.start == AOUAD_OUT

    # Her feed, read by a calendar app with no reader at hand: in her recorded language.
    link = await lc.run_command(None, minji, ["calendar", "link"], {"scope": "my follows"}, locale="ko")
    assert link.content.startswith("📅 팔로우한 작품의 캘린더 (늘 최신 상태):\n<http://")
    assert "`/캘린더 초기화 대상:내 팔로우`" in link.content
    [url] = URL.findall(link.content)
    feed = await get(url)
    assert str(vevents(feed)[AOUAD_UID]["SUMMARY"]) == KOREAN_EVENT
    reset = await lc.run_command(None, minji, ["calendar", "reset"], locale="ko")
    assert reset.content.startswith(
        "팔로우한 작품의 캘린더 주소를 새로 만들었습니다. 이전 주소는 더 이상 작동하지 않습니다.\n<http://"
    )
    refused = await lc.run_command(None, minji, ["calendar", "file"], {"scope": "server"}, locale="ko")
    assert refused.ephemeral and refused.content.startswith(
        "**서버** 캘린더는 서버 안에서만 받을 수 있습니다."
    )


async def test_a_servers_calendar_is_in_the_servers_language_and_answers_in_the_readers(
    lc: LocalDiscord, running: RunningBot
) -> None:
    korean, k_chan, k_admin = server(lc, "좀비 팬", locale="ko")
    english, e_chan, e_admin = server(lc, "Zombie Fans")
    alice = lc.create_member(korean, "alice")
    minji = lc.create_member(english, "minji")
    await running.start()
    for guild, chan, admin in ((korean, k_chan, k_admin), (english, e_chan, e_admin)):
        await lc.run_command(guild, admin, ["announce", "channel", "add"], {"channel": chan})

    # An English member of the Korean server: an English answer, the server's Korean calendar.
    file = await lc.run_command(korean, alice, ["calendar", "file"], {"scope": "server"})
    assert "releases of what **좀비 팬** announces, from 14 January 2022 to 17 March 2022" in file.content
    _, body = attached(lc, file)
    assert str(icalendar.Calendar.from_ical(body)["NAME"]) == "Premiere: 좀비 팬 공개 일정"
    assert str(vevents(body)[AOUAD_UID]["SUMMARY"]) == KOREAN_EVENT
    # A Korean member of the English server: a Korean answer, the server's English calendar.
    file = await lc.run_command(english, minji, ["calendar", "file"], {"scope": "server"}, locale="ko")
    assert file.content.startswith("📅 **Zombie Fans**에서 공지하는 작품의 공개 ")
    _, body = attached(lc, file)
    assert str(icalendar.Calendar.from_ical(body)["NAME"]) == "Premiere: releases in Zombie Fans"
    assert str(vevents(body)[AOUAD_UID]["SUMMARY"]) == ENGLISH_EVENT
    # Said in two languages, the entry is one revision: its SEQUENCE does not climb in turn.
    again = await lc.run_command(korean, alice, ["calendar", "file"], {"scope": "server"})
    assert int(vevents(attached(lc, again)[1])[AOUAD_UID]["SEQUENCE"]) == 0
    assert int(vevents(body)[AOUAD_UID]["SEQUENCE"]) == 0

    link = await lc.run_command(korean, alice, ["calendar", "link"], {"scope": "server"}, locale="ko")
    assert link.content.startswith("📅 **좀비 팬**에서 공지하는 작품의 캘린더 (늘 최신 상태):")
    assert "캘린더 앱에서 구독하세요: Google 캘린더" in link.content
    [url] = URL.findall(link.content)
    assert str(vevents(await get(url))[AOUAD_UID]["SUMMARY"]) == KOREAN_EVENT
    not_manager = await lc.run_command(korean, alice, ["calendar", "reset"], {"scope": "server"}, locale="ko")
    assert (
        not_manager.content
        == "이 서버의 캘린더 링크는 **서버 관리하기** 권한이 있는 멤버만 초기화할 수 있습니다."
    )
    quiet = lc.create_guild("조용한 서버")
    lc.create_channel(quiet, "chat")
    member = lc.create_member(quiet, "member")
    none = await lc.run_command(quiet, member, ["calendar", "file"], {"scope": "server"}, locale="ko")
    assert none.content.startswith("이 서버는 Premiere로 공개 소식을 공지하지 않아서 캘린더가 없습니다.")


def test_a_calendar_entry_in_korean_keeps_the_english_revision() -> None:
    """An entry says its release in the calendar's language, and is revised by what it says, not
    by the language: a server's Korean calendar and another's English one share its SEQUENCE."""
    now = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)
    [item] = calendar_items([AOUAD_DROP], now)
    ko, en = entry_for(item, AOUAD_SHOW, KOREAN), entry_for(item, AOUAD_SHOW, ENGLISH)
    assert (ko.summary, en.summary) == (KOREAN_EVENT, ENGLISH_EVENT)
    assert ko.description.splitlines() == ["시즌 1 전 12화 · Netflix", "영문 제목: All of Us Are Dead"]
    assert en.description.splitlines() == [
        "Season 1, all 12 episodes · Netflix",
        "Original title: 지금 우리 학교는",
    ]
    assert ko.digest == en.digest and en.english is None
    assert calendar_entries([item], {AOUAD_SHOW.id: AOUAD_SHOW}, KOREAN) == [ko]
    # A date-only release: an all-day entry, said in Korean all the same.
    dated = Release("aouad", When.parse("2022-02-04", "Asia/Seoul"), Scope.EPISODE, 1, 3, "Netflix")
    [day] = calendar_items([dated], now)
    entry = entry_for(day, AOUAD_SHOW, KOREAN)
    assert (entry.start, entry.summary) == (date(2022, 2, 4), "지금 우리 학교는 — 시즌 1 3화")
