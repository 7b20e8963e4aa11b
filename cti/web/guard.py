"""The request-side checks every API route goes through: session, CSRF, origin, JSON errors.

A route calls `session_of(request)` (401 without a live session) or, when it changes something,
`session_of(request, write=True)`, which also wants the session's CSRF token in
``X-CSRF-Token`` and, if the browser sent an ``Origin``, the engine's own. Errors are JSON
``{"ok": false, "error_id", "message"}`` with the HTTP status that fits.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from cti.web.sessions import Session

COOKIE = "hotline_session"
CSRF_HEADER = "x-csrf-token"


class ApiError(Exception):
    def __init__(self, status: int, error_id: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error_id, self.headers = status, error_id, headers


async def api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"ok": False, "error_id": exc.error_id, "message": str(exc)}, exc.status,
                        headers=exc.headers)


def session_of(request: Request, *, write: bool = False) -> Session:
    web = request.app.state.web
    session = web.sessions.get(request.cookies.get(COOKIE))
    if session is not None and web.users.get(session.user.id) != session.user:
        web.sessions.close_user(session.user.id)  # password, role or scope changed, or user removed
        session = None
    if session is None:
        raise ApiError(401, "no-session", "log in first (POST /api/login)")
    if write:
        check_origin(request)
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise ApiError(403, "csrf", f"send the session's CSRF token (from /api/me) in {CSRF_HEADER}")
    return session


def check_origin(request: Request) -> None:
    """A cross-site form or fetch carries its own Origin: refuse it (SameSite=Strict does too)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin != own:
        raise ApiError(403, "cross-origin", f"requests from {origin} are not accepted")


async def json_body(request: Request, limit: int = 8192) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > limit:
        raise ApiError(413, "payload-too-large", f"{len(raw)} bytes; at most {limit}")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad-json", "send one JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad-json", "send one JSON object")
    return body


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def is_loopback(request: Request) -> bool:
    try:
        return ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        return False


class SecurityHeaders:
    """ASGI middleware: a strict Content-Security-Policy (no inline script, nothing off-site)
    and the usual hardening headers on every response."""

    HEADERS = [(b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; "
                b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                b"form-action 'self'"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
               (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)
