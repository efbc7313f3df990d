"""`ReadAhead`: an iterator run one item ahead in a thread (run --once parses the next
batch while this one is recorded)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

import pytest

from mailer.runtime.read_ahead import ReadAhead


def test_items_come_in_order_and_at_most_one_waits_in_hand() -> None:
    made: list[int] = []
    taken: list[int] = []

    def items() -> Iterator[int]:
        for n in range(5):
            made.append(n)
            yield n

    with ReadAhead(items()) as ahead:
        for n in ahead:
            taken.append(n)
            assert len(made) <= n + 3  # the one in hand, one in the queue, one being made
    assert taken == [0, 1, 2, 3, 4]


def test_an_error_of_the_iterator_is_raised_where_its_item_would_come() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("source went away")

    taken: list[int] = []
    with pytest.raises(OSError, match="source went away"), ReadAhead(items()) as ahead:
        taken.extend(ahead)  # keeps what came before the error
    assert taken == [1, 2]


def test_stopping_early_stops_the_thread_and_closes_the_iterator_in_it() -> None:
    closed: list[str] = []

    def items() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(threading.current_thread().name)

    def consume(ahead: Iterable[int]) -> None:
        for n in ahead:
            if n == 3:
                raise RuntimeError("the store failed")

    with pytest.raises(RuntimeError), ReadAhead(items(), "parse-ahead") as ahead:
        consume(ahead)
    assert closed == ["parse-ahead"]
    assert not any(t.name == "parse-ahead" for t in threading.enumerate())
