"""Commands from supervisors' screens: ``{prefix}/supervisors/{id}/cmd`` -> ``supervise.*`` -> a reply
on ``{prefix}/supervisors/{id}/reply``.

As for agents (`cti.mqtt.inbound`), the supervisor id comes from the TOPIC: the broker's ACL lets
a user publish only under his own username, so a supervisor can only command as himself; a body
naming another supervisor is refused. Body: ``{"cmd": "listen" | "whisper" | "barge", "agent": id}``,
``{"cmd": "mode", "mode": "whisper"}``, ``{"cmd": "stop"}`` or ``{"cmd": "list"}``, with an
optional ``request_id`` echoed in the reply.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cti.mqtt.inbound import RequestId, decode, error

SUPERVISOR_COMMANDS = ("listen", "whisper", "barge", "mode", "stop", "list")


class SupervisorCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cmd: Literal["listen", "whisper", "barge", "mode", "stop", "list"]
    agent: Annotated[str, Field(max_length=64)] | None = None  # listen, whisper, barge
    mode: Literal["listen", "whisper", "barge"] | None = None  # mode
    request_id: RequestId = None
    supervisor: str | None = None  # optional; must then equal the supervisor id of the topic


def parse(supervisor_id: str, payload: bytes, retained: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The engine request (a ``supervise.*`` command) for one message, or the error reply refusing it."""
    command, request_id, refusal = decode(payload, retained, SupervisorCommand, SUPERVISOR_COMMANDS,
                                          '{"cmd": "listen", "agent": "1001"}')
    if command is None:
        return {}, refusal
    if command.supervisor is not None and command.supervisor != supervisor_id:
        return {}, error(request_id, "supervisor-mismatch",
                         f"topic is for supervisor {supervisor_id!r} but the body names {command.supervisor!r}")
    request: dict[str, Any] = {"request_id": command.request_id, "cmd": f"supervise.{command.cmd}",
                               "supervisor": supervisor_id}
    if command.cmd in ("listen", "whisper", "barge"):
        request["agent"] = command.agent
    elif command.cmd == "mode":
        request["mode"] = command.mode
    if command.cmd != "list":
        request["via"] = "mqtt"
    return request, None
