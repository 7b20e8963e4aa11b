"""The I/O shell of the IVR: executes a `Walk`'s commands on a live call session.

Everything outside the call is injected and optional, so a flow runs (with safe outcomes) in an
engine that has not wired a service yet:

- `customer_lookup(field, value)` for lookup nodes with source customer_db ('phone' or
  'account'): a mapping of the customer's fields, or None when there is no such customer;
  raise `ServiceFailed`, OSError or TimeoutError for the failure branch. Missing: not found.
- `book_callback(number, variables)` for callback nodes; return False or raise for the failure
  branch. Missing: logged, and the flow goes on as booked.
- `queue_handler(call, command, context, prompt_path)` for queue nodes: waits in the ACD
  (`cti.calls.queue_stay.QueueStay`) and returns the queue's result. Missing: nobody_logged_in.
- `flows` (a mapping, or a function returning the current one) for `goto` into another flow.
  Missing: only this flow is known.
- `http_get(url, timeout_s)` for http lookups (default: `cti.calls.http_lookup.get_json`), `clock`
  for hours nodes (default: the real time, UTC-aware).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from common.safety import strip_controls
from cti.agi import CallerHungUp
from cti.calls.http_lookup import ServiceFailed, get_json
from ivr.models import Flow
from ivr.struggle import NodeVisit, annotated_path
from ivr.speech import say_parts
from ivr.stepper import Voicemail
from ivr.stepper import (Callback, Collect, Command, Enqueue, Finish, GotoFlow, Lookup, LookupFailure, Play, Result,
                         Say, Transfer, Walk)

# (call, command, the caller's context for the agent's screen, the walk's prompt paths) -> queue result
QueueHandler = Callable[["MediaSession", Enqueue, Mapping[str, str], Callable[[str], str]], Awaitable[str]]
CustomerLookup = Callable[[str, str], Awaitable[Mapping[str, object] | None]]
BookCallback = Callable[[str, Mapping[str, str]], Awaitable[object]]
HttpGet = Callable[[str, float], Awaitable[Mapping[str, object] | None]]
FlowSource = Mapping[str, Flow] | Callable[[], Mapping[str, Flow]]
VARIABLE_PREFIX = "HOTLINE_"

log = logging.getLogger("hotline.ivr")


class MediaSession(Protocol):
    """What the runner needs from a call (cti.agi.CallSession provides it)."""

    uniqueid: str

    async def play(self, prompt: str, escape_digits: str = "") -> str: ...

    async def collect(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str = "#") -> str: ...

    async def say_digits(self, digits: str, escape: str = "") -> str: ...

    async def say_number(self, n: int, escape: str = "") -> str: ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def exec(self, app: str, *args: object, timeout: float | None = None) -> Any: ...

    async def dial(self, interface: str, timeout_s: int, options: str = "") -> Any: ...


@dataclass
class IvrOutcome:
    flow: str
    path: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    exit_node: str = ""
    disposition: str = ""
    visits: list[NodeVisit] = field(default_factory=list)  # menu/collect visits (ivr.struggle)

    @property
    def path_text(self) -> str:
        """`a>menu(no_match:7,8)>b`: the path with each question the caller struggled with annotated."""
        return annotated_path(self.path, self.visits)


class FlowRunner:
    """Runs one call through one flow; the walk's state lives in `outcome` even if the caller leaves."""

    def __init__(self, flow: Flow, sounds_dir: Path, *, variables: dict[str, str] | None = None,
                 queue_handler: QueueHandler | None = None, customer_lookup: CustomerLookup | None = None,
                 book_callback: BookCallback | None = None, flows: FlowSource | None = None,
                 http_get: HttpGet = get_json, clock: Callable[[], datetime] | None = None) -> None:
        self.flow = flow
        self.sounds_dir = sounds_dir
        self._sounds_root = _resolved(sounds_dir)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.walk = Walk(flow, variables=dict(variables or {}), now=self.clock())
        self.queue_handler = queue_handler
        self.customer_lookup = customer_lookup
        self.book_callback = book_callback
        self.flows = flows
        self.http_get = http_get
        self.outcome = IvrOutcome(flow.name, self.walk.path, self.walk.digits, visits=self.walk.visits)
        self._channel_language = ""

    def prompt_path(self, name: str) -> str:
        return f"{self._sounds_root}/{self.walk.language}/{name}"

    def caller_context(self) -> dict[str, str]:
        """What the walk knows of the caller (variables, path, keys), for the agent's screen pop."""
        return {**self.walk.variables, "ivr_path": self.walk.path_text, "digits": "".join(self.walk.digits)}

    async def run(self, call: MediaSession) -> IvrOutcome:
        command = self.walk.start()
        while not isinstance(command, Finish):
            self.outcome.exit_node = self.walk.exit_node
            try:
                result = await self._execute(call, command)
            except CallerHungUp:
                self.walk.caller_left()  # a question being asked ends as hung_up
                raise
            self.walk.now = self.clock()
            command = self.walk.feed(result)
        self.outcome.exit_node = self.walk.exit_node
        self.outcome.disposition = command.disposition
        return self.outcome

    async def _execute(self, call: MediaSession, command: Command) -> Result:
        if isinstance(command, Play):
            return await self._play_all(call, command.prompts, command.escape_digits)
        if isinstance(command, Collect):
            return await self._collect(call, command)
        if isinstance(command, Say):
            await self._say(call, command)
            return ""
        if isinstance(command, Lookup):
            return await self._lookup(call, command)
        if isinstance(command, Enqueue):
            if self.queue_handler is None:
                log.error("flow %s queues to %s but the engine has no ACD", self.flow.name, command.queue)
                return "nobody_logged_in"
            return await self.queue_handler(call, command, self.caller_context(), self.prompt_path)
        if isinstance(command, Transfer):
            return await self._transfer(call, command)
        if isinstance(command, Callback):
            return await self._callback(call, command)
        if isinstance(command, Voicemail):
            return await self._voicemail(call, command)
        assert isinstance(command, GotoFlow), f"unknown command {command!r}"
        return self._other_flow(command.flow)

    # -- media -------------------------------------------------------------------------------
    async def _collect(self, call: MediaSession, command: Collect) -> str:
        *intro, last = command.prompts
        key = await self._play_all(call, tuple(intro), command.escape_digits)
        if key and command.max_digits == 1:
            return key
        if key:  # the first key of an entry, pressed during a retry prompt
            if key in command.terminator:
                return ""
            rest = await call.collect(None, command.max_digits - 1, command.timeout_ms, command.terminator)
            return key + rest
        self._heard(call, last)
        return await call.collect(self.prompt_path(last), command.max_digits, command.timeout_ms,
                                  terminator=command.terminator)

    async def _play_all(self, call: MediaSession, prompts: tuple[str, ...], escape: str) -> str:
        for prompt in prompts:
            self._heard(call, prompt)
            key = await call.play(self.prompt_path(prompt), escape)
            if key:
                return key
        return ""

    async def _say(self, call: MediaSession, command: Say) -> None:
        if self._channel_language != self.walk.language:
            # Asterisk picks its number/date words by the channel's language.
            await call.set_variable("CHANNEL(language)", self.walk.language)
            self._channel_language = self.walk.language
        log.debug("call %s flow %s node %s says %s %s", call.uniqueid, self.walk.flow.name, self.walk.node,
                 command.kind, command.value)
        for part in say_parts(command.kind, command.value, self.walk.language):
            if part.how == "prompt":
                self._heard(call, part.value)
                await call.play(self.prompt_path(part.value), "")
            elif part.how == "number":
                await call.say_number(int(part.value))
            elif part.how == "digits":
                await call.say_digits(part.value)
            else:
                await call.exec("SayUnixTime", part.value, "UTC", part.fmt)

    def _heard(self, call: MediaSession, prompt: str) -> None:
        self.outcome.prompts.append(prompt)
        log.debug("call %s flow %s node %s plays %s", call.uniqueid, self.walk.flow.name, self.walk.node, prompt)

    # -- services ------------------------------------------------------------------------------
    async def _lookup(self, call: MediaSession, command: Lookup) -> Mapping[str, object] | LookupFailure | None:
        try:
            if command.source == "http":
                return await self.http_get(command.key, command.timeout_s)
            if self.customer_lookup is None:
                log.warning("call %s: flow %s looks up a customer but no customer lookup is wired; not found",
                            call.uniqueid, self.flow.name)
                return None
            return await asyncio.wait_for(self.customer_lookup(command.field, command.key), command.timeout_s)
        except (ServiceFailed, OSError, asyncio.TimeoutError) as exc:
            log.warning("call %s: %s lookup at node %s failed: %s", call.uniqueid, command.source, self.walk.node,
                        exc or type(exc).__name__)
            return LookupFailure(str(exc) or type(exc).__name__)

    async def _callback(self, call: MediaSession, command: Callback) -> str:
        if self.book_callback is None:
            log.warning("call %s: call back to %s requested at node %s, but no booking service is wired",
                        call.uniqueid, command.number, self.walk.node)
            return "booked"
        try:
            booked = await self.book_callback(command.number, dict(self.walk.variables))
        except (ServiceFailed, OSError, asyncio.TimeoutError) as exc:
            log.warning("call %s: booking a call back to %s failed: %s", call.uniqueid, command.number, exc)
            return "failed"
        return "failed" if booked is False else "booked"

    async def _voicemail(self, call: MediaSession, command: Voicemail) -> str:
        """VoiceMail(box@context,u|b|s); VMSTATUS says whether a message was left."""
        option = {"unavailable": "u", "busy": "b", "none": "s"}[command.greeting]
        log.info("call %s flow %s node %s leaves voicemail in %s@%s", call.uniqueid, self.flow.name,
                 self.walk.node, command.mailbox, command.context)
        await call.exec("VoiceMail", f"{command.mailbox}@{command.context}", option)
        status = await call.get_variable("VMSTATUS")
        return "left" if status == "SUCCESS" else "failed"

    async def _transfer(self, call: MediaSession, command: Transfer) -> str:
        """Context variables first (HOTLINE_<NAME>), then Dial (caller comes back: option g) or Goto."""
        for name, value in command.variables.items():
            await call.set_variable(VARIABLE_PREFIX + name.upper(), strip_controls(value))
        if command.mode == "goto":
            await call.exec("Goto", command.context, command.target, 1)
            return "transferred"
        interface = command.target if "/" in command.target else f"Local/{command.target}@{command.context}"
        outcome = await call.dial(interface, command.ring_s, "g")
        status = getattr(outcome, "status", "")
        log.info("call %s: transfer to %s: %s", call.uniqueid, interface, status or "no status")
        return "answered" if status == "ANSWER" else "failed"

    def _other_flow(self, name: str) -> Flow | None:
        flows = self.flows() if callable(self.flows) else self.flows
        found = (flows or {self.flow.name: self.flow}).get(name)
        if found is None:
            log.error("flow %s: goto flow %r, which is not being served", self.flow.name, name)
        return found


@functools.lru_cache(maxsize=16)
def _resolved(sounds_dir: Path) -> str:
    """The sounds folder as an absolute path, once per folder (not per call): `Path.resolve()` stats
    every folder on the way (~10 `lstat` a call, ~4 % of the engine's CPU per call)."""
    return str(sounds_dir.resolve())
