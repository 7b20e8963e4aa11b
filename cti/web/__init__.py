"""The browser agent desk, supervisor wallboard and JSON API, served by the engine (docs/web.md)."""

from cti.web.app import AlertFeed, NoAlerts, WebContext, make_app, make_context
from cti.web.server import WebServer

__all__ = ["AlertFeed", "NoAlerts", "WebContext", "WebServer", "make_app", "make_context"]
