"""`hotline cdr`: the latest call records, for an operator checking that calls are recorded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from cti.store import CdrRecord, cdr, make_engine
from cti.store.quality_schema import recording

COLUMNS = ("started_at", "caller", "dialed", "ivr_path", "exit_node", "disposition", "duration_s", "hangup_cause",
           "recording")


async def latest(url: str, count: int) -> tuple[list[CdrRecord], dict[str, str]]:
    """The latest CDRs, and each recorded call's recording status (`hotline recordings list` has more)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(cdr).order_by(cdr.c.started_at.desc(), cdr.c.id.desc()).limit(count))
            records = [CdrRecord.from_row(r) for r in rows][::-1]
            return records, await _recordings(conn, [r.call_id for r in records])
    finally:
        await engine.dispose()


async def _recordings(conn, call_ids: list[str]) -> dict[str, str]:
    try:
        rows = await conn.execute(select(recording.c.call_id, recording.c.status)
                                  .where(recording.c.call_id.in_(call_ids)).order_by(recording.c.part))
    except (OperationalError, ProgrammingError):  # a database from before recordings: no table yet
        return {}
    found: dict[str, str] = {}
    for call_id, status in rows:
        found[call_id] = f"{found[call_id]},{status}" if call_id in found else status
    return found


async def show_latest(url: str, count: int, *, as_json: bool = False) -> list[str]:
    records, recorded = await latest(url, count)
    if as_json:
        return [r.to_json() for r in records]
    table = [COLUMNS] + [tuple(_cell(recorded.get(r.call_id) if c == "recording" else getattr(r, c))
                               for c in COLUMNS) for r in records]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")  # type: ignore[union-attr]
    return str(value)
