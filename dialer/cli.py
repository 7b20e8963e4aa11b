"""`hotline dialer validate|simulate`: campaign files and pacing simulation, offline.

The commands that reach a database or the running engine (import, start, pause, stop, status)
are added by `cti.cli.dialer`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Add `dialer validate|simulate`; returns the `dialer` actions so the engine's CLI adds its own."""
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
    dsim.add_argument("--talk-shape", type=float, default=1.0,
                      help="gamma shape of talk time (1: exponential; 4: half the spread)")
    dsim.add_argument("--wrapup", type=float, default=10.0, help="wrap-up seconds after each call")
    dsim.add_argument("--hours", type=float, default=8.0, help="length of one campaign day")
    dsim.add_argument("--days", type=int, default=1,
                      help="campaign days; the abandon cap applies to each day (reported per day)")
    dsim.add_argument("--seed", type=int, default=1)
    dsim.add_argument("--json", action="store_true", help="one JSON object keyed by mode")
    dsim.set_defaults(func=_simulate)
    return dialer_sub


def _validate(args: argparse.Namespace) -> int:
    from common.validate import check_files
    from dialer.campaign import load_campaign

    return check_files(args.paths, load_campaign, lambda c: f"campaign {c.name!r}, " + (
        f"automated survey {c.survey!r}, {c.survey_lines} lines" if c.survey else c.mode))


def _simulate(args: argparse.Namespace) -> int:
    import json

    from dataclasses import asdict

    from dialer.simresults import format_table, to_json
    from dialer.simulate import config_for, describe, simulate

    config = config_for(args.campaign, args.campaigns_dir, agents=args.agents, answer_rate=args.answer_rate,
                        machine_share=args.machine_share, aht_s=args.aht, talk_shape=args.talk_shape,
                        wrapup_s=args.wrapup,
                        hours=args.hours, days=args.days, seed=args.seed)
    results = simulate(config)
    if args.json:
        print(json.dumps(to_json(results, asdict(config))))
    else:
        print(format_table(results, describe(config)))
    return 0

