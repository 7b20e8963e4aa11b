"""`hotline` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from common.yamlconf import ConfigError
from cti.cli.remote import control


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="Call-centre engine beside Asterisk")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the engine")
    run.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    run.add_argument("--db", help="database URL (overrides database.url)")
    run.set_defaults(func=_run)

    sandbox = sub.add_parser("sandbox", help="local Asterisk 22 for demos and tests")
    sandbox.add_argument("action", choices=["up", "down", "status", "restart"])
    sandbox.add_argument("--nodes", type=int, default=1, choices=[1, 2],
                         help="up/restart: also run node B (pbx-b on 127.0.0.3) for multi-node tests (docs/nodes.md)")
    sandbox.set_defaults(func=_sandbox)

    agents = sub.add_parser("agents", help="agent control of the running engine")
    agents.add_argument("action", choices=["login", "logout", "ready", "pause", "end-wrapup", "list"])
    agents.add_argument("agent", nargs="?", help="agent id (all actions but list)")
    agents.add_argument("--reason", default="", help="pause reason (e.g. lunch, training)")
    agents.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    agents.add_argument("--json", action="store_true")
    agents.set_defaults(func=_agents)

    queues = sub.add_parser("queues", help="live queue statistics of the running engine")
    queues.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    queues.add_argument("--json", action="store_true")
    queues.set_defaults(func=_queues)

    cdr = sub.add_parser("cdr", help="show the latest call detail records")
    cdr.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    cdr.add_argument("--db", help="database URL (default: database.url of the config)")
    cdr.add_argument("--last", type=int, default=20)
    cdr.add_argument("--json", action="store_true", help="one JSON object per line")
    cdr.set_defaults(func=_cdr)

    ast = sub.add_parser("asterisk", help="check an Asterisk installation against the engine's needs")
    ast_sub = ast.add_subparsers(required=True, metavar="ACTION")
    chk = ast_sub.add_parser("check", help="read manager.conf and extensions.conf and report")
    chk.add_argument("--etc", type=Path, default=None,
                     help="Asterisk config folder (default: /etc/asterisk, or the sandbox's when there is none)")
    chk.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))
    chk.set_defaults(func=_asterisk_check)

    _features(sub)
    return p


def _features(sub: argparse._SubParsersAction) -> None:
    """Each feature's offline tools live beside it (ivr/cli.py, acd/cli.py, dialer/cli.py) and import no
    engine code; the commands that need the engine, its database or broker live here in cti/cli/."""
    from acd import cli as acd_cli
    from cti.cli import cases as cases_cli
    from cti.cli import dialer as dialer_engine_cli
    from cti.cli import ha as ha_cli
    from cti.cli import monitor as monitor_cli
    from cti.cli import mqtt as mqtt_cli
    from cti.cli import planning as planning_cli
    from cti.cli import qa as qa_cli
    from cti.cli import recordings as recordings_cli
    from cti.cli import report as report_cli
    from cti.cli import web as web_cli
    from cti.cli import rollup as rollup_cli
    from cti.cli import supervise as supervise_cli
    from dialer import cli as dialer_cli
    from ivr import cli as ivr_cli

    ivr_cli.register(sub, queue_names=_acd_queue_names, survey_refs=_acd_survey_issues)
    acd_cli.register(sub)
    report_cli.register(sub)
    planning_cli.register(sub)
    rollup_cli.register(sub)
    mqtt_cli.register(sub)
    dialer_engine_cli.register(dialer_cli.register(sub))
    monitor_cli.register(sub)
    cases_cli.register(sub)
    web_cli.register(sub)
    qa_cli.register(sub)
    recordings_cli.register(sub)
    supervise_cli.register(sub)
    ha_cli.register(sub)


def _acd_queue_names(path: Path) -> list[str]:
    from acd.config import load_acd

    return list(load_acd(path)[0])


def _acd_survey_issues(path: Path, flows) -> list:
    from acd.survey_refs import survey_issues

    return survey_issues(path, flows)


def _run(args: argparse.Namespace) -> int:
    from cti.app.engine import serve
    from cti.app.config import load_config
    from cti.app.logs import setup_logging

    config = load_config(args.config)
    if args.db:
        config = config.model_copy(update={"database": config.database.model_copy(update={"url": args.db})})
    setup_logging(config.engine.log_level, config.engine.log_format)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; plain asyncio still works
        return asyncio.run(serve(config))
    return uvloop.run(serve(config))


def _sandbox(args: argparse.Namespace) -> int:
    from cti.ops.sandbox import Sandbox, SandboxError

    box = Sandbox()
    try:
        if args.action == "restart":
            box.down()
            status = box.up(nodes=args.nodes)
        elif args.action == "up":
            status = box.up(nodes=args.nodes)
        else:
            status = {"down": box.down, "status": box.status}[args.action]()
        nodes = box.describe_nodes()
    except SandboxError as exc:
        print(f"hotline sandbox {args.action}: {exc}", file=sys.stderr)
        return 1
    print(status.describe())
    for line in nodes if len(nodes) > 1 else []:
        print(line)
    return 0 if args.action == "down" or status.running else 3


def _agents(args: argparse.Namespace) -> int:
    if args.action == "list":
        reply = control(args, {"cmd": "agent.list"})
    else:
        if not args.agent:
            print(f"hotline agents {args.action}: give the agent id", file=sys.stderr)
            return 2
        reply = control(args, {"cmd": "agent." + args.action.replace("-", "_"), "agent": args.agent,
                                "reason": args.reason})
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json:
        for agent in reply.get("agents") or [reply["agent"]]:
            reason = f" ({agent['reason']})" if agent.get("reason") else ""
            print(f"{agent['id']:<8} {agent['name']:<20} {agent['interface']:<22} {agent['state']}{reason}"
                  f"  for {agent['since_s']:.0f} s")
    return 0


def _queues(args: argparse.Namespace) -> int:
    reply = control(args, {"cmd": "queue.stats"})
    if reply is None or not reply.get("ok"):
        return 1
    if not args.json:
        for q in reply["queues"]:
            print("  ".join(f"{k}={v}" for k, v in q.items()))
    return 0


def _cdr(args: argparse.Namespace) -> int:
    from cti.cli.cdr import show_latest
    from cti.app.config import load_config

    url = args.db or load_config(args.config).database.url
    for line in asyncio.run(show_latest(url, args.last, as_json=args.json)):
        print(line)
    return 0


def _asterisk_check(args: argparse.Namespace) -> int:
    from cti.ops.asterisk_check import check
    from cti.app.config import load_config
    from cti.ops.sandbox import Sandbox

    etc = args.etc
    if etc is None:
        system = Path("/etc/asterisk")
        etc = system if (system / "manager.conf").exists() else Sandbox().root / "etc/asterisk"
    findings = check(etc, load_config(args.config))
    for finding in findings:
        print(finding)
    return 0 if all(f.ok for f in findings) else 1


if __name__ == "__main__":
    sys.exit(main())
