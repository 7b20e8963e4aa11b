"""Agent state and queue log records, spool kinds, and pre-kind CDR spool lines."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.store import (
    RECORD_TYPES,
    AgentStateRecord,
    CdrRecord,
    QueueEvent,
    QueueLogRecord,
    RecordWriter,
    SpoolFormatError,
    agent_state_log,
    cdr,
    queue_log,
    record_from_json,
)
from cti.store.spool import Spool
from cti.store.quality_schema import monitor_session, qa_evaluation, recording, survey_answer
from cti.store.schema import dial_attempt, ivr_visit

aware_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
    timezones=st.builds(timezone, st.timedeltas(timedelta(hours=-23), timedelta(hours=23))),
)
floats = st.floats(allow_nan=False, allow_infinity=False)
optional_text = st.none() | st.text()
json_text = st.none() | st.dictionaries(st.text(), st.integers() | st.text()).map(json.dumps)

agent_states = st.builds(
    AgentStateRecord,
    agent_id=st.text(min_size=1), from_state=st.text(), event=st.text(), to_state=st.text(),
    at=aware_datetimes, reason=optional_text, queue=optional_text, call_id=optional_text,
    id=st.none() | st.integers(1, 2**31),
)
queue_events = st.builds(
    QueueLogRecord,
    call_id=st.text(min_size=1), queue=st.text(min_size=1), event=st.sampled_from(list(QueueEvent)),
    at=aware_datetimes, agent_id=optional_text, priority=st.none() | st.integers(-1000, 1000),
    position=st.none() | st.integers(0, 10_000), wait_s=st.none() | floats,
    talk_s=st.none() | floats, reason=optional_text, data=json_text,
    id=st.none() | st.integers(1, 2**31),
)
any_record = agent_states | queue_events | st.builds(CdrRecord, call_id=st.text(min_size=1))


@given(any_record)
def test_any_record_survives_a_spool_line_round_trip_with_its_kind(record) -> None:
    line = record.to_json()
    assert "\n" not in line and line.isascii()
    assert json.loads(line)["kind"] == record.KIND
    assert record_from_json(line) == record
    assert type(record).from_json(line) == record


@given(agent_states | queue_events)
def test_event_record_survives_a_row_round_trip_without_its_id(record) -> None:
    row = record.to_row()
    assert "id" not in row and row["event_id"] == record.event_id
    assert set(row) == set(record.TABLE.c.keys()) - {"id"}
    assert type(record).from_row(row) == dataclasses.replace(record, id=None)


def test_each_kind_is_bound_to_its_table_and_unique_key() -> None:
    assert {kind: (t.TABLE, t.KEY) for kind, t in RECORD_TYPES.items()} == {
        "cdr": (cdr, "call_id"),
        "agent_state_log": (agent_state_log, "event_id"),
        "queue_log": (queue_log, "event_id"),
        "dial_attempt": (dial_attempt, "attempt_id"),
        "ivr_visit": (ivr_visit, "visit_id"),
        "recording": (recording, "recording_id"),
        "survey_answer": (survey_answer, "answer_id"),
        "monitor_session": (monitor_session, "session_id"),
        "qa_evaluation": (qa_evaluation, "evaluation_id"),
    }
    for table, key in [(cdr, "call_id"), (agent_state_log, "event_id"), (queue_log, "event_id"),
                       (dial_attempt, "attempt_id"), (ivr_visit, "visit_id"), (recording, "recording_id"),
                       (survey_answer, "answer_id"), (monitor_session, "session_id"),
                       (qa_evaluation, "evaluation_id")]:
        assert table.c[key].unique and not table.c[key].nullable


def test_event_ids_are_fresh_uuid4_hex_per_record() -> None:
    first = AgentStateRecord("1001", "logged_out", "login", "available")
    second = AgentStateRecord("1001", "logged_out", "login", "available", at=first.at)
    assert len(first.event_id) == 32 and int(first.event_id, 16) >= 0
    assert first.event_id != second.event_id
    assert first != second


def test_queue_event_is_normalised_and_unknown_events_are_refused() -> None:
    record = QueueLogRecord(call_id="17.1", queue="billing", event="abandon")  # type: ignore[arg-type]
    assert record.event is QueueEvent.ABANDON
    with pytest.raises(ValueError, match="enqueue\\|offer"):
        QueueLogRecord(call_id="17.1", queue="billing", event="hangup")  # type: ignore[arg-type]


def test_queue_log_data_must_be_json_text() -> None:
    with pytest.raises(ValueError, match="json.dumps"):
        QueueLogRecord(call_id="17.1", queue="billing", event=QueueEvent.LEAVE, data="{oops")


def test_naive_agent_state_time_is_refused_and_offsets_become_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AgentStateRecord("1001", "available", "pause", "paused", at=datetime(2024, 1, 1))
    beijing = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    record = AgentStateRecord("1001", "available", "pause", "paused", at=beijing)
    assert record.at.tzinfo is UTC and record.at.hour == 1


def test_spool_line_without_kind_is_read_as_a_cdr() -> None:
    old = '{"call_id":"1714.9","caller":"+861380","started_at":"2024-05-01T08:00:00+00:00","id":null}'
    record = record_from_json(old)
    assert isinstance(record, CdrRecord) and record.call_id == "1714.9"


@pytest.mark.parametrize("line", [
    '{"kind": "billing", "call_id": "1"}',
    '{"kind": 3, "call_id": "1"}',
    '{"kind": "queue_log", "call_id": "1", "queue": "q", "event": "explode"}',
    '{"kind": "agent_state_log", "agent_id": "1", "from_state": "a", "event": "b"}',
    '{"kind": "queue_log", "call_id": "1", "queue": "q", "event": "offer", "priority": "high"}',
    '{"kind": "agent_state_log", "agent_id": "1", "from_state": "a", "event": "b", '
    '"to_state": "c", "disposition": "completed"}',
])
def test_malformed_spool_line_of_any_kind_raises_spool_format_error(line: str) -> None:
    with pytest.raises(SpoolFormatError):
        record_from_json(line)


def test_reading_a_line_as_the_wrong_kind_is_refused() -> None:
    line = AgentStateRecord("1001", "available", "offer", "reserved").to_json()
    with pytest.raises(SpoolFormatError, match="'agent_state_log' is not 'cdr'"):
        CdrRecord.from_json(line)


async def test_spool_keeps_mixed_kinds_and_old_lines_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "records.spool")
    with spool.path.open("w") as fh:
        fh.write('{"call_id":"old-1"}\n')
    mixed = [
        QueueLogRecord(call_id="a", queue="sales", event=QueueEvent.ENQUEUE, priority=2),
        AgentStateRecord("1001", "available", "offer", "reserved", call_id="a"),
        CdrRecord(call_id="a"),
    ]
    spool.append_sync(mixed)
    contents = await spool.read(spool.path)
    assert contents.bad == []
    assert [type(r).__name__ for r in contents.records] == [
        "CdrRecord", "QueueLogRecord", "AgentStateRecord", "CdrRecord"]
    assert contents.records[1:] == mixed


def test_submit_refuses_what_is_not_a_record(tmp_path: Path) -> None:
    writer = RecordWriter(None, tmp_path / "s.spool")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not one of"):
        writer.submit({"call_id": "1"})  # type: ignore[arg-type]
    assert not writer.spool.has_pending()


async def test_a_database_made_before_ivr_exit_gains_the_column_and_keeps_its_rows(tmp_path) -> None:
    """Upgrade path: create_schema adds the nullable columns a later version introduced."""
    import sqlite3

    from cti.store import create_schema, fetch_cdrs, make_engine

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        columns = ", ".join("id INTEGER PRIMARY KEY" if c.name == "id" else f'"{c.name}"'
                            for c in cdr.columns if c.name != "ivr_exit")
        old.execute(f"CREATE TABLE cdr ({columns})")
        old.execute("INSERT INTO cdr (call_id, direction, caller, caller_name, dialed, started_at, duration_s, "
                    "ivr_flow, ivr_path, exit_node, disposition) VALUES ('old-1', 'inbound', '1', '', '10000', "
                    "'2026-11-30 10:00:00', 3.0, 'main', 'menu', 'menu', 'completed')")
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await create_schema(engine)
        await create_schema(engine)  # idempotent
        [row] = await fetch_cdrs(engine)
    finally:
        await engine.dispose()
    assert row.call_id == "old-1" and row.ivr_exit is None
