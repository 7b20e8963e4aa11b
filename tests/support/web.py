"""A web desk on a real ACD (fake clock) and real `Commands`, for API and authorisation tests:
agents 1001 and 1002 (billing), 1003 (faults); users for each, a billing supervisor, an admin."""

from __future__ import annotations

from pathlib import Path

import httpx

from acd import Agent, QueueSpec, Router
from cti.app.control import Commands
from cti.services.acd import AcdService
from cti.web import WebContext, make_app, make_context
from tests.support.clock import FakeClock
from tests.support.sinks import RecordingSink

PASSWORD = "correct horse"
USERS = {"1001": ("agent", ()), "1002": ("agent", ()), "1003": ("agent", ()),
         "boss": ("supervisor", ("billing",)), "root": ("admin", ())}


class WebDesk:
    def __init__(self, tmp_path: Path, *, metrics=None, alerts=None, admin_token: str | None = None,
                 today=None) -> None:
        self.clock = FakeClock()
        queues = {"billing": QueueSpec("billing", {"billing": 1}, wrapup_s=10),
                  "faults": QueueSpec("faults", {"faults": 1}, wrapup_s=10)}
        agents = {"1001": Agent("1001", "Alice", "PJSIP/1001", {"billing": 5}),
                  "1002": Agent("1002", "Bob", "PJSIP/1002", {"billing": 5}),
                  "1003": Agent("1003", "Carol", "PJSIP/1003", {"faults": 5})}
        self.acd = AcdService(Router(queues, agents), RecordingSink(), clock=self.clock, wall=self.clock.wall)
        self.commands = Commands(self.acd)
        self.context: WebContext = make_context(
            users_file=tmp_path / "users.json", commands=self.commands, agents=self.commands.agents,
            queues=self.commands.queues, queue_names=self.acd.queue_names,
            agents_of=lambda q: [a.id for a in self.acd.agents_of(q)], clock=self.clock, alerts=alerts,
            metrics=metrics, admin_token=admin_token, board_interval=0.2, today=today)
        for user_id, (role, scope) in USERS.items():
            self.context.users.set(user_id, role, PASSWORD, queues=scope)
        self.acd.notifier.listeners.append(self.context.hub.listener)
        self.app = make_app(self.context)

    def client(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def login(client: httpx.AsyncClient, user: str, password: str = PASSWORD) -> str:
    """Logs in; returns the session's CSRF token."""
    reply = await client.post("/api/login", json={"user": user, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["csrf"]
