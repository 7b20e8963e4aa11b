"""`hotline case open|list|show|take|assign|note|resolve|close|reopen|answer|escalations`: cases in the
running engine (through its control socket, so every change is logged, published and followed up
exactly as one made from a desk)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cti.cli.remote import control

_ACTS = {"take": "an agent takes the case", "assign": "hand the case to an agent or a level",
         "note": "add a note to the case's log", "resolve": "mark the case resolved",
         "close": "close a resolved case and book its follow-up call",
         "reopen": "reopen a resolved or closed case", "answer": "record the customer's follow-up score"}


def register(sub: argparse._SubParsersAction) -> None:
    case = sub.add_parser("case", help="complaint cases: open, work, escalate, close, follow up")
    actions = case.add_subparsers(required=True, metavar="ACTION")
    opened = _common(actions.add_parser("open", help="register a case"))
    opened.add_argument("--category", required=True)
    opened.add_argument("--customer", required=True, help="the customer's number")
    opened.add_argument("--type", default="complaint")
    opened.add_argument("--priority")
    opened.add_argument("--name", default="", help="the customer's name")
    opened.add_argument("--description", default="")
    opened.add_argument("--call", help="the call the case was raised on")
    opened.set_defaults(func=_open)
    listed = _common(actions.add_parser("list", help="cases, newest first"))
    listed.add_argument("--state")
    listed.add_argument("--customer")
    listed.set_defaults(func=_list)
    shown = _common(actions.add_parser("show", help="a case and its log"))
    shown.add_argument("case")
    shown.set_defaults(func=_show)
    _common(actions.add_parser("escalations", help="working cases by time left to their deadlines")) \
        .set_defaults(func=_escalations)
    for action, text in _ACTS.items():
        act = _common(actions.add_parser(action, help=text))
        act.add_argument("case")
        act.add_argument("--agent")
        act.add_argument("--level", type=int)
        act.add_argument("--text", default="", help="note, resolution or the customer's answer")
        act.add_argument("--score", type=int)
        act.set_defaults(func=_act, action=action)


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    parser.add_argument("--by", default="cli", help="who does it (an agent id, or cli)")
    parser.add_argument("--json", action="store_true")
    return parser


def _send(args: argparse.Namespace, payload: dict[str, Any]) -> dict | None:
    reply = control(args, {k: v for k, v in payload.items() if v is not None})
    return reply if reply and reply.get("ok") else None


def _open(args: argparse.Namespace) -> int:
    reply = _send(args, {"cmd": "case.open", "category": args.category, "customer": args.customer,
                         "type": args.type, "priority": args.priority, "customer_name": args.name,
                         "description": args.description, "by": args.by, "call": args.call})
    return _print_case(args, reply)


def _act(args: argparse.Namespace) -> int:
    reply = _send(args, {"cmd": f"case.{args.action}", "case": args.case, "by": args.by, "agent": args.agent,
                         "level": args.level, "text": args.text, "score": args.score})
    return _print_case(args, reply)


def _print_case(args: argparse.Namespace, reply: dict | None) -> int:
    if reply is None:
        return 1
    if not args.json:
        print(_line(reply["case"]))
    return 0


def _list(args: argparse.Namespace) -> int:
    reply = _send(args, {"cmd": "case.list", "state": args.state, "customer": args.customer})
    if reply is None:
        return 1
    if not args.json:
        for case in reply["cases"]:
            print(_line(case))
    return 0


def _show(args: argparse.Namespace) -> int:
    reply = _send(args, {"cmd": "case.show", "case": args.case})
    if reply is None:
        return 1
    if not args.json:
        case = reply["case"]
        print(_line(case))
        print(f"  customer {case['customer']} {case['customer_name']}  owner {case['owner']}  "
              f"response due {case['response_due']}  resolution due {case['resolution_due']}")
        for entry in reply["log"]:
            move = f" {entry['from']} -> {entry['to']}" if entry["to"] else ""
            print(f"  {entry['at']}  {entry['kind']:<17} {entry['by']:<10}{move}  {entry['detail'] or ''}")
    return 0


def _escalations(args: argparse.Namespace) -> int:
    reply = _send(args, {"cmd": "case.escalations"})
    if reply is None:
        return 1
    if not args.json:
        for case in reply["cases"]:
            left = ", ".join(f"{k} {v:+.0f} min" for k, v in case["left_min"].items())
            print(f"{_line(case)}  [{left}]{'  ' + ','.join(case['alarms']) if case['alarms'] else ''}")
    return 0


def _line(case: dict[str, Any]) -> str:
    return (f"{case['case']}  {case['state']:<11} L{case['level']} {case['owner']:<20} {case['category']:<10} "
            f"{case['priority']:<7} {case['customer']:<12} {case['summary']}")
