"""A show's record as plain values, for the trip from a reading process back to this one.

``encode_record`` turns a ``ShowRecord`` into str, int, None, tuples and lists only (enums as
their values, instants as the numbers of their fields), which ``marshal`` writes and reads
several times faster than ``pickle`` writes and reads the dataclasses; a ``Decoder`` builds the
record again, equal to the one encoded.

Both are generated from the models' ``dataclasses.fields()`` when this module is imported, as
the source a hand-written pair would be (one expression per model, no loop over fields at run
time), so the encoding follows the models by construction: a field added to a model travels with
no change here, and a field of a type that cannot travel as plain values fails at import. The
rules, by the type of a field:

- ``str``, ``int``, ``float``, ``bool``, tuples of them, None: as they are;
- an enum: its value;
- a ``datetime``: ``(year, month, day, hour, minute, second, microsecond)`` when it is in UTC
  (a reader's instants always are); any other stays a datetime, and the caller sends the whole
  task by pickle instead (``marshal`` refuses it);
- a dataclass: the tuple of its fields; a list of dataclasses: a list of such tuples;
- a field left out of the constructor (``field(init=False)``) is the cache of the property of
  its name without the underscore (``Release._id`` of ``Release.id``): it travels computed, so
  the reading process computes it, and it is set again on the rebuilt object.

A person is credited in many shows: one ``Decoder`` rebuilds equal people as one ``Person``
(``SHARED``), as the reader made them, and the import merges a person it has seen once only
(``bot.store.bulk.merge_people`` skips the same object). Everything else is built anew (sharing
dates too was tried: hashing every release's date cost more than the objects it saved).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from bot.models import Person, ShowRecord

_PLAIN = (str, int, float, bool, type(None))
SHARED: tuple[type, ...] = (Person,)  # frozen: one object may stand for all equal ones


def instant_values(dt: datetime | None) -> tuple[int, ...] | datetime | None:
    """A UTC instant as the numbers of its fields (``marshal`` takes no datetimes)."""
    if dt is None or dt.tzinfo is not UTC:
        return dt  # None, or (never from a reader) another zone: the task goes back by pickle
    return (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond)


def instant_from(values: tuple[int, ...] | datetime | None) -> datetime | None:
    """The instant ``instant_values`` gave."""
    if type(values) is tuple:
        return datetime(*values, tzinfo=UTC)  # type: ignore[misc, arg-type]  # seven numbers
    return values  # type: ignore[return-value]


class Interned(dict[Any, Any]):
    """Plain values -> the one object built from them (built on first use)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, values: Any) -> Any:
        built = self[values] = self.make(values)
        return built


class Field(NamedTuple):
    """One field of a model class, as the encoding sees it."""

    name: str
    init: bool  # in the constructor (else the cache of a property, see the module's docstring)
    kind: str  # plain, enum, instant, record (a dataclass) or list (of dataclasses)
    target: Any  # the enum, the dataclass, the list's item class, or the plain type
    optional: bool  # may be None


@cache
def model_fields(cls: type) -> tuple[Field, ...]:
    """The fields of a model class, in order; TypeError for a field that cannot travel as plain
    values."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init and not isinstance(getattr(cls, f.name.lstrip("_"), None), property):
            raise TypeError(f"{cls.__name__}.{f.name}: not in the constructor, nor a property's cache")
        tp = hints[f.name]
        optional = False
        if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
            present = [a for a in typing.get_args(tp) if a is not type(None)]
            optional = len(present) < len(typing.get_args(tp))
            tp = present[0] if len(present) == 1 else tp
        kind = _kind(tp)
        if not kind:
            raise TypeError(f"{cls.__name__}.{f.name}: {hints[f.name]!r} cannot travel as plain values")
        target = typing.get_args(tp)[0] if kind == "list" else tp
        out.append(Field(f.name, f.init, kind, target, optional))
    return tuple(out)


def _kind(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        return "list" if len(args) == 1 and dataclasses.is_dataclass(args[0]) else ""
    if origin is tuple:
        return "plain" if all(a is Ellipsis or a in _PLAIN for a in args) else ""
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "enum"
    if tp is datetime:
        return "instant"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return "record"
    return "plain" if tp in _PLAIN else ""


class _Source:
    """Writes the source of the encoder and the decoder of a model class and all it holds.

    What the functions are made of: at the top (the record itself) a nested dataclass is bound to
    a local first, and a list whose items set a cached field is built by a loop; below it,
    expressions only, with a ``SHARED`` class nested in an item looked up in an ``Interned``."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {
            "ENUM_VALUE": {None: None},
            "instant_values": instant_values,
            "instant_from": instant_from,
            "set_cached": object.__setattr__,
            "Interned": Interned,
        }
        self.makers: dict[type, str] = {}  # class -> the source of make_<class>(values)
        self.interned: list[type] = []  # classes rebuilt through interned_<class>
        self.variables = 0

    def variable(self) -> str:
        self.variables += 1
        return f"v{self.variables}"

    def global_name(self, value: Any, name: str) -> str:
        self.names[name] = value
        return name

    @staticmethod
    def if_present(f: Field, value: str, expr: str) -> str:
        return f"(None if {value} is None else {expr})" if f.optional else expr

    # -- encoding ----------------------------------------------------------------------------------

    def encode(self, cls: type, obj: str, lines: list[str] | None = None) -> str:
        """An expression: the plain values of the ``cls`` that the expression ``obj`` holds (at
        the top, with ``lines`` to bind nested dataclasses to locals in)."""
        parts = []
        for f in model_fields(cls):
            attr = f"{obj}.{f.name if f.init else f.name.lstrip('_')}"
            if f.kind == "enum":
                self.names["ENUM_VALUE"].update({m: m.value for m in f.target})
                parts.append(f"ENUM_VALUE[{attr}]")
            elif f.kind == "instant":
                parts.append(f"instant_values({attr})")
            elif f.kind == "record":
                if lines is not None:
                    local = self.variable()
                    lines.append(f"{local} = {attr}")
                    attr = local
                parts.append(self.if_present(f, attr, self.encode(f.target, attr)))
            elif f.kind == "list":
                item = self.variable()
                parts.append(f"[{self.encode(f.target, item)} for {item} in {attr}]")
            else:
                parts.append(attr)
        return "(" + ", ".join(parts) + ",)"

    # -- decoding ----------------------------------------------------------------------------------

    def build(self, cls: type, values: str, lines: list[str] | None = None) -> str:
        """An expression: the ``cls`` built from the plain values the expression ``values`` holds
        (at the top, with ``lines`` to write statements in)."""
        fields = model_fields(cls)
        if not all(f.init for f in fields):
            return f"{self.maker(cls)}({values})"
        return f"{self.global_name(cls, cls.__name__)}({self.arguments(fields, values, lines)})"

    def field(self, f: Field, value: str, lines: list[str] | None) -> str:
        """An expression: the field ``f`` from its plain values in the expression ``value``."""
        if f.kind == "enum":
            members = {None: None, **{m.value: m for m in f.target}}
            return f"{self.global_name(members, f'ENUM_{f.target.__name__}')}[{value}]"
        if f.kind == "instant":
            return f"instant_from({value})"
        if f.kind == "list":
            item = self.variable()
            if lines is None or all(g.init for g in model_fields(f.target)):
                return f"[{self.item(f.target, item)} for {item} in {value}]"
            built, done = self.variable(), self.variable()
            lines += [f"{done} = []", f"for {item} in {value}:", f"    {built} = {self.item(f.target, item)}"]
            lines += [f"    {line}" for line in self.set_cached(f.target, built, item)]
            lines.append(f"    {done}.append({built})")
            return done
        if f.kind == "record":
            if lines is not None:  # at the top: bound once, built inline
                local = self.variable()
                lines.append(f"{local} = {value}")
                return self.if_present(f, local, self.build(f.target, local))
            return self.if_present(f, value, self.nested(f.target, value))
        return value

    def item(self, cls: type, values: str) -> str:
        """An item of a list built from its plain values, its cached fields left to set."""
        fields = model_fields(cls)
        return f"{self.global_name(cls, cls.__name__)}({self.arguments(fields, values, None)})"

    def arguments(self, fields: tuple[Field, ...], values: str, lines: list[str] | None) -> str:
        """The constructor's arguments: a run of three plain fields or more as one starred slice
        (``*values[3:10]``: cheaper than an index each), all of them as ``*values``."""
        init = [i for i, f in enumerate(fields) if f.init]
        plain = [fields[i].kind == "plain" for i in init]
        if all(plain) and init == list(range(len(fields))):
            return f"*{values}"
        args: list[str] = []
        run: list[int] = []
        for i, is_plain in [*zip(init, plain, strict=True), (len(fields), False)]:
            if is_plain and (not run or i == run[-1] + 1):
                run.append(i)
                continue
            if len(run) >= 3:
                args.append(f"*{values}[{run[0]}:{run[-1] + 1}]")
            else:
                args += [f"{values}[{j}]" for j in run]
            run = [i] if is_plain else []
            if i < len(fields) and not is_plain:
                args.append(self.field(fields[i], f"{values}[{i}]", lines))
        return ", ".join(args)

    def nested(self, cls: type, values: str) -> str:
        """A dataclass nested in an item: one object for equal values, for a ``SHARED`` class."""
        if cls not in SHARED:
            return self.build(cls, values)
        if cls not in self.interned:
            self.interned.append(cls)
            self.maker(cls)
        return f"interned_{cls.__name__}[{values}]"

    def set_cached(self, cls: type, built: str, values: str) -> list[str]:
        return [
            f"set_cached({built}, {f.name!r}, {values}[{i}])"
            for i, f in enumerate(model_fields(cls))
            if not f.init
        ]

    def maker(self, cls: type) -> str:
        """``make_<class>(values)``: a ``cls`` built from its plain values, cached fields set."""
        name = f"make_{cls.__name__}"
        if cls not in self.makers:
            self.makers[cls] = ""  # being written
            lines = [f"def {name}(values):", f"    built = {self.item(cls, 'values')}"]
            lines += [f"    {line}" for line in self.set_cached(cls, "built", "values")]
            self.makers[cls] = "\n".join([*lines, "    return built"])
        return name

    def module(self, cls: type) -> str:
        """``encode(obj)``, and ``new_decoder()``, which returns a ``decode(values)`` with
        ``Interned`` tables of its own."""
        encode_lines: list[str] = []
        encoded = self.encode(cls, "obj", encode_lines)
        encode = "\n".join(
            ["def encode(obj):", *(f"    {line}" for line in encode_lines), f"    return {encoded}"]
        )
        decode_lines: list[str] = []
        built = self.build(cls, "values", decode_lines)
        decode = "\n".join(
            ["def decode(values):", *(f"    {line}" for line in decode_lines), f"    return {built}"]
        )
        inner = [*self.makers.values()]
        inner += [f"interned_{c.__name__} = Interned(make_{c.__name__})" for c in self.interned]
        inner += [decode, "return decode"]
        body = "\n".join("    " + line for block in inner for line in block.split("\n"))
        return f"{encode}\n\n\ndef new_decoder():\n{body}\n"


def _generate(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], Callable[[], Callable[[Any], Any]], str]:
    source = _Source()
    text = source.module(cls)
    names = dict(source.names)
    exec(compile(text, f"<bot.catalogue.codec: {cls.__name__}>", "exec"), names)  # noqa: S102
    return names["encode"], names["new_decoder"], text


encode_record, _new_decoder, SOURCE = _generate(ShowRecord)
encode_record.__doc__ = "A record as plain values (see the module's docstring)."


class Decoder:
    """Builds records from their plain values; equal people are one ``Person`` across all the
    records one decoder builds."""

    def __init__(self) -> None:
        self.record: Callable[[Any], ShowRecord] = _new_decoder()
