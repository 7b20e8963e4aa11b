"""QA evaluations in the database: the call a reviewer scores, the evaluation row, the week's
calls to review (acd.qa_sample), and the evaluations a report reads.

The CLI writes an evaluation directly (one row, its own transaction), not through the record
writer: the reviewer must know it is stored before the command returns. Reads touch one ISO week
(or the report's period) through the indexes on `cdr.started_at` and the linked tables' call ids;
the week's answered calls are read a day at a time, never loaded whole (see acd.qa_sample for the draw).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from acd.qa_report import Evaluated
from acd.qa_sample import COMPLAINT, LOW_SURVEY, RANDOM, Pick, RandomSample, merge_reasons, ordered_reasons
from cti.store.case_schema import case_call
from cti.store.db import insert_ignore
from cti.store.quality_models import QaEvaluationRecord
from cti.store.quality_schema import qa_evaluation, recording, survey_answer
from cti.store.schema import cdr, queue_log

C, QA = cdr.c, qa_evaluation.c
CHUNK = 500  # ids per IN (...) list


async def tables(conn: AsyncConnection) -> set[str]:
    return await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))


async def call_of(engine: AsyncEngine, call_id: str) -> dict[str, Any] | None:
    """The CDR of a call (call_id, agent, queue, started_at, disposition), or None."""
    query = select(C.call_id, C.agent, C.queue, C.started_at, C.disposition).where(C.call_id == call_id)
    async with engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def save_evaluation(engine: AsyncEngine, record: QaEvaluationRecord) -> None:
    async with engine.begin() as conn:
        await insert_ignore(conn, qa_evaluation, [record.to_row()], "evaluation_id")


# ---------------------------------------------------------------- the week's sample


async def sample(engine: AsyncEngine, start: datetime, end: datetime, *, seed: str, per_agent: int,
                 complaint_codes: Collection[str] = ("complaint",), low_score: int = 2) -> list[Pick]:
    """The calls of [start, end) to review, by agent then start time, each with its reasons."""
    week = and_(C.started_at >= start, C.started_at < end, C.agent.is_not(None))
    async with engine.connect() as conn:
        present = await tables(conn)
        reasons: dict[str, set[str]] = {}
        draw = RandomSample(seed, per_agent)
        for day in range((end - start).days or 1):  # a day at a time: memory bounded by a day's calls
            since = start + timedelta(days=day)
            until = min(end, since + timedelta(days=1))
            for agent, call_id in await conn.execute(select(C.agent, C.call_id).where(
                    C.started_at >= since, C.started_at < until, C.agent.is_not(None))):
                draw.feed(agent, call_id)
        merge_reasons(reasons, RANDOM, [c for calls in draw.picked().values() for c in calls])
        merge_reasons(reasons, COMPLAINT, await _complaints(conn, week, present, list(complaint_codes)))
        low = await _low_surveys(conn, week, present, low_score)
        merge_reasons(reasons, LOW_SURVEY, set(low))
        return await _picks(conn, reasons, low, present)


async def _complaints(conn: AsyncConnection, week, present: set[str], codes: list[str]) -> set[str]:
    found = set(await _ids(conn, select(C.call_id).where(week, C.disposition.in_(codes))))
    if queue_log.name in present:  # the agent's disposition code (acd service: event 'disposition')
        q = queue_log.c
        found |= set(await _ids(conn, select(C.call_id).select_from(cdr.join(queue_log, q.call_id == C.call_id))
                                .where(week, q.event == "disposition", q.reason.in_(codes))))
    if case_call.name in present:
        k = case_call.c
        found |= set(await _ids(conn, select(C.call_id).select_from(cdr.join(case_call, k.call_id == C.call_id))
                                .where(week, k.role == "opened_on")))
    return found


async def _low_surveys(conn: AsyncConnection, week, present: set[str], low_score: int) -> dict[str, int]:
    if survey_answer.name not in present:
        return {}
    s = survey_answer.c  # no GROUP BY: it would make the planner walk all answers in call id order
    query = select(s.call_id, s.score).select_from(cdr.join(survey_answer, s.call_id == C.call_id)) \
        .where(week, s.status == "answered", s.score <= low_score)
    lowest: dict[str, int] = {}
    for call_id, score in await conn.execute(query):
        lowest[call_id] = min(score, lowest.get(call_id, score))
    return lowest


async def _picks(conn: AsyncConnection, reasons: dict[str, set[str]], low: dict[str, int],
                 present: set[str]) -> list[Pick]:
    ids = sorted(reasons)
    calls = {r.call_id: r for r in await _rows(conn, ids, lambda chunk: select(
        C.call_id, C.agent, C.queue, C.started_at, C.talk_s).where(C.call_id.in_(chunk)))}
    files: dict[str, list[str]] = {}
    if recording.name in present:
        r = recording.c
        for row in await _rows(conn, ids, lambda chunk: select(r.call_id, r.path).where(
                r.call_id.in_(chunk), r.status == "ok").order_by(r.call_id, r.part)):
            files.setdefault(row.call_id, []).append(row.path)
    evaluated = set()
    if qa_evaluation.name in present:
        evaluated = {row.call_id for row in await _rows(conn, ids, lambda chunk: select(QA.call_id).where(
            QA.call_id.in_(chunk)).distinct())}
    picks = [Pick(call_id=c.call_id, agent=c.agent, queue=c.queue, started_at=c.started_at, talk_s=c.talk_s,
                  reasons=ordered_reasons(reasons[c.call_id]), recordings=tuple(files.get(c.call_id, ())),
                  evaluated=c.call_id in evaluated, survey_score=low.get(c.call_id)) for c in calls.values()]
    return sorted(picks, key=lambda p: (p.agent, p.started_at, p.call_id))


async def _ids(conn: AsyncConnection, query) -> list[str]:
    return [row[0] for row in await conn.execute(query)]


async def _rows(conn: AsyncConnection, ids: Sequence[str], query_of) -> list[Any]:
    rows: list[Any] = []
    for i in range(0, len(ids), CHUNK):
        rows += (await conn.execute(query_of(ids[i:i + CHUNK]))).all()
    return rows


# ---------------------------------------------------------------- the report's rows


async def evaluations(engine: AsyncEngine, start: datetime | None, end: datetime | None) -> list[Evaluated]:
    """Every evaluation of a call started in [start, end) (None: unbounded), with the call's start."""
    async with engine.connect() as conn:
        return await evaluation_rows(conn, start, end)


async def evaluation_rows(conn: AsyncConnection, start: datetime | None, end: datetime | None) -> list[Evaluated]:
    if qa_evaluation.name not in await tables(conn):
        return []
    query = select(QA.id, QA.call_id, QA.reviewer, QA.agent, QA.queue, QA.at, QA.score, QA.auto_failed,
                   QA.sections, C.started_at).select_from(qa_evaluation.join(cdr, C.call_id == QA.call_id))
    if start is not None:
        query = query.where(C.started_at >= start)
    if end is not None:
        query = query.where(C.started_at < end)
    return [_evaluated(row) for row in await conn.execute(query)]


def _evaluated(row: Any) -> Evaluated:
    return Evaluated(id=row.id, call_id=row.call_id, reviewer=row.reviewer, agent=row.agent, queue=row.queue,
                     call_started_at=row.started_at, at=row.at, score=row.score, auto_failed=bool(row.auto_failed),
                     sections=json.loads(row.sections) if row.sections else {})
