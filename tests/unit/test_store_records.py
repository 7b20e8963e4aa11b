"""CdrRecord serialisation (spool lines, rows) and the idempotent insert on SQLite."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from cti.store import CdrRecord, SpoolFormatError, cdr, create_schema, insert_ignore, make_engine
from cti.store.spool import Spool

offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
aware_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
    timezones=st.builds(timezone, offsets),
)
floats = st.floats(allow_nan=False, allow_infinity=False)
optional_text = st.none() | st.text()

records = st.builds(
    CdrRecord,
    call_id=st.text(min_size=1),
    linked_id=optional_text,
    direction=st.sampled_from(["inbound", "outbound"]),
    caller=st.text(),
    caller_name=st.text(),
    dialed=st.text(),
    started_at=aware_datetimes,
    answered_at=st.none() | aware_datetimes,
    ended_at=st.none() | aware_datetimes,
    duration_s=floats,
    ivr_flow=st.text(),
    ivr_path=st.text(),
    exit_node=st.text(),
    queue=optional_text,
    agent=optional_text,
    wait_s=st.none() | floats,
    talk_s=st.none() | floats,
    disposition=st.sampled_from(["completed", "caller_hangup", "silent", "fallback", "error"]),
    hangup_cause=st.none() | st.integers(0, 127),
    hangup_cause_txt=optional_text,
    digits=optional_text,
    engine_node=optional_text,
    id=st.none() | st.integers(1, 2**31),
)


@given(records)
def test_cdr_record_survives_a_spool_line_round_trip(record: CdrRecord) -> None:
    line = record.to_json()
    assert "\n" not in line and line.isascii()
    assert CdrRecord.from_json(line) == record


@given(records)
def test_cdr_record_survives_a_row_round_trip_without_its_id(record: CdrRecord) -> None:
    row = record.to_row()
    assert "id" not in row
    assert CdrRecord.from_row(row) == dataclasses.replace(record, id=None)


def test_spool_line_keeps_the_utc_offset() -> None:
    started = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    record = CdrRecord(call_id="1714.1", started_at=started)
    assert '"started_at":"2024-05-01T01:30:00+00:00"' in record.to_json()
    assert record.started_at.tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CdrRecord(call_id="1", started_at=datetime(2024, 1, 1))


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="inbound"):
        CdrRecord(call_id="1", direction="sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize("line", [
    "{not json", "[1, 2]", '{"caller": "1"}', '{"call_id": "1", "bogus": 1}',
    '{"call_id": "1", "started_at": "yesterday"}', '{"call_id": 5}',
    '{"call_id": "1", "duration_s": "long"}',
])
def test_malformed_spool_line_raises_spool_format_error(line: str) -> None:
    with pytest.raises(SpoolFormatError):
        CdrRecord.from_json(line)


async def test_spool_reports_malformed_lines_with_their_line_numbers(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "cdr.spool")
    spool.append_sync([CdrRecord(call_id="a")])
    with spool.path.open("a") as fh:
        fh.write("garbage\n")
    spool.append_sync([CdrRecord(call_id="b")])
    contents = await spool.read(spool.path)
    assert [r.call_id for r in contents.records] == ["a", "b"]
    assert [(b.number, b.raw) for b in contents.bad] == [(2, b"garbage")]


async def test_insert_ignore_twice_on_sqlite_keeps_one_row_per_call(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/sub/dir/cdr.db")
    try:
        await create_schema(engine)
        rows = [CdrRecord(call_id=f"17.{i}").to_row() for i in range(50)]
        for _ in range(2):
            async with engine.begin() as conn:
                await insert_ignore(conn, cdr, rows)
        async with engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(cdr))
            journal = await conn.scalar(text("PRAGMA journal_mode"))
        assert count == 50
        assert journal == "wal"
    finally:
        await engine.dispose()


async def test_relative_sqlite_path_is_created_under_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite+aiosqlite:///var/hotline.db")
    try:
        await create_schema(engine)
    finally:
        await engine.dispose()
    assert (tmp_path / "var" / "hotline.db").is_file()
