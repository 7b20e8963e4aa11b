"""Log in, log out, who am I: the only API routes a browser reaches before it has a session."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from cti.web.guard import COOKIE, ApiError, check_origin, client_address, json_body, session_of
from cti.web.users import hash_password, verify_password

_DUMMY_HASH = hash_password("not-a-password", n=2**14)  # unknown users cost as much as known ones


async def login(request: Request) -> JSONResponse:
    web = request.app.state.web
    check_origin(request)
    body = await json_body(request, limit=1024)
    user_id, password = body.get("user"), body.get("password")
    if not isinstance(user_id, str) or not isinstance(password, str) or not user_id or len(user_id) > 64:
        raise ApiError(400, "invalid-login", "send {\"user\": ..., \"password\": ...}")
    address = client_address(request)
    wait = web.limiter.retry_after(user_id, address)
    if wait > 0:
        raise ApiError(429, "too-many-attempts", f"too many failed logins; try again in {wait:.0f} s",
                       headers={"Retry-After": str(int(wait) + 1)})
    user = web.users.get(user_id)
    ok = await asyncio.to_thread(verify_password, password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok:
        web.limiter.failed(user_id, address)
        raise ApiError(401, "bad-credentials", "wrong user or password")
    web.limiter.succeeded(user_id)
    session = web.sessions.open(user)
    response = JSONResponse({"ok": True, "user": user.view(), "csrf": session.csrf})
    response.set_cookie(COOKIE, session.token, max_age=int(web.sessions.ttl_s), httponly=True, samesite="strict",
                        secure=web.secure_cookies, path="/")
    return response


async def logout(request: Request) -> JSONResponse:
    session = session_of(request, write=True)
    request.app.state.web.sessions.close(session.token)
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def me(request: Request) -> JSONResponse:
    session = session_of(request)
    return JSONResponse({"ok": True, "user": session.user.view(), "csrf": session.csrf})
