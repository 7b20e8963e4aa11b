"""`hotline supervise listen|whisper|barge|mode|stop|list`: live monitoring through the running
engine's control socket (docs/monitoring.md). The engine checks the supervisor's scope, rings his
phone (``interface`` in config/acd.yaml) and logs the session; `hotline monitor` is the wallboard."""

from __future__ import annotations

import argparse
from pathlib import Path

from cti.cli.remote import control

_START = {"listen": "listen to an agent's live call (nobody hears you)",
          "whisper": "talk to the agent only (the caller does not hear you)",
          "barge": "join the call: agent and caller both hear you"}


def register(sub: argparse._SubParsersAction) -> None:
    supervise = sub.add_parser("supervise", help="live monitoring: listen, whisper, barge in on an agent's call")
    actions = supervise.add_subparsers(required=True, metavar="ACTION")
    for action, text in _START.items():
        start = _common(actions.add_parser(action, help=text))
        start.add_argument("--agent", required=True, help="the agent whose call to monitor")
        start.set_defaults(func=_start, action=action)
    mode = _common(actions.add_parser("mode", help="switch the running session's mode (no redial)"))
    mode.add_argument("mode", choices=list(_START))
    mode.set_defaults(func=_mode)
    _common(actions.add_parser("stop", help="end the running session (hangs up your phone)")).set_defaults(
        func=_simple, action="stop")
    _common(actions.add_parser("list", help="agents you may monitor, and your session")).set_defaults(
        func=_list, action="list")


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--supervisor", required=True, help="your supervisor id (config/acd.yaml supervisors)")
    parser.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    parser.add_argument("--json", action="store_true")
    return parser


def _done(reply: dict | None, args: argparse.Namespace) -> int:
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json and reply.get("session"):
        s = reply["session"]
        print(f"session {s['session']}: {s['supervisor']} -> agent {s['agent']} (call {s['call']}), "
              f"{s['mode']}, {s['state']}")
    return 0


def _start(args: argparse.Namespace) -> int:
    return _done(control(args, {"cmd": f"supervise.{args.action}", "supervisor": args.supervisor,
                                "agent": args.agent, "via": "cli"}), args)


def _mode(args: argparse.Namespace) -> int:
    return _done(control(args, {"cmd": "supervise.mode", "supervisor": args.supervisor, "mode": args.mode,
                                "via": "cli"}), args)


def _simple(args: argparse.Namespace) -> int:
    return _done(control(args, {"cmd": f"supervise.{args.action}", "supervisor": args.supervisor, "via": "cli"}),
                 args)


def _list(args: argparse.Namespace) -> int:
    reply = control(args, {"cmd": "supervise.list", "supervisor": args.supervisor})
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json:
        for agent in reply["agents"]:
            on = f"on call {agent['call']} ({agent['queue']})" if agent["call"] else ""
            print(f"{agent['id']:<8} {agent['name']:<24} {agent['state']:<10} {on}")
        if reply.get("session"):
            s = reply["session"]
            print(f"monitoring agent {s['agent']} ({s['mode']}, {s['state']}), session {s['session']}")
    return 0
