"""Each queue's staffing target for `hotline staffing`: the service level of acd.yaml plus the
command's shrinkage, occupancy cap and model; and the shift file, checked against acd.yaml's queues.

A queue seen in the history but absent from acd.yaml (renamed, removed) gets the default 80 %
in 20 s, and the table says so through the target it prints.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from acd.config import load_acd
from acd.shifts import Shift, load_shifts
from acd.staffing import Target


def acd_path(args: argparse.Namespace) -> Path:
    if args.acd:
        return args.acd
    from cti.app.config import load_config

    return Path(load_config(args.config).acd.config)


def queue_targets(args: argparse.Namespace, plans) -> dict[str, Target]:
    specs = load_acd(acd_path(args))[0]
    targets = {}
    for p in plans:
        spec = specs.get(p.queue)
        sl = (spec.sl_percent, spec.sl_seconds) if spec else (80.0, 20.0)
        targets[p.queue] = Target(sl[0], sl[1], shrinkage=args.shrinkage, max_occupancy=args.max_occupancy,
                                  model=args.model, patience_s=p.patience_s if args.model == "erlang_a" else None)
    return targets


def shifts_for(args: argparse.Namespace) -> list[Shift] | None:
    if args.shifts is None:
        return None
    return load_shifts(args.shifts, known_queues=list(load_acd(acd_path(args))[0]))
