"""Commands from agent desktops: ``{prefix}/agents/{agent_id}/cmd`` -> `Commands` -> a reply.

The agent id comes from the TOPIC, so the broker's ACL (an agent may publish only under its
own id) decides who can command whom; a body naming another agent is refused. Everything a
desktop can get wrong (bad JSON, an oversized body, an unknown command, a retained command
that would replay on every reconnect) becomes an error reply with a stable ``error_id``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Callable, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_PAYLOAD = 4096
DESK_COMMANDS = ("disposition", "callback", "hangup", "transfer", "consult", "consult_complete", "consult_cancel",
                 "preview_accept", "preview_skip")
RECORD_COMMANDS = ("record_start", "record_pause", "record_resume")  # async: they wait for Asterisk
CASE_COMMANDS = ("case_open", "case_take", "case_note", "case_resolve", "case_close")  # async: they hit the store
AGENT_COMMANDS = ("login", "logout", "ready", "pause", "end_wrapup", *DESK_COMMANDS, *RECORD_COMMANDS,
                  *CASE_COMMANDS)
RequestId = Annotated[str, Field(max_length=64)] | Annotated[int, Field(ge=0, lt=2**63)] | None


class DesktopCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cmd: Literal["login", "logout", "ready", "pause", "end_wrapup", "disposition", "callback", "hangup", "transfer",
                 "consult", "consult_complete", "consult_cancel", "preview_accept", "preview_skip",
                 "case_open", "case_take", "case_note", "case_resolve", "case_close",
                 "record_start", "record_pause", "record_resume"]
    reason: str = ""
    code: str | None = None      # disposition
    note: str = ""               # disposition, callback
    number: str | None = None    # callback (default: the last caller)
    at: str | None = None        # callback time, ISO 8601 with offset (default: now)
    target: str | None = None    # transfer, consult: the queue that takes the call, with its context
    colleague: str | None = None  # consult: a named agent instead of a queue
    score: int | None = None     # disposition of a follow-up call (回访): the customer's score
    answer: str = ""             # ... and answer
    case: str | None = None      # case_take, case_note, case_resolve, case_close: the case id
    type: str | None = None      # case_open: complaint (default), ...
    category: str | None = None  # case_open (config/cases.yaml categories)
    priority: str | None = None  # case_open (default: the configured default)
    description: str = ""        # case_open; case_note and case_resolve take `note`
    request_id: RequestId = None
    agent: str | None = None  # optional; must then equal the agent id of the topic


Execute = Callable[[dict[str, Any]], dict[str, Any]]


def handle(agent_id: str, payload: bytes, retained: bool, execute: Execute) -> dict[str, Any]:
    """The reply to one command message from `agent_id` (never raises for bad input)."""
    request, refusal = parse(agent_id, payload, retained)
    if refusal is not None:
        return refusal
    return {"request_id": request["request_id"], **execute(bare(request))}


Model = TypeVar("Model", bound=BaseModel)


def decode(payload: bytes, retained: bool, model: type[Model], commands: tuple[str, ...],
           example: str) -> tuple[Model | None, Any, dict[str, Any] | None]:
    """One command message's envelope, shared by agents' and supervisors' topics: (the validated
    command, its request id, None) or (None, request id, the error reply refusing it)."""
    if retained:
        return None, None, error(None, "retained-command", "commands must not be published with retain: "
                                 "a retained command would run again on every reconnect")
    if len(payload) > MAX_PAYLOAD:
        return None, None, error(None, "payload-too-large",
                                 f"{len(payload)} bytes; commands are at most {MAX_PAYLOAD}")
    try:
        body = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, None, error(None, "bad-json", f"send one JSON object ({exc})")
    if not isinstance(body, dict):
        return None, None, error(None, "bad-json", f"send one JSON object, e.g. {example}")
    request_id = _request_id(body)
    if body.get("cmd") not in commands:
        return None, request_id, error(request_id, "unknown-command",
                                       f"cmd {body.get('cmd')!r} is not one of: {', '.join(commands)}")
    try:
        return model.model_validate(body), request_id, None
    except ValidationError as exc:
        return None, request_id, error(request_id, "invalid-command", _describe(exc))


def parse(agent_id: str, payload: bytes, retained: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The engine request for one command message, or the error reply refusing it."""
    command, request_id, refusal = decode(payload, retained, DesktopCommand, AGENT_COMMANDS, '{"cmd": "ready"}')
    if command is None:
        return {}, refusal
    if command.agent is not None and command.agent != agent_id:
        return {}, error(request_id, "agent-mismatch",
                         f"topic is for agent {agent_id!r} but the body names {command.agent!r}")
    return {"request_id": command.request_id, **_request(agent_id, command)}, None


def is_async(request: dict[str, Any]) -> bool:
    """Case commands write the case store, recording commands wait for Asterisk: the bridge runs
    them off its receive loop, in order."""
    return str(request.get("cmd", "")).startswith(("agent.case_", "agent.record_"))


def bare(request: dict[str, Any]) -> dict[str, Any]:
    """The request as the engine's `Commands` take it (the desktop's request_id is only echoed)."""
    return {k: v for k, v in request.items() if k != "request_id"}


def _request(agent_id: str, command: DesktopCommand) -> dict[str, Any]:
    request: dict[str, Any] = {"cmd": f"agent.{command.cmd}", "agent": agent_id}
    if command.cmd in CASE_COMMANDS:
        request.update({k: v for k, v in (("case", command.case), ("type", command.type),
                                           ("category", command.category), ("priority", command.priority),
                                           ("description", command.description), ("note", command.note)) if v})
    elif command.cmd in RECORD_COMMANDS:
        pass  # the agent's own current call: nothing else to name
    elif command.cmd in DESK_COMMANDS:
        request.update({k: v for k, v in (("code", command.code), ("note", command.note), ("number", command.number),
                                           ("at", command.at), ("target", command.target),
                                           ("colleague", command.colleague), ("answer", command.answer))
                        if v})
        if command.score is not None:
            request["score"] = command.score
    else:
        request["reason"] = command.reason
    return request


def error(request_id: object, error_id: str, message: str) -> dict[str, Any]:
    return {"request_id": request_id, "ok": False, "error_id": error_id, "message": message}


def _request_id(body: dict[str, Any]) -> str | int | None:
    """Echoed even on errors so the desktop can match them, when it is a sane value."""
    rid = body.get("request_id")
    if isinstance(rid, bool):
        return None
    if isinstance(rid, str) and len(rid) <= 64 or isinstance(rid, int) and 0 <= rid < 2**63:
        return rid
    return None


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
