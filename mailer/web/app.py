"""`build_app()`: the ASGI application behind `mailer serve --http` and `mailer web`.

The seam for other parts of the product is `extra_routes`: a sequence of Starlette
routes (`Route`, `Mount`) added after the built-in ones, e.g.

    build_app(check, refresh, extra_routes=[Mount("/slack", app=slack_asgi)])

Built-in paths (`/healthz`, `/metrics`, `/api/...`, the pages) win over extra routes
with the same path, so an extra route cannot shadow the health check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from mailer.health import HealthReport
from mailer.metrics import REGISTRY

log = logging.getLogger("mailer.web")

HealthCheck = Callable[[], HealthReport]


def health_routes(
    check: HealthCheck,
    refresh_metrics: Callable[[], None] | None = None,
    registry: CollectorRegistry = REGISTRY,
) -> list[BaseRoute]:
    """`/healthz` (200 or 503 with the reasons, JSON) and `/metrics` (Prometheus text)."""

    def healthz(request: Request) -> Response:
        try:
            report = check()
        except Exception as e:  # a broken check must read as unhealthy, not hang
            log.exception("health check failed")
            report = HealthReport(False, (f"health check failed: {type(e).__name__}",))
        body = json.dumps(report.to_json(), indent=2) + "\n"
        return Response(body, 200 if report.ok else 503, media_type="application/json")

    def metrics(request: Request) -> Response:
        if refresh_metrics is not None:
            try:
                refresh_metrics()
            except Exception:  # stale gauges beat no metrics at all
                log.warning("could not refresh metrics from the store", exc_info=True)
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    # sync endpoints run in Starlette's thread pool: a slow store never blocks the loop
    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics, methods=["GET", "HEAD"]),
    ]


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("not found: try /healthz or /metrics\n", status_code=404)


def build_app(
    check: HealthCheck,
    refresh_metrics: Callable[[], None] | None = None,
    registry: CollectorRegistry = REGISTRY,
    *,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The web app: health and metrics, then `extra_routes` (stable seam, see module doc)."""
    routes: list[BaseRoute] = [*health_routes(check, refresh_metrics, registry)]
    routes += list(extra_routes)
    return Starlette(routes=routes, exception_handlers={404: _not_found})
