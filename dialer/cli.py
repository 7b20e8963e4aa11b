"""`hotline dialer ...`: campaign files, pacing simulation, leads, and control of running campaigns."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path



def register(sub: argparse._SubParsersAction) -> None:
    dialer = sub.add_parser("dialer", help="outbound campaigns: validate, simulate pacing")
    dialer_sub = dialer.add_subparsers(required=True, metavar="ACTION")
    dval = dialer_sub.add_parser("validate", help="check campaign files; every error as file:line:col")
    dval.add_argument("paths", nargs="+", type=Path)
    dval.set_defaults(func=_validate)
    dsim = dialer_sub.add_parser("simulate", help="compare preview, progressive and predictive pacing "
                                                  "in a discrete-event model")
    dsim.add_argument("campaign", nargs="?", metavar="CAMPAIGN",
                      help="campaign name or .yaml path (cap, AMD, priors); default: built-in defaults")
    dsim.add_argument("--campaigns-dir", type=Path, default=Path("config/campaigns"))
    dsim.add_argument("--agents", type=int, default=20)
    dsim.add_argument("--answer-rate", type=float, default=0.3)
    dsim.add_argument("--machine-share", type=float, default=0.25, help="share of answers that are machines")
    dsim.add_argument("--aht", type=float, default=180.0, help="mean talk time, seconds")
    dsim.add_argument("--wrapup", type=float, default=10.0, help="wrap-up seconds after each call")
    dsim.add_argument("--hours", type=float, default=8.0)
    dsim.add_argument("--seed", type=int, default=1)
    dsim.add_argument("--json", action="store_true", help="one JSON object keyed by mode")
    dsim.set_defaults(func=_simulate)
    imp = dialer_sub.add_parser("import", help="import leads from CSV (bad rows reported by line, good rows kept)")
    imp.add_argument("campaign", help="campaign name or .yaml path")
    imp.add_argument("csv", type=Path)
    imp.add_argument("--campaigns-dir", type=Path, default=Path("config/campaigns"))
    imp.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    imp.add_argument("--db", help="database URL (default: database.url of the config)")
    imp.set_defaults(func=_import)
    for action in ("start", "pause", "stop", "status"):
        ctl = dialer_sub.add_parser(action, help=f"{action} a campaign in the running engine")
        ctl.add_argument("campaign")
        ctl.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
        ctl.add_argument("--json", action="store_true")
        ctl.set_defaults(func=_control, action=action)


def _validate(args: argparse.Namespace) -> int:
    from cti.cli.main import check_files
    from dialer.campaign import load_campaign

    return check_files(args.paths, load_campaign, lambda c: f"campaign {c.name!r}, {c.mode}")


def _simulate(args: argparse.Namespace) -> int:
    import json

    from dialer.simulate import config_for, format_table, simulate

    config = config_for(args.campaign, args.campaigns_dir, agents=args.agents, answer_rate=args.answer_rate,
                        machine_share=args.machine_share, aht_s=args.aht, wrapup_s=args.wrapup,
                        hours=args.hours, seed=args.seed)
    results = simulate(config)
    if args.json:
        print(json.dumps({mode: r.summary() for mode, r in results.items()}))
    else:
        print(format_table(results, config))
    return 0


def _import(args: argparse.Namespace) -> int:
    from cti.app.config import load_config
    from cti.store import create_schema, make_engine
    from dialer.campaign import find_campaign
    from dialer.leads import parse_leads_csv
    from cti.store.leads import import_leads

    campaign = find_campaign(args.campaign, args.campaigns_dir)
    leads, errors = parse_leads_csv(args.csv.read_text(encoding="utf-8"), campaign.name, campaign.default_timezone)
    for error in errors:
        print(f"{args.csv}:{error}", file=sys.stderr)

    async def store() -> int:
        engine = make_engine(args.db or load_config(args.config).database.url)
        try:
            await create_schema(engine)
            return await import_leads(engine, leads)
        finally:
            await engine.dispose()

    added = asyncio.run(store())
    print(f"{campaign.name}: {added} new leads imported, {len(leads) - added} already present, "
          f"{len(errors)} rows rejected")
    return 1 if errors and not leads else 0


def _control(args: argparse.Namespace) -> int:
    from cti.cli.main import control

    reply = control(args, {"cmd": f"dialer.{args.action}", "campaign": args.campaign})
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json:
        print("  ".join(f"{k}={v}" for k, v in reply["campaign"].items()))
    return 0
