"""The web application: one Starlette ASGI app served by uvicorn in a thread.

`mailer.web.app.build_app()` assembles the routes: `/healthz` and `/metrics` always,
any `extra_routes` another part of the product mounts (the Slack app mounts
`/slack/events`), then the rules/papers/outbox/status pages and the JSON API when a
`WebContext` is given. `mailer.web.server.WebServer` runs an app on a bound socket in a
daemon thread. This package file imports nothing, so `mailer.config.settings` can use
`mailer.web.settings` without loading the ASGI stack.
"""
