"""Live monitoring commands (`hotline supervise …`, MQTT ``supervisors/<id>/cmd``, the web board),
validated like every command and answered ``{"ok": true, ...}`` or
``{"ok": false, "error_id", "message"}``.

    {"cmd": "supervise.listen",  "supervisor": "sup1", "agent": "1004"}   (also whisper, barge)
    {"cmd": "supervise.mode",    "supervisor": "sup1", "mode": "whisper"}
    {"cmd": "supervise.stop",    "supervisor": "sup1"}
    {"cmd": "supervise.list",    "supervisor": "sup1"}

``via`` (cli | mqtt | web) says where the request came from; it is stored with the session.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from acd.supervision import Mode
from cti.ami.client import AmiError
from cti.services.monitoring import MonitorRefused, MonitorService

PREFIX = "supervise."
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Via = Literal["cli", "mqtt", "web"]


class _Cmd(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartCmd(_Cmd):
    cmd: Literal["supervise.listen", "supervise.whisper", "supervise.barge"]
    supervisor: Id
    agent: Id
    via: Via = "cli"


class ModeCmd(_Cmd):
    cmd: Literal["supervise.mode"]
    supervisor: Id
    mode: Mode
    via: Via = "cli"


class StopCmd(_Cmd):
    cmd: Literal["supervise.stop", "supervise.list"]
    supervisor: Id
    via: Via = "cli"


SuperviseCommand = Annotated[Union[StartCmd, ModeCmd, StopCmd], Field(discriminator="cmd")]
_parse = TypeAdapter(SuperviseCommand)


def parse(raw: dict[str, Any]) -> SuperviseCommand | dict[str, Any]:
    """The validated command, or the error reply refusing it."""
    try:
        return _parse.validate_python(raw)
    except ValidationError as exc:
        return _error("invalid-command", "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                    for e in exc.errors()))


class SuperviseCommands:
    """Runs validated ``supervise.*`` commands on the `MonitorService`."""

    def __init__(self, monitor: MonitorService) -> None:
        self.monitor = monitor

    async def execute(self, raw: dict[str, Any]) -> dict[str, Any]:
        command = parse(raw)
        if isinstance(command, dict):
            return command
        try:
            return {"ok": True, **await self._run(command)}
        except MonitorRefused as exc:
            return _error(exc.error_id, str(exc))
        except AmiError as exc:
            return _error(exc.error_id, str(exc))

    async def _run(self, command: SuperviseCommand) -> dict[str, Any]:
        m = self.monitor
        if isinstance(command, StartCmd):
            return await m.start(command.supervisor, command.agent, Mode(command.cmd.removeprefix(PREFIX)),
                                 command.via)
        if isinstance(command, ModeCmd):
            return await m.switch(command.supervisor, command.mode, command.via)
        if command.cmd == "supervise.stop":
            return await m.stop(command.supervisor, command.via)
        return m.list(command.supervisor)


def _error(error_id: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error_id": error_id, "message": message}
