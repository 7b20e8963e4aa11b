"""A small planning database: 28 days of one queue (`billing`) from the synthetic truth
(tests/support/synthetic_history.py, ~150 calls on an average weekday, closed Sundays), written as
queue_log visits (enqueue + answer or abandon, wait and talk on the row) for the CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert

from cti.store import create_schema, make_engine
from cti.store.schema import queue_log
from tests.support.synthetic_history import Truth, synthetic_history

TRUTH = Truth(base=150.0)
DAYS = 28
FIRST_FORECAST_DAY = TRUTH.start + timedelta(days=DAYS)


def visit_rows() -> list[dict]:
    rows, n = [], 0
    for day in synthetic_history(DAYS, TRUTH, seed=7).days:
        midnight = datetime.combine(day.day, time(0), UTC)
        for k, (offered, answered, handle) in enumerate(zip(day.offered, day.answered, day.handle_s)):
            for i in range(int(offered)):
                n += 1
                at = midnight + timedelta(minutes=15 * k, seconds=900 * i / offered)
                rows.append(_row(f"e{n}a", at, f"c{n}", "enqueue"))
                if i < answered:
                    rows.append(_row(f"e{n}b", at + timedelta(seconds=12), f"c{n}", "answer", wait_s=12.0,
                                     talk_s=handle / answered, agent_id="a1"))
                else:
                    rows.append(_row(f"e{n}b", at + timedelta(seconds=30), f"c{n}", "abandon", wait_s=30.0))
    return rows


def _row(event_id: str, at: datetime, call_id: str, event: str, **extra) -> dict:
    return dict(event_id=event_id, at=at, call_id=call_id, queue="billing", event=event, agent_id=None,
                priority=None, position=None, wait_s=None, talk_s=None, reason=None, data=None) | extra


async def write_planning_db(url: str) -> None:
    engine = make_engine(url)
    try:
        await create_schema(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(queue_log), visit_rows())
    finally:
        await engine.dispose()
