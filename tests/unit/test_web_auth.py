"""The web API's doors: sessions, CSRF, origin, the login limit, and who may act for whom."""

from __future__ import annotations

import pytest

from cti.web.app import make_app
from tests.support.web import PASSWORD, WebDesk, login


@pytest.fixture
def desk(tmp_path) -> WebDesk:
    return WebDesk(tmp_path)


def _api_routes(desk: WebDesk) -> list[tuple[str, str]]:
    routes = []
    for route in make_app(desk.context).routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/") and path != "/api/login":
            for method in sorted(route.methods - {"HEAD"}):
                routes.append((method, path.replace("{agent_id}", "1001")))
    return routes


async def test_no_api_endpoint_answers_without_a_session(desk):
    routes = _api_routes(desk)
    assert len(routes) >= 7  # me, logout, agent view, commands, wallboard, events, openapi
    async with desk.client() as client:
        for method, path in routes:
            reply = await client.request(method, path, json={"cmd": "ready"} if method == "POST" else None)
            assert (reply.status_code, reply.json()["error_id"]) == (401, "no-session"), (method, path)


async def test_a_forged_or_expired_cookie_is_no_session(desk):
    async with desk.client() as client:
        await login(client, "1001")
        client.cookies.set("hotline_session", "forged")
        assert (await client.get("/api/me")).status_code == 401
    async with desk.client() as client:
        await login(client, "1001")
        desk.clock.advance(desk.context.sessions.ttl_s + 1)
        assert (await client.get("/api/me")).status_code == 401


async def test_the_session_cookie_is_httponly_and_samesite_strict_and_the_password_is_not_stored(desk):
    async with desk.client() as client:
        reply = await client.post("/api/login", json={"user": "1001", "password": PASSWORD})
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    stored = desk.context.users.path.read_text()
    assert PASSWORD not in stored and "scrypt$" in stored


async def test_a_state_change_without_the_csrf_token_or_from_another_origin_is_refused(desk):
    async with desk.client() as client:
        csrf = await login(client, "1001")
        no_token = await client.post("/api/agents/1001/commands", json={"cmd": "login"})
        assert (no_token.status_code, no_token.json()["error_id"]) == (403, "csrf")
        foreign = await client.post("/api/agents/1001/commands", json={"cmd": "login"},
                                    headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"})
        assert (foreign.status_code, foreign.json()["error_id"]) == (403, "cross-origin")
        assert str(desk.acd.agent("1001").state) == "logged_out"
        done = await client.post("/api/agents/1001/commands", json={"cmd": "login"},
                                 headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
        assert done.status_code == 200 and done.json()["agent"]["state"] == "ready"


async def test_a_wrong_password_is_refused_and_repeated_failures_are_rate_limited(desk):
    async with desk.client() as client:
        for _ in range(5):
            reply = await client.post("/api/login", json={"user": "1001", "password": "guess"})
            assert (reply.status_code, reply.json()["error_id"]) == (401, "bad-credentials")
        locked = await client.post("/api/login", json={"user": "1001", "password": PASSWORD})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        assert "hotline_session" not in locked.headers.get("set-cookie", "")
        desk.clock.advance(desk.context.limiter.window_s + 1)
        assert (await client.post("/api/login", json={"user": "1001", "password": PASSWORD})).status_code == 200


async def test_guessing_many_users_from_one_address_is_limited_too(desk):
    async with desk.client("10.0.0.9") as client:
        for user in ("a1", "a2", "a3", "a4", "a5"):
            assert (await client.post("/api/login", json={"user": user, "password": "x"})).status_code == 401
        assert (await client.post("/api/login", json={"user": "1002", "password": PASSWORD})).status_code == 429
    async with desk.client("10.0.0.10") as client:  # another desk is not locked out
        assert (await client.post("/api/login", json={"user": "1002", "password": PASSWORD})).status_code == 200


async def test_an_agent_cannot_act_for_or_read_another_agent(desk):
    async with desk.client() as client:
        csrf = await login(client, "1001")
        for body in ({"cmd": "login"}, {"cmd": "disposition", "code": "resolved"}, {"cmd": "hangup"}):
            reply = await client.post("/api/agents/1002/commands", json=body, headers={"X-CSRF-Token": csrf})
            assert (reply.status_code, reply.json()["error_id"]) == (403, "forbidden"), body
        assert (await client.get("/api/agents/1002")).status_code == 403
        assert (await client.get("/api/wallboard")).status_code == 403
        mismatch = await client.post("/api/agents/1001/commands", json={"cmd": "ready", "agent": "1002"},
                                     headers={"X-CSRF-Token": csrf})
        assert (mismatch.status_code, mismatch.json()["error_id"]) == (400, "agent-mismatch")
    assert str(desk.acd.agent("1002").state) == "logged_out"


async def test_a_supervisor_changes_states_in_his_scope_only_and_never_acts_on_calls(desk):
    async with desk.client() as client:
        csrf = await login(client, "boss")
        ok = await client.post("/api/agents/1001/commands", json={"cmd": "login"}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200 and str(desk.acd.agent("1001").state) == "ready"
        call = await client.post("/api/agents/1001/commands", json={"cmd": "hangup"}, headers={"X-CSRF-Token": csrf})
        assert call.status_code == 403
        outside = await client.post("/api/agents/1003/commands", json={"cmd": "login"},
                                    headers={"X-CSRF-Token": csrf})
        assert outside.status_code == 403 and str(desk.acd.agent("1003").state) == "logged_out"
        view = (await client.get("/api/agents/1001")).json()
        assert view["agent"]["state"] == "ready" and "pop" not in view  # no caller data for the supervisor
        board = (await client.get("/api/wallboard")).json()
        assert [q["queue"] for q in board["queues"]] == ["billing"]
        assert sorted(a["id"] for a in board["agents"]) == ["1001", "1002"]


async def test_an_engine_refusal_comes_back_with_its_error_id(desk):
    async with desk.client() as client:
        csrf = await login(client, "1001")
        reply = await client.post("/api/agents/1001/commands", json={"cmd": "end_wrapup"},
                                  headers={"X-CSRF-Token": csrf})
        assert reply.status_code == 409 and reply.json()["error_id"] == "agent_invalid_transition"
        bad = await client.post("/api/agents/1001/commands", json={"cmd": "pause", "reason": "<script>"},
                                headers={"X-CSRF-Token": csrf})
        assert bad.status_code == 400 and bad.json()["error_id"] == "invalid-command"


async def test_a_user_removed_or_changed_loses_his_sessions(desk):
    async with desk.client() as client:
        await login(client, "1002")
        desk.context.users.set("1002", "agent", "a new password")
        assert (await client.get("/api/me")).status_code == 401


async def test_pages_carry_a_strict_content_security_policy(desk):
    async with desk.client() as client:
        page = await client.get("/desk")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script type=\"module\" src=\"/static/desk.js\">" in page.text and "http" not in page.text.split("<body")[1]
