"""The raw rows a batch's deltas need, fetched in a few set-wide statements per batch.

Each function reads the *windows* of the pure modules' theories of operation: all rows of the
touched visits (by call_id), each touched agent's state rows between P and S with the answers
that label them, each touched number's calls within 7 days. Per-agent bounds are scalar
subqueries (index seeks on agent_state_log (agent_id, at) and queue_log (agent_id, event, at)),
one SELECT per agent joined by UNION ALL, in chunks SQLite's compound-select limit allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select

from cti.store.rollup.buckets import from_us, to_us
from cti.store.rollup.callers import Call
from cti.store.rollup.timeline import Answer, StateRow, WindowNeed
from cti.store.rollup.visits import CallTalk, QueueRow
from cti.store.schema import UtcDateTime, agent_state_log, cdr, queue_log

AGENTS_PER_STATEMENT = 100
KEYS_PER_STATEMENT = 2000
log, q = agent_state_log.c, queue_log.c

Window = tuple[list[StateRow], list[Answer]]


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def _union(conn: AsyncConnection, selects: list[Select[Any]]) -> list[Any]:
    rows: list[Any] = []
    for chunk in _chunks(selects, AGENTS_PER_STATEMENT):
        stmt = chunk[0] if len(chunk) == 1 else union_all(*chunk)
        rows += (await conn.execute(stmt)).all()
    return rows


# -- queue visits ------------------------------------------------------------------------------------
def queue_row(r: Any) -> QueueRow:
    return QueueRow(r.event_id, r.call_id, r.queue, str(r.event), to_us(r.at), r.wait_s, r.talk_s)


async def visits(conn: AsyncConnection, call_ids: Iterable[str], known: Mapping[str, CallTalk]
                 ) -> tuple[list[QueueRow], dict[str, CallTalk]]:
    """Every queue_log row of these calls, and their CDRs' queue and talk (`known`: CDRs at hand)."""
    rows: list[QueueRow] = []
    for chunk in _chunks(sorted(set(call_ids)), KEYS_PER_STATEMENT):
        stmt = select(q.event_id, q.call_id, q.queue, q.event, q.at, q.wait_s, q.talk_s).where(q.call_id.in_(chunk))
        rows += [queue_row(r) for r in await conn.execute(stmt)]
    talks = {call: known[call] for call in {r.call_id for r in rows} if call in known}
    for chunk in _chunks(sorted({r.call_id for r in rows} - set(known)), KEYS_PER_STATEMENT):
        stmt = select(cdr.c.call_id, cdr.c.queue, cdr.c.talk_s).where(cdr.c.call_id.in_(chunk))
        talks.update({r.call_id: CallTalk(r.queue, r.talk_s) for r in await conn.execute(stmt)})
    return rows, talks


# -- agent windows -----------------------------------------------------------------------------------
def _at(t_us: int) -> ColumnElement[datetime]:
    return literal(from_us(t_us), UtcDateTime)


def _bounds(agent: str, need: WindowNeed) -> Select[Any]:
    """(agent, P, S): see cti/store/rollup/timeline.py::bounds, of which this is the SQL."""
    p = select(func.max(log.at)).where(log.agent_id == agent, log.at < _at(need.lo_us))
    after: list[ColumnElement[bool]] = [log.agent_id == agent]
    if need.last_row_us is not None:
        after.append(log.at > _at(need.last_row_us))
    if need.last_answer_us is not None:  # no later answer: NULL, no row qualifies, S open
        floor = select(func.min(q.at)).where(q.agent_id == agent, q.event == "answer",
                                             q.at > _at(need.last_answer_us))
        after.append(log.at >= floor.scalar_subquery())
    s = select(func.min(log.at)).where(*after)
    return select(literal(agent).label("agent_id"), p.scalar_subquery().label("p"), s.scalar_subquery().label("s"))


def _rows(agent: str, p: datetime | None, s: datetime | None) -> Select[Any]:
    stmt = select(log.agent_id, log.at, log.id, log.event, log.to_state, log.reason, log.event_id)
    stmt = stmt.where(log.agent_id == agent)
    stmt = stmt if p is None else stmt.where(log.at >= p)
    return stmt if s is None else stmt.where(log.at <= s)


def _answers(agent: str, first: datetime, lo_us: int, s: datetime | None) -> Select[Any]:
    """The agent's answers from A0 to S: A0, the latest before the window's first row and before
    every new row (so an old answer: the rows' labels before the batch need it too), and later."""
    first_at = literal(first, UtcDateTime)
    a0 = select(func.max(q.at)).where(q.agent_id == agent, q.event == "answer", q.at <= first_at,
                                      q.at < _at(lo_us)).scalar_subquery()
    stmt = select(q.agent_id, q.at, q.id, q.queue, q.event_id).where(
        q.agent_id == agent, q.event == "answer", q.at >= func.coalesce(a0, first_at))
    return stmt if s is None else stmt.where(q.at <= s)


async def agent_windows(conn: AsyncConnection, needs: Mapping[str, WindowNeed]) -> dict[str, Window]:
    """Each agent's window rows and the answers that label them, both sorted by (at, id)."""
    bounds = {r.agent_id: (r.p, r.s) for r in await _union(conn, [_bounds(a, n) for a, n in needs.items()])}
    by_agent: dict[str, list[StateRow]] = defaultdict(list)
    for r in await _union(conn, [_rows(a, p, s) for a, (p, s) in bounds.items()]):
        by_agent[r.agent_id].append(StateRow(to_us(r.at), r.id, r.event, r.to_state, r.reason, r.event_id))
    firsts = {a: bounds[a][0] or from_us(min(r.at_us for r in rows)) for a, rows in by_agent.items()}
    answers: dict[str, list[Answer]] = defaultdict(list)
    for r in await _union(conn, [_answers(a, first, needs[a].lo_us, bounds[a][1]) for a, first in firsts.items()]):
        answers[r.agent_id].append(Answer(to_us(r.at), r.id, r.queue, r.event_id))
    return {a: (sorted(rows), sorted(answers[a])) for a, rows in by_agent.items()}


# -- callers -----------------------------------------------------------------------------------------
async def caller_windows(conn: AsyncConnection, callers: Iterable[str], lo: datetime,
                         hi: datetime) -> dict[str, list[Call]]:
    """Inbound calls of these numbers started in [lo, hi], per number, sorted."""
    c = cdr.c
    out: dict[str, list[Call]] = defaultdict(list)
    for chunk in _chunks(sorted(set(callers)), KEYS_PER_STATEMENT):
        stmt = select(c.caller, c.started_at, c.id, c.queue, c.call_id).where(
            c.direction == "inbound", c.caller.in_(chunk), c.started_at >= lo, c.started_at <= hi)
        for r in await conn.execute(stmt):
            out[r.caller].append(Call(to_us(r.started_at), r.id, r.queue or "", r.call_id))
    return {caller: sorted(calls) for caller, calls in out.items()}


# -- the rebuild of one day ----------------------------------------------------------------------------
def agent_ids_cte() -> Any:
    """Every agent id in agent_state_log (and a final NULL), by index seeks on (agent_id, at): a
    recursive "skip scan", one seek per agent, where SELECT DISTINCT would read every row."""
    ids = select(func.min(log.agent_id).label("agent_id")).cte("agent_ids", recursive=True)
    following = select(func.min(log.agent_id)).where(log.agent_id > ids.c.agent_id).scalar_subquery()
    return ids.union_all(select(following).where(ids.c.agent_id.is_not(None)))


async def agent_ids(conn: AsyncConnection) -> list[str]:
    ids = agent_ids_cte()
    return [r.agent_id for r in await conn.execute(select(ids.c.agent_id).where(ids.c.agent_id.is_not(None)))]


async def day_visits(conn: AsyncConnection, lo: datetime, hi: datetime) -> tuple[list[QueueRow], dict[str, CallTalk]]:
    """Every row of the visits with an enqueue in [lo, hi), and their CDRs' queue and talk."""
    calls = select(q.call_id).where(q.event == "enqueue", q.at >= lo, q.at < hi)
    stmt = select(q.event_id, q.call_id, q.queue, q.event, q.at, q.wait_s, q.talk_s).where(q.call_id.in_(calls))
    rows = [queue_row(r) for r in await conn.execute(stmt)]
    stmt = select(cdr.c.call_id, cdr.c.queue, cdr.c.talk_s).where(cdr.c.call_id.in_(calls))
    return rows, {r.call_id: CallTalk(r.queue, r.talk_s) for r in await conn.execute(stmt)}


async def day_callers(conn: AsyncConnection, lo: datetime, hi: datetime, reach: timedelta) -> dict[str, list[Call]]:
    """The calls in [lo - reach, hi + reach] of the numbers that called in [lo, hi), per number, sorted."""
    c = cdr.c
    known = (c.direction == "inbound", c.caller != "")
    numbers = select(c.caller).where(*known, c.started_at >= lo, c.started_at < hi)
    stmt = select(c.caller, c.started_at, c.id, c.queue, c.call_id).where(
        *known, c.caller.in_(numbers), c.started_at >= lo - reach, c.started_at <= hi + reach)
    out: dict[str, list[Call]] = defaultdict(list)
    for r in await conn.execute(stmt):
        out[r.caller].append(Call(to_us(r.started_at), r.id, r.queue or "", r.call_id))
    return {caller: sorted(calls) for caller, calls in out.items()}


async def rows_between(conn: AsyncConnection, table: Any, column: str, lo: datetime, hi: datetime) -> list[Any]:
    stmt = select(table).where(table.c[column] >= lo, table.c[column] < hi)
    return [r._mapping for r in await conn.execute(stmt)]
