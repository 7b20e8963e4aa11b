"""CLI subcommands of this feature; `cti.cli.main` calls `register` once.

`hotline report`: KPIs from the database (see `cti.reports.kpis` for the definitions), read from the
interval rollups when they can answer (cti/reports/plan.py), else from the raw rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

FORMATS = ("table", "csv", "json", "png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hotline report`."""
    rep = sub.add_parser("report", help="queue, agent, interval, FCR, IVR and dialer KPIs from the database",
                         description="Service level, ASA, AHT, abandonment (short abandons excluded from SL and "
                                     "abandonment rate), occupancy/utilisation, volume per interval, first-call "
                                     "resolution, IVR containment and dialer rates over [--from, --to).")
    rep.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    rep.add_argument("--db", help="database URL (default: database.url of the config)")
    rep.add_argument("--from", dest="start", metavar="ISO", help="period start, inclusive (naive = UTC)")
    rep.add_argument("--to", dest="end", metavar="ISO", help="period end, exclusive (naive = UTC)")
    rep.add_argument("--queue", help="only this queue (queues, intervals, FCR)")
    rep.add_argument("--agent", help="only this agent (agents section)")
    rep.add_argument("--interval", type=int, choices=(15, 30, 60), default=30, help="minutes per interval")
    rep.add_argument("--sl-seconds", type=float, default=20.0, help="service level threshold (default 20)")
    rep.add_argument("--short-abandon-s", type=float, default=5.0,
                     help="abandons within this many seconds are short abandons (default 5)")
    rep.add_argument("--raw", action="store_true",
                     help="read the raw rows, not the interval rollups (slower; the figures are the same)")
    rep.add_argument("--format", choices=FORMATS, default="table")
    rep.add_argument("-o", "--output", type=Path, help="write to FILE (required for png)")
    rep.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from cti.reports import ReportOptions, parse_time

    if args.format == "png" and args.output is None:
        print("hotline report: --format png needs -o FILE.png", file=sys.stderr)
        return 2
    try:
        opts = ReportOptions(
            start=parse_time(args.start) if args.start else None, end=parse_time(args.end) if args.end else None,
            queue=args.queue, agent=args.agent, interval_min=args.interval, sl_seconds=args.sl_seconds,
            short_abandon_s=args.short_abandon_s)
    except ValueError as exc:
        print(f"hotline report: {exc}", file=sys.stderr)
        return 2
    url = _url(args)
    report = asyncio.run(_build(url, opts, "raw" if args.raw else "auto"))
    if report is None:
        print(f"hotline report: {url} has no cdr/queue_log/agent_state_log tables; "
              "point --db at the engine's database (or run the engine once to create them)", file=sys.stderr)
        return 2
    return _emit(report, args.format, args.output)


def _url(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    from cti.app.config import load_config

    return load_config(args.config).database.url


async def _build(url: str, opts, source: str):
    from cti.reports import build_report
    from cti.reports.indexes import ensure_report_indexes, has_store_tables
    from cti.store import make_engine

    engine = make_engine(url, command_timeout=600.0)
    try:
        if not await has_store_tables(engine):
            return None
        await ensure_report_indexes(engine)
        return await build_report(engine, opts, source)
    finally:
        await engine.dispose()


def _emit(report, fmt: str, output: Path | None) -> int:
    from cti.reports import render

    if fmt == "png":
        from cti.reports.chart import MissingChartLibrary, write_png

        try:
            write_png(report, output)
        except MissingChartLibrary as exc:
            print(f"hotline report: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {output}")
        return 0
    text = {"table": render.to_table, "csv": render.to_csv, "json": render.to_json}[fmt](report)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return 0
