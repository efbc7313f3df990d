"""/healthz's rule for work in hand: busy is healthy, stuck (in hand past its limit)
is not, and the report says what and since when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailer.runtime.health import Activity, ActivityBoard, evaluate_health

NOW = datetime(2025, 10, 14, 9, 0, tzinfo=UTC)


def test_a_delivery_in_hand_within_its_limit_is_busy_not_unhealthy() -> None:
    feed = Activity(
        "delivery", "team-slack: rule daily, 5000 alert(s)", NOW - timedelta(minutes=5), 900
    )
    report = evaluate_health(True, [], [feed], NOW)
    assert report.ok
    assert report.to_json()["busy"] == [
        {
            "kind": "delivery",
            "what": feed.what,
            "since": "2025-10-14T08:55:00+00:00",
            "stuck": False,
        }
    ]


def test_a_stuck_delivery_or_ingest_makes_healthz_fail_with_what_and_since_when() -> None:
    board = ActivityBoard()
    board.begin(
        "d",
        Activity("delivery", "team-slack: rule daily, 3 alert(s)", NOW - timedelta(hours=1), 900),
    )
    board.begin(
        "i", Activity("ingest", "source inbox: message 42", NOW - timedelta(seconds=30), 90)
    )
    report = evaluate_health(True, [], board.snapshot(), NOW)
    assert not report.ok
    assert report.reasons == (
        "delivery stuck since 2025-10-14T08:00:00+00:00: team-slack: rule daily, 3 alert(s)",
    )
    board.begin("i", Activity("ingest", "source inbox: message 42", NOW - timedelta(minutes=5), 90))
    board.end("d")
    assert evaluate_health(True, [], board.snapshot(), NOW).reasons == (
        "ingest stuck since 2025-10-14T08:55:00+00:00: source inbox: message 42",
    )
