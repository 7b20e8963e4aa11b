"""`hotline recordings list|purge`: the call recordings on file (docs/recordings.md).

`purge` deletes the files of recordings older than the retention (recordings.retention_days, or
--older-than) and marks their rows `purged`: the row stays, so the CDR still says a recording
existed and when it went. Only paths of the engine's own layout (YYYY/MM/DD/<call id>.wav under
the recordings directory) are ever deleted; a row pointing anywhere else is reported and kept.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common.recording import StoredRecording, UnsafeRecordingName, safe_relative, to_purge

COLUMNS = ("started_at", "call_id", "agent", "queue", "duration_s", "paused_s", "size_bytes", "status", "path")


def register(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser("recordings", help="call recordings: list, purge (retention)")
    actions = rec.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="recordings, newest last")
    listing.add_argument("--call", help="one call's recordings (its call id, as in `hotline cdr`)")
    listing.add_argument("--agent", help="recordings of calls this agent took")
    listing.add_argument("--since", metavar="ISO", help="started at or after (e.g. 2026-12-01 or 2026-12-01T08:00+08:00)")
    listing.add_argument("--last", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=_list)
    purge_ = actions.add_parser("purge", help="delete recordings older than the retention; rows become purged")
    purge_.add_argument("--older-than", type=float, metavar="DAYS", help="default: recordings.retention_days")
    purge_.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    purge_.set_defaults(func=_purge)
    for p in (listing, purge_):
        p.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
        p.add_argument("--db", help="database URL (default: database.url of the config)")


def _list(args: argparse.Namespace) -> int:
    from cti.app.config import load_config
    from cti.reports import parse_time

    config = load_config(args.config)
    try:
        since = parse_time(args.since) if args.since else None
    except ValueError as exc:
        print(f"hotline recordings list: {exc}", file=sys.stderr)
        return 2
    lines = asyncio.run(_listing(args.db or config.database.url, args.call, args.agent, since, args.last, args.json))
    for line in lines:
        print(line)
    return 0


async def _listing(url: str, call: str | None, agent: str | None, since: datetime | None, last: int,
                   as_json: bool) -> list[str]:
    from cti.store import create_schema, make_engine
    from cti.store.recordings import fetch_recordings

    engine = make_engine(url)
    try:
        await create_schema(engine)  # a database from before recordings gets its (empty) table
        rows = (await fetch_recordings(engine, call_id=call, agent=agent, since=since))[-last:]
    finally:
        await engine.dispose()
    if as_json:
        return [r.to_json() for r in rows]
    table = [COLUMNS] + [tuple(_cell(getattr(r, c)) for c in COLUMNS) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in table]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


@dataclass
class PurgeReport:
    deleted: list[str] = field(default_factory=list)  # paths, relative to the recordings directory
    gone: list[str] = field(default_factory=list)  # rows whose file was already gone (marked purged too)
    refused: list[str] = field(default_factory=list)  # rows whose path is not ours, or that could not go

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would delete" if dry_run else "deleted"
        out = [f"{verb} {p}" for p in self.deleted] + [f"already gone: {p}" for p in self.gone]
        out += [f"kept: {p}" for p in self.refused]
        out.append(f"{len(self.deleted)} recording(s) {verb}, {len(self.gone)} already gone, "
                   f"{len(self.refused)} kept")
        return out


async def purge(engine, root: Path, cutoff: datetime, *, dry_run: bool = False) -> PurgeReport:
    """Delete the files of recordings started before `cutoff` and mark their rows purged."""
    from cti.store.recordings import fetch_recordings, mark_purged

    rows = await fetch_recordings(engine, before=cutoff)
    report, done = PurgeReport(), []
    for row in to_purge((StoredRecording(r.recording_id, r.path, r.started_at, r.status) for r in rows), cutoff):
        try:
            path = root / safe_relative(row.path)
        except UnsafeRecordingName as exc:
            report.refused.append(f"{row.path} ({exc})")
            continue
        if not path.exists():
            report.gone.append(row.path)
        elif not dry_run:
            try:
                path.unlink()
            except OSError as exc:
                report.refused.append(f"{row.path} ({exc.strerror})")
                continue
            report.deleted.append(row.path)
        else:
            report.deleted.append(row.path)
        done.append(row.recording_id)
    if not dry_run:
        await mark_purged(engine, done)
    return report


def _purge(args: argparse.Namespace) -> int:
    from cti.app.config import load_config

    config = load_config(args.config)
    days = args.older_than if args.older_than is not None else config.recordings.retention_days
    if days < 0:
        print("hotline recordings purge: --older-than must be 0 or more days", file=sys.stderr)
        return 2
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    report = asyncio.run(_run_purge(args.db or config.database.url, config.recordings.engine_dir(), cutoff,
                                    args.dry_run))
    for line in report.lines(args.dry_run):
        print(line)
    return 0 if not report.refused else 1


async def _run_purge(url: str, root: Path, cutoff: datetime, dry_run: bool) -> PurgeReport:
    from cti.store import create_schema, make_engine

    engine = make_engine(url)
    try:
        await create_schema(engine)
        return await purge(engine, root, cutoff, dry_run=dry_run)
    finally:
        await engine.dispose()
