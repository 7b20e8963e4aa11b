"""`hotline ivr validate|simulate|graph`: flow tools that need no phone and no engine.

`cti.cli.main` calls `register` once and passes `queue_names`, which reads the ACD config's queue
names for the validator: the IVR does not read the ACD's files itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from pathlib import Path

from common.validate import check_files
from ivr.stepper import QUEUE_RESULTS

QueueNames = Callable[[Path], Collection[str]]
SurveyRefs = Callable[[Path, Collection[str]], list]  # (acd.yaml, flow names) -> issues of its `survey:` keys


def register(sub: argparse._SubParsersAction, queue_names: QueueNames, survey_refs: SurveyRefs | None = None) -> None:
    ivr = sub.add_parser("ivr", help="IVR flow tools")
    ivr_sub = ivr.add_subparsers(required=True, metavar="ACTION")
    val = ivr_sub.add_parser("validate", help="check flow files; every error as file:line:col")
    val.add_argument("paths", nargs="+", type=Path)
    val.add_argument("--sounds", type=Path, default=Path("sounds"))
    val.add_argument("--acd", type=Path, default=Path("config/acd.yaml"),
                     help="ACD config whose queue names queue nodes must use ('' to skip the check)")
    val.set_defaults(func=lambda args: _validate(args, queue_names, survey_refs))
    _simulate_parser(ivr_sub)
    graph = ivr_sub.add_parser("graph", help="draw a flow as Mermaid (.mmd), Graphviz (.dot) or SVG (.svg)")
    graph.add_argument("flow", metavar="FLOW", help="flow name (or path to its .yaml file)")
    graph.add_argument("-o", "--output", type=Path, required=True, help="out.mmd, out.dot or out.svg")
    graph.add_argument("--flows-dir", type=Path, default=Path("config/ivr"))
    graph.set_defaults(func=_graph)


def _simulate_parser(ivr_sub: argparse._SubParsersAction) -> None:
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
    sim.set_defaults(func=_simulate)


def _validate(args: argparse.Namespace, queue_names: QueueNames, survey_refs: SurveyRefs | None = None) -> int:
    from ivr.loader import load_flow

    from ivr.advice import file_warnings

    queues = set(queue_names(args.acd)) if str(args.acd) not in ("", ".") else None

    def load(path: Path):
        flow = load_flow(path, args.sounds, queues)
        for warning in file_warnings(path, flow):  # printed, not failed: the author may mean it
            print(warning)
        return flow

    failed = check_files(args.paths, load, lambda flow: f"flow {flow.name!r}, {len(flow.nodes)} nodes")
    if queues is None or survey_refs is None:
        return failed
    return max(failed, _check_surveys(args.paths, args.acd, survey_refs))


def _check_surveys(paths: list[Path], acd: Path, survey_refs: SurveyRefs) -> int:
    """The ACD's `survey:` keys against the flows of the folders validated (file:line:col in acd.yaml)."""
    from ivr.loader import load_flows

    names: set[str] = set()
    for folder in {p if p.is_dir() else p.parent for p in paths}:
        names |= set(load_flows(folder)[0])
    issues = survey_refs(acd, names)
    for issue in issues:
        print(issue)
    return 1 if issues else 0


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


def _simulate(args: argparse.Namespace) -> int:
    from ivr.customers import DEMO, call_variables
    from ivr.loader import find_flow
    from ivr.simulate import interactive, prompt_texts, scripted, simulate

    flow = find_flow(args.flow, args.flows_dir)
    keys = scripted(args.digits) if args.digits is not None else interactive(sys.stdin, sys.stdout)
    # as the engine does at call start: the caller's customer record (here the demo table) sets tier etc.
    known = next((call_variables(c) for c in DEMO if c["phone"] == args.caller), {})
    simulate(flow, prompt_texts(args.sounds, flow.language), keys, sys.stdout, caller=args.caller,
             variables={**known, **dict(args.var)}, queue_outcome=args.queue_outcome, now=args.at)
    return 0


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time such as \"2026-12-25 09:00\"") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _graph(args: argparse.Namespace) -> int:
    from ivr.graph import GraphError, render
    from ivr.loader import find_flow

    try:
        render(find_flow(args.flow, args.flows_dir), args.output)
    except GraphError as exc:
        print(f"hotline ivr graph: {exc}", file=sys.stderr)
        return 1
    print(f"{args.output}: written")
    return 0
