"""The web application: one Starlette ASGI app served by uvicorn in a thread.

`build_app()` (app.py) assembles the routes: `/healthz` and `/metrics` always, the
rules/papers/outbox pages and the JSON API when a store and rules are given, and any
`extra_routes` another part of the product mounts (the Slack app mounts `/slack/events`).
`WebServer` (server.py) runs an app on a bound socket in a daemon thread.
"""

from mailer.web.app import build_app
from mailer.web.server import WebServer

__all__ = ["WebServer", "build_app"]
