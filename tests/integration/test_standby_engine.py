"""Two `hotline run` processes on one PostgreSQL schema, beside the real sandbox Asterisk: A holds the
lease and serves calls, B stands by; A is killed with SIGKILL while callers wait in a queue; B takes
over, restores the agent from the records and serves new calls; nothing is offered twice and no
record is lost; A restarted stays standby while B holds the lease."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from cti.app.control import request
from cti.ami import events as ev
from cti.store import fetch_agent_states, fetch_cdrs, fetch_queue_log, make_engine
from cti.store.lease import read_lease
from tests.support import sipp
from tests.support.pg import PG_URL, require_postgres
from tests.support.sipp import AwaitHangup, Dtmf, HangUp, Pause
from tests.support.until import until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ACD_YAML = REPO / "tests/integration/data/acd.yaml"  # 1001 = Local/1001@agent-sim, queue billing
PORTS = {"a": 4573, "b": 4574}  # HOTLINE_AGI and HOTLINE_AGI_2 of asterisk-conf/extensions.conf
WAITING = ["5552001", "5552002", "5552003"]
LEASE_S, RENEW_S, MARGIN_S = 4.0, 1.0, 1.0  # short, for quick tests (defaults 10, 2, 2); the validator allows it


@asynccontextmanager
async def pg_schema() -> AsyncIterator[str]:
    """A PostgreSQL schema of this test's own (other tests drop tables in `public`)."""
    await require_postgres()
    name = f"ha_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield name
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        await admin.dispose()


def write_config(tmp_path: Path, node: str, schema: str) -> Path:
    folder = tmp_path / node
    folder.mkdir(exist_ok=True)
    path = folder / "hotline.yaml"
    path.write_text(json.dumps({
        "engine": {"name": f"hotline-{node}"},
        "ami": {"secret": "hotline-sandbox-secret", "reconnect_max": 2.0, "ping_interval": 2.0},
        "agi": {"port": PORTS[node]},
        "database": {"url": PG_URL, "schema_name": schema, "spool_dir": str(folder / "spool")},
        "ivr": {"flows_dir": str(REPO / "config/ivr"), "sounds_dir": str(REPO / "sounds")},
        "acd": {"config": str(ACD_YAML), "tick_interval": 0.2},
        "control": {"socket": str(folder / "ctl.sock")},
        "mqtt": {"enabled": False}, "http": {"enabled": False}, "cases": {"enabled": False},
        "shutdown": {"drain_timeout": 5.0},
        "ha": {"enabled": True, "node": node, "lease_s": LEASE_S, "renew_every_s": RENEW_S, "margin_s": MARGIN_S},
    }, indent=2))
    return path


class EngineProcess:
    """`hotline run -c CONFIG` as a child process; its log lines are read all the time (a full pipe
    would block the engine) and can be waited for."""

    def __init__(self, node: str, config: Path) -> None:
        self.node, self.config = node, config
        self.lines: list[tuple[float, str]] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None

    async def start(self) -> EngineProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cti.cli.main", "run", "-c", str(self.config), cwd=self.config.parent,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read(), name=f"log {self.node}")
        return self

    async def _read(self) -> None:
        assert self.proc and self.proc.stderr
        while line := await self.proc.stderr.readline():
            self.lines.append((time.monotonic(), line.decode(errors="replace")))

    async def logged(self, needle: str, timeout: float) -> float:
        """When the engine logged a line containing `needle` (monotonic time)."""
        await until(lambda: any(needle in line for _, line in self.lines), timeout, 0.05,
                    f"{self.node} logs {needle!r}; its log:\n{self.log()}")
        return next(t for t, line in self.lines if needle in line)

    def log(self) -> str:
        return "".join(line for _, line in self.lines[-40:])

    async def control(self, payload: dict) -> dict:
        reply = await request(self.config.parent / "ctl.sock", payload)
        assert reply["ok"], reply
        return reply

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), 30)
        if self._reader:
            await asyncio.wait_for(self._reader, 5)
        return code


async def watch_fallbacks(ami, seen: set[str]) -> None:
    """Collect the calls Asterisk sent to [hotline-fallback] (its HotlineFallback user event). The
    body's Uniqueid repeats the channel's header, so panoramisk keeps a list: read the caller
    channel's Linkedid, which is its own uniqueid."""
    while True:
        event = await ami.events.get()
        if isinstance(event, ev.UserEvent) and event.name == "HotlineFallback":
            seen.add(event.headers.get("Linkedid", ""))


async def refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    return False


async def test_sigkill_of_the_active_engine_while_calls_wait_standby_takes_over(sandbox, ami, tmp_path):
    fallbacks: set[str] = set()
    watcher = asyncio.create_task(watch_fallbacks(ami, fallbacks))
    async with pg_schema() as schema:
        db = make_engine(PG_URL, schema=schema)
        a = await EngineProcess("a", write_config(tmp_path, "a", schema)).start()
        b = a2 = None
        try:
            await a.logged("engine ready", 30)
            b = await EngineProcess("b", write_config(tmp_path, "b", schema)).start()
            await b.logged("standby: b waits; the lease is a@1", 30)
            assert await refuses_connections(PORTS["b"])  # a standby does not listen: Asterisk fails over fast

            # A serves a call to its end, and an agent logs in and pauses (calls will wait for him).
            done = await sipp.call(tmp_path, [Pause(1500), Dtmf("1"), AwaitHangup(30000)], caller="5551010")
            assert done.ok, done.stderr
            await a.control({"cmd": "agent.login", "agent": "1001"})
            await a.control({"cmd": "agent.pause", "agent": "1001", "reason": "lunch"})

            # Three callers press 0 and wait in billing (its only agent is paused) until after B's takeover.
            waiting = [asyncio.create_task(sipp.call(tmp_path, [Pause(1500), Dtmf("0"), Pause(25000), HangUp()],
                                                     caller=c, timeout_s=70)) for c in WAITING]
            enqueued: list = []

            async def all_enqueued() -> bool:  # read from the database: what A committed before it died
                enqueued[:] = [r for r in await fetch_queue_log(db) if r.event == "enqueue"]
                return len(enqueued) == len(WAITING)

            await until(all_enqueued, 30, 0.2, "the three callers queued at A")
            waiting_ids = {r.call_id for r in enqueued}

            a.proc.kill()  # SIGKILL: no shutdown, no lease release, the records not yet written are gone
            killed = time.monotonic()
            assert await a.stop() == -signal.SIGKILL

            # The callers who waited at A went to Asterisk's fallback (their AGI died with A).
            await until(lambda: waiting_ids <= fallbacks, 10, 0.1, f"fallback for {waiting_ids}")

            # B takes over when A's lease lapses by the database's clock.
            ready = await b.logged("engine ready", 20)
            takeover_s = ready - killed
            print(f"\ntakeover: B ready {takeover_s:.1f} s after SIGKILL of A (lease {LEASE_S} s, renew {RENEW_S} s)")
            assert LEASE_S - RENEW_S - 1.0 <= takeover_s <= LEASE_S + RENEW_S + 3.0, takeover_s  # A's lease lapsed
            await b.logged("takeover: b is the active engine at epoch 2", 1)
            row = await read_lease(db)
            assert (row.holder, row.epoch) == ("b", 2)

            # B restored the agent from the records: logged in and paused, for the same reason.
            agents = {x["id"]: x for x in (await b.control({"cmd": "agent.list"}))["agents"]}
            assert (agents["1001"]["state"], agents["1001"]["reason"]) == ("paused", "lunch"), agents["1001"]

            # A new call reaches A's port first, is refused, and is served by B: offered once, answered.
            await b.control({"cmd": "agent.ready", "agent": "1001"})
            served = await sipp.call(tmp_path, [Pause(1500), Dtmf("0"), AwaitHangup(40000)], caller="5552100")
            assert served.ok, served.stderr
            new_cdr: list = []

            async def cdr_written() -> bool:
                new_cdr[:] = await fetch_cdrs(db, caller="5552100")
                return len(new_cdr) == 1

            await until(cdr_written, 15, 0.2, "B's CDR of the new call")
            assert (new_cdr[0].engine_node, new_cdr[0].queue, new_cdr[0].agent, new_cdr[0].disposition) == \
                ("b@2", "billing", "1001", "completed")

            # No call offered twice; the callers who waited at A were never offered by B.
            log = await fetch_queue_log(db)
            offers: dict[str, int] = {}
            for r in log:
                if r.event == "offer":
                    offers[r.call_id] = offers.get(r.call_id, 0) + 1
            assert offers == {new_cdr[0].call_id: 1}, offers
            for call_id in waiting_ids:
                assert [r.event for r in log if r.call_id == call_id] == ["enqueue"]
            assert [(r.event, r.agent_id) for r in log if r.call_id == new_cdr[0].call_id] == \
                [("enqueue", None), ("offer", "1001"), ("answer", "1001")]

            # No record lost: the call A finished before the kill has its CDR, marked with A's tenure.
            # (A's writer commits in submission order; the later callers' enqueue rows were committed.)
            finished = await fetch_cdrs(db, caller="5551010")
            assert [(r.engine_node, r.disposition) for r in finished] == [("a@1", "completed")]

            # A, restarted, stays standby while B holds the lease.
            a2 = await EngineProcess("a", a.config).start()
            await a2.logged("standby: a waits; the lease is b@2", 30)
            assert await refuses_connections(PORTS["a"])
            renewals_before = (await read_lease(db)).renewed_at
            await until(lambda: _renewed_since(db, renewals_before), 10, 0.2, "B keeps renewing")
            assert not any("engine ready" in line for _, line in a2.lines)
            assert (await read_lease(db)).fence == "b@2"

            for w in waiting:
                await asyncio.wait_for(w, 80)  # their SIPp ends (they hung up in the fallback queue)
            assert await a2.stop() == 0
            assert await b.stop() == 0
            assert (await read_lease(db)).expires_in_s < 0  # B released the lease at its clean stop
            for proc in (a, b, a2):
                assert not any("Traceback" in line for _, line in proc.lines), proc.log()
        finally:
            watcher.cancel()
            for proc in (a, b, a2):
                if proc is not None and proc.proc is not None and proc.proc.returncode is None:
                    proc.proc.kill()
                    await proc.proc.wait()
            await db.dispose()


async def _renewed_since(db, before) -> bool:
    row = await read_lease(db)
    return row is not None and row.renewed_at > before


async def test_an_engine_that_finds_another_epoch_stops_acting_at_once_and_exits(sandbox, ami, tmp_path):
    """The fencing path without a second process: someone else's epoch appears in the lease row (as
    after a takeover that this engine did not see coming); at its next renewal the engine refuses
    new calls, hands its waiting caller back to the dialplan, flushes its records and exits 75."""
    fallbacks: set[str] = set()
    watcher = asyncio.create_task(watch_fallbacks(ami, fallbacks))
    async with pg_schema() as schema:
        db = make_engine(PG_URL, schema=schema)
        a = await EngineProcess("a", write_config(tmp_path, "a", schema)).start()
        try:
            await a.logged("engine ready", 30)
            await a.control({"cmd": "agent.login", "agent": "1001"})
            await a.control({"cmd": "agent.pause", "agent": "1001", "reason": "lunch"})
            caller = asyncio.create_task(sipp.call(tmp_path, [Pause(1500), Dtmf("0"), Pause(15000), HangUp()],
                                                   caller="5552200", timeout_s=60))
            enqueued: list = []

            async def queued() -> bool:
                enqueued[:] = await fetch_queue_log(db, event="enqueue")
                return len(enqueued) == 1

            await until(queued, 30, 0.2, "the caller queued at A")
            async with db.begin() as conn:
                await conn.execute(text("UPDATE engine_lease SET holder = 'b', epoch = epoch + 1, "
                                        "expires_at = now() + interval '60 seconds'"))
            fenced = time.monotonic()
            lost = await a.logged("lease lost", 5)
            assert lost - fenced <= RENEW_S + 1.0  # at the next renewal
            assert "1 live calls handed back" in next(line for _, line in a.lines if "lease lost" in line)
            await until(lambda: enqueued[0].call_id in fallbacks, 10, 0.1, "the waiting caller in the fallback")
            assert await refuses_connections(PORTS["a"])
            assert await a.stop() == 75  # EXIT_LEASE_LOST: the supervisor restarts it, as a standby

            # Records made before and at the loss are in the database: the agent's states, the
            # enqueue, and the handed-back call's CDR, marked with the tenure that served it.
            states = [r.to_state for r in await fetch_agent_states(db, agent_id="1001")]
            assert states[-2:] == ["ready", "paused"], states
            cdrs = await fetch_cdrs(db, call_id=enqueued[0].call_id)
            assert [(r.engine_node, r.queue) for r in cdrs] == [("a@1", "billing")]
            assert [r.event for r in await fetch_queue_log(db, call_id=enqueued[0].call_id)][0] == "enqueue"
            assert not any(r.event == "offer" for r in await fetch_queue_log(db))
            assert (await read_lease(db)).fence == "b@2"  # a lost engine never touches the lease again
            await asyncio.wait_for(caller, 60)
            assert not any("Traceback" in line for _, line in a.lines), a.log()
        finally:
            watcher.cancel()
            if a.proc is not None and a.proc.returncode is None:
                a.proc.kill()
                await a.proc.wait()
            await db.dispose()

