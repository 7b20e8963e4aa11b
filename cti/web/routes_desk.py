"""The agent desk's API: an agent's state and current screen pop, and commands on his behalf.

Commands use the MQTT desk's vocabulary and validation (`cti.mqtt.inbound.parse`: the same
``{"cmd": "pause", "reason": "lunch"}`` bodies, the same error ids) and run through the same
`Commands` the MQTT bridge and the control socket use, so there is one implementation of every
desk action. The agent is the one in the PATH, checked against the session (`Access`), as the
broker's ACL checks the topic; a body naming another agent is refused as on MQTT.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from cti.mqtt import inbound
from cti.web.guard import ApiError, json_body, session_of

PAUSE_REASONS = ("break", "lunch", "training", "meeting", "coaching")
_STATUS = {"unknown-agent": 404, "nothing-to-do": 409, "agent_invalid_transition": 409, "no-cases": 409,
           "case_invalid_transition": 409, "case_refused": 409, "unknown-case": 404, "database": 503,
           "recording_invalid_transition": 409, "recording-failed": 502}


def _agent_or_404(web, agent_id: str) -> dict[str, Any]:
    for agent in web.agents():
        if agent["id"] == agent_id:
            return agent
    raise ApiError(404, "unknown-agent", f"no agent {agent_id!r}")


async def agent_view(request: Request) -> JSONResponse:
    """The desk's starting point; later changes arrive on the event stream."""
    session, web = session_of(request), request.app.state.web
    agent_id = request.path_params["agent_id"]
    if not web.access.sees_agent(session.user, agent_id):
        raise ApiError(403, "forbidden", f"{session.user.id} may not see agent {agent_id}")
    body: dict[str, Any] = {"ok": True, "agent": _agent_or_404(web, agent_id)}
    if web.access.sees_pops_of(session.user, agent_id):
        body.update(pop=web.hub.last_pop.get(agent_id), queues=web.queue_names(), pause_reasons=PAUSE_REASONS)
    return JSONResponse(body)


async def agent_command(request: Request) -> JSONResponse:
    session, web = session_of(request, write=True), request.app.state.web
    agent_id = request.path_params["agent_id"]
    user = session.user
    if not web.access.sees_agent(user, agent_id):
        raise ApiError(403, "forbidden", f"{user.id} may not act for agent {agent_id}")
    body = await json_body(request, limit=inbound.MAX_PAYLOAD)
    cmd = body.get("cmd")
    if isinstance(cmd, str) and not web.access.may_command(user, agent_id, cmd):
        raise ApiError(403, "forbidden", f"only agent {agent_id} may {cmd} on his calls")
    request_, refusal = inbound.parse(agent_id, json.dumps(body).encode(), False)
    if refusal is not None:
        return JSONResponse(refusal, 400)
    reply = await web.commands.execute_async(inbound.bare(request_))
    reply = {"request_id": request_["request_id"], **reply}
    if reply.get("ok") and request_["cmd"] == "agent.disposition":
        web.hub.last_pop.pop(agent_id, None)  # classified: the pop is done with
    return JSONResponse(reply, 200 if reply.get("ok") else _STATUS.get(str(reply.get("error_id")), 400))
