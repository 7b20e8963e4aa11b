"""The floor of the load bench: the least a FastAGI responder can do for one inbound call.

Raw asyncio, no parsing beyond reading lines: ANSWER, STREAM FILE the greeting, STREAM FILE the
menu prompt, then WAIT FOR DIGIT until the caller hangs up. It listens where the engine would
(127.0.0.1:4573), so bench/load.py measures Asterisk and this process on the same calls as the
engine. Not a product: no timeouts, no CDRs, no validation.

Run: python bench/bare_agi.py [--port 4573] [--sounds sounds/en]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


async def _command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: str) -> bool:
    """Send one command; False once the caller is gone (HANGUP line, result=-1 or EOF)."""
    writer.write(line.encode() + b"\n")
    while True:
        reply = await reader.readline()
        if not reply:
            return False
        if reply.startswith(b"HANGUP"):
            continue  # the command's own reply follows
        if reply.startswith(b"200"):
            return b"result=-1" not in reply
        return False  # 510/511/520: give up on the call


async def _call(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sounds: Path) -> None:
    try:
        while (await reader.readline()).strip():  # the agi_* header block
            pass
        steps = ["ANSWER", f'STREAM FILE {sounds}/welcome ""', f'STREAM FILE {sounds}/agent_option "0123456789*#"']
        for line in steps:
            if not await _command(reader, writer, line):
                return
        while await _command(reader, writer, "WAIT FOR DIGIT 5000"):
            pass
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(host: str, port: int, sounds: Path) -> None:
    server = await asyncio.start_server(lambda r, w: _call(r, w, sounds), host, port, backlog=1024)
    print(f"bare FastAGI responder on {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4573)
    parser.add_argument("--sounds", type=Path, default=REPO / "sounds/en")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.host, args.port, args.sounds.resolve()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
