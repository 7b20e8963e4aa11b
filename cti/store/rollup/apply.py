"""The writer's half of the rollups: book the deltas of the rows its transaction just inserted.

Called by the sink (cti/store/sink.py) inside the batch's transaction, after the insert-ignore
statements, with only the rows the database reported as inserted (`RETURNING`): a row already
present (a spool replay, a batch written twice) returns nothing and so adds nothing. That is the
whole of "exactly once": the rows and their deltas commit together or not at all.

On PostgreSQL a transaction-scoped advisory lock, keyed by the schema, serialises rollup
maintenance (the writer and `hotline rollup rebuild`): each reads its windows after the previous
one committed. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from cti.store.rollup import callers, counts, fetch, marks, timeline, upsert, visits
from cti.store.rollup.buckets import to_us
from cti.store.rollup.deltas import Deltas

LOCK_CLASS = 0x686C6E  # the rollups' advisory locks on PostgreSQL: (LOCK_CLASS, hash of the schema)
REACH = timedelta(microseconds=callers.REACH_US)

NewRows = Mapping[str, Sequence[Mapping[str, Any]]]  # raw table name -> inserted rows, each with its id


async def lock(conn: AsyncConnection) -> None:
    """Serialise rollup maintenance of this schema's tables (advisory locks are per database: the
    schema in the key keeps apart the schemas of one database, e.g. tests and benchmarks)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema()))"), {"cls": LOCK_CLASS})


async def apply(conn: AsyncConnection, new: NewRows) -> None:
    """Book the rollup deltas of `new` (rows this transaction inserted) and raise the marks."""
    if not any(new.values()):
        return
    await lock(conn)
    deltas = Deltas()
    await _visits(conn, deltas, new)
    await _agents(conn, deltas, new)
    await _callers(conn, deltas, new)
    for row in new.get("cdr", ()):
        counts.book_cdr(deltas, row)
    for row in new.get("ivr_visit", ()):
        counts.book_visit(deltas, row)
    for row in new.get("dial_attempt", ()):
        counts.book_dial(deltas, row)
    await upsert.write(conn, deltas)
    await marks.advance(conn, {name: [int(r["id"]) for r in rows] for name, rows in new.items()})


async def _visits(conn: AsyncConnection, deltas: Deltas, new: NewRows) -> None:
    new_events = {r["event_id"] for r in new.get("queue_log", ())}
    new_calls = {r["call_id"] for r in new.get("cdr", ())}
    touched = {r["call_id"] for r in new.get("queue_log", ())} | new_calls
    if not touched:
        return
    rows, talks = await fetch.visits(conn, touched, {r["call_id"]: visits.CallTalk(r["queue"], r["talk_s"])
                                                     for r in new.get("cdr", ())})
    before = [r for r in rows if r.key not in new_events]
    talks_before = {call: talk for call, talk in talks.items() if call not in new_calls}
    visits.add_visits(deltas, before, rows, talks_before, talks)


async def _agents(conn: AsyncConnection, deltas: Deltas, new: NewRows) -> None:
    rows: dict[str, list[int]] = defaultdict(list)
    answers: dict[str, list[int]] = defaultdict(list)
    for r in new.get("agent_state_log", ()):
        rows[r["agent_id"]].append(to_us(r["at"]))
    for r in new.get("queue_log", ()):
        if r["event"] == "answer" and r.get("agent_id"):
            answers[r["agent_id"]].append(to_us(r["at"]))
    needs = {a: timeline.WindowNeed.of(rows.get(a, []), answers.get(a, [])) for a in rows.keys() | answers.keys()}
    if not needs:
        return
    new_rows = {r["event_id"] for r in new.get("agent_state_log", ())}
    new_answers = {r["event_id"] for r in new.get("queue_log", ())}
    for agent, (window, labels) in (await fetch.agent_windows(conn, needs)).items():
        timeline.book_window(deltas, agent, window, labels, new_rows, new_answers)


async def _callers(conn: AsyncConnection, deltas: Deltas, new: NewRows) -> None:
    calls = [r for r in new.get("cdr", ()) if r["direction"] == "inbound" and r["caller"]]
    if not calls:
        return
    times = [r["started_at"] for r in calls]
    windows = await fetch.caller_windows(conn, {r["caller"] for r in calls}, min(times) - REACH, max(times) + REACH)
    new_calls = {r["call_id"] for r in calls}
    for window in windows.values():
        callers.book_window(deltas, window, new_calls)
