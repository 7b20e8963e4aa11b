"""`hotline rollup rebuild|status`: the interval rollups the reports read (cti/store/rollup).

`rebuild` recomputes them from the raw rows, one transaction per UTC day; with no --from/--to it
rebuilds every day holding data and marks the rollups complete (what a database needs once after
an upgrade from an engine without rollups, or after rows were loaded around the writer). It is
idempotent and safe beside a running engine (the engine's writer waits, or spools, per day).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hotline rollup`."""
    rollup = sub.add_parser("rollup", help="interval rollups that keep reports fast: rebuild, status")
    actions = rollup.add_subparsers(required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="recompute the rollups from the raw rows (whole UTC days)")
    rebuild.add_argument("--from", dest="start", metavar="ISO", help="first day (default: the first with data)")
    rebuild.add_argument("--to", dest="end", metavar="ISO", help="end, exclusive (default: after the last day)")
    status = actions.add_parser("status", help="are the rollups complete? which days do they hold?")
    for p in (rebuild, status):
        p.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
        p.add_argument("--db", help="database URL (default: database.url of the config)")
    rebuild.set_defaults(func=_rebuild)
    status.set_defaults(func=_status)


def _url(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    from cti.app.config import load_config

    return load_config(args.config).database.url


def _rebuild(args: argparse.Namespace) -> int:
    from cti.reports import parse_time

    try:
        start = parse_time(args.start) if args.start else None
        end = parse_time(args.end) if args.end else None
    except ValueError as exc:
        print(f"hotline rollup rebuild: {exc}", file=sys.stderr)
        return 2
    if start and end and end <= start:
        print("hotline rollup rebuild: --to must be after --from", file=sys.stderr)
        return 2
    return asyncio.run(_run_rebuild(_url(args), start, end))


async def _run_rebuild(url: str, start: datetime | None, end: datetime | None) -> int:
    from cti.store import create_schema, make_engine
    from cti.store.rollup.rebuild import rebuild

    engine = make_engine(url, command_timeout=3600.0)
    t0 = time.perf_counter()
    try:
        await create_schema(engine)
        done = await rebuild(engine, start, end,
                             progress=lambda day, rows: print(f"  {day:%Y-%m-%d} rebuilt ({rows} rollup rows so far)"))
    finally:
        await engine.dispose()
    whole = " and marked complete" if start is None and end is None else ""
    print(f"rebuilt {done.days} days ({done.rows} rollup rows){whole} in {time.perf_counter() - t0:.1f} s")
    return 0


def _status(args: argparse.Namespace) -> int:
    lines, code = asyncio.run(_run_status(_url(args)))
    print("\n".join(lines))
    return code


async def _run_status(url: str) -> tuple[list[str], int]:
    from cti.store import make_engine
    from cti.store.rollup.status import describe

    engine = make_engine(url)
    try:
        return await describe(engine)
    finally:
        await engine.dispose()
