"""The live channel (SSE over a real uvicorn in this loop) and the two seams: alerts and /metrics."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from cti.web import WebServer
from tests.support.mosquitto import free_port
from tests.support.until import until
from tests.support.web import WebDesk, login

OFFER = {"queue": "billing", "call": "1700000000.12", "event": "offer", "agent_id": "1001",
         "context": {"caller": "5559001", "tier": "gold", "ivr_path": "by_tier>menu>agent"}}


class Alerts:
    """What the alerts feature will inject: the active list and a raised/cleared subscription."""

    def __init__(self) -> None:
        self.now: list[dict] = [{"id": "a1", "queue": "billing", "kind": "volume", "message": "calls up 80%"}]
        self.callbacks: list = []

    def active(self) -> list[dict]:
        return list(self.now)

    def subscribe(self, callback) -> None:
        self.callbacks.append(callback)


@pytest.fixture
async def served(tmp_path):
    alerts = Alerts()
    desk = WebDesk(tmp_path, alerts=alerts)
    desk.alerts = alerts
    server = WebServer(desk.context, "127.0.0.1", free_port())
    task = asyncio.create_task(server.run())
    await until(lambda: server.started, 10, message="web server listening")
    desk.base = f"http://127.0.0.1:{server.port}"
    yield desk
    await server.close()
    await asyncio.wait_for(task, 10)


class Stream:
    """The events of one session's /api/events, read as they come."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __aenter__(self):
        self._cm = self.client.stream("GET", "/api/events")
        self.response = await self._cm.__aenter__()
        self.lines = self.response.aiter_lines()
        return self

    async def __aexit__(self, *exc):
        await self._cm.__aexit__(*exc)

    async def next(self, skip=("ping", "board")) -> tuple[str, dict]:
        while True:
            name = data = None
            async for line in self.lines:
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                elif line == "" and name:
                    break
            if name not in skip:
                return name, data


async def _session(desk, user: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=desk.base, timeout=10)
    return client, await login(client, user)


async def test_a_screen_pop_reaches_only_its_agent_and_supervisors_get_the_call_without_caller_data(served):
    alice, _ = await _session(served, "1001")
    bob, _ = await _session(served, "1002")
    boss, _ = await _session(served, "boss")
    async with Stream(alice) as a, Stream(bob) as b, Stream(boss) as s:
        for stream in (a, b, s):
            assert (await stream.next())[0] == "hello"
        served.acd.notifier.relay("queue", OFFER)
        served.acd.agent_command("1002", "login")  # a marker: Bob's next event must be his own state
        name, pop = await asyncio.wait_for(a.next(), 10)
        assert name == "screenpop" and pop["context"]["tier"] == "gold"
        name, body = await asyncio.wait_for(b.next(), 10)  # no screen pop, no call event before it
        assert name == "state" and body["agent"] == "1002"
        name, call = await asyncio.wait_for(s.next(), 10)
        assert name == "call" and call["agent_id"] == "1001" and "context" not in call
        assert (await asyncio.wait_for(s.next(), 10))[0] == "state"
        other = await bob.get("/api/agents/1001")
        assert other.status_code == 403
        mine = (await alice.get("/api/agents/1001")).json()
        assert mine["pop"]["context"]["caller"] == "5559001"



async def test_alerts_from_the_injected_feed_reach_supervisors_live_and_on_the_wallboard(served):
    boss, _ = await _session(served, "boss")
    alice, _ = await _session(served, "1001")
    async with Stream(boss) as s, Stream(alice) as a:
        assert (await s.next())[0] == "hello" and (await a.next())[0] == "hello"
        assert (await boss.get("/api/wallboard")).json()["alerts"][0]["id"] == "a1"
        [publish] = served.alerts.callbacks
        publish({"id": "a2", "queue": "billing", "event": "raised", "message": "abandonment 30%"})
        publish({"id": "a3", "queue": "faults", "event": "raised"})  # outside boss's scope
        publish({"id": "a2", "queue": "billing", "event": "cleared"})
        name, raised = await asyncio.wait_for(s.next(), 10)
        assert (name, raised["id"], raised["event"]) == ("alert", "a2", "raised")
        name, cleared = await asyncio.wait_for(s.next(), 10)  # a3 (faults) is not boss's
        assert (name, cleared["id"], cleared["event"]) == ("alert", "a2", "cleared")
        served.acd.agent_command("1001", "login")  # Alice's next event is her state: no alert reached her
        assert (await asyncio.wait_for(a.next(), 10))[0] == "state"


async def test_metrics_default_404_from_loopback_and_refused_from_elsewhere_without_the_admin_token(tmp_path):
    bare = WebDesk(tmp_path / "a")
    async with bare.client("127.0.0.1") as client:
        assert (await client.get("/metrics")).status_code == 404
    wired = WebDesk(tmp_path / "b", metrics=lambda: "hotline_up 1\n", admin_token="s3cret-token")
    async with wired.client("127.0.0.1") as client:
        reply = await client.get("/metrics")
        assert reply.status_code == 200 and reply.text == "hotline_up 1\n"
        assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    async with wired.client("192.0.2.7") as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})).status_code == 200
        await login(client, "1001")
        assert (await client.get("/metrics")).status_code == 401  # an agent session is not enough
        await login(client, "root")
        assert (await client.get("/metrics")).status_code == 200
