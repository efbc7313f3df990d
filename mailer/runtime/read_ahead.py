"""Running an iterator one item ahead, in a thread.

`run --once` parses a batch of messages (in the parse worker process, the parent
waiting on a pipe) and then plans and records it (in this process). `read_ahead`
lets the next batch be fetched and parsed while this one is recorded: the two
processes work at once instead of in turns. At most one item waits in hand, so
memory stays at two batches. An exception the iterator raises is raised again
where the item would have been taken, in order; closing the reader early (the
consumer failed or stopped) stops the thread at its next item and closes the
iterator in that thread, so a source's generator runs its cleanup.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1  # how often a blocked producer looks whether it should stop


class _Done:
    pass


_DONE = _Done()


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[T]):
    """Iterate over `items` from a thread, one item ahead; a context manager."""

    def __init__(self, items: Iterator[T], name: str = "read-ahead") -> None:
        self._items = items
        self._queue: queue.Queue[T | _Done | _Raised] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as e:  # noqa: BLE001 bulkhead: given to the consumer, raised there
            self._put(_Raised(e))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def _put(self, item: T | _Done | _Raised) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop the thread (after the item it is reading) and wait for it."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
