"""`/healthz`, `/livez`, `/readyz` and `/metrics`: the health rule, and the server that
answers them.

Healthy (`/healthz`) means: the scheduler runs, each source's latest fetch succeeded, and
no delivery or ingest is stuck (in hand longer than its limit: `ActivityBoard`). A source
that has not been fetched yet (not due) counts as healthy. Live (`/livez`) leaves the
sources out: the process itself works. Ready (`/readyz`) is live, started, and holding
its lock or its place in the election: what a load balancer and Kubernetes need, since a
mailbox outage must neither restart the pod nor take it out of the Service (it still
delivers from the outbox and answers Slack). `evaluate_health` is the
pure rule; `FetchBoard` collects fetch outcomes from the jobs and watchers; the server
(mailer/web, Starlette on uvicorn) only answers. `/metrics` serves `mailer.runtime.metrics.REGISTRY`, after calling a refresh
function (the outbox depth comes from the store on each scrape).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from mailer.runtime.metrics import LAST_FETCH_SUCCESS, REGISTRY

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from mailer.web.context import WebContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """The latest fetch of one source, as far as the service knows."""

    source: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    error: str | None = None  # why the latest attempt failed; None when it succeeded

    @property
    def is_healthy(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Activity:
    """Work in hand: a delivery (one batch to one destination) or an ingest (one message,
    one fetch). Stuck when in hand longer than `stuck_after` seconds."""

    kind: str  # "delivery" or "ingest"
    what: str  # e.g. "team-slack: rule small-llms, batch day:2025-10-14"
    since: datetime
    stuck_after: float

    def is_stuck(self, now: datetime) -> bool:
        return (now - self.since).total_seconds() > self.stuck_after

    def to_json(self, now: datetime) -> dict[str, object]:
        return {
            "kind": self.kind,
            "what": self.what,
            "since": self.since.isoformat(timespec="seconds"),
            "stuck": self.is_stuck(now),
        }


class ActivityBoard:
    """Thread-safe record of the work in hand, by key (one entry per thread of work)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Activity] = {}

    def begin(self, key: str, activity: Activity) -> None:
        with self._lock:
            self._entries[key] = activity

    def end(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def snapshot(self) -> list[Activity]:
        with self._lock:
            return list(self._entries.values())


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    reasons: tuple[str, ...]
    sources: tuple[SourceHealth, ...] = ()
    role: str | None = None  # "leader" or "standby" once known; both are healthy
    activities: tuple[Activity, ...] = ()
    at: datetime | None = None  # when it was evaluated (to judge the activities)
    # /livez and /readyz: None means "as `ok`". A mailbox that is down makes the report
    # unhealthy but leaves the process live and ready (it still delivers and answers
    # Slack; restarting it or taking it out of the Service fixes no mailbox).
    live: bool | None = None  # the process works: scheduler running, nothing stuck
    ready: bool | None = None  # live, started, and it holds its lock or election

    @property
    def is_live(self) -> bool:
        return self.ok if self.live is None else self.live

    @property
    def is_ready(self) -> bool:
        return self.ok if self.ready is None else self.ready

    def to_json(self) -> dict[str, object]:
        report: dict[str, object] = {
            "status": "ok" if self.ok else "unhealthy",
            "reasons": list(self.reasons),
            "sources": [s.to_json() for s in self.sources],
        }
        if self.role is not None:
            report["role"] = self.role
        if self.at is not None:
            report["busy"] = [a.to_json(self.at) for a in self.activities]
        return report


def evaluate_health(
    scheduler_running: bool,
    sources: Iterable[SourceHealth],
    activities: Iterable[Activity] = (),
    now: datetime | None = None,
    role: str | None = None,
) -> HealthReport:
    """200-worthy when the scheduler runs, no source's latest fetch failed and no
    delivery or ingest has been in hand longer than its limit (stuck), whatever the
    role (a standby fetches nothing, so it passes no sources)."""
    listed = tuple(sorted(sources, key=lambda s: s.source))
    reasons = [] if scheduler_running else ["scheduler is not running"]
    busy = tuple(sorted(activities, key=lambda a: a.since))
    if now is not None:
        reasons += [
            f"{a.kind} stuck since {a.since.isoformat(timespec='seconds')}: {a.what}"
            for a in busy
            if a.is_stuck(now)
        ]
    live = not reasons  # what is wrong inside the process; a source's failure is outside it
    reasons += [f"source {s.source}: {s.error}" for s in listed if not s.is_healthy]
    return HealthReport(
        not reasons,
        tuple(reasons),
        listed,
        role=role,
        activities=busy,
        at=now,
        live=live,
        ready=live,
    )


class FetchBoard:
    """Thread-safe record of each source's latest fetch outcome (also sets the gauge)."""

    def __init__(self, sources: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._entries = {name: SourceHealth(name) for name in sources}

    def record_success(self, source: str, at: datetime) -> None:
        with self._lock:
            self._entries[source] = SourceHealth(source, at, at, None)
        LAST_FETCH_SUCCESS.labels(source=source).set(at.timestamp())

    def record_failure(self, source: str, at: datetime, error: str) -> None:
        with self._lock:
            previous = self._entries.get(source, SourceHealth(source))
            self._entries[source] = SourceHealth(source, at, previous.last_success, error)

    def get(self, source: str) -> SourceHealth:
        with self._lock:
            return self._entries.get(source, SourceHealth(source))

    def snapshot(self) -> list[SourceHealth]:
        with self._lock:
            return list(self._entries.values())


class HealthServer:
    """Serves /healthz and /metrics (then any `extra_routes` and, given `ui`, the pages:
    see mailer.web.app) on uvicorn, in a daemon thread until `stop()`."""

    def __init__(
        self,
        host: str,
        port: int,
        check: Callable[[], HealthReport],
        refresh_metrics: Callable[[], None] | None = None,
        registry: CollectorRegistry = REGISTRY,
        *,
        extra_routes: Sequence[BaseRoute] = (),
        ui: WebContext | None = None,
    ) -> None:
        # imported here: commands that only parse an address need not load the ASGI stack
        from mailer.web.app import build_app
        from mailer.web.server import WebServer

        app = build_app(check, refresh_metrics, registry, extra_routes=extra_routes, ui=ui)
        self._server = WebServer(host, port, app)

    @property
    def address(self) -> tuple[str, int]:
        return self._server.address

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()


def parse_listen_address(text: str) -> tuple[str, int]:
    """'127.0.0.1:9464' -> ('127.0.0.1', 9464); '[::1]:9464' too."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:9464")
    return host.strip("[]"), int(port)
