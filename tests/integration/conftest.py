"""Real servers for integration tests: the Asterisk sandbox, the engine in-process, an AMI observer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cti.ami import AmiClient
from cti.app.engine import Engine
from cti.app.config import load_config
from cti.ops.sandbox import AMI_SECRET, Sandbox, SandboxNode
from cti.store import fetch_cdrs
from tests.support import sipp
from tests.support.mosquitto import Mosquitto, anonymous_config, free_port
from tests.support.until import until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_sipp_left_behind():
    """A test that failed with a SIPp caller still running must not leave it holding its port
    (the next test's caller could not bind it)."""
    yield
    sipp.kill_leftovers()


@pytest.fixture
async def broker(tmp_path):
    """A mosquitto of this test's own, anonymous, on a free port."""
    port = free_port()
    mosquitto = Mosquitto(tmp_path, port, anonymous_config(tmp_path, port))
    await mosquitto.start()
    yield mosquitto
    await mosquitto.stop()


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    box = Sandbox()
    status = box.up()
    assert status.running, f"Asterisk sandbox did not start: {status.describe()}"
    return box


@pytest.fixture(scope="session")
def sandbox_b(sandbox) -> SandboxNode:
    """Node A AND node B ("pbx-b", SIP and AMI on 127.0.0.3) up; the node-B handle (docs/nodes.md).
    A test that may find node B killed by an earlier one asks for `node_b` instead."""
    status = sandbox.up(nodes=2)
    node = sandbox.node("b")
    assert status.running and node.status().running, f"sandbox nodes did not start: {sandbox.describe_nodes()}"
    return node


@pytest.fixture
def node_b(sandbox_b) -> SandboxNode:
    """Node B, brought back first if a test killed it (`node_b.kill()`: a node lost mid-call)."""
    if not sandbox_b.status().running:
        assert sandbox_b.up().running, "node B did not come back"
    return sandbox_b


def engine_config(tmp_path: Path, url: str | None = None, acd: str | None = None,
                  campaigns: str | None = None, mqtt_port: int | None = None, flows: str | None = None,
                  web_port: int | None = None) -> Path:
    """A hotline.yaml for one test (written to disk: the CLI and the loader read it like an operator's)."""
    path = tmp_path / "hotline.yaml"
    path.write_text(json.dumps({
        "ami": {"secret": AMI_SECRET, "reconnect_max": 2.0, "ping_interval": 2.0},
        "database": {"url": url or f"sqlite+aiosqlite:///{tmp_path}/cdr.db", "spool_dir": str(tmp_path / "spool")},
        "ivr": {"flows_dir": flows or str(REPO / "config/ivr"), "sounds_dir": str(REPO / "sounds")},
        "acd": {"config": acd or str(REPO / "config/acd.yaml"), "tick_interval": 0.2},
        "control": {"socket": str(tmp_path / "hotline.sock")},
        "dialer": {"campaigns_dir": campaigns or str(REPO / "config/campaigns"), "interval": 0.5},
        "mqtt": {"enabled": mqtt_port is not None, "port": mqtt_port or 1883, "stats_interval": 1.0},
        "http": {"enabled": web_port is not None, "port": web_port or 8080, "board_interval": 0.5,
                 "today_interval": 1.0, "users_file": str(tmp_path / "web-users.json")},
        "shutdown": {"drain_timeout": 5.0},
    }, indent=2))  # JSON is YAML
    return path


class RunningEngine:
    def __init__(self, engine: Engine, task: asyncio.Task, config_path: Path | None = None) -> None:
        self.engine, self.task, self.config_path = engine, task, config_path

    async def cdr(self, timeout: float = 15.0, **filters):
        """The one CDR row matching `filters`, polled until the writer has stored it."""
        rows: list = []

        async def present() -> bool:
            await self.engine.cdrs.flush(5)
            rows[:] = await fetch_cdrs(self.engine.db, **filters)
            return len(rows) == 1

        await until(present, timeout, 0.2, f"one CDR with {filters}")
        return rows[0]


async def start_engine(config_path: Path) -> RunningEngine:
    eng = Engine(load_config(config_path))
    task = asyncio.create_task(eng.run(), name="engine-under-test")
    ready = asyncio.create_task(eng.ready.wait())
    done, _ = await asyncio.wait({task, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # the engine failed to start: show why
    assert ready in done, "engine not ready within 20 s"
    await eng.ami.wait_connected(20)
    return RunningEngine(eng, task, config_path)


async def stop_engine(running: RunningEngine) -> None:
    running.engine.stop()
    await asyncio.wait_for(running.task, 30)


@pytest.fixture
async def engine_factory(sandbox, tmp_path):
    started: list[RunningEngine] = []

    async def factory(url: str | None = None, acd: str | None = None, campaigns: str | None = None,
                      mqtt_port: int | None = None, flows: str | None = None,
                      web_port: int | None = None) -> RunningEngine:
        running = await start_engine(engine_config(tmp_path, url=url, acd=acd, campaigns=campaigns,
                                                   mqtt_port=mqtt_port, flows=flows, web_port=web_port))
        started.append(running)
        return running

    yield factory
    for running in started:
        await stop_engine(running)


@pytest.fixture
async def engine(engine_factory):
    return await engine_factory()


@pytest.fixture
async def ami(sandbox):
    """An AMI observer of our own, to see what Asterisk did independently of the engine."""
    client = AmiClient("127.0.0.1", 5038, "hotline", AMI_SECRET, reconnect_max=2.0)
    task = asyncio.create_task(client.run(), name="ami-observer")
    await client.wait_connected(20)
    yield client
    await client.close()
    await asyncio.wait_for(task, 10)
