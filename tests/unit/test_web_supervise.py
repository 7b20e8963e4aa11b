"""POST /api/supervise: the wallboard's live monitoring door (session, CSRF, role, the web login as the
supervisor id), and the wallboard's monitoring part. The engine side is the real `MonitorService`
over the real ACD; nothing may reach Asterisk here (every request is refused before an Originate)."""

from __future__ import annotations

import pytest

from acd.supervision import Supervisor
from cti.ami.registry import CallRegistry
from cti.app.supervise_commands import SuperviseCommands
from cti.services.monitoring import MonitorService
from cti.store.quality_models import MonitorSessionRecord
from tests.support.web import WebDesk, login


class NoAmi:
    async def originate(self, *args, **kwargs):
        raise AssertionError("no Originate may be sent")


@pytest.fixture
def desk(tmp_path) -> WebDesk:
    desk = WebDesk(tmp_path)
    desk.records = []
    sink = type("Sink", (), {"submit": lambda self, r: desk.records.append(r)})()
    monitor = MonitorService(desk.acd, NoAmi(), CallRegistry(), sink,
                             {"boss": Supervisor("boss", "Boss", "PJSIP/2001", ("billing",))})
    desk.commands.supervise = SuperviseCommands(monitor)
    desk.context.monitoring = lambda user: monitor.list(user) if user in monitor.supervisors else None
    return desk


async def post(client, csrf: str | None, body: dict):
    return await client.post("/api/supervise", json=body, headers={"X-CSRF-Token": csrf} if csrf else {})


async def test_agents_may_not_monitor_and_a_write_needs_the_csrf_token(desk):
    async with desk.client() as client:
        csrf = await login(client, "1001")
        reply = await post(client, csrf, {"cmd": "listen", "agent": "1002"})
        assert (reply.status_code, reply.json()["error_id"]) == (403, "forbidden")
    async with desk.client() as client:
        await login(client, "boss")
        reply = await post(client, None, {"cmd": "listen", "agent": "1001"})
        assert (reply.status_code, reply.json()["error_id"]) == (403, "csrf")
    assert desk.records == []


async def test_supervisor_requests_are_checked_by_the_engine_and_logged_as_web(desk):
    async with desk.client() as client:
        csrf = await login(client, "boss")
        replies = [await post(client, csrf, body) for body in (
            {"cmd": "listen", "agent": "1003"},                       # Carol: faults, not boss's billing
            {"cmd": "barge", "agent": "1001", "request_id": "r2"},    # Alice: his, but on no call
            {"cmd": "listen", "agent": "1001", "supervisor": "root"},  # as someone else
            {"cmd": "mode", "mode": "whisper"},                        # no session
            {"cmd": "spy", "agent": "1001"})]
        assert [(r.status_code, r.json()["error_id"]) for r in replies] == [
            (403, "out-of-scope"), (409, "agent-not-on-call"), (400, "supervisor-mismatch"), (409, "no-session"),
            (400, "unknown-command")]
        assert replies[1].json()["request_id"] == "r2"
    logged = [(r.supervisor, r.agent, r.mode, r.outcome, r.via) for r in desk.records
              if isinstance(r, MonitorSessionRecord)]
    assert logged == [("boss", "1003", "listen", "refused", "web"),
                      ("boss", "1001", "barge", "agent_not_on_call", "web")]


async def test_wallboard_carries_the_supervisors_monitoring_scope_and_admins_get_none(desk):
    async with desk.client() as client:
        await login(client, "boss")
        monitor = (await client.get("/api/wallboard")).json()["monitor"]
        assert [a["id"] for a in monitor["agents"]] == ["1001", "1002"] and monitor["session"] is None
    async with desk.client() as client:
        await login(client, "root")
        assert (await client.get("/api/wallboard")).json()["monitor"] is None  # not a supervisor of acd.yaml
