"""The wallboard's API, the live event stream (SSE) and the `/metrics` mount.

Why Server-Sent Events and not a WebSocket: the browser only listens on the live channel (every
action is a plain POST with its CSRF header), SSE is plain HTTP through the same session cookie
and the same checks as every other route, `EventSource` reconnects by itself, and uvicorn then
needs no WebSocket library. The stream sends the events the session may see (`cti.web.live`);
a supervisor's stream also carries a ``board`` snapshot every ``board_interval`` seconds,
and every stream a ``ping`` when idle, so a dead connection is noticed and closed.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from cti.web.guard import ApiError, is_loopback, session_of
from cti.web.users import User

THRESHOLDS = {"wait_warn_s": 30, "wait_alarm_s": 90,  # longest wait of a queue
              "sl_warn_margin": 10,  # SL within this many points under target: amber; further: red
              "today_stale_s": 90,  # today's figures older than this are shown with their age
              "state_warn_s": {"paused": 600, "wrap_up": 60, "reserved": 20, "on_call": 600},
              "state_alarm_s": {"paused": 1800, "wrap_up": 180, "reserved": 30, "on_call": 1200}}


def board_of(web, user: User) -> dict[str, Any]:
    queues = with_today(web.queues(), web.today() if web.today else None)
    monitor = web.monitoring(user.id) if web.monitoring else None  # his monitoring scope and session
    return {**web.access.board(user, queues, web.agents(), web.alerts.active()), "thresholds": THRESHOLDS,
            "monitor": monitor}


def with_today(queues: list[dict[str, Any]], today: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each queue with `today`: its figures since local midnight (None before the first read) and
    `as_of` / `age_s` / `error` of the read they come from (old figures when the database is down)."""
    if today is None:
        return queues
    read = {k: today.get(k) for k in ("as_of", "age_s", "error")}
    return [{**q, "today": {**(today["queues"].get(q.get("queue")) or {}), **read}} for q in queues]


async def wallboard(request: Request) -> JSONResponse:
    session, web = session_of(request), request.app.state.web
    if session.user.role not in ("supervisor", "admin"):
        raise ApiError(403, "forbidden", "the wallboard is for supervisors")
    return JSONResponse({"ok": True, **board_of(web, session.user)})


async def events(request: Request) -> StreamingResponse:
    session, web = session_of(request), request.app.state.web
    subscription = web.hub.subscribe(session.user)
    return StreamingResponse(_stream(web, session.token, subscription), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})


async def _stream(web, token: str, subscription) -> AsyncIterator[str]:
    user = subscription.user
    supervisor = user.role in ("supervisor", "admin")
    try:
        yield _sse("hello", {"user": user.view()})
        if supervisor:
            yield _sse("board", board_of(web, user))
        while True:
            item = await subscription.next(web.board_interval)
            if item is None or web.sessions.get(token) is None:  # engine stopping, or logged out
                yield _sse("bye", {})
                return
            name, body = item
            if name == "ping" and supervisor:
                name, body = "board", board_of(web, user)
            yield _sse(name, body)
    finally:
        web.hub.unsubscribe(subscription)


def _sse(name: str, body: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(body, ensure_ascii=False, default=str)}\n\n"


async def metrics(request: Request) -> Response:
    """Prometheus text from the injected renderer; without one, 404. Readable without a session
    from loopback only; from elsewhere with an admin session or ``Authorization: Bearer <token>``."""
    web = request.app.state.web
    if not is_loopback(request) and not _admin(request, web):
        raise ApiError(401, "no-session", "metrics: loopback, an admin session or the admin token")
    if web.metrics is None:
        return PlainTextResponse("metrics are not wired in this engine\n", 404)
    return PlainTextResponse(web.metrics(), media_type="text/plain; version=0.0.4; charset=utf-8")


def _admin(request: Request, web) -> bool:
    auth = request.headers.get("authorization", "")
    if web.admin_token and auth.startswith("Bearer ") and \
            hmac.compare_digest(auth[7:].strip().encode(), web.admin_token.encode()):
        return True
    try:
        return session_of(request).user.role == "admin"
    except ApiError:
        return False
