"""`hotline forecast` and `hotline staffing`: next days' calls and the agents they need.

Both read the history through `cti.reports.history.interval_history` (the interval rollups when
they can answer, else raw rows; `--raw` forces raw rows), forecast with
`acd.forecast` (docs/forecasting.md); `staffing` then applies each queue's service-level target
from acd.yaml through `acd.staffing`, and compares with a shift file when given one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FORMATS = ("table", "csv", "json", "png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hotline forecast` and `hotline staffing`."""
    fc = sub.add_parser("forecast", help="calls and AHT per 15 min for the coming days, with its accuracy",
                        description="Forecast calls and AHT per 15-minute interval from the history (Holt-Winters on "
                                    "daily totals x weekday intraday profile), and its error on the last week "
                                    "held out (WAPE).")
    _common(fc)
    fc.set_defaults(func=_forecast)
    st = sub.add_parser("staffing", help="agents needed per 15 min for each queue's service level",
                        description="Agents to schedule per 15-minute interval of the forecast: Erlang C or A for "
                                    "the queue's service level (acd.yaml), occupancy cap, shrinkage; scheduled vs "
                                    "needed with --shifts.")
    _common(st)
    st.add_argument("--shifts", type=Path, help="shift file (e.g. config/shifts.yaml) to compare with")
    st.add_argument("--shrinkage", type=float, default=0.30, help="share of paid time off the phones (default 0.30)")
    st.add_argument("--max-occupancy", type=float, default=0.85, help="occupancy cap (default 0.85)")
    st.add_argument("--model", choices=("erlang_c", "erlang_a"), default="erlang_c",
                    help="erlang_a uses the callers' patience measured from the history")
    st.set_defaults(func=_staffing)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    p.add_argument("--db", help="database URL (default: database.url of the config)")
    p.add_argument("--acd", type=Path, help="acd.yaml for the queues' service levels (default: acd.config)")
    p.add_argument("--queue", help="only this queue")
    p.add_argument("--days", type=int, default=7, help="days to forecast (default 7)")
    p.add_argument("--history", type=int, default=56, metavar="DAYS", help="days of history to learn from (default 56)")
    p.add_argument("--from", dest="start", metavar="DATE", help="first day of history (instead of --history)")
    p.add_argument("--to", dest="end", metavar="DATE", help="first forecast day; history ends the day before "
                                                            "(default: today)")
    p.add_argument("--tz", default="UTC", help="time zone of the centre's days and intervals (default UTC)")
    p.add_argument("--method", choices=("holt_winters", "seasonal_average"), default="holt_winters")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-o", "--out", type=Path, help="write to FILE (required for png)")
    p.add_argument("--raw", action="store_true", help="read the history from the raw rows, not the interval "
                   "rollups (slower; wrap-up goes to its call's interval, docs/forecasting.md)")


class Refused(Exception):
    """A problem the operator can fix from the message (exit 2)."""


def _forecast(args: argparse.Namespace) -> int:
    return _guard(args, "forecast", _run_forecast)


def _staffing(args: argparse.Namespace) -> int:
    return _guard(args, "staffing", _run_staffing)


def _guard(args: argparse.Namespace, name: str, run) -> int:
    from acd.forecast import HistoryTooShort

    try:
        if args.format == "png" and args.out is None:
            raise Refused("--format png needs -o FILE.png")
        return run(args)
    except (Refused, HistoryTooShort, ValueError) as exc:
        print(f"hotline {name}: {exc}", file=sys.stderr)
        return 2


def _window(args: argparse.Namespace) -> tuple[date, date, ZoneInfo]:
    try:
        tz = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(f"unknown time zone {args.tz!r}; use an IANA name such as Europe/Paris or UTC") from None
    end = _day(args.end) if args.end else datetime.now(tz).date()
    first = _day(args.start) if args.start else end - timedelta(days=args.history)
    if first >= end:
        raise Refused(f"--from {first} must be before the first forecast day {end}")
    if args.days < 1:
        raise Refused("--days must be at least 1")
    return first, end, tz


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Refused(f"{text!r} is not a date; write e.g. 2026-03-02") from None


def _plans(args: argparse.Namespace, need_holdout: bool):
    from cti.reports.planning import plan

    first, end, tz = _window(args)
    histories = asyncio.run(_load(_url(args), first, end, tz, args.queue, "raw" if args.raw else "auto"))
    if not histories:
        where = f"queue {args.queue}" if args.queue else "any queue"
        raise Refused(f"no queued calls for {where} between {first} and {end}; check --db, --queue and --from/--to")
    return [plan(h, args.days, args.method, need_holdout) for h in histories]


async def _load(url: str, first: date, end: date, tz: ZoneInfo, queue: str | None, source: str):
    from cti.reports.indexes import ensure_report_indexes, has_store_tables
    from cti.reports.planning import load_histories
    from cti.store import make_engine

    engine = make_engine(url, command_timeout=600.0)
    try:
        if not await has_store_tables(engine):
            raise Refused(f"{url} has no cdr/queue_log/agent_state_log tables; point --db at the engine's database")
        await ensure_report_indexes(engine)
        return await load_histories(engine, first, end, tz, queue, source)
    finally:
        await engine.dispose()


def _url(args: argparse.Namespace) -> str:
    if args.db:
        return args.db
    from cti.app.config import load_config

    return load_config(args.config).database.url


def _run_forecast(args: argparse.Namespace) -> int:
    from cti.reports import planning_render as render

    plans = _plans(args, need_holdout=True)
    if args.format == "png":
        from cti.reports.planning_chart import forecast_png

        return _png(forecast_png, args.out, plans)
    text = {"table": render.forecast_table, "json": render.forecast_json,
            "csv": lambda ps: render.to_csv(render.forecast_records(ps))}[args.format](plans)
    return _write(text, args.out)


def _run_staffing(args: argparse.Namespace) -> int:
    from cti.cli.planning_targets import queue_targets, shifts_for
    from cti.reports import planning_render as render
    from cti.reports.planning import staffing_rows

    plans = _plans(args, need_holdout=False)
    targets = queue_targets(args, plans)
    shifts = shifts_for(args)
    rows = {p.queue: staffing_rows(p, targets[p.queue], shifts) for p in plans}
    if args.format == "png":
        from cti.reports.planning_chart import staffing_png

        return _png(staffing_png, args.out, plans, rows)
    if args.format == "table":
        described = {q: _describe(t) for q, t in targets.items()}
        return _write(render.staffing_table(plans, rows, described), args.out)
    records = [r for p in plans for r in render.staffing_records(rows[p.queue])]
    if args.format == "csv":
        return _write(render.to_csv(records), args.out)
    import json

    summary = [render.staffing_summary(p.queue, rows[p.queue]) | {"target": _describe(targets[p.queue])}
               for p in plans]
    return _write(json.dumps({"queues": summary, "intervals": records}, indent=1), args.out)


def _describe(t) -> str:
    model = "Erlang C" if t.model == "erlang_c" or t.patience_s is None else f"Erlang A (patience {t.patience_s:.0f} s)"
    return (f"{t.sl_percent:g}% in {t.sl_seconds:g} s, {model}, shrinkage {t.shrinkage:.0%}, "
            f"max occupancy {t.max_occupancy:.0%}")


def _png(draw, out: Path, *data) -> int:
    from cti.reports.chart import MissingChartLibrary

    try:
        draw(out, *data)
    except MissingChartLibrary as exc:
        raise Refused(str(exc)) from None
    print(f"wrote {out}")
    return 0


def _write(text: str, out: Path | None) -> int:
    text = text if text.endswith("\n") else text + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    return 0
