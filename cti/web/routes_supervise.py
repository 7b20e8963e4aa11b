"""Live monitoring from the supervisor's wallboard: ``POST /api/supervise``.

The body is the MQTT supervisor vocabulary (`cti.mqtt.supervisor_inbound`: ``{"cmd": "listen",
"agent": "1004"}``, ``{"cmd": "mode", "mode": "barge"}``, ``{"cmd": "stop"}``), run through the same
`Commands` as the CLI and MQTT, so the engine's monitoring service checks the scope and logs the
session (``via: web``). The supervisor is the session's user (his web login is his supervisor id in
config/acd.yaml), as the broker's ACL makes the topic's id the MQTT user: nobody monitors as
someone else. It changes something, so it wants the session's CSRF token like every write.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from cti.mqtt import inbound, supervisor_inbound
from cti.web.guard import ApiError, json_body, session_of

_STATUS = {"out-of-scope": 403, "unknown-supervisor": 403, "unknown-agent": 404, "agent-not-on-call": 409,
           "busy": 409, "no-session": 409, "not-answered": 409, "originate-failed": 502,
           "ami-not-connected": 503, "ami-action-failed": 502, "no-monitoring": 503}


async def supervise(request: Request) -> JSONResponse:
    session, web = session_of(request, write=True), request.app.state.web
    user = session.user
    if user.role not in ("supervisor", "admin"):
        raise ApiError(403, "forbidden", "live monitoring is for supervisors")
    body = await json_body(request, limit=inbound.MAX_PAYLOAD)
    request_, refusal = supervisor_inbound.parse(user.id, json.dumps(body).encode(), False)
    if refusal is not None:
        return JSONResponse(refusal, 400)
    if "via" in request_:
        request_["via"] = "web"
    reply = {"request_id": request_["request_id"], **await web.commands.execute_async(inbound.bare(request_))}
    return JSONResponse(reply, 200 if reply.get("ok") else _STATUS.get(str(reply.get("error_id")), 400))
