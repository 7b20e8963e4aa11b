"""CLI subcommands of this feature; `cti.cli.main` calls `register` once.

``hotline acd simulate`` (router vs Erlang C / Erlang A) and ``hotline acd bench`` (routing
decision speed). Both are offline: they build their own `Router` and touch no engine.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``acd simulate`` and ``acd bench``."""
    acd = sub.add_parser("acd", help="ACD tools: simulation against Erlang C/A, routing benchmark")
    actions = acd.add_subparsers(required=True, metavar="ACTION")
    sim = actions.add_parser("simulate", help="discrete-event simulation driving the real router, "
                                              "beside Erlang C (or Erlang A with --patience)")
    sim.add_argument("--agents", type=_positive(int), required=True)
    sim.add_argument("--calls-per-hour", type=_positive(float), required=True)
    sim.add_argument("--aht", type=_positive(float), required=True, help="mean talk time, seconds (exponential)")
    sim.add_argument("--hours", type=_positive(float), required=True, help="measured hours (after the warm-up)")
    sim.add_argument("--patience", type=_positive(float), default=None,
                     help="mean caller patience, seconds (exponential); compares with Erlang A")
    sim.add_argument("--wrapup", type=_non_negative(float), default=0.0,
                     help="wrap-up seconds after each call (default 0, exact Erlang comparison)")
    sim.add_argument("--sl-seconds", type=_non_negative(float), default=20.0, help="service-level threshold")
    sim.add_argument("--warmup", type=_non_negative(float), default=1.0, help="warm-up hours, not measured")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--json", action="store_true", help="one JSON object: config, measured, predicted")
    sim.set_defaults(func=_simulate)
    bench = actions.add_parser("bench", help="routing decisions per second and decision latency")
    bench.add_argument("--agents", type=_int_list, default=[100, 1000, 10000], help="comma list")
    bench.add_argument("--waiting", type=_int_list, default=[1000, 10000], help="comma list")
    bench.add_argument("--skills", type=_positive(int), default=50, help="skills, and queues")
    bench.add_argument("--rounds", type=_positive(int), default=20_000,
                       help="timed rounds per size (one agent-ready and one enqueue decision each)")
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--json", action="store_true", help="a JSON list, one object per size")
    bench.set_defaults(func=_bench)


def _simulate(args: argparse.Namespace) -> int:
    from acd.simulate import SimConfig, format_result, simulate

    cfg = SimConfig(agents=args.agents, calls_per_hour=args.calls_per_hour, aht_s=args.aht, hours=args.hours,
                    patience_s=args.patience, wrapup_s=args.wrapup, sl_seconds=args.sl_seconds,
                    seed=args.seed, warmup_h=args.warmup)
    try:
        result = simulate(cfg)
    except ValueError as exc:  # e.g. Erlang A tail that cannot converge
        print(f"hotline acd simulate: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_result(result))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from acd.bench import bench, format_table

    results = []
    for agents in args.agents:
        for waiting in args.waiting:
            results.append(bench(agents, waiting, args.skills, args.rounds, args.seed))
            if not args.json:
                print(format_table(results[-1:]).splitlines()[-1] if len(results) > 1
                      else format_table(results), flush=True)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    return 0


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be > 0")
        return value
    return parse


def _non_negative(kind):
    def parse(text: str):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
        return value
    return parse


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a comma list of integers, e.g. 100,1000") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: expected positive integers")
    return values
