"""`Record`: the row/spool-line contract shared by every append-only record type.

A record type is a frozen dataclass that also subclasses `Record` and names its table
(`TABLE`), its idempotency key (`KEY`, a UNIQUE column) and its spool `KIND` (the table
name). How a field is stored in JSON follows from its annotation: `datetime` -> ISO 8601
with offset, `float`/`int`/`str` checked strictly when a spool line is read back.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin, get_type_hints

from sqlalchemy import Table

from cti.store.schema import require_aware


class SpoolFormatError(ValueError):
    """A spool line (or a row) cannot be turned back into a record."""


class Record:
    """Base of the frozen dataclass records (`CdrRecord`, `AgentStateRecord`, `QueueLogRecord`).

    `id` is assigned by the database; it is never written (`to_row` omits it) so that a
    replayed record is matched by its `KEY` column alone.
    """

    __slots__ = ()
    KIND: ClassVar[str]
    TABLE: ClassVar[Table]
    KEY: ClassVar[str]

    def __post_init__(self) -> None:
        for name in _datetime_fields(type(self)):
            value = getattr(self, name)
            if value is not None:
                utc = require_aware(value, f"{type(self).__name__}.{name}").astimezone(UTC)
                object.__setattr__(self, name, utc)
        self._validate()

    def _validate(self) -> None:
        """Type-specific checks; raise ValueError saying what is wrong."""

    @property
    def key(self) -> Any:
        """The value of the idempotency column (e.g. the call_id of a CDR)."""
        return getattr(self, self.KEY)

    def to_row(self) -> dict[str, Any]:
        """Column values for an INSERT (without the database-assigned `id`)."""
        return {name: getattr(self, name) for name in _field_types(type(self)) if name != "id"}

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | Any) -> Self:
        """Build from a mapping or a SQLAlchemy `Row` (its `_mapping` is used)."""
        mapping = getattr(row, "_mapping", row)
        return cls(**{name: mapping[name] for name in _field_types(cls) if name in mapping})

    def to_json(self) -> str:
        """One spool line: ASCII JSON (no raw newlines) starting with the record's `kind`."""
        data: dict[str, object] = {"kind": self.KIND}
        for name in _field_types(type(self)):
            value = getattr(self, name)
            data[name] = value.isoformat() if isinstance(value, datetime) else value
        return json.dumps(data, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, line: str) -> Self:
        """Parse a spool line; any defect raises `SpoolFormatError` saying what is wrong."""
        return cls.from_spool_dict(load_spool_object(line))

    @classmethod
    def from_spool_dict(cls, data: dict[str, Any]) -> Self:
        """Build from a decoded spool line; a missing `kind` is taken to be this type's."""
        data = dict(data)
        kind = data.pop("kind", cls.KIND)
        if kind != cls.KIND:
            raise SpoolFormatError(f"kind {kind!r} is not {cls.KIND!r}")
        fields = _field_types(cls)
        unknown = set(data) - set(fields)
        if unknown:
            raise SpoolFormatError(f"unknown fields {sorted(unknown)} for kind {cls.KIND!r}")
        try:
            return cls(**{name: _from_json_value(name, fields[name], v) for name, v in data.items()})
        except (TypeError, ValueError) as exc:
            raise SpoolFormatError(f"{cls.KIND}: {exc}") from exc


def load_spool_object(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise SpoolFormatError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SpoolFormatError(f"expected a JSON object, got {type(data).__name__}")
    return data


@functools.cache
def _field_types(cls: type[Record]) -> dict[str, type]:
    """Field name -> the scalar type it is stored as (datetime, float, int or str)."""
    hints = get_type_hints(cls)
    return {f.name: _scalar_type(hints[f.name]) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]


@functools.cache
def _datetime_fields(cls: type[Record]) -> tuple[str, ...]:
    return tuple(name for name, kind in _field_types(cls).items() if kind is datetime)


def _scalar_type(hint: Any) -> type:
    if get_origin(hint) in (Union, types.UnionType):
        (hint,) = [arg for arg in get_args(hint) if arg is not type(None)]
    if get_origin(hint) is Literal:
        return str
    for scalar in (datetime, float, int, str):
        if isinstance(hint, type) and issubclass(hint, scalar):
            return scalar
    raise TypeError(f"record fields must be datetime, float, int or str, not {hint!r}")


def _from_json_value(name: str, expected: type, value: object) -> object:
    if value is None:
        return None
    if expected is datetime:
        if not isinstance(value, str):
            raise SpoolFormatError(f"{name}: expected an ISO 8601 string, got {value!r}")
        return datetime.fromisoformat(value)
    if expected is float and type(value) is int:
        value = float(value)
    if type(value) is not expected:
        raise SpoolFormatError(f"{name}: expected {expected.__name__}, got {value!r}")
    return value
