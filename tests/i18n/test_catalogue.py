"""The message catalogue: every message the code says is in the template and translated, with the
English placeholders; English is the source; a broken translation falls back to English."""

from __future__ import annotations

import ast
import pickle
import tomllib
from datetime import date, timedelta
from fnmatch import fnmatch
from pathlib import Path

import discord
import pytest
from babel.messages.catalog import Catalog

from bot import i18n
from bot.i18n import EN, ENGLISH, KOREAN, Msg, language_of, nmsg, placeholders, server_language, texts
from bot.i18n_extract import KEYWORDS, SOURCES, problems
from bot.models import Role
from bot.render import ROLE_LABELS

ROOT = Path(__file__).resolve().parents[2]
KO = texts(KOREAN)


def test_every_message_of_the_code_is_in_the_template_and_translated_with_its_placeholders() -> None:
    found = problems()
    assert found == [], "\n".join(found)


def test_the_catalogues_ship_inside_the_package() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["bot"]
    files = [p.relative_to(ROOT / "bot").as_posix() for p in (ROOT / "bot" / "locales").rglob("*.po*")]
    assert files and all(any(fnmatch(f, pattern) for pattern in patterns) for f in files), files


def test_every_message_is_said_in_a_way_the_extractor_sees() -> None:
    """``tr(...)`` with a literal, never an f-string, and never through a call's result
    (``texts(lang)("…")``): such a message would be missing from the catalogue. (A value given as
    an f-string is computed first, so that the extractor reads every call whole.)"""
    bad = []
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                first = node.args[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if isinstance(node.func, ast.Call) and isinstance(first, ast.Constant | ast.JoinedStr):
                    bad.append(f"{where}: a message said through a call's result")
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                if name in KEYWORDS and isinstance(first, ast.JoinedStr):
                    bad.append(f"{where}: an f-string given to {name}()")
                elif name in KEYWORDS and any(isinstance(k.value, ast.JoinedStr) for k in node.keywords):
                    bad.append(f"{where}: a value of {name}() is an f-string (compute it first)")
    assert bad == []


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("ko", KOREAN),
        ("ko-KR", KOREAN),
        (discord.Locale.korean, KOREAN),
        ("en-US", ENGLISH),
        ("en-GB", ENGLISH),
        (discord.Locale.american_english, ENGLISH),
        ("fr", ENGLISH),
        ("ja", ENGLISH),
        ("", ENGLISH),
        (None, ENGLISH),
    ],
)
def test_a_readers_language_comes_from_discords_locale(locale: object, lang: str) -> None:
    assert language_of(locale) == lang


def test_a_servers_language_is_its_choice_else_its_preferred_locale() -> None:
    assert server_language("ko", "en-US") == KOREAN
    assert server_language("en", "ko") == ENGLISH
    assert server_language(None, "ko") == KOREAN
    assert server_language(None, "de") == ENGLISH
    assert server_language(None, None) == ENGLISH


def test_english_is_the_message_itself() -> None:
    assert EN("Cast of {title}", title="Kingdom") == "Cast of Kingdom"
    assert EN.ngettext("Coming out in the next {n} day", "Coming out in the next {n} days", 1) == (
        "Coming out in the next 1 day"
    )
    assert EN.ngettext("Coming out in the next {n} day", "Coming out in the next {n} days", 0) == (
        "Coming out in the next 0 days"
    )
    assert EN("no placeholders {here}") == "no placeholders {here}"  # nothing to fill, nothing read


def test_korean_messages_plurals_and_contexts() -> None:
    assert KO("Cast of {title}", title="킹덤") == "킹덤 출연진"
    assert KO.ngettext("Coming out in the next {n} day", "Coming out in the next {n} days", 3) == (
        "앞으로 3일 동안 공개 예정"
    )
    assert KO.pgettext("status", "Ended") == "종영"
    assert KO.pgettext("command", "show") == "작품"
    assert KO("…and {more:,} more. Narrow it with `days` or `platform`.", more=1234).startswith("…외 1,234건")


def test_a_msg_reads_as_english_and_is_said_again_in_korean() -> None:
    m = Msg("No show called “{query}” in the catalogue.", query="Kingdm")
    assert m == "No show called “Kingdm” in the catalogue." and isinstance(m, str)
    assert KO(m) == "카탈로그에 “Kingdm”(이)라는 작품이 없습니다."
    listed = Msg(
        "{title} has no episode {label} in the catalogue; it knows of {seasons}.",
        title="Kingdom",
        label="S1E9",
        seasons=tuple(
            nmsg("season {season}: {n} episode", "season {season}: {n} episodes", n, season=s)
            for s, n in ((1, 6), (2, 1))
        ),
    )
    assert listed.endswith("it knows of season 1: 6 episodes, season 2: 1 episode.")
    assert KO(listed).endswith("알려진 회차: 시즌 1: 6화, 시즌 2: 1화.")
    again = pickle.loads(pickle.dumps(listed))
    assert again == listed and KO(again) == KO(listed)


def test_a_broken_translation_is_never_shown_half_done(
    monkeypatch: pytest.MonkeyPatch, allowed_gaps: set[tuple[str, str | None, str]]
) -> None:
    broken = Catalog(locale="ko")
    broken.add("Hello {name}", "안녕 {nom}")
    broken.add("Fuzzy one", "흐릿함", flags=["fuzzy"])
    broken.add("Empty one", "")
    monkeypatch.setattr(i18n, "catalogue", lambda lang: broken)
    allowed_gaps |= {
        ("ko", None, "Hello {name}"),
        ("ko", None, "Fuzzy one"),
        ("ko", None, "Empty one"),
        ("ko", None, "Unknown one"),
    }
    tr = i18n.Texts(KOREAN)
    assert tr("Hello {name}", name="Ji-hu") == "Hello Ji-hu"
    assert tr("Fuzzy one") == "Fuzzy one"
    assert tr("Empty one") == "Empty one"
    assert tr("Unknown one") == "Unknown one"
    assert ("ko", None, "Hello {name}") in i18n.missing_translations()


def test_placeholders_ignore_format_specs_and_escaped_braces() -> None:
    assert placeholders("…and {more:,} more {{not}} {n}") == {"more", "n"}
    assert placeholders("{seconds:.0f} s") == {"seconds"}


def test_dates_in_each_language() -> None:
    day = date(2022, 1, 28)
    assert EN.date(day) == "28 January 2022" and KO.date(day) == "2022년 1월 28일"
    assert EN.month(2026, 12) == "December 2026" and KO.month(2026, 12) == "2026년 12월"
    assert EN.weekday(date(2022, 1, 26)) == "Wednesday 26 January"
    assert KO.weekday(date(2022, 1, 26)) == "1월 26일 수요일"
    assert EN.date_range(date(2022, 1, 24), date(2022, 1, 30)) == "24 – 30 January 2022"
    assert EN.date_range(date(2022, 1, 31), date(2022, 2, 6)) == "31 January – 6 February 2022"
    assert EN.date_range(date(2021, 12, 27), date(2022, 1, 2)) == "27 December 2021 – 2 January 2022"
    assert KO.date_range(date(2022, 1, 24), date(2022, 1, 30)) == "2022년 1월 24일~30일"
    assert KO.date_range(date(2021, 12, 27), date(2022, 1, 2)) == "2021년 12월 27일~2022년 1월 2일"
    assert KO.duration(timedelta(minutes=90)) == "1시간 30분"
    assert KO.duration(timedelta(days=1)) == "1일"


def test_the_role_labels_said_are_the_models_own() -> None:
    assert {role: label for role, label in ROLE_LABELS.items()} == {r: r.label for r in Role}
