"""`hotline` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from common.yamlconf import ConfigError
from ivr.stepper import QUEUE_RESULTS


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

    ivr = sub.add_parser("ivr", help="IVR flow tools")
    ivr_sub = ivr.add_subparsers(required=True, metavar="ACTION")
    val = ivr_sub.add_parser("validate", help="check flow files; every error as file:line:col")
    val.add_argument("paths", nargs="+", type=Path)
    val.add_argument("--sounds", type=Path, default=Path("sounds"))
    val.add_argument("--acd", type=Path, default=Path("config/acd.yaml"),
                     help="ACD config whose queue names queue nodes must use ('' to skip the check)")
    val.set_defaults(func=_ivr_validate)
    sim = ivr_sub.add_parser("simulate", help="walk a flow without a phone, printing prompt texts and decisions")
    sim.add_argument("flow", metavar="FLOW", help="flow name (or path to its .yaml file)")
    sim.add_argument("--flows-dir", type=Path, default=Path("config/ivr"))
    sim.add_argument("--sounds", type=Path, default=Path("sounds"), help="folder holding prompts.yaml")
    sim.add_argument("--digits", type=_digits, help="keys for successive menu attempts, e.g. 1,2,# ('-' or "
                                                    "empty = silence; write --digits=-,1 when the first is '-'); "
                                                    "without it keys are read from stdin")
    sim.add_argument("--caller", default="", metavar="NUMBER", help="caller number shown in the transcript")
    sim.add_argument("--at", type=_when, default=None, metavar='"2026-12-25 09:00"',
                     help="pretend the call comes at this time (hours nodes); ISO 8601, UTC unless an offset is given")
    sim.add_argument("--var", action="append", default=[], type=_variable, metavar="NAME=VALUE",
                     help="call variable for branch nodes (repeatable), e.g. --var tier=gold")
    sim.add_argument("--queue-outcome", default="answered", choices=QUEUE_RESULTS,
                     help="what happens at queue nodes (default: answered)")
    sim.set_defaults(func=_ivr_simulate)
    graph = ivr_sub.add_parser("graph", help="draw a flow as Mermaid (.mmd), Graphviz (.dot) or SVG (.svg)")
    graph.add_argument("flow", metavar="FLOW", help="flow name (or path to its .yaml file)")
    graph.add_argument("-o", "--output", type=Path, required=True, help="out.mmd, out.dot or out.svg")
    graph.add_argument("--flows-dir", type=Path, default=Path("config/ivr"))
    graph.set_defaults(func=_ivr_graph)

    for feature in _features():
        feature.register(sub)
    return p


def _features():
    """Feature CLIs live beside their feature (acd/cli.py, ...); each adds its own subcommands."""
    from acd import cli as acd_cli
    from cti.cli import monitor as monitor_cli, mqtt as mqtt_cli, report as report_cli
    from dialer import cli as dialer_cli

    return (acd_cli, report_cli, mqtt_cli, dialer_cli, monitor_cli)


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
        asyncio.run(serve(config))
    else:
        uvloop.run(serve(config))
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from cti.ops.sandbox import Sandbox, SandboxError

    box = Sandbox()
    try:
        if args.action == "restart":
            box.down()
            status = box.up()
        else:
            status = {"up": box.up, "down": box.down, "status": box.status}[args.action]()
    except SandboxError as exc:
        print(f"hotline sandbox {args.action}: {exc}", file=sys.stderr)
        return 1
    print(status.describe())
    return 0 if args.action == "down" or status.running else 3


def control(args: argparse.Namespace, payload: dict) -> dict | None:
    import json

    from cti.app.config import load_config
    from cti.app.control import request

    socket_path = Path(load_config(args.config).control.socket)
    try:
        reply = asyncio.run(request(socket_path, payload))
    except (OSError, asyncio.TimeoutError) as exc:
        print(f"cannot reach the engine at {socket_path} ({exc}); is `hotline run` running here?", file=sys.stderr)
        return None
    if args.json:
        print(json.dumps(reply, ensure_ascii=False, indent=2))
    elif not reply.get("ok"):
        print(f"error {reply.get('error_id')}: {reply.get('message')}", file=sys.stderr)
    return reply


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


def _ivr_validate(args: argparse.Namespace) -> int:
    from acd.config import load_acd
    from ivr.loader import load_flow

    queues = set(load_acd(args.acd)[0]) if str(args.acd) not in ("", ".") else None

    return check_files(args.paths, lambda path: load_flow(path, args.sounds, queues),
                       lambda flow: f"flow {flow.name!r}, {len(flow.nodes)} nodes")


def check_files(paths: list[Path], load, describe) -> int:
    """`validate` commands: every file (folders: their *.yaml) loaded, each error printed; 1 if any failed."""
    failed = 0
    for path in yaml_files(paths):
        try:
            loaded = load(path)
        except ConfigError as exc:
            print(exc)
            failed += 1
        else:
            print(f"{path}: ok ({describe(loaded)})")
    return 1 if failed else 0


def _digits(text: str) -> list[str]:
    from ivr.simulate import parse_digits

    try:
        return parse_digits(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _variable(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


def _ivr_simulate(args: argparse.Namespace) -> int:
    from ivr.loader import find_flow
    from ivr.simulate import interactive, prompt_texts, scripted, simulate

    flow = find_flow(args.flow, args.flows_dir)
    keys = scripted(args.digits) if args.digits is not None else interactive(sys.stdin, sys.stdout)
    from cti.store.customers import DEMO, call_variables

    # as the engine does at call start: the caller's customer record (here the demo table) sets tier etc.
    known = next((call_variables(c) for c in DEMO if c["phone"] == args.caller), {})
    simulate(flow, prompt_texts(args.sounds, flow.language), keys, sys.stdout, caller=args.caller,
             variables={**known, **dict(args.var)}, queue_outcome=args.queue_outcome, now=args.at)
    return 0


def _when(text: str):
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time such as \"2026-12-25 09:00\"") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _ivr_graph(args: argparse.Namespace) -> int:
    from ivr.graph import GraphError, render
    from ivr.loader import find_flow

    try:
        render(find_flow(args.flow, args.flows_dir), args.output)
    except GraphError as exc:
        print(f"hotline ivr graph: {exc}", file=sys.stderr)
        return 1
    print(f"{args.output}: written")
    return 0


def yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return files


if __name__ == "__main__":
    sys.exit(main())
