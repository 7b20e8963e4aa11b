"""Real servers for integration tests: the Asterisk sandbox, the engine in-process, an AMI observer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cti.ami import AmiClient
from cti.app import Engine
from cti.config import HotlineConfig
from cti.sandbox import AMI_SECRET, Sandbox
from cti.store import fetch_cdrs
from tests.support.until import until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    box = Sandbox()
    status = box.up()
    assert status.running, f"Asterisk sandbox did not start: {status.describe()}"
    return box


def engine_config(tmp_path: Path, **database) -> HotlineConfig:
    return HotlineConfig.model_validate({
        "ami": {"secret": AMI_SECRET, "reconnect_max": 2.0, "ping_interval": 2.0},
        "database": {"url": database.get("url", f"sqlite+aiosqlite:///{tmp_path}/cdr.db"),
                     "spool_dir": str(tmp_path / "spool")},
        "ivr": {"flows_dir": str(REPO / "config/ivr"), "sounds_dir": str(REPO / "sounds")},
        "shutdown": {"drain_timeout": 5.0},
    })


class RunningEngine:
    def __init__(self, engine: Engine, task: asyncio.Task) -> None:
        self.engine, self.task = engine, task

    async def cdr(self, timeout: float = 15.0, **filters):
        """The one CDR row matching `filters`, polled until the writer has stored it."""
        rows: list = []

        async def present() -> bool:
            await self.engine.cdrs.flush(5)
            rows[:] = await fetch_cdrs(self.engine.db, **filters)
            return len(rows) == 1

        await until(present, timeout, 0.2, f"one CDR with {filters}")
        return rows[0]


@pytest.fixture
async def engine(sandbox, tmp_path):
    eng = Engine(engine_config(tmp_path))
    task = asyncio.create_task(eng.run(), name="engine-under-test")
    await asyncio.wait_for(eng.ready.wait(), 20)
    await eng.ami.wait_connected(20)
    yield RunningEngine(eng, task)
    eng.stop()
    await asyncio.wait_for(task, 30)


@pytest.fixture
async def ami(sandbox):
    """An AMI observer of our own, to see what Asterisk did independently of the engine."""
    client = AmiClient("127.0.0.1", 5038, "hotline", AMI_SECRET, reconnect_max=2.0)
    task = asyncio.create_task(client.run(), name="ami-observer")
    await client.wait_connected(20)
    yield client
    await client.close()
    await asyncio.wait_for(task, 10)
