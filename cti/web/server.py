"""Runs the web app inside the engine's event loop (a TaskGroup task), not as a second process.

uvicorn's `Server.serve` would take SIGINT/SIGTERM for itself; the engine owns the signals (its
shutdown order decides when the web stops), so `_EmbeddedServer` installs none. `close()` ends
the live streams first, then asks uvicorn to finish, bounded by ``graceful_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn

from cti.web.app import WebContext, make_app

log = logging.getLogger("hotline.web")


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        yield


class WebServer:
    """The engine's HTTP server: `run()` as a task, `close()` at shutdown."""

    def __init__(self, context: WebContext, host: str, port: int, *, graceful_s: float = 3.0) -> None:
        self.context = context
        self.app = make_app(context)
        config = uvicorn.Config(self.app, host=host, port=port, log_config=None, access_log=False,
                                lifespan="off", timeout_graceful_shutdown=graceful_s, server_header=False)
        self.server = _EmbeddedServer(config)
        self.host, self.port = host, port
        self.graceful_s = graceful_s
        self._done = asyncio.Event()

    @property
    def started(self) -> bool:
        return self.server.started

    async def run(self) -> None:
        try:
            await self.server.serve()
        except SystemExit:  # uvicorn's answer to a port it cannot bind: calls must go on regardless
            log.error("web server could not listen on %s:%d; the engine runs without it", self.host, self.port)
        finally:
            self._done.set()

    async def close(self) -> None:
        self.context.hub.close()
        self.server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._done.wait(), self.graceful_s + 2)
