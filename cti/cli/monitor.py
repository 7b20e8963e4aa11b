"""`hotline monitor`: a live terminal wallboard over the engine's control socket.

The shell around `cti.cli.wallboard`: every interval it asks the engine for `queue.stats` and
`agent.list`, renders a frame and redraws the screen with plain ANSI codes (no curses). An
engine that does not answer is a frame of its own ("unreachable: retrying"), never a crash,
so the wallboard can be started before the engine and survives its restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from cti.cli.wallboard import render, render_unreachable

HOME_CLEAR = "\x1b[H\x1b[2J"
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


class Unreachable(Exception):
    """The engine did not answer (no socket, refused, timed out, or an error reply)."""


def register(sub: argparse._SubParsersAction) -> None:
    mon = sub.add_parser("monitor", help="live wallboard: queues, service level, agents")
    mon.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"),
                     help="the engine's control socket comes from its control: section")
    mon.add_argument("--socket", type=Path, help="control socket path (overrides control.socket)")
    mon.add_argument("--interval", type=_positive, default=1.0, help="seconds between redraws (default: 1)")
    mon.add_argument("--once", action="store_true",
                     help="print one frame and exit: 0 when the engine answered, 1 when not")
    mon.add_argument("--plain", action="store_true", help="no colours")
    mon.set_defaults(func=_monitor)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _monitor(args: argparse.Namespace) -> int:
    socket = args.socket or _configured_socket(args.config)
    out = sys.stdout
    colour = not args.plain and out.isatty() and "NO_COLOR" not in os.environ
    if args.once:
        return asyncio.run(_once(socket, out, colour))
    try:
        asyncio.run(_loop(socket, args.interval, out, colour))
    except KeyboardInterrupt:
        pass
    return 0


def _configured_socket(config: Path) -> Path:
    from cti.app.config import load_config

    return Path(load_config(config).control.socket)


async def fetch(socket: Path, timeout: float = 2.0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(queues, agents) from the engine; raises `Unreachable` with the reason."""
    from cti.app.control import request

    try:
        queues, agents = await asyncio.gather(request(socket, {"cmd": "queue.stats"}, timeout),
                                              request(socket, {"cmd": "agent.list"}, timeout))
    except (OSError, asyncio.TimeoutError) as exc:
        raise Unreachable(str(exc) or type(exc).__name__) from None
    except ValueError:  # the engine closed the connection mid-reply (json of b"")
        raise Unreachable("the engine closed the connection") from None
    for reply in (queues, agents):
        if not reply.get("ok"):
            raise Unreachable(f"error {reply.get('error_id')}: {reply.get('message')}")
    return queues["queues"], agents["agents"]


async def frame(socket: Path, width: int, colour: bool) -> tuple[bool, str]:
    """(reachable, text of one frame)."""
    try:
        queues, agents = await fetch(socket)
    except Unreachable as exc:
        return False, render_unreachable(str(socket), datetime.now(), width, reason=str(exc), colour=colour)
    return True, render(queues, agents, datetime.now(), width, source=str(socket), colour=colour)


async def _once(socket: Path, out: TextIO, colour: bool) -> int:
    try:
        queues, agents = await fetch(socket)
    except Unreachable as exc:
        print(f"engine unreachable at {socket} ({exc}); is `hotline run` running here?", file=sys.stderr)
        return 1
    out.write(render(queues, agents, datetime.now(), _width(out), source=str(socket), colour=colour))
    out.flush()
    return 0


async def _loop(socket: Path, interval: float, out: TextIO, colour: bool) -> None:
    """Redraw until cancelled (Ctrl-C); a terminal gets clear-screen codes, a pipe gets frames in turn."""
    tty = out.isatty()
    if tty:
        out.write(HIDE_CURSOR)
    try:
        while True:
            _, text = await frame(socket, _width(out), colour)
            out.write((HOME_CLEAR + text) if tty else text + "\n")
            out.flush()
            await asyncio.sleep(interval)
    finally:
        if tty:
            out.write(SHOW_CURSOR)
            out.flush()


def _width(out: TextIO) -> int:
    return shutil.get_terminal_size((120, 24)).columns  # $COLUMNS, else the terminal, else 120
