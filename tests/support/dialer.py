"""A `DialerService` over a real ACD and a real SQLite database, with an AMI that only records
Originates: enough to drive attempts, leads and campaign runs through their state machines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from acd import Agent, QueueSpec, Router
from cti.services.acd import AcdService
from cti.services.dialer import DialerService
from cti.store import DialAttemptRecord, create_schema, make_engine
from cti.store.leads import import_leads
from dialer.leads import Lead
from tests.support.sinks import RecordingSink

CAMPAIGN = """name: {name}
kind: follow_up
mode: {mode}
queue: outbound
caller_id: "+8602160000000"
dial_string: "Local/{{number}}@customer-sim"
default_timezone: UTC
max_attempts: 3
safe_harbor_prompt: safe_harbor
"""


def noon_zone(now: datetime | None = None) -> str:
    """An IANA zone where it is about noon now, well inside the default 09:00-21:00 call window."""
    ahead = 12 - (now or datetime.now(UTC)).hour  # -11 .. 12 hours
    return "Etc/GMT" if ahead == 0 else f"Etc/GMT{-ahead:+d}"  # Etc/GMT-8 is 8 hours ahead of UTC


class RecordingAmi:
    def __init__(self) -> None:
        self.originated: list[str] = []

    async def originate(self, channel: str, **kwargs) -> str:
        self.originated.append(channel)
        return kwargs["channel_id"]


@dataclass
class DialerWorld:
    service: DialerService
    acd: AcdService
    ami: RecordingAmi
    sink: RecordingSink
    db: object
    now: list[float] = field(default_factory=lambda: [100.0])

    @classmethod
    async def build(cls, tmp_path: Path, *, mode: str = "progressive", numbers: tuple[str, ...] = ("2001",),
                    name: str = "c") -> DialerWorld:
        campaigns = tmp_path / "campaigns"
        campaigns.mkdir(exist_ok=True)
        (campaigns / f"{name}.yaml").write_text(CAMPAIGN.format(name=name, mode=mode))
        db = make_engine(f"sqlite+aiosqlite:///{tmp_path}/hotline.db")
        await create_schema(db)
        zone = noon_zone()
        await import_leads(db, [Lead(f"{name}-{n}", name, n, zone) for n in numbers])
        now = [100.0]
        router = Router({"outbound": QueueSpec("outbound", {"outbound": 1}, wrapup_s=0)},
                        {"1001": Agent("1001", "Alice", "PJSIP/1001", {"outbound": 5})})
        sink, ami = RecordingSink(), RecordingAmi()
        acd = AcdService(router, sink, clock=lambda: now[0])
        service = DialerService(campaigns, db, ami, acd, sink, clock=lambda: now[0])
        return cls(service, acd, ami, sink, db, now)

    async def close(self) -> None:
        await self.service.saves.drain()
        await self.db.dispose()


@pytest.fixture
async def world(tmp_path: Path):
    """Campaign `c` running, agent 1001 logged in (ready): the dialer will dial one line."""
    started = await DialerWorld.build(tmp_path)
    started.acd.agent_command("1001", "login")
    await started.service.start("c")
    yield started
    await started.close()


def attempt_records(world: DialerWorld) -> list[DialAttemptRecord]:
    """The dial attempts recorded so far, in order."""
    return [r for r in world.sink.records if isinstance(r, DialAttemptRecord)]


async def dialed(world: DialerWorld):
    """One pacing tick (progressive, one ready agent: one line); the run and its one attempt."""
    run = world.service.runs["c"]
    await world.service.tick()
    [attempt] = run.inflight.values()
    return run, attempt
