"""`/healthz` and `/metrics` on a small HTTP server (stdlib, one daemon thread).

Healthy means: the scheduler runs, each source's latest fetch succeeded, and no
delivery or ingest is stuck (in hand longer than its limit: `ActivityBoard`). A source
that has not been fetched yet (not due) counts as healthy. `evaluate_health` is the
pure rule; `FetchBoard` collects fetch outcomes from the jobs and watchers; the server
only answers. `/metrics` serves `mailer.metrics.REGISTRY`, after calling a refresh
function (the outbox depth comes from the store on each scrape).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from mailer.metrics import LAST_FETCH_SUCCESS, REGISTRY

log = logging.getLogger("mailer.health")


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
    activities: tuple[Activity, ...] = ()
    at: datetime | None = None  # when it was evaluated (to judge the activities)

    def to_json(self) -> dict[str, object]:
        report: dict[str, object] = {
            "status": "ok" if self.ok else "unhealthy",
            "reasons": list(self.reasons),
            "sources": [s.to_json() for s in self.sources],
        }
        if self.at is not None:
            report["busy"] = [a.to_json(self.at) for a in self.activities]
        return report


def evaluate_health(
    scheduler_running: bool,
    sources: Iterable[SourceHealth],
    activities: Iterable[Activity] = (),
    now: datetime | None = None,
) -> HealthReport:
    """200-worthy when the scheduler runs, no source's latest fetch failed and no
    delivery or ingest has been in hand longer than its limit (stuck)."""
    listed = tuple(sorted(sources, key=lambda s: s.source))
    reasons = [] if scheduler_running else ["scheduler is not running"]
    reasons += [f"source {s.source}: {s.error}" for s in listed if not s.is_healthy]
    busy = tuple(sorted(activities, key=lambda a: a.since))
    if now is not None:
        reasons += [
            f"{a.kind} stuck since {a.since.isoformat(timespec='seconds')}: {a.what}"
            for a in busy
            if a.is_stuck(now)
        ]
    return HealthReport(not reasons, tuple(reasons), listed, busy, now)


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


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6  # `--http [::1]:9464`


class HealthServer:
    """Serves /healthz and /metrics in a daemon thread until `stop()`."""

    def __init__(
        self,
        host: str,
        port: int,
        check: Callable[[], HealthReport],
        refresh_metrics: Callable[[], None] | None = None,
        registry: CollectorRegistry = REGISTRY,
    ) -> None:
        handler = _handler_class(check, refresh_metrics, registry)
        server_class = _HttpServer6 if ":" in host else _HttpServer
        self._server = server_class((host, port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="mailer-http", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", *self.address)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def parse_listen_address(text: str) -> tuple[str, int]:
    """'127.0.0.1:9464' -> ('127.0.0.1', 9464); '[::1]:9464' too."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:9464")
    return host.strip("[]"), int(port)


def _handler_class(
    check: Callable[[], HealthReport],
    refresh_metrics: Callable[[], None] | None,
    registry: CollectorRegistry,
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "paper-mailer"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._healthz()
            elif path == "/metrics":
                self._metrics()
            else:
                self._send(
                    404, "text/plain; charset=utf-8", b"not found: try /healthz or /metrics\n"
                )

        def _healthz(self) -> None:
            try:
                report = check()
            except Exception as e:  # a broken check must read as unhealthy, not hang
                log.exception("health check failed")
                report = HealthReport(False, (f"health check failed: {type(e).__name__}",))
            body = json.dumps(report.to_json(), indent=2).encode("utf-8") + b"\n"
            self._send(200 if report.ok else 503, "application/json", body)

        def _metrics(self) -> None:
            if refresh_metrics is not None:
                try:
                    refresh_metrics()
                except Exception:  # stale gauges beat no metrics at all
                    log.warning("could not refresh metrics from the store", exc_info=True)
            self._send(200, CONTENT_TYPE_LATEST, generate_latest(registry))

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("http: " + format, *args)

    return Handler
