"""The commands in Korean: discord.py's Translator gives Discord a Korean name, description and
choice names for every command, option and choice, which localcord checks as Discord does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord
import pytest

from bot.events import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS
from bot.translator import PremiereTranslator, lname
from localcord.validation import validate_commands
from tests.conftest import LocalDiscord, RunningBot, settings_for

# Commands whose strings are still to be done (a new cog, while it is being localised); empty once
# they are. Every command is localised now.
NOT_YET_LOCALISED: frozenset[str] = frozenset()
SUBCOMMANDS = (1, 2)


def _command(**extra: Any) -> dict[str, Any]:
    return {"type": 1, "name": "show", "description": "Everything about a show", **extra}


def _codes(errors: Any) -> set[str]:
    return {code for _, code, _ in errors.items}


def test_localcord_refuses_localisations_discord_refuses() -> None:
    good = _command(name_localizations={"ko": "작품"}, description_localizations={"ko": "작품 정보"})
    assert not validate_commands([good], global_=True)
    for bad in (
        _command(name_localizations={"ko": "Show Me"}),  # upper case and a space
        _command(name_localizations={"ko": "작" * 33}),  # longer than 32
        _command(name_localizations={"ko": ""}),
        _command(description_localizations={"ko": "설" * 101}),
        _command(name_localizations={"kr": "작품"}),  # not a Discord locale
    ):
        assert validate_commands([bad], global_=True), bad
    option = {"type": 3, "name": "title", "description": "A title", "name_localizations": {"ko": "제 목"}}
    assert "APPLICATION_COMMAND_INVALID_NAME" in _codes(
        validate_commands([_command(options=[option])], global_=True)
    )
    choice = {"name": "Cast", "value": "cast", "name_localizations": {"ko": "출" * 101}}
    with_choice = {"type": 3, "name": "role", "description": "A role", "choices": [choice]}
    assert validate_commands([_command(options=[with_choice])], global_=True)


def test_two_commands_may_not_read_the_same_in_one_locale() -> None:
    a = _command(name_localizations={"ko": "작품"})
    b = _command(name="film", name_localizations={"ko": "작품"})
    assert "APPLICATION_COMMANDS_DUPLICATE_NAME" in _codes(validate_commands([a, b], global_=True))
    options = [
        {"type": 3, "name": "title", "description": "x", "name_localizations": {"ko": "제목"}},
        {"type": 3, "name": "name", "description": "x", "name_localizations": {"ko": "제목"}},
    ]
    assert "APPLICATION_COMMANDS_DUPLICATE_NAME" in _codes(
        validate_commands([_command(options=options)], global_=True)
    )


async def test_the_translator_says_names_in_korean_and_leaves_english_alone() -> None:
    translator = PremiereTranslator()
    await translator.load()
    context: Any = None
    assert await translator.translate(lname("command", "show"), discord.Locale.korean, context) == "작품"
    assert await translator.translate(lname("option", "title"), discord.Locale.korean, context) == "제목"
    assert (
        await translator.translate(lname("command", "show"), discord.Locale.american_english, context) is None
    )
    assert await translator.translate(lname("command", "show"), discord.Locale.french, context) is None


def _child(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(o for o in item.get("options") or [] if o["name"] == name)


def _walk(items: list[dict[str, Any]], path: str = "") -> Iterator[tuple[str, dict[str, Any], str]]:
    """(where, item, what) for every command, subcommand, option and choice."""
    for item in items:
        where = f"{path} {item['name']}".strip()
        what = "command" if not path or item.get("type") in SUBCOMMANDS else "option"
        yield where, item, what
        for choice in item.get("choices") or []:
            yield f"{where} [{choice['name']}]", choice, "choice"
        yield from _walk(item.get("options") or [], where)


@pytest.fixture
async def synced(lc: LocalDiscord, seeded_store: Any, clock: Any, tmp_path: Any) -> Any:
    running = RunningBot(lc, seeded_store, clock, settings_for(lc, tmp_path))
    await running.start()
    try:
        yield lc.commands()
    finally:
        await running.close()


async def test_every_command_option_and_choice_is_synced_with_a_korean_localisation(synced: Any) -> None:
    assert not validate_commands(synced, global_=True)  # what Discord would accept
    missing = []
    for where, item, what in _walk(synced):
        if any(where == p or where.startswith(p + " ") for p in NOT_YET_LOCALISED):
            continue
        names = item.get("name_localizations") or {}
        if not names.get("ko"):
            missing.append(f"{what} {where}: no Korean name")
        if what != "choice" and not (item.get("description_localizations") or {}).get("ko"):
            missing.append(f"{what} {where}: no Korean description")
        if "en-US" in names or "en-GB" in names:
            missing.append(f"{what} {where}: English must read the default name")
    assert missing == []
    by_name = {c["name"]: c for c in synced}
    assert by_name["show"]["name_localizations"]["ko"] == "작품"
    assert by_name["cast"]["name_localizations"]["ko"] == "출연진"
    assert by_name["upcoming"]["name_localizations"]["ko"] == "공개예정"
    events = _child(by_name["announce"], "events")
    assert events["name_localizations"]["ko"] == "이벤트"
    assert [c["name_localizations"]["ko"] for c in events["options"]] == ["켜기", "끄기", "상태"]
    days_ahead = _child(_child(events, "on"), "days_ahead")
    assert days_ahead["name_localizations"]["ko"] == "며칠전"
    # Its description is a literal, for the catalogue: it says the range bot.events checks.
    assert days_ahead["description"].endswith(f"({MIN_DAYS}–{MAX_DAYS}, default {DEFAULT_DAYS})")
    calendar = by_name["calendar"]
    assert calendar["name_localizations"]["ko"] == "캘린더"
    assert [c["name_localizations"]["ko"] for c in calendar["options"]] == ["파일", "링크", "초기화"]
    for sub in calendar["options"]:
        scope = _child(sub, "scope")
        assert scope["name_localizations"]["ko"] == "대상"
        # The English choices as they always were; Korean readers see theirs.
        assert [(c["name"], c["value"]) for c in scope["choices"]] == [
            ("server", "server"),
            ("my follows", "my follows"),
        ]
        assert [c["name_localizations"]["ko"] for c in scope["choices"]] == ["서버", "내 팔로우"]
    role = next(o for o in by_name["cast"]["options"] if o["name"] == "role")
    assert [c["name_localizations"]["ko"] for c in role["choices"]] == [
        "출연",
        "감독",
        "작가",
        "크리에이터",
        "원작자",
    ]
