"""`hotline run` as a real process: SIGTERM mid-call drains the call and flushes its CDR."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from cti.store import fetch_cdrs, make_engine
from tests.support import sipp
from tests.support.sipp import AwaitHangup, Dtmf, Pause

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


async def _read_until(stream: asyncio.StreamReader, needle: str, timeout: float, seen: list[str]) -> None:
    async def scan() -> None:
        while True:
            line = (await stream.readline()).decode(errors="replace")
            if not line:
                raise AssertionError(f"engine output ended before {needle!r}:\n{''.join(seen[-30:])}")
            seen.append(line)
            if needle in line:
                return
    await asyncio.wait_for(scan(), timeout)


async def test_sigterm_mid_call_lets_the_call_finish_and_writes_its_cdr(sandbox, tmp_path):
    db = tmp_path / "cdr.db"
    config = tmp_path / "hotline.yaml"
    config.write_text(
        f"engine: {{log_level: DEBUG}}\n"  # the prompts a call plays are DEBUG lines
        f"ami: {{secret: hotline-sandbox-secret}}\n"
        f"database: {{url: 'sqlite+aiosqlite:///{db}', spool_dir: '{tmp_path / 'spool'}'}}\n"
        f"ivr: {{flows_dir: '{REPO / 'config/ivr'}', sounds_dir: '{REPO / 'sounds'}'}}\n"
        f"acd: {{config: '{REPO / 'config/acd.yaml'}'}}\n"
        f"control: {{socket: '{tmp_path / 'hotline.sock'}'}}\n"
        f"shutdown: {{drain_timeout: 20}}\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cti.cli.main", "run", "-c", str(config), cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    seen: list[str] = []
    try:
        await _read_until(proc.stderr, "engine ready", 20, seen)
        call = asyncio.create_task(sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551010"))
        await _read_until(proc.stderr, "plays billing", 20, seen)
        proc.send_signal(signal.SIGTERM)
        result = await call
        assert result.ok, result.stderr
        await _read_until(proc.stderr, "stopped", 30, seen)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    rows = await fetch_cdrs(engine, caller="5551010")
    await engine.dispose()
    assert [(r.disposition, r.ivr_path) for r in rows] == [("completed", "by_case>by_tier>welcome>menu>billing>goodbye>done")]
    assert not any("Traceback" in line for line in seen), "".join(seen)
