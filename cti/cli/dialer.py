"""`hotline dialer import|start|pause|stop|status`: leads into the database, campaigns in the running engine.

Added to the `dialer` command that `dialer.cli` (the offline tools) creates.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from cti.cli.remote import control


def register(dialer_sub: argparse._SubParsersAction) -> None:
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

    reply = control(args, {"cmd": f"dialer.{args.action}", "campaign": args.campaign})
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json:
        print("  ".join(f"{k}={v}" for k, v in reply["campaign"].items()))
    return 0
