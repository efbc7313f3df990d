"""The shared HTTP channel base: what an HTTP status means, and the quick retries one
delivery may make before the outbox takes over (fake clock, no sleeping)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailer.notify import DeliveryError, DeliveryInterrupted
from mailer.notify.http import (
    INLINE_WAIT_BUDGET,
    TRANSIENT_RETRIES,
    HttpChannel,
    Pacer,
    classify_http_status,
)


@pytest.mark.parametrize(
    ("status", "permanent", "retry_after"),
    [
        (400, True, None),
        (401, True, None),
        (403, True, None),
        (404, True, None),
        (410, True, None),
        (408, False, None),
        (425, False, None),
        (429, False, 7.0),
        (500, False, None),
        (502, False, None),
        (503, False, None),
    ],
)
def test_an_http_status_says_whether_a_retry_can_help(
    status: int, permanent: bool, retry_after: float | None
) -> None:
    error = classify_http_status(status, "peer", "7")
    assert error.permanent is permanent
    assert error.retry_after == retry_after
    assert str(status) in error.reason or status == 429


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def channel(clock: Clock) -> HttpChannel:
    target = HttpChannel(Pacer(clock=clock, sleep=clock.sleep), min_interval=1.0)
    target.name = "test"
    return target


def failing(*errors: DeliveryError) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []
    queue = list(errors)

    def send() -> str:
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return "sent"

    return calls, send


def test_transient_failures_get_quick_retries_then_go_back_to_the_outbox() -> None:
    clock = Clock()
    calls, send = failing(*[DeliveryError("503")] * (TRANSIENT_RETRIES + 1))
    with pytest.raises(DeliveryError):
        channel(clock).send_paced(send, "k")
    assert len(calls) == TRANSIENT_RETRIES + 1
    assert [s for s in clock.slept if s != 1.0] == [2.0]  # backoff 1 s, then 2 s


def test_one_transient_failure_is_retried_and_the_message_goes() -> None:
    calls, send = failing(DeliveryError("500"))
    assert channel(Clock()).send_paced(send, "k") == "sent"
    assert len(calls) == 2


def test_a_permanent_failure_is_not_retried() -> None:
    calls, send = failing(DeliveryError("404", permanent=True))
    with pytest.raises(DeliveryError):
        channel(Clock()).send_paced(send, "k")
    assert len(calls) == 1


def test_a_long_retry_after_goes_back_to_the_outbox_at_once() -> None:
    calls, send = failing(DeliveryError("429", retry_after=60))
    with pytest.raises(DeliveryError) as caught:
        channel(Clock()).send_paced(send, "k")
    assert caught.value.retry_after == 60
    assert len(calls) == 1


def test_short_retry_afters_are_waited_out_within_the_budget() -> None:
    clock = Clock()
    waits = int(INLINE_WAIT_BUDGET // 5)
    calls, send = failing(*[DeliveryError("429", retry_after=5)] * (waits + 1))
    with pytest.raises(DeliveryError):
        channel(clock).send_paced(send, "k")
    assert len(calls) == waits + 1
    assert sum(s for s in clock.slept if s == 5) == waits * 5


def test_a_stopping_service_is_not_kept_waiting_for_a_retry() -> None:
    calls, send = failing(DeliveryError("503"))
    with pytest.raises(DeliveryInterrupted):
        channel(Clock()).send_paced(send, "k", should_stop=lambda: True)
    assert len(calls) == 1


def test_messages_to_one_key_are_paced() -> None:
    clock = Clock()
    target = channel(clock)
    for _ in range(3):
        target.send_paced(lambda: None, "k")
    assert clock.slept == [1.0, 1.0]
