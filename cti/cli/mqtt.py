"""CLI subcommands of the MQTT feature; `cti.cli.main` calls `register` once.

`hotline mqtt watch` prints what the engine publishes (one line per message), to check a
broker, its ACL and a desktop's view without writing a client. The password is read from an
environment variable, never from the command line (it would show in `ps`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    mqtt = sub.add_parser("mqtt", help="MQTT bridge tools (topic layout: docs/mqtt.md)")
    actions = mqtt.add_subparsers(required=True, metavar="ACTION")
    watch = actions.add_parser("watch", help="print messages under the topic prefix as they arrive")
    watch.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"),
                       help="broker host, port and topic prefix come from its mqtt: section")
    watch.add_argument("--host", help="override mqtt.host")
    watch.add_argument("--port", type=int, help="override mqtt.port")
    watch.add_argument("--username", help="broker user (e.g. wallboard, or an agent id to see its view)")
    watch.add_argument("--password-env", default="HOTLINE_MQTT_PASSWORD", metavar="VAR",
                       help="environment variable holding the password (default: %(default)s)")
    watch.add_argument("--topic", help="topic filter (default: PREFIX/#)")
    watch.add_argument("--count", type=int, default=0, help="stop after N messages (default: run until Ctrl-C)")
    watch.set_defaults(func=_watch)


def _watch(args: argparse.Namespace) -> int:
    from cti.app.config import load_config

    mqtt = load_config(args.config).mqtt
    host, port = args.host or mqtt.host, args.port or mqtt.port
    topic = args.topic or f"{mqtt.topic_prefix.strip('/')}/#"
    password = os.environ.get(args.password_env) if args.username else None
    try:
        return asyncio.run(_print_messages(host, port, args.username, password, topic, args.count,
                                           args.password_env))
    except KeyboardInterrupt:
        return 0


async def _print_messages(host: str, port: int, username: str | None, password: str | None, topic: str,
                          count: int, password_env: str) -> int:
    import aiomqtt

    try:
        async with aiomqtt.Client(host, port, username=username, password=password,
                                  protocol=aiomqtt.ProtocolVersion.V5) as client:
            await client.subscribe(topic, qos=1)
            print(f"# watching {topic} on {host}:{port}", file=sys.stderr)
            seen = 0
            async for message in client.messages:
                payload = message.payload
                text = payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload)
                print(f"{message.topic}{' (retained)' if message.retain else ''} {text}", flush=True)
                seen += 1
                if count and seen >= count:
                    return 0
    except aiomqtt.MqttError as exc:
        print(f"MQTT broker {host}:{port}: {exc}; check mqtt.host/port in the config, --username and "
              f"${password_env}", file=sys.stderr)
        return 1
    return 0
