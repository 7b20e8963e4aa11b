"""CDR schema (SQLAlchemy Core) and the `CdrRecord` value the engine hands to the writer.

One record per call, keyed by Asterisk's uniqueid (`call_id`, UNIQUE) so that a record
replayed from the spool after an outage is ignored by the database instead of duplicated.
Datetimes are always timezone-aware UTC in Python; `UtcDateTime` keeps them so on every
backend (SQLite has no time zones, so it stores naive UTC and we re-attach UTC on read).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

Direction = Literal["inbound", "outbound"]

# Dispositions used by the engine; the column is a plain string so new ones need no migration.
COMPLETED: Final = "completed"
CALLER_HANGUP: Final = "caller_hangup"
SILENT: Final = "silent"
FALLBACK: Final = "fallback"
ERROR: Final = "error"


class SpoolFormatError(ValueError):
    """A spool line (or a row) cannot be turned back into a `CdrRecord`."""


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = _require_aware(value, "bound datetime").astimezone(UTC)
        # SQLite's DATETIME storage drops the offset; store naive UTC explicitly.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

cdr = Table(
    "cdr",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(64), nullable=False, unique=True),
    Column("linked_id", String(64)),
    Column("direction", String(8), nullable=False),
    Column("caller", String(80), nullable=False),
    Column("caller_name", String(120), nullable=False),
    Column("dialed", String(80), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("duration_s", Float, nullable=False),
    Column("ivr_flow", String(80), nullable=False),
    Column("ivr_path", Text, nullable=False),
    Column("exit_node", String(80), nullable=False),
    Column("queue", String(80)),
    Column("agent", String(80)),
    Column("wait_s", Float),
    Column("talk_s", Float),
    Column("disposition", String(32), nullable=False),
    Column("hangup_cause", Integer),
    Column("hangup_cause_txt", String(80)),
    Column("digits", Text),
    Column("engine_node", String(80)),
    Index("ix_cdr_started_at", "started_at"),
    Index("ix_cdr_caller", "caller"),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CdrRecord:
    """One finished call, as written to `cdr` and to the spool.

    `id` is assigned by the database; it is never written (`to_row` omits it) so that a
    replayed record is matched by `call_id` alone.
    """

    call_id: str
    linked_id: str | None = None
    direction: Direction = "inbound"
    caller: str = ""
    caller_name: str = ""
    dialed: str = ""
    started_at: datetime = field(default_factory=utc_now)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float = 0.0
    ivr_flow: str = ""
    ivr_path: str = ""
    exit_node: str = ""
    queue: str | None = None
    agent: str | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    disposition: str = COMPLETED
    hangup_cause: int | None = None
    hangup_cause_txt: str | None = None
    digits: str | None = None
    engine_node: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.call_id:
            raise ValueError("CdrRecord.call_id must be a non-empty Asterisk uniqueid")
        if self.direction not in get_args(Direction):
            raise ValueError(f"CdrRecord.direction must be inbound|outbound, got {self.direction!r}")
        for name in _DATETIME_FIELDS:
            value = getattr(self, name)
            if value is not None:
                utc = _require_aware(value, f"CdrRecord.{name}").astimezone(UTC)
                object.__setattr__(self, name, utc)

    def to_row(self) -> dict[str, Any]:
        """Column values for an INSERT (without the database-assigned `id`)."""
        row = {name: getattr(self, name) for name in _FIELD_NAMES}
        del row["id"]
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | Any) -> CdrRecord:
        """Build from a mapping or a SQLAlchemy `Row` (its `_mapping` is used)."""
        mapping = getattr(row, "_mapping", row)
        return cls(**{name: mapping[name] for name in _FIELD_NAMES if name in mapping})

    def to_json(self) -> str:
        """One spool line: ASCII JSON (no raw newlines), datetimes as ISO 8601 with offset."""
        data = {name: _json_value(getattr(self, name)) for name in _FIELD_NAMES}
        return json.dumps(data, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, line: str) -> CdrRecord:
        """Parse a spool line; any defect raises `SpoolFormatError` saying what is wrong."""
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise SpoolFormatError(f"not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise SpoolFormatError(f"expected a JSON object, got {type(data).__name__}")
        unknown = set(data) - set(_FIELD_NAMES)
        if unknown:
            raise SpoolFormatError(f"unknown fields {sorted(unknown)}")
        try:
            return cls(**{key: _from_json_value(key, value) for key, value in data.items()})
        except (TypeError, ValueError) as exc:
            raise SpoolFormatError(str(exc)) from exc


_FIELD_NAMES: Final = tuple(f.name for f in dataclasses.fields(CdrRecord))
_DATETIME_FIELDS: Final = ("started_at", "answered_at", "ended_at")
_FLOAT_FIELDS: Final = ("duration_s", "wait_s", "talk_s")
_INT_FIELDS: Final = ("hangup_cause", "id")


def _require_aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (use datetime.now(UTC))")
    return value


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _from_json_value(name: str, value: object) -> object:
    if value is None:
        return None
    if name in _DATETIME_FIELDS:
        if not isinstance(value, str):
            raise SpoolFormatError(f"{name}: expected an ISO 8601 string, got {value!r}")
        return datetime.fromisoformat(value)
    if name in _FLOAT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    expected: type = int if name in _INT_FIELDS else float if name in _FLOAT_FIELDS else str
    if type(value) is not expected:
        raise SpoolFormatError(f"{name}: expected {expected.__name__}, got {value!r}")
    return value
