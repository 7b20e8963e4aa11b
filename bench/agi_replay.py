"""The engine's own cost per call without Asterisk: replay the FastAGI side of N inbound calls.

A stand-in for Asterisk's FastAGI client opens N connections to an engine started as a
`hotline run` subprocess (its own SQLite database, MQTT on, no AMI link: the AMI port is closed, so
CDRs do not wait for Hangup events), `--concurrency` at a time. Each call sends the agi_* headers
of a caller into 10000 and answers every command as Asterisk would for a caller who hangs up
during the menu prompt: ANSWER and STREAM FILE succeed, GET DATA gets HANGUP. It prints the
engine's CPU ms per call (/proc/<pid>/stat) and, with `--profile FILE`, runs the engine under
cProfile and prints its top functions (profile figures are inflated; use them for ranking).

No lock needed (no Asterisk): python bench/agi_replay.py --calls 2000 [--profile /tmp/engine.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load_processes import engine_config, port_open, wait_for  # noqa: E402
from bench.load_stats import cpu_ticks  # noqa: E402

PORT = 14573
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def write_config(workdir: Path, log_level: str, extra: dict | None = None) -> Path:
    """The load bench's engine config (bench/load_processes.py), without an AMI link (a closed port:
    CDRs do not wait for Hangup events), on the replay's own FastAGI port and MQTT topics."""
    overrides = {"log_level": log_level, "ami": {"port": 1, "secret": "none", "reconnect_min": 30.0,
                                                 "reconnect_max": 60.0},
                 "agi": {"port": PORT},
                 "mqtt": {"topic_prefix": f"replay{os.getpid()}", "client_id": f"hotline-replay-{os.getpid()}"}}
    for section, values in (extra or {}).items():
        overrides.setdefault(section, {}).update(values)
    return engine_config(workdir, overrides)


async def one_call(n: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    env = {"network": "yes", "network_script": "ivr/main", "request": "agi://127.0.0.1/ivr/main",
           "channel": f"PJSIP/caller-{n:08x}", "uniqueid": f"1800000000.{n}", "callerid": f"77{n}",
           "calleridname": "Load Caller", "extension": "10000", "context": "hotline"}
    writer.write("".join(f"agi_{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
    try:
        while line := await reader.readline():
            if line.startswith(b"GET DATA") or line.startswith(b"WAIT FOR DIGIT"):
                writer.write(b"HANGUP\n200 result=-1\n")
            elif line.startswith(b"STREAM FILE"):
                writer.write(b"200 result=0 endpos=14000\n")
            else:
                writer.write(b"200 result=0\n")
    except ConnectionError:
        pass
    finally:
        writer.close()


async def drive(calls: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def gated(n: int) -> None:
        async with gate:
            await one_call(n)
    start = time.monotonic()
    await asyncio.gather(*(gated(n) for n in range(calls)))
    return time.monotonic() - start


def _wait_port(proc: subprocess.Popen, log: Path) -> None:
    def listening() -> bool:
        if proc.poll() is not None:
            raise SystemExit(f"engine exited: {log.read_text()[-2000:]}")
        return port_open(PORT)
    wait_for(listening, 30, "the engine to listen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--profile", type=Path, help="run the engine under cProfile, write the stats here")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=JSON",
                        help="hotline.yaml value, e.g. mqtt.enabled=false (repeatable)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-replay-"))
    log = workdir / "engine.log"
    cmd = [sys.executable] + (["-m", "cProfile", "-o", str(args.profile)] if args.profile else []) + \
        ["-m", "cti.cli.main", "run", "-c", str(write_config(workdir, args.log_level, _extra(args.set)))]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_port(proc, log)
        asyncio.run(drive(20, 5))  # warm-up: imports, first queries
        before = cpu_ticks(Path(f"/proc/{proc.pid}/stat").read_text())
        elapsed = asyncio.run(drive(args.calls, args.concurrency))
        time.sleep(1.0)  # let the last CDR batch go
        used = (cpu_ticks(Path(f"/proc/{proc.pid}/stat").read_text()) - before) * TICK_MS
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    print(f"{args.calls} calls in {elapsed:.1f} s ({args.calls / elapsed:.0f} calls/s): engine CPU "
          f"{used / args.calls:.2f} ms per call (log level {args.log_level}; details in {workdir})")
    if args.profile:
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(args.top)
    return 0


def _extra(pairs: list[str]) -> dict:
    extra: dict = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        section, _, name = key.partition(".")
        extra.setdefault(section, {})[name] = json.loads(value)
    return extra


if __name__ == "__main__":
    sys.exit(main())
