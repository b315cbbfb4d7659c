"""The renderers in each language: English exactly as before (the labels the models name), Korean
where a server or a reader asked for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.announce.models import ChannelConfig, GuildConfig, Kinds
from bot.announce.posts import Renderer, guild_language
from bot.follows.models import What
from bot.models import Precision, Release, Scope, Show, When
from bot.planner import Item
from bot.render_announce import KIND_LABELS, lead_text, owner_dm_text, post_content
from bot.render_follows import WHAT_LABELS
from bot.weekly import FOOTER_TEXT, Week, footer_text

AOUAD = Show(
    "all-of-us-are-dead",
    "All of Us Are Dead",
    original_title="지금 우리 학교는",
    original_language="ko",
    platform="Netflix",
    episode_count=12,
    season_count=1,
)
DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
DROP = Release(
    AOUAD.id,
    When(Precision.EXACT, "Asia/Seoul", DUE, "2022-01-28T17:00"),
    Scope.SEASON,
    season=1,
    platform="Netflix",
)


def test_english_labels_are_the_models_own() -> None:
    from bot.i18n import EN

    assert {k: EN(v) for k, v in KIND_LABELS.items()} == {k: k.label for k in Kinds}
    assert {w: EN(v) for w, v in WHAT_LABELS.items()} == {w: w.label for w in What}
    assert footer_text() == FOOTER_TEXT


def test_a_servers_language() -> None:
    assert guild_language(GuildConfig(1)) == "en"
    assert guild_language(GuildConfig(1, preferred_locale="ko")) == "ko"
    assert guild_language(GuildConfig(1, language="en", preferred_locale="ko")) == "en"
    assert guild_language(GuildConfig(1, language="ko", preferred_locale="en-GB")) == "ko"
    assert guild_language(GuildConfig(1, preferred_locale="pt-BR")) == "en"


def test_one_release_is_rendered_once_per_language_and_each_channel_gets_its_servers() -> None:
    guilds = {1: GuildConfig(1, language="ko"), 2: GuildConfig(2)}
    render = Renderer({AOUAD.id: AOUAD}, guilds)
    item = Item(AOUAD.id, (DROP,))
    now = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    korean = render.post(ChannelConfig(10, 1, now, role_id=5), [item], False, "n1", ping=True)
    english = render.post(ChannelConfig(20, 2, now, role_id=6), [item], False, "n2", ping=True)
    assert (
        korean.content == "<@&5> 새 작품이 공개되었습니다!"
        and english.content == "<@&6> A new release is out!"
    )
    assert korean.embeds[0]["title"] == "지금 우리 학교는 (All of Us Are Dead)"
    assert english.embeds[0]["title"] == "All of Us Are Dead (지금 우리 학교는)"
    assert render.embed(item, False, "ko") is korean.embeds[0]  # made once, shared by every Korean server
    more = render.post(ChannelConfig(10, 1, now), [item, item], False, "n3", ping=False)
    assert more.content == "…외 2건:"
    assert post_content(None, 3, lang="ko") == "새 작품 3편이 공개되었습니다!"


def test_durations_and_dates_in_korean() -> None:
    assert [lead_text(m, "ko") for m in (30, 60, 90, 1440, 2880)] == [
        "30분",
        "1시간",
        "1시간 30분",
        "1일",
        "2일",
    ]
    assert [lead_text(m) for m in (30, 60, 90, 1440, 2880)] == [
        "30 minutes",
        "1 hour",
        "1 h 30 min",
        "1 day",
        "2 days",
    ]
    assert Week(date(2022, 1, 24)).label("ko") == "2022년 1월 24일~30일"
    assert Week(date(2022, 1, 24)).label() == "24 – 30 January 2022"


def test_the_owners_note_in_the_servers_language() -> None:
    text = owner_dm_text("좀비 팬", "releases", "Missing Access", lang="ko")
    assert text.startswith("Premiere가 **좀비 팬**의 **#releases**에 더 이상 공개 소식을 게시할 수 없습니다")
    assert "`/공지 채널 추가`" in text


def test_the_notes_the_bot_writes_are_said_in_korean_and_others_as_written() -> None:
    from bot.render import note_text, release_line

    assert note_text("All 12 episodes at once", "ko") == "전 12화 동시 공개"
    assert note_text("Part 2: episodes 9–16 at once", "ko") == "파트 2: 9–16화 동시 공개"
    assert note_text("Episodes 1-3 together", "ko") == "1–3화 함께 공개"
    assert note_text("Season 2 premiere", "ko") == "시즌 2 첫 공개"
    assert note_text("All 12 episodes at once", "en") == "All 12 episodes at once"
    odd = "Released early on HBO Max on a Friday"
    assert note_text(odd, "ko") == odd and note_text("All 12 episodes at once, at 5 p.m.", "ko").endswith(
        "5 p.m."
    )
    drop = replace(DROP, note="All 12 episodes at once")
    assert release_line(drop, AOUAD, "ko").endswith("-# 전 12화 동시 공개")
