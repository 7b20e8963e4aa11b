"""A consult being hung up whose leg never goes (the AMI Hangup failed, or its end never reached
us) ends anyway `HANGUP_WAIT_S` later, as the leg's end would have ended it: consult_end with the
reason, the consulting agent free, the colleague to wrap-up, the leg out of the queue. Timers run
on a fake clock; the leg's FastAGI session ends only when the test says so."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cti.agi import CallerHungUp
from cti.ami.client import AmiError
from cti.calls.consult import HANGUP_WAIT_S, Consults
from tests.support.clock import FakeClock
from tests.support.until import until
from tests.unit.test_consult import Ami, consult_log, talking, world  # noqa: F401 (fixture)

LEG = "Local/5137222@hotline-consult-00000001;2"


class FailingAmi(Ami):
    async def hangup(self, channel: str) -> None:
        await super().hangup(channel)
        raise AmiError("Hangup failed: AMI connection lost")


class StuckLeg:
    """The consult leg's FastAGI session: a colleague who is logged in answers at once (AMI sees
    it); the leg's hang-up surfaces (as `CallerHungUp`, mid-Dial or mid-wait) only on `end()`."""

    def __init__(self, consult_id: str, consults: Consults) -> None:
        self.script, self.uniqueid, self.env = f"consult/{consult_id}", "1700000000.9", {"channel": LEG}
        self.node = ""  # the Asterisk node (CallSession.node)
        self.consults, self._gone = consults, asyncio.Event()

    def end(self) -> None:
        self._gone.set()

    async def answer(self) -> None: ...
    async def music_on(self) -> None: ...
    async def music_off(self) -> None: ...

    async def wait_for_digit(self, ms: int) -> str:
        await self._gone.wait()
        raise CallerHungUp("consult leg hung up")

    async def dial(self, interface: str, timeout_s: int, options: str = "") -> None:
        self.consults.acd.on_dial_answered(self.uniqueid)  # AMI DialEnd: the colleague picked up
        await self._gone.wait()
        raise CallerHungUp("consult leg hung up")


@pytest.fixture
def setup(world):  # noqa: F811
    acd, registry, sink = world
    clock = FakeClock()
    told: list[tuple[str, str]] = []
    acd.notifier.listeners.append(lambda kind, p: told.append((p["event"], p["reason"])) if kind == "consult" else None)
    return acd, registry, sink, clock, told


async def arrived(consults: Consults, acd, state: str = "talking") -> tuple[StuckLeg, asyncio.Task]:
    """The consult leg's session started and the consult in `state` (talking: a ready colleague answered)."""
    talking(acd, consults.registry)
    leg = StuckLeg(consults.start("A", "faults")["consult"], consults)
    session = asyncio.create_task(consults.handle(leg))
    await until(lambda: consults.of_agent("A").state == state, 2, message=f"consult {state}")
    return leg, session


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "not gone" in r.getMessage()]


async def test_a_cancelled_consult_whose_leg_never_goes_ends_and_frees_the_colleague(setup, caplog):
    acd, registry, sink, clock, told = setup
    consults = Consults(acd, Ami(), registry, later=clock.after)
    acd.agent_command("B", "login")
    leg, session = await arrived(consults, acd)
    assert consults.of_agent("A").state == "talking" and str(acd.agent("B").state) == "on_call"
    consults.cancel("A")
    await until(lambda: ("hangup", LEG) in consults.ami.sent, 2, message="leg hangup sent")
    clock.advance(HANGUP_WAIT_S - 0.1)
    assert consults.of_agent("A").state == "cancelled" and warnings(caplog) == []
    clock.advance(0.1)
    assert consults.of_agent("A") is None
    assert consult_log(sink)[-1] == ("consult_end", "cancelled") and told[-1] == ("consult_ended", "cancelled")
    assert str(acd.agent("B").state) == "wrap_up" and str(acd.agent("A").state) == "on_call"
    [warning] = warnings(caplog)
    assert LEG in warning and "10 s" in warning
    leg.end()  # the leg's end after all: nothing happens twice
    await session
    clock.advance(60)
    assert [e for e, _ in consult_log(sink)].count("consult_end") == 1 and len(warnings(caplog)) == 1
    assert str(acd.agent("B").state) == "wrap_up"


async def test_a_timed_out_consult_whose_hangup_fails_leaves_the_queue_and_ends(setup, caplog):
    acd, registry, sink, clock, told = setup
    consults = Consults(acd, FailingAmi(), registry, max_wait_s=120, later=clock.after)
    acd.agent_command("B", "login")
    acd.agent_command("B", "pause")  # faults has someone, but nobody ready: the leg waits
    leg, session = await arrived(consults, acd, "waiting")
    assert acd.waiting("faults")
    clock.advance(120)
    await until(lambda: ("hangup", LEG) in consults.ami.sent, 2, message="leg hangup sent")
    assert consults.of_agent("A").state == "timeout"
    clock.advance(HANGUP_WAIT_S)
    assert consults.of_agent("A") is None and consult_log(sink)[-1] == ("consult_end", "timeout")
    assert acd.waiting("faults") == []
    acd.agent_command("B", "ready")
    assert str(acd.agent("B").state) == "ready"  # no dead consult offered to him
    leg.end()
    await session
    assert [e for e, _ in consult_log(sink)].count("consult_end") == 1 and len(warnings(caplog)) == 1


async def test_the_latest_reason_is_the_one_recorded(setup):
    acd, registry, sink, clock, _ = setup
    consults = Consults(acd, Ami(), registry, later=clock.after)
    acd.agent_command("B", "login")
    leg, session = await arrived(consults, acd)
    consults.cancel("A")
    clock.advance(4)
    consults.on_call_ended("c1")  # the caller on hold gave up too
    clock.advance(HANGUP_WAIT_S)
    assert consult_log(sink)[-1] == ("consult_end", "caller hung up")
    assert [e for e, _ in consult_log(sink)].count("consult_end") == 1
    leg.end()
    await session


async def test_a_leg_that_goes_in_time_is_left_alone(setup, caplog):
    acd, registry, sink, clock, _ = setup
    consults = Consults(acd, Ami(), registry, later=clock.after)
    acd.agent_command("B", "login")
    leg, session = await arrived(consults, acd)
    consults.cancel("A")
    leg.end()
    await session
    assert consult_log(sink)[-1] == ("consult_end", "cancelled")
    clock.advance(HANGUP_WAIT_S)
    assert [e for e, _ in consult_log(sink)].count("consult_end") == 1 and warnings(caplog) == []
    assert str(acd.agent("B").state) == "wrap_up"
