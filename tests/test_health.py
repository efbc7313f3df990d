"""Health rule and the /healthz + /metrics endpoint (a real HTTP server on loopback)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mailer.runtime.health import (
    FetchBoard,
    HealthReport,
    HealthServer,
    SourceHealth,
    evaluate_health,
    parse_listen_address,
)
from mailer.runtime.metrics import EMAILS_FETCHED, OUTBOX_DEPTH

NOW = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


def test_healthy_when_scheduler_runs_and_sources_fetched() -> None:
    report = evaluate_health(True, [SourceHealth("hf", NOW, NOW, None)])
    assert report.ok
    assert report.reasons == ()


def test_a_source_not_yet_fetched_counts_as_healthy() -> None:
    assert evaluate_health(True, [SourceHealth("arxiv")]).ok


def test_unhealthy_names_the_failing_source_and_the_reason() -> None:
    report = evaluate_health(
        True, [SourceHealth("hf", NOW, NOW, None), SourceHealth("inbox", NOW, None, "refused")]
    )
    assert not report.ok
    assert report.reasons == ("source inbox: refused",)


def test_unhealthy_when_the_scheduler_stopped() -> None:
    assert evaluate_health(False, []).reasons == ("scheduler is not running",)


def test_fetch_board_keeps_the_last_success_through_a_failure() -> None:
    board = FetchBoard(["inbox"])
    assert board.get("inbox") == SourceHealth("inbox")
    board.record_success("inbox", NOW)
    board.record_failure("inbox", NOW.replace(hour=10), "connection refused")
    entry = board.get("inbox")
    assert entry.last_success == NOW
    assert entry.error == "connection refused"
    board.record_success("inbox", NOW.replace(hour=11))
    assert board.get("inbox").is_healthy


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("[::1]:80", ("::1", 80)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_listen_address(text: str, address: tuple[str, int]) -> None:
    assert parse_listen_address(text) == address


@pytest.mark.parametrize("text", ["9464", "localhost", ":9464", "host:port"])
def test_listen_address_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not HOST:PORT"):
        parse_listen_address(text)


Served = tuple[dict[str, HealthReport], HealthServer, list[int]]


@pytest.fixture
def server_state() -> Iterator[Served]:
    state = {"report": HealthReport(True, ())}
    refreshed: list[int] = []

    def refresh() -> None:
        refreshed.append(1)
        OUTBOX_DEPTH.labels(state="pending").set(3)

    server = HealthServer("127.0.0.1", 0, lambda: state["report"], refresh)
    server.start()
    yield state, server, refreshed
    server.stop()


def get(server: HealthServer, path: str) -> tuple[int, str]:
    host, port = server.address
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_healthz_answers_200_then_503_with_the_reason(server_state: Served) -> None:
    state, server, _ = server_state
    status, body = get(server, "/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    state["report"] = HealthReport(False, ("source inbox: connection refused",))
    status, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["reasons"] == ["source inbox: connection refused"]


def test_a_mailbox_outage_leaves_the_replica_live_and_ready_but_not_healthy(
    server_state: Served,
) -> None:
    # Kubernetes probes /livez and /readyz: a mailbox that is down must neither restart the
    # pod nor take it out of the Service (it still delivers and answers Slack)
    state, server, _ = server_state
    down = SourceHealth("inbox", NOW, None, "connection refused")
    state["report"] = evaluate_health(True, [down], now=NOW, role="leader")
    assert get(server, "/healthz")[0] == 503
    for path in ("/livez", "/readyz"):
        status, body = get(server, path)
        assert status == 200, path
        assert json.loads(body)["reasons"] == ["source inbox: connection refused"]
    state["report"] = evaluate_health(False, [down], now=NOW, role="leader")
    assert [get(server, p)[0] for p in ("/healthz", "/livez", "/readyz")] == [503, 503, 503]
    # starting, or without its lock or election: alive, not ready yet
    state["report"] = HealthReport(False, ("starting",), live=True, ready=False)
    assert [get(server, p)[0] for p in ("/healthz", "/livez", "/readyz")] == [503, 200, 503]


def test_metrics_serve_product_series_after_a_refresh(server_state: Served) -> None:
    _, server, refreshed = server_state
    EMAILS_FETCHED.labels(source="health-test").inc(2)
    status, body = get(server, "/metrics")
    assert status == 200
    assert refreshed
    assert 'mailer_emails_fetched_total{source="health-test"} 2.0' in body
    assert 'mailer_outbox_depth{state="pending"} 3.0' in body
    assert "process_resident_memory_bytes" in body


def test_unknown_path_is_404(server_state: Served) -> None:
    _, server, _ = server_state
    assert get(server, "/")[0] == 404


def test_serves_on_an_ipv6_address_as_parse_listen_address_accepts() -> None:
    host, port = parse_listen_address("[::1]:0")
    try:
        server = HealthServer(host, port, lambda: HealthReport(True, ()))
    except OSError as e:  # used to fail on every machine: 'Address family ... not supported'
        if "family" in str(e):
            raise
        pytest.skip(f"no IPv6 loopback here: {e}")
    server.start()
    try:
        _, bound = server.address
        with urllib.request.urlopen(f"http://[::1]:{bound}/healthz", timeout=5) as reply:
            assert reply.status == 200
    finally:
        server.stop()


def test_extra_routes_are_served_beside_health_and_cannot_shadow_it() -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    def shadow(request: Request) -> PlainTextResponse:
        return PlainTextResponse("shadow")

    server = HealthServer(
        "127.0.0.1",
        0,
        lambda: HealthReport(True, ()),
        extra_routes=[Route("/slack/events", hello), Route("/healthz", shadow)],
    )
    server.start()
    try:
        assert get(server, "/slack/events") == (200, "hello")
        status, body = get(server, "/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"
    finally:
        server.stop()
