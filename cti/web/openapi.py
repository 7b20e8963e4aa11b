"""The OpenAPI description of the JSON API, served at ``/api/openapi.json`` (with a session).

Written out rather than generated: the routes are few, and the command bodies are the MQTT
desk vocabulary (docs/mqtt.md), which this points to instead of repeating every field.
"""

from __future__ import annotations

from typing import Any

_ERR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, *, body: dict | None = None, write: bool = False, codes: tuple[int, ...] = (401,)) -> dict:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "ok"}}}
    for code in codes:
        op["responses"][str(code)] = {"description": _WHY[code], "content": {"application/json": {"schema": _ERR}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if write:
        op["parameters"] = [{"name": "X-CSRF-Token", "in": "header", "required": True,
                             "schema": {"type": "string"}, "description": "the session's csrf (from /api/me)"}]
    return op


_WHY = {400: "invalid request (error_id as on MQTT: invalid-command, unknown-command...)",
        401: "no session", 403: "not allowed for this user, or CSRF token missing",
        404: "unknown agent", 409: "refused by the engine (e.g. agent_invalid_transition, nothing-to-do)",
        429: "too many failed logins (Retry-After)"}
_AGENT = [{"name": "agent_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def spec() -> dict[str, Any]:
    command = {"type": "object", "required": ["cmd"], "description": "the MQTT desk command vocabulary",
               "properties": {"cmd": {"type": "string", "enum": ["login", "logout", "ready", "pause", "end_wrapup",
                                                                 "disposition", "callback", "hangup", "transfer",
                                                                 "consult", "consult_complete", "consult_cancel",
                                                                 "preview_accept", "preview_skip", "case_open",
                                                                 "case_take", "case_note", "case_resolve",
                                                                 "case_close", "record_start", "record_pause",
                                                                 "record_resume"]},
                              "reason": {"type": "string"}, "code": {"type": "string"}, "note": {"type": "string"},
                              "target": {"type": "string"}, "colleague": {"type": "string"},
                              "number": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                              "request_id": {"type": "string"}}}
    supervise = {"type": "object", "required": ["cmd"], "description": "the MQTT supervisor vocabulary",
                 "properties": {"cmd": {"type": "string", "enum": ["listen", "whisper", "barge", "mode", "stop",
                                                                   "list"]},
                                "agent": {"type": "string"}, "request_id": {"type": "string"},
                                "mode": {"type": "string", "enum": ["listen", "whisper", "barge"]}}}
    login = {"type": "object", "required": ["user", "password"],
             "properties": {"user": {"type": "string"}, "password": {"type": "string"}}}
    view = {**_op("an agent's state; for the agent himself also his current screen pop", codes=(401, 403, 404)),
            "parameters": _AGENT}
    act = _op("a desk command for this agent (himself; a supervisor or admin: state commands only)",
              body=command, write=True, codes=(400, 401, 403, 404, 409))
    act["parameters"] = [*act["parameters"], *_AGENT]
    return {
        "openapi": "3.1.0",
        "info": {"title": "hotline agent desk and wallboard API", "version": "1"},
        "components": {"schemas": {"Error": {"type": "object", "properties": {
            "ok": {"const": False}, "error_id": {"type": "string"}, "message": {"type": "string"}}}},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hotline_session"}}},
        "security": [{"session": []}],
        "paths": {
            "/api/login": {"post": {**_op("open a session (sets the HttpOnly cookie; returns csrf)", body=login,
                                          codes=(400, 401, 429)), "security": []}},
            "/api/logout": {"post": _op("close the session", write=True)},
            "/api/me": {"get": _op("the session's user and csrf token")},
            "/api/agents/{agent_id}": {"get": view},
            "/api/agents/{agent_id}/commands": {"post": act},
            "/api/supervise": {"post": _op("live monitoring as the session's supervisor (docs/monitoring.md): "
                                           "listen / whisper / barge an agent, switch mode, stop",
                                           body=supervise, write=True, codes=(400, 401, 403, 404, 409))},
            "/api/wallboard": {"get": _op("queues, agents and alerts of the supervisor's scope, and his "
                                          "monitoring scope and session (monitor)", codes=(401, 403))},
            "/api/events": {"get": _op("Server-Sent Events: state, screenpop, consult, preview, call, board, "
                                       "alert, resync, ping")},
            "/metrics": {"get": {**_op("Prometheus text; loopback, admin session or Bearer admin token",
                                       codes=(401,)), "security": []}},
        },
    }
