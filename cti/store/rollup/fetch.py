"""The raw rows a batch's deltas need, fetched in a few set-wide statements per batch.

Each function reads the *windows* of the pure modules' theories of operation: all rows of the
touched visits (by call_id), each touched agent's state rows between P and S with the answers
that label them, each touched number's calls within REACH. The per-agent parameters go in as a
`WITH … AS (VALUES …)` table, and the bounds are correlated scalar subqueries on it (index seeks
on agent_state_log (agent_id, at) and queue_log (agent_id, event, at)): three statements per
batch, whatever the number of agents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, case, column, func, literal, select, values
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement, Select

from cti.store.rollup.buckets import from_us, to_us
from cti.store.rollup.callers import Call
from cti.store.rollup.timeline import Answer, StateRow, WindowNeed
from cti.store.rollup.visits import CallTalk, QueueRow
from cti.store.schema import UtcDateTime, agent_state_log, cdr, queue_log

AGENTS_PER_STATEMENT = 500
KEYS_PER_STATEMENT = 2000
log, q = agent_state_log.c, queue_log.c

Window = tuple[list[StateRow], list[Answer]]


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
PAST, FUTURE = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)  # open bounds


def _given(name: str, columns: Sequence[tuple[str, Any]], data: Sequence[tuple[Any, ...]]) -> Any:
    """The per-agent parameters as a CTE (`WITH name(cols) AS (VALUES …)`): one statement for all agents.
    No NULLs in it: PostgreSQL would type an all-NULL column as text."""
    return values(*(column(n, t) for n, t in columns), name=name).data(list(data)).cte(name)


def _bounds(needs: Sequence[tuple[str, datetime, datetime, datetime, int]]) -> Select[Any]:
    """(agent, P, S) per agent: cti/store/rollup/timeline.py::bounds, in SQL. `needs`: (agent, lo,
    last new row or PAST, last new answer or PAST, whether there are new answers)."""
    need = _given("need", (("agent_id", String), ("lo", UtcDateTime), ("last_row", UtcDateTime),
                           ("last_answer", UtcDateTime), ("answers", Integer)), needs)
    p = select(func.max(log.at)).where(log.agent_id == need.c.agent_id, log.at < need.c.lo)
    later = select(func.min(q.at)).where(q.agent_id == need.c.agent_id, q.event == "answer",
                                         q.at > need.c.last_answer).correlate(need).scalar_subquery()  # 2 levels up
    # with new answers and no later old answer, `floor` is NULL: no row qualifies and S is open
    floor = case((need.c.answers == 0, literal(PAST, UtcDateTime)), else_=later)
    s = select(func.min(log.at)).where(log.agent_id == need.c.agent_id, log.at > need.c.last_row, log.at >= floor)
    return select(need.c.agent_id, p.scalar_subquery().label("p"), s.scalar_subquery().label("s"))


def _rows(windows: Sequence[tuple[str, datetime, datetime]]) -> Select[Any]:
    """The rows of each (agent, P or PAST, S or FUTURE)."""
    win = _given("win", (("agent_id", String), ("p", UtcDateTime), ("s", UtcDateTime)), windows)
    return (select(log.agent_id, log.at, log.id, log.event, log.to_state, log.reason, log.event_id)
            .join_from(agent_state_log, win, and_(log.agent_id == win.c.agent_id, log.at >= win.c.p,
                                                  log.at <= win.c.s)))


def _answers(firsts: Sequence[tuple[str, datetime, datetime, datetime]]) -> Select[Any]:
    """Per (agent, first window row, lo, S or FUTURE), the answers from A0 to S: A0, the latest answer
    before both the window's first row and the batch's earliest new row (an old answer: the labels
    before the batch need it too), or all."""
    f = _given("first_row", (("agent_id", String), ("first", UtcDateTime), ("lo", UtcDateTime),
                             ("s", UtcDateTime)), firsts)
    q2 = queue_log.alias("earlier_answer")
    a0 = select(func.max(q2.c.at)).where(q2.c.agent_id == f.c.agent_id, q2.c.event == "answer",
                                         q2.c.at <= f.c.first, q2.c.at < f.c.lo).scalar_subquery()
    return (select(q.agent_id, q.at, q.id, q.queue, q.event_id)
            .join_from(queue_log, f, and_(q.agent_id == f.c.agent_id, q.event == "answer",
                                          q.at >= func.coalesce(a0, literal(PAST, UtcDateTime)), q.at <= f.c.s)))


async def _each(conn: AsyncConnection, data: Sequence[Any], build: Any) -> list[Any]:
    rows: list[Any] = []
    for chunk in _chunks(data, AGENTS_PER_STATEMENT):
        rows += (await conn.execute(build(chunk))).all()
    return rows


def _at_or(t_us: int | None, default: datetime) -> datetime:
    return default if t_us is None else from_us(t_us)


async def agent_windows(conn: AsyncConnection, needs: Mapping[str, WindowNeed]) -> dict[str, Window]:
    """Each agent's window rows and the answers that label them, both sorted by (at, id)."""
    given = [(a, from_us(n.lo_us), _at_or(n.last_row_us, PAST), _at_or(n.last_answer_us, PAST),
              int(n.last_answer_us is not None)) for a, n in needs.items()]
    bounds = {r.agent_id: (r.p, r.s) for r in await _each(conn, given, _bounds)}
    by_agent: dict[str, list[StateRow]] = defaultdict(list)
    for r in await _each(conn, [(a, p or PAST, s or FUTURE) for a, (p, s) in bounds.items()], _rows):
        by_agent[r.agent_id].append(StateRow(to_us(r.at), r.id, r.event, r.to_state, r.reason, r.event_id))
    firsts = [(a, bounds[a][0] or from_us(min(r.at_us for r in rows)), from_us(needs[a].lo_us),
               bounds[a][1] or FUTURE) for a, rows in by_agent.items()]
    answers: dict[str, list[Answer]] = defaultdict(list)
    for r in await _each(conn, firsts, _answers):
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
