"""A call session on a timeline: what queue and dialer tests drive instead of FastAGI.

Where `fake_call.FakeCall` is driven by the caller's answers in order (IVR walks), this one is
driven by a clock: things happen at set times while the call waits in a queue.

It has the `CallSession` methods the call use cases run and records each as a tuple in `actions`.
Time only moves when the call does: `wait_for_digit` advances the clock by its timeout (less if
something scripted happens first) and a `dial` by its ring and talk time. What the world does
meanwhile is scripted on the same clock: `press(at, key)`, `hang_up(at)`, `at(t, action)` (an
agent comes back from a break...). `dials[interface]` lists what each Dial of that interface gets:
"ANSWER" (talk `talk_s`), "NOANSWER"/"BUSY"... (rings `timeout_s`), or "HANGUP" (the agent answers,
then the caller hangs up mid-talk: `on_answer`, AMI's DialEnd, is called first).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from cti.agi import CallerHungUp, DialOutcome

MAX_COMMANDS = 10_000  # a test whose call never ends fails instead of hanging


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def ticking(acd) -> AsyncIterator[None]:
    """The engine's ticking task (the router's timeouts: max wait, ring, wrap-up) on the fake clock:
    it ticks whenever the call yields, i.e. after every poll slice."""
    task = asyncio.create_task(acd.run_ticks(0), name="acd ticks")
    try:
        yield
    finally:
        task.cancel()


class TimedCall:
    """One call whose caller, agents and router act at scripted times (see the module docstring)."""

    def __init__(self, clock: Clock, uniqueid: str = "1700000000.1", *, variables: dict[str, str] | None = None,
                 talk_s: int = 30, ring_s: int = 2, on_answer: Callable[[str], None] | None = None) -> None:
        self.clock, self.uniqueid = clock, uniqueid
        self.node = ""  # the Asterisk node (CallSession.node)
        self.caller, self.dialed, self.script, self.env = "+8613800000000", "10000", "ivr/main", {}
        self.variables = dict(variables or {})
        self.talk_s, self.ring_s, self.on_answer = talk_s, ring_s, on_answer
        self.dials: dict[str, list[str]] = {}
        self.entries: list[str] = []  # what the caller keys in at each IVR collect
        self.actions: list[tuple[Any, ...]] = []
        self.hung_up = False
        self._script: list[tuple[float, int, object]] = []
        self._order = itertools.count()

    # -- the world, scripted ----------------------------------------------------------------
    def press(self, at: float, key: str) -> None:
        heapq.heappush(self._script, (at, next(self._order), key))

    def hang_up(self, at: float) -> None:
        heapq.heappush(self._script, (at, next(self._order), CallerHungUp))

    def at(self, t: float, action: Callable[[], object]) -> None:
        heapq.heappush(self._script, (t, next(self._order), action))

    def did(self, name: str) -> list[tuple[Any, ...]]:
        return [a for a in self.actions if a[0] == name]

    # -- CallSession ------------------------------------------------------------------------
    async def wait_for_digit(self, timeout_ms: int) -> str:
        self._command("wait", timeout_ms)
        end = self.clock.now + timeout_ms / 1000
        while self._script and self._script[0][0] <= end:
            at, _, what = heapq.heappop(self._script)
            self.clock.now = max(self.clock.now, at)
            if what is CallerHungUp:
                self._gone()
            if isinstance(what, str):
                return what
            what()
        self.clock.now = end
        await asyncio.sleep(0)  # let the ACD's ticking task look at the new time
        return ""

    async def dial(self, interface: str, timeout_s: int, options: str = "") -> DialOutcome:
        self._command("dial", interface, timeout_s, options)
        status = (self.dials.get(interface) or ["ANSWER"]).pop(0)
        if status not in ("ANSWER", "HANGUP"):
            self.clock.now += timeout_s
            return DialOutcome(status, 0, timeout_s)
        self.clock.now += self.ring_s
        if self.on_answer is not None:
            self.on_answer(self.uniqueid)
        self.clock.now += self.talk_s
        if status == "HANGUP":
            self._gone()
        return DialOutcome("ANSWER", self.talk_s, self.ring_s + self.talk_s)

    async def music_on(self, cls: str = "default") -> None:
        self._command("music_on")

    async def music_off(self) -> None:
        self._command("music_off")

    async def play(self, prompt: str, escape_digits: str = "") -> str:
        self._command("play", Path(prompt).name)
        return ""

    async def collect(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str = "#") -> str:
        self._command("collect", prompt and Path(prompt).name)
        return self.entries.pop(0) if self.entries else ""

    async def say_number(self, n: int, escape: str = "") -> str:
        self._command("say_number", n)
        return ""

    async def exec(self, app: str, *args: object, timeout: float | None = None) -> None:
        self._command("exec", app, *args)

    async def get_variable(self, name: str) -> str | None:
        self._command("get", name)
        return self.variables.get(name)

    async def set_variable(self, name: str, value: str) -> None:
        self._command("set", name, value)

    async def hangup(self) -> None:
        if not self.hung_up:
            self.actions.append(("hangup",))
        self.hung_up = True

    def _command(self, name: str, *args: object) -> None:
        if len(self.actions) >= MAX_COMMANDS:
            raise AssertionError(f"{MAX_COMMANDS} commands on one call: a wait that never ends?")
        if self.hung_up or (self._script and self._script[0][2] is CallerHungUp
                            and self._script[0][0] <= self.clock.now):
            self._gone()
        self.actions.append((name, *args))

    def _gone(self) -> None:
        self.hung_up = True
        raise CallerHungUp("caller hung up")
