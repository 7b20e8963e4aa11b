"""Local control channel of a running engine: `hotline agents ...`, `hotline queues`.

A Unix socket (file permissions are the access control) speaking one JSON object per line:
request `{"cmd": "agent.login", "agent": "1001"}`, reply `{"ok": true, ...}` or
`{"ok": false, "error_id": "...", "message": "..."}`. The same validated commands are what the
MQTT bridge accepts from agent desktops, so both paths share `Commands.execute`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cti.services.acd import AcdService
from cti.calls.desk import RECORD_PREFIX, Code, DeskActions, DeskCmdName, Note
from common.recording import InvalidRecordingTransition
from cti.ami.client import AmiError
from common.yamlconf import ConfigError
from dialer.errors import DialerError

log = logging.getLogger("hotline.control")
MAX_REQUEST = 64 * 1024


class _Cmd(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgentCmd(_Cmd):
    cmd: Literal["agent.login", "agent.logout", "agent.ready", "agent.pause", "agent.end_wrapup"]
    agent: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")]
    reason: Annotated[str, Field(max_length=64, pattern=r"^[\w .\-]*$")] = ""


class ListCmd(_Cmd):
    cmd: Literal["agent.list", "queue.stats"]


class DialerCmd(_Cmd):
    cmd: Literal["dialer.start", "dialer.pause", "dialer.stop", "dialer.status"]
    campaign: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w.\-]+$")]


class DeskCmd(_Cmd):
    """Desktop actions beyond state changes (see cti.calls.desk)."""

    cmd: DeskCmdName
    agent: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")]
    code: Code | None = None
    note: Note = ""
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{3,15}$")] | None = None
    at: AwareDatetime | None = None
    target: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w.\-]+$")] | None = None
    colleague: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.\-]+$")] | None = None
    score: Annotated[int, Field(ge=0, le=10)] | None = None  # disposition of a follow-up call: the customer's
    answer: Note = ""                                         # score and answer (see docs/cases.md)


Command = Annotated[Union[AgentCmd, ListCmd, DialerCmd, DeskCmd], Field(discriminator="cmd")]
_parse = TypeAdapter(Command)


CASE_PREFIXES = ("case.", "agent.case_")  # asynchronous: they write the case store
SUPERVISE_PREFIX = "supervise."  # asynchronous: AMI actions (cti.app.supervise_commands)


class CommandError(Exception):
    def __init__(self, error_id: str, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id


class Commands:
    """Executes validated commands against the ACD."""

    def __init__(self, acd: AcdService, dialer=None, desk: DeskActions | None = None) -> None:
        self.acd = acd
        self.dialer = dialer
        self.desk = desk or DeskActions(acd, dialer)
        self.cases = None  # cti.app.case_commands.CaseCommands when the engine runs cases
        self.supervise = None  # cti.app.supervise_commands.SuperviseCommands (live monitoring)

    def execute(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Agent and listing commands (synchronous: they only touch memory)."""
        if str(raw.get("cmd", "")).startswith(CASE_PREFIXES + (SUPERVISE_PREFIX,)):
            return _error("async-only", "case and supervise commands go through the control socket or MQTT")
        command = self._validate(raw)
        if isinstance(command, dict):
            return command
        if command.cmd.startswith(RECORD_PREFIX):
            return _error("async-only", "recording commands wait for Asterisk: use the control socket, "
                                        "MQTT or the web desk")
        if isinstance(command, DialerCmd):
            return _error("async-only", "dialer commands go through the control socket")
        try:
            return {"ok": True, **self._run(command)}
        except CommandError as exc:
            return _error(exc.error_id, str(exc))

    async def execute_async(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Every command, including dialer ones (starting a campaign loads its leads) and cases."""
        if str(raw.get("cmd", "")).startswith(CASE_PREFIXES):
            if self.cases is None:
                return _error("no-cases", "this engine runs no cases (see its log for config/cases.yaml)")
            return await self.cases.execute(raw)
        if str(raw.get("cmd", "")).startswith(SUPERVISE_PREFIX):
            if self.supervise is None:
                return _error("no-monitoring", "this engine runs no live monitoring")
            return await self.supervise.execute(raw)
        command = self._validate(raw)
        if isinstance(command, DeskCmd) and command.cmd.startswith(RECORD_PREFIX):
            return await self._record(command)
        if not isinstance(command, DialerCmd):
            return self.execute(raw)
        if self.dialer is None:
            return _error("no-dialer", "this engine runs no dialer")
        action = command.cmd.split(".", 1)[1]
        try:
            if action == "start":
                return {"ok": True, "campaign": await self.dialer.start(command.campaign)}
            return {"ok": True, "campaign": getattr(self.dialer, action)(command.campaign)}
        except KeyError:
            return _error("unknown-campaign", f"campaign {command.campaign!r} is not running"
                          if action != "start" else f"no campaign {command.campaign!r} in config/campaigns")
        except (ConfigError, DialerError) as exc:  # DialerError: e.g. pausing a stopped campaign
            return _error(exc.error_id, str(exc))

    async def _record(self, command: DeskCmd) -> dict[str, Any]:
        """record_start / record_pause / record_resume on the agent's own call."""
        if self.acd.agent(command.agent) is None:
            return _error("unknown-agent", f"no agent {command.agent!r} in config/acd.yaml")
        try:
            return {"ok": True, **await self.desk.record(command.agent, command.cmd.removeprefix(RECORD_PREFIX))}
        except LookupError as exc:
            return _error("nothing-to-do", str(exc))
        except InvalidRecordingTransition as exc:
            return _error(exc.error_id, str(exc))
        except AmiError as exc:
            return _error("recording-failed", str(exc))

    @staticmethod
    def _validate(raw: dict[str, Any]):
        try:
            return _parse.validate_python(raw)
        except ValidationError as exc:
            return _error("invalid-command", "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                        for e in exc.errors()))

    def _run(self, command: AgentCmd | ListCmd | DeskCmd) -> dict[str, Any]:
        if isinstance(command, DeskCmd):
            return self._desk(command)
        if isinstance(command, ListCmd):
            return {"agents": self.agents()} if command.cmd == "agent.list" else {"queues": self.queues()}
        from acd.agent_state import InvalidTransition

        action = command.cmd.split(".", 1)[1]
        try:
            agent = self.acd.agent_command(command.agent, action, command.reason)
        except KeyError:
            raise CommandError("unknown-agent", f"no agent {command.agent!r} in config/acd.yaml") from None
        except InvalidTransition as exc:
            raise CommandError(getattr(exc, "error_id", "invalid-transition"), str(exc)) from None
        return {"agent": _agent_view(agent, self.acd.now())}

    def _desk(self, command: DeskCmd) -> dict[str, Any]:
        if self.acd.agent(command.agent) is None:
            raise CommandError("unknown-agent", f"no agent {command.agent!r} in config/acd.yaml")
        try:
            if command.cmd == "agent.disposition":
                if not command.code:
                    raise CommandError("invalid-command", "code: a disposition needs a code, e.g. resolved")
                return self.desk.disposition(command.agent, command.code, command.note, command.score, command.answer)
            if command.cmd == "agent.callback":
                return self.desk.callback(command.agent, command.number or "", command.at, command.note)
            if command.cmd in ("agent.preview_accept", "agent.preview_skip"):
                return self.desk.preview(command.agent, command.cmd == "agent.preview_accept")
            if command.cmd == "agent.consult":
                if bool(command.target) == bool(command.colleague):
                    raise CommandError("invalid-command", "name either the queue to consult (target) "
                                                          "or the agent (colleague)")
                return self.desk.consult(command.agent, command.target, command.colleague)
            if command.cmd == "agent.transfer":
                if not command.target:
                    raise CommandError("invalid-command", "target: name the queue to transfer to")
                return self.desk.transfer(command.agent, command.target)
            if command.cmd == "agent.consult_complete":
                return self.desk.consult_complete(command.agent)
            if command.cmd == "agent.consult_cancel":
                return self.desk.consult_cancel(command.agent)
            return self.desk.hangup(command.agent)
        except LookupError as exc:
            raise CommandError("nothing-to-do", str(exc)) from None

    def agents(self) -> list[dict[str, Any]]:
        now = self.acd.now()
        return [_agent_view(a, now) for a in sorted(self.acd.agents(), key=lambda a: a.id)]

    def queues(self) -> list[dict[str, Any]]:
        now = self.acd.now()
        return [{**_jsonable(self.acd.stats(name)), "callers": self._callers(name, now)}
                for name in sorted(self.acd.queue_names())]

    def _callers(self, queue: str, now: float, limit: int = 10) -> list[dict[str, Any]]:
        """The longest-waiting callers of a queue, for wallboards (number, tier, priority, wait; kind
        "consult" is an agent waiting for a colleague, with the caller's number)."""
        waiting = sorted(self.acd.waiting(queue), key=lambda t: t.enqueued_at)[:limit]
        return [{"queue": queue, "call": t.id, "kind": t.kind, "caller": t.attributes.get("caller", ""),
                 "tier": t.attributes.get("tier", ""), "priority": t.priority,
                 "wait_s": round(now - t.enqueued_at, 1)} for t in waiting]


def _agent_view(agent, now: float) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "interface": agent.interface, "state": str(agent.state),
            "reason": agent.pause_reason, "since_s": round(max(0.0, now - agent.state_since), 1),
            **({"node": agent.node} if agent.node else {})}  # his Asterisk node (docs/nodes.md)


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {k: _jsonable(getattr(obj, k)) for k in obj.__dataclass_fields__}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 3)
    return obj if isinstance(obj, (int, str, bool)) or obj is None else str(obj)


def _error(error_id: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error_id": error_id, "message": message}


class ControlServer:
    """Serves `Commands` on a Unix socket."""

    def __init__(self, commands: Commands, path: Path) -> None:
        self.commands = commands
        self.path = path
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, str(self.path), limit=MAX_REQUEST)
        os.chmod(self.path, 0o660)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                writer.write(json.dumps(await self._answer(line), ensure_ascii=False).encode() + b"\n")
                await writer.drain()
        except (ValueError, ConnectionError) as exc:  # over-long line, peer gone
            log.warning("control connection dropped: %s", exc)
        finally:
            writer.close()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error("bad-json", "send one JSON object per line")
        if not isinstance(request, dict):
            return _error("bad-json", "send one JSON object per line")
        return await self.commands.execute_async(request)


async def request(path: Path, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    """Client side, used by the CLI."""
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
    try:
        writer.write(json.dumps(payload).encode() + b"\n")
        await writer.drain()
        return json.loads(await asyncio.wait_for(reader.readline(), timeout))
    finally:
        writer.close()
