"""Commands from supervisors' screens: ``{prefix}/supervisors/{id}/cmd`` -> ``supervise.*`` -> a reply
on ``{prefix}/supervisors/{id}/reply``.

As for agents (`cti.mqtt.inbound`), the supervisor id comes from the TOPIC: the broker's ACL lets
a user publish only under his own username, so a supervisor can only command as himself; a body
naming another supervisor is refused. Body: ``{"cmd": "listen" | "whisper" | "barge", "agent": id}``,
``{"cmd": "mode", "mode": "whisper"}``, ``{"cmd": "stop"}`` or ``{"cmd": "list"}``, with an
optional ``request_id`` echoed in the reply.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cti.mqtt.inbound import MAX_PAYLOAD, RequestId, _describe, _request_id, error

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
    if retained:
        return {}, error(None, "retained-command", "commands must not be published with retain: "
                         "a retained command would run again on every reconnect")
    if len(payload) > MAX_PAYLOAD:
        return {}, error(None, "payload-too-large", f"{len(payload)} bytes; commands are at most {MAX_PAYLOAD}")
    try:
        body = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return {}, error(None, "bad-json", f"send one JSON object ({exc})")
    if not isinstance(body, dict):
        return {}, error(None, "bad-json", 'send one JSON object, e.g. {"cmd": "listen", "agent": "1001"}')
    request_id = _request_id(body)
    if body.get("cmd") not in SUPERVISOR_COMMANDS:
        return {}, error(request_id, "unknown-command",
                         f"cmd {body.get('cmd')!r} is not one of: {', '.join(SUPERVISOR_COMMANDS)}")
    try:
        command = SupervisorCommand.model_validate(body)
    except ValidationError as exc:
        return {}, error(request_id, "invalid-command", _describe(exc))
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
