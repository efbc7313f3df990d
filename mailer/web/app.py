"""`build_app()`: the ASGI application behind `mailer serve --http` and `mailer web`.

The seam for other parts of the product is `extra_routes`: a sequence of Starlette
routes (`Route`, `Mount`), e.g.

    build_app(check, refresh, extra_routes=[Mount("/slack", app=slack_asgi)])

Order: `/healthz` and `/metrics` first (an extra route cannot shadow them), then the
extra routes, then the pages and `/api/...` (when `ui` is given), mounted last at `/`
behind the login check (`mailer.web.auth`). Extra routes do their own authentication
(Slack signs its requests), so they are not behind the pages' login.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mailer.runtime.health import HealthReport
from mailer.runtime.metrics import REGISTRY
from mailer.web.auth import AuthMiddleware
from mailer.web.context import STATIC_DIR, WebContext
from mailer.web.ops_pages import ops_routes
from mailer.web.papers_pages import paper_routes
from mailer.web.rules_pages import rule_routes

log = logging.getLogger(__name__)

HealthCheck = Callable[[], HealthReport]


def health_routes(
    check: HealthCheck,
    refresh_metrics: Callable[[], None] | None = None,
    registry: CollectorRegistry = REGISTRY,
) -> list[BaseRoute]:
    """`/healthz`, `/livez`, `/readyz` (200 or 503 with the reasons, JSON; see
    `mailer.runtime.health`) and `/metrics` (Prometheus text)."""

    def report() -> HealthReport:
        try:
            return check()
        except Exception as e:  # a broken check must read as unhealthy, not hang
            log.exception("health check failed")
            return HealthReport(False, (f"health check failed: {type(e).__name__}",))

    def answer(report: HealthReport, ok: bool) -> Response:
        body = report.to_json() | {"status": "ok" if ok else "unhealthy"}
        text = json.dumps(body, indent=2) + "\n"
        return Response(text, 200 if ok else 503, media_type="application/json")

    def healthz(_request: Request) -> Response:
        found = report()
        return answer(found, found.ok)

    def livez(_request: Request) -> Response:
        found = report()
        return answer(found, found.is_live)

    def readyz(_request: Request) -> Response:
        found = report()
        return answer(found, found.is_ready)

    def metrics(_request: Request) -> Response:
        if refresh_metrics is not None:
            try:
                refresh_metrics()
            except Exception:  # stale gauges beat no metrics at all
                log.warning("could not refresh metrics from the store", exc_info=True)
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    # sync endpoints run in Starlette's thread pool: a slow store never blocks the loop
    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/livez", livez, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET", "HEAD"]),
    ]


async def _not_found(_request: Request, _exc: Exception) -> Response:
    return PlainTextResponse("not found: try /rules, /papers, /healthz or /metrics\n", 404)


def ui_app(ctx: WebContext) -> Starlette:
    """The pages, the JSON API and their static files, behind the login check."""
    routes: list[BaseRoute] = [
        *ops_routes(ctx),
        *rule_routes(ctx),
        *paper_routes(ctx),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(AuthMiddleware, access=ctx.access)],
        exception_handlers={404: _not_found},
    )


def build_app(
    check: HealthCheck,
    refresh_metrics: Callable[[], None] | None = None,
    registry: CollectorRegistry = REGISTRY,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    ui: WebContext | None = None,
) -> Starlette:
    """The web app: health and metrics, then `extra_routes` (stable seam, see module
    doc), then the pages when `ui` is given."""
    routes: list[BaseRoute] = [*health_routes(check, refresh_metrics, registry)]
    routes += list(extra_routes)
    if ui is not None:
        routes.append(Mount("/", app=ui_app(ui)))
    return Starlette(routes=routes, exception_handlers={404: _not_found})
