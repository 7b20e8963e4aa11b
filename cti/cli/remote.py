"""Talking to the running engine from the command line (its local control socket)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path


def control(args: argparse.Namespace, payload: dict) -> dict | None:
    """Send one command; print the reply (JSON with --json, else errors only). None: engine unreachable."""
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
