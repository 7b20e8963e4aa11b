"""An engine's inbound side without Asterisk, for use-case tests: the shipped flows, a real ACD on a
fake clock, in-memory record sinks, and a customer directory from a dict."""

from __future__ import annotations

from pathlib import Path

from acd import Agent, QueueSpec, Router
from cti.ami.registry import CallRegistry
from cti.calls.inbound import InboundCalls
from cti.services.acd import AcdService
from cti.store import CdrRecord
from cti.store.models import QueueLogRecord
from ivr.loader import load_flows
from tests.support.clock import FakeClock
from tests.support.fake_call import FakeCall
from tests.support.sinks import RecordingSink

REPO = Path(__file__).resolve().parents[2]
SOUNDS = REPO / "sounds"


def shipped_flows() -> dict:
    found, issues = load_flows(REPO / "config/ivr", SOUNDS)
    assert not issues and "main" in found
    return found


class Directory:
    """The customer directory's two lookups, from a dict of callers."""

    def __init__(self, customers: dict[str, dict[str, str]]) -> None:
        self.customers = customers

    async def lookup(self, caller: str) -> dict[str, str]:
        return dict(self.customers.get(caller, {}))

    async def lookup_by(self, field: str, value: str) -> dict[str, str] | None:
        return self.customers.get(value) if field == "phone" else None


class Centre:
    """An engine's inbound side: shipped flows, a real ACD on a fake clock, in-memory sinks."""

    def __init__(self, flows, *, agents: dict[str, Agent] | None = None, with_acd: bool = True,
                 directory: Directory | None = None, registry: CallRegistry | None = None,
                 ami_up: bool = False) -> None:
        self.clock = FakeClock()
        self.cdrs, self.acd_records = RecordingSink(), RecordingSink()
        queues = {"billing": QueueSpec("billing", {"billing": 1}, wrapup_s=10),
                  "faults": QueueSpec("faults", {"faults": 1}, wrapup_s=10)}
        agents = agents if agents is not None else {"A": Agent("A", "Alice", "PJSIP/A", {"billing": 5})}
        self.acd = AcdService(Router(queues, agents), self.acd_records, clock=self.clock, wall=self.clock.wall)
        self.ended: list[CdrRecord] = []
        self.calls = InboundCalls(lambda: flows, SOUNDS, registry or CallRegistry(), self.cdrs,
                                  ami_up=lambda: ami_up, acd=self.acd if with_acd else None, directory=directory)
        self.calls.ended_listeners.append(self.ended.append)

    def agent(self, agent_id: str, *commands: str) -> None:
        for command in commands:
            self.acd.agent_command(agent_id, *command.split(":"))

    def call(self, steps=(), **kwargs) -> FakeCall:
        return FakeCall(steps, clock=self.clock, **kwargs)

    async def serve(self, call: FakeCall) -> CdrRecord:
        """Run the call to its end and return its CDR (written once Asterisk would have hung up)."""
        await self.calls.handle(call)
        await self.calls.drain(timeout=2.0)  # a deadline, not a pause: the CDR task has nothing to wait for
        [cdr] = [r for r in self.cdrs.records if isinstance(r, CdrRecord)]  # visits (IvrVisitRecord) come too
        return cdr

    def state(self, agent_id: str) -> str:
        return str(self.acd.router.agent(agent_id).state)

    def queue_log(self) -> list[tuple[str, str, str | None]]:
        return [(r.call_id, str(r.event), r.agent_id) for r in self.acd_records.records
                if isinstance(r, QueueLogRecord)]
