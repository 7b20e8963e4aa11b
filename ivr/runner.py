"""The I/O shell of the IVR: executes a `Walk`'s commands on a live call session."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Protocol

from ivr.models import Flow
from ivr.stepper import Collect, Enqueue, Finish, Play, Walk

QueueHandler = Callable[["MediaSession", Enqueue], Awaitable[str]]

log = logging.getLogger("hotline.ivr")


class MediaSession(Protocol):
    """What the runner needs from a call (cti.agi.CallSession provides it)."""

    uniqueid: str

    async def play(self, prompt: str, escape_digits: str = "") -> str: ...

    async def collect(self, prompt: str | None, max_digits: int, timeout_ms: int, terminator: str = "#") -> str: ...


@dataclass
class IvrOutcome:
    flow: str
    path: list[str] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    exit_node: str = ""
    disposition: str = ""


class FlowRunner:
    """Runs one call through one flow; the walk's state lives in `outcome` even if the caller leaves."""

    def __init__(self, flow: Flow, sounds_dir: Path, *, variables: dict[str, str] | None = None,
                 queue_handler: QueueHandler | None = None) -> None:
        self.flow = flow
        self.sounds_dir = sounds_dir
        self.walk = Walk(flow, variables=dict(variables or {}))
        self.queue_handler = queue_handler
        self.outcome = IvrOutcome(flow.name, self.walk.path, self.walk.digits)

    def prompt_path(self, name: str) -> str:
        return str((self.sounds_dir / self.flow.language / name).resolve())

    async def run(self, call: MediaSession) -> IvrOutcome:
        command = self.walk.start()
        while not isinstance(command, Finish):
            self.outcome.exit_node = self.walk.node
            result = await self._execute(call, command)
            command = self.walk.feed(result)
        self.outcome.exit_node = self.walk.node
        self.outcome.disposition = command.disposition
        return self.outcome

    async def _execute(self, call: MediaSession, command: Play | Collect | Enqueue) -> str:
        if isinstance(command, Enqueue):
            if self.queue_handler is None:
                log.error("flow %s queues to %s but the engine has no ACD", self.flow.name, command.queue)
                return "nobody_logged_in"
            return await self.queue_handler(call, command)
        if isinstance(command, Play):
            return await self._play_all(call, command.prompts, command.escape_digits)
        *intro, last = command.prompts
        key = await self._play_all(call, tuple(intro), command.escape_digits)
        if key:
            return key
        self._heard(call, last)
        return await call.collect(self.prompt_path(last), 1, command.timeout_ms, terminator="")

    async def _play_all(self, call: MediaSession, prompts: tuple[str, ...], escape: str) -> str:
        for prompt in prompts:
            self._heard(call, prompt)
            key = await call.play(self.prompt_path(prompt), escape)
            if key:
                return key
        return ""

    def _heard(self, call: MediaSession, prompt: str) -> None:
        self.outcome.prompts.append(prompt)
        log.info("call %s flow %s node %s plays %s", call.uniqueid, self.flow.name, self.walk.node, prompt)
