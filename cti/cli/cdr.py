"""`hotline cdr`: the latest call records, for an operator checking that calls are recorded."""

from __future__ import annotations

from sqlalchemy import select

from cti.store import CdrRecord, cdr, make_engine

COLUMNS = ("started_at", "caller", "dialed", "ivr_path", "exit_node", "disposition", "duration_s", "hangup_cause")


async def latest(url: str, count: int) -> list[CdrRecord]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(cdr).order_by(cdr.c.started_at.desc(), cdr.c.id.desc()).limit(count))
            return [CdrRecord.from_row(r) for r in rows][::-1]
    finally:
        await engine.dispose()


async def show_latest(url: str, count: int, *, as_json: bool = False) -> list[str]:
    records = await latest(url, count)
    if as_json:
        return [r.to_json() for r in records]
    table = [COLUMNS] + [tuple(_cell(getattr(r, c)) for c in COLUMNS) for r in records]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")  # type: ignore[union-attr]
    return str(value)
