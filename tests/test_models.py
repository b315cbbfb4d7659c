from datetime import UTC, date, datetime

import pytest

from bot.models import Precision, Release, Scope, When, slugify


def test_when_parse_every_precision():
    assert When.parse("TBA").precision is Precision.TBA
    assert When.parse(None).instant is None
    y = When.parse("2027", "Asia/Seoul")
    assert (y.precision, y.local) == (Precision.YEAR, "2027")
    m = When.parse("2026-12")
    assert (m.precision, m.instant) == (Precision.MONTH, datetime(2026, 12, 1, tzinfo=UTC))
    d = When.parse("2022-01-28", "Asia/Seoul")
    assert d.precision is Precision.DATE
    assert d.instant == datetime(2022, 1, 27, 15, 0, tzinfo=UTC)  # midnight in Seoul
    assert d.local_date == date(2022, 1, 28)


def test_when_parse_exact_local_time_in_its_zone():
    w = When.parse("2022-01-28T17:00", "Asia/Seoul")
    assert w.precision is Precision.EXACT
    assert w.instant == datetime(2022, 1, 28, 8, 0, tzinfo=UTC)
    assert w.local == "2022-01-28T17:00"
    assert w.local_date == date(2022, 1, 28)


def test_when_parse_errors_are_readable():
    with pytest.raises(ValueError, match="bad date '2022-13-40'"):
        When.parse("2022-13-40")
    with pytest.raises(ValueError, match="unknown time zone"):
        When.parse("2022-01-01", "Mars/Olympus")


def test_release_ids_are_stable_and_distinct():
    w = When.parse("2022-01-28")
    a = Release("all-of-us-are-dead", w, Scope.SEASON, 1, platform="Netflix")
    b = Release("all-of-us-are-dead", When.parse("2023-01-01"), Scope.SEASON, 1, platform="Netflix")
    c = Release("all-of-us-are-dead", w, Scope.EPISODE, 1, 2, platform="Netflix")
    assert a.id == b.id == "all-of-us-are-dead-season-s1-netflix-ww"
    assert c.id != a.id
    assert a.is_premiere and not c.is_premiere


def test_slugify_non_latin_is_stable():
    assert slugify("Park Ji-hu") == "park-ji-hu"
    assert slugify("지금 우리 학교는") == slugify("지금 우리 학교는")
    assert slugify("지금 우리 학교는").startswith("u")
