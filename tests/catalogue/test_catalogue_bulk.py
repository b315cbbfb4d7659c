"""Records come back from the reading processes as plain values and are rebuilt the same."""

from __future__ import annotations

import marshal
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench import generate as gen
from bot.catalogue import validate
from bot.catalogue.project_format import ParsedShow
from bot.models import Precision, Release, Scope, Show, ShowRecord, When


def loaded(records: list[ShowRecord]) -> list[validate._Loaded]:
    return [validate._Loaded("x.json", ParsedShow(r, r.show.id), None) for r in records]


def test_a_task_comes_back_as_one_marshal_string_and_decodes_to_equal_records(monkeypatch) -> None:
    records = gen.generate(120, seed=2)
    monkeypatch.setattr(validate, "_read", lambda *task: loaded(records))
    result = validate._work([(Path("x.json"), "x.json", 0, 1)])
    assert isinstance(result, bytes)
    decoder = validate._Decoder()
    rebuilt = [decoder.record(entry[3]) for entry in marshal.loads(result)]
    assert rebuilt == records
    # ids travel with the records, and one person is one Person
    assert [r.id for x in rebuilt for r in x.releases] == [r.id for x in records for r in x.releases]
    people = {}
    for rec in rebuilt:
        for c in rec.credits:
            assert people.setdefault(c.person.id, c.person) is c.person


def test_a_value_marshal_does_not_take_sends_the_task_by_pickle(monkeypatch) -> None:
    seoul = timezone(timedelta(hours=9))
    at = datetime(2022, 1, 28, 17, 0, tzinfo=seoul)  # never from a reader: an instant not in UTC
    record = ShowRecord(
        Show("odd", "Odd"),
        releases=[Release("odd", When(Precision.EXACT, "Asia/Seoul", at, "2022-01-28T17:00"), Scope.SHOW)],
    )
    monkeypatch.setattr(validate, "_read", lambda *task: loaded([record]))
    result = validate._work([(Path("x.json"), "x.json", 0, 1)])
    assert isinstance(result, list)
    [entry] = result
    rebuilt = validate._Decoder().record(entry[3])
    assert rebuilt == record and rebuilt.releases[0].when.instant.tzinfo is seoul


@pytest.mark.parametrize("instant", [None, datetime(2026, 3, 2, 9, 0, 12, 345678, tzinfo=UTC)])
def test_instants_round_trip_to_the_microsecond(instant) -> None:
    decoder = validate._Decoder()
    when = decoder.when("exact", "Asia/Seoul", validate._instant_tuple(instant), "2026-03-02T18:00")
    assert when.instant == instant and (instant is None or when.instant.tzinfo is UTC)
