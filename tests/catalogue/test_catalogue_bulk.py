"""Records come back from the reading processes as plain values and are rebuilt the same."""

from __future__ import annotations

import dataclasses
import marshal
import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from bench import generate as gen
from bot.catalogue import codec, pool
from bot.catalogue.files import Loaded
from bot.catalogue.project_format import ParsedShow
from bot.models import Person, Precision, Release, Scope, Show, ShowRecord, When


def loaded(records: list[ShowRecord]) -> list[Loaded]:
    return [Loaded("x.json", ParsedShow(r, r.show.id), None) for r in records]


def test_a_task_comes_back_as_one_marshal_string_and_decodes_to_equal_records(monkeypatch) -> None:
    records = gen.generate(120, seed=2)
    monkeypatch.setattr(pool, "read_file", lambda *task: loaded(records))
    result = pool.work([(Path("x.json"), "x.json", 0, 1)])
    assert isinstance(result, bytes)
    decoder = codec.Decoder()
    rebuilt = [decoder.record(entry[3]) for entry in marshal.loads(result)]
    assert rebuilt == records
    # ids travel with the records, and one person is one Person
    assert [r.id for x in rebuilt for r in x.releases] == [r.id for x in records for r in x.releases]
    people: dict[str, Person] = {}
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
    monkeypatch.setattr(pool, "read_file", lambda *task: loaded([record]))
    result = pool.work([(Path("x.json"), "x.json", 0, 1)])
    assert isinstance(result, list)
    [entry] = result
    rebuilt = codec.Decoder().record(entry[3])
    instant = rebuilt.releases[0].when.instant
    assert rebuilt == record and instant is not None and instant.tzinfo is seoul


@pytest.mark.parametrize("instant", [None, datetime(2026, 3, 2, 9, 0, 12, 345678, tzinfo=UTC)])
def test_instants_round_trip_to_the_microsecond(instant) -> None:
    values = codec.instant_values(instant)
    assert not isinstance(values, datetime)  # numbers, or None
    back = codec.instant_from(marshal.loads(marshal.dumps(values)))
    assert back == instant and (instant is None or back.tzinfo is UTC)


# -- every field of every model travels: values made from the models' own fields and types --------


def sample(tp: Any, n: int, empty: bool) -> Any:
    """A value of type ``tp``, different for each ``n``; with ``empty``, None where allowed."""
    args = typing.get_args(tp)
    if type(None) in args:
        return None if empty else sample(next(a for a in args if a is not type(None)), n, empty)
    origin = typing.get_origin(tp)
    if origin is list:
        return [sample(args[0], n * 10 + k, empty) for k in range(2)]
    if origin is tuple:
        return tuple(sample(args[0], n * 10 + k, empty) for k in range(2))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return list(tp)[n % len(tp)]
    if tp is datetime:
        return datetime(
            2020, 1 + n % 12, 1 + n % 28, n % 24, n % 60, (n * 7) % 60, n * 7919 % 10**6, tzinfo=UTC
        )
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {
            f.name: sample(hints[f.name], n + k, empty)
            for k, f in enumerate(dataclasses.fields(tp))
            if f.init
        }
        return typing.cast(Any, tp)(**kwargs)
    return {str: f"s{n}", int: n, float: n + 0.5, bool: n % 2 == 1}[tp]


def every_field(value: Any) -> Any:
    """The value with every dataclass field spelled out, those left out of equality and of the
    constructor (cached ids) included."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            [(f.name, every_field(getattr(value, f.name))) for f in dataclasses.fields(value)],
        )
    if isinstance(value, list | tuple):
        return [every_field(v) for v in value]
    return value


@pytest.mark.parametrize("empty", [False, True])
def test_every_field_of_every_model_travels(empty: bool) -> None:
    records = [sample(ShowRecord, n, empty) for n in range(1, 4)]
    values = [codec.encode_record(r) for r in records]  # computes the cached ids, as a reader does
    decoder = codec.Decoder()
    rebuilt = [decoder.record(v) for v in marshal.loads(marshal.dumps(values))]
    assert rebuilt == records
    assert every_field(rebuilt) == every_field(records)


def test_a_field_that_cannot_travel_fails_when_the_encoding_is_made() -> None:
    @dataclasses.dataclass
    class Odd:
        tags: set[str]

    with pytest.raises(TypeError, match="Odd.tags"):
        codec.model_fields(Odd)
