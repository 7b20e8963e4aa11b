"""The browser side of the engine as one ASGI app (Starlette): pages, JSON API, live events.

Everything it needs is injected (`WebContext`): the engine's `Commands` (the one executor of
desk commands, shared with MQTT and the control socket), the agent and queue listings, the live
hub fed by the ACD notifier, the alert feed and the metrics renderer (both optional seams), the
users file, sessions and the login limiter. The app itself holds no engine object.

Pages and their scripts are static files in ``cti/web/static`` (plain modern JS, no build step,
nothing loaded from elsewhere: the desk works offline). Every ``/api`` route but login wants a
session; see docs/web.md for the routes and the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cti.web import routes_auth, routes_board, routes_desk, routes_supervise
from cti.web.access import Access
from cti.web.guard import ApiError, SecurityHeaders, api_error, session_of
from cti.web.live import LiveHub
from cti.web.openapi import spec
from cti.web.sessions import LoginLimiter, Sessions
from cti.web.users import UserStore

STATIC = Path(__file__).parent / "static"


class CommandExecutor(Protocol):
    async def execute_async(self, raw: dict[str, Any]) -> dict[str, Any]: ...


class AlertFeed(Protocol):
    """The seam for volume alerts: what is active now, and a subscription to raised/cleared events."""

    def active(self) -> list[dict[str, Any]]: ...

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> None: ...


class NoAlerts:
    """The default feed until alerts are wired: nothing active, nothing ever raised."""

    def active(self) -> list[dict[str, Any]]:
        return []

    def subscribe(self, callback: Callable[[dict[str, Any]], None]) -> None:
        return None


@dataclass
class WebContext:
    users: UserStore
    sessions: Sessions
    limiter: LoginLimiter
    access: Access
    hub: LiveHub
    commands: CommandExecutor
    agents: Callable[[], list[dict[str, Any]]]
    queues: Callable[[], list[dict[str, Any]]]
    queue_names: Callable[[], list[str]]
    alerts: AlertFeed
    metrics: Callable[[], str] | None = None
    admin_token: str | None = None
    secure_cookies: bool = False
    board_interval: float = 1.0
    today: Callable[[], dict[str, Any]] | None = None  # today's queue figures (cti.services.today)
    # live monitoring: a supervisor id -> whom he may monitor and his session (None: not a supervisor)
    monitoring: Callable[[str], dict[str, Any] | None] | None = None


def _page(name: str) -> Callable[[Request], Awaitable[FileResponse]]:
    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html; charset=utf-8")
    return page


async def _openapi(request: Request) -> JSONResponse:
    session_of(request)
    return JSONResponse(spec())


async def _home(request: Request) -> RedirectResponse:
    return RedirectResponse("/desk", 303)


def make_app(web: WebContext) -> Starlette:
    app = Starlette(routes=[
        Route("/", _home),
        Route("/desk", _page("desk.html")),
        Route("/wallboard", _page("wallboard.html")),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/api/login", routes_auth.login, methods=["POST"]),
        Route("/api/logout", routes_auth.logout, methods=["POST"]),
        Route("/api/me", routes_auth.me),
        Route("/api/agents/{agent_id}", routes_desk.agent_view),
        Route("/api/agents/{agent_id}/commands", routes_desk.agent_command, methods=["POST"]),
        Route("/api/supervise", routes_supervise.supervise, methods=["POST"]),
        Route("/api/wallboard", routes_board.wallboard),
        Route("/api/events", routes_board.events),
        Route("/api/openapi.json", _openapi),
        Route("/metrics", routes_board.metrics),
    ], middleware=[Middleware(SecurityHeaders)], exception_handlers={ApiError: api_error})
    app.state.web = web
    return app


def make_context(*, users_file: Path, commands, agents, queues, queue_names, agents_of, clock,
                 alerts: AlertFeed | None = None, metrics: Callable[[], str] | None = None,
                 admin_token: str | None = None, session_ttl_s: float = 43200.0, login_attempts: int = 5,
                 login_window_s: float = 300.0, secure_cookies: bool = False,
                 board_interval: float = 1.0,
                 today: Callable[[], dict[str, Any]] | None = None,
                 monitoring: Callable[[str], dict[str, Any] | None] | None = None) -> WebContext:
    access, alerts = Access(agents_of, queue_names), alerts or NoAlerts()
    hub = LiveHub(access)
    alerts.subscribe(hub.alert)
    return WebContext(UserStore(users_file), Sessions(session_ttl_s, clock),
                      LoginLimiter(login_attempts, login_window_s, clock), access, hub, commands,
                      agents, queues, queue_names, alerts, metrics, admin_token, secure_cookies, board_interval,
                      today, monitoring)
