"""What a watcher is: a thread that pushes one source's new items to the service.

A source that can be watched (`Capabilities.watchable`, IMAP with IDLE) builds one
with `WatchableSource.watcher(...)`; the service (`mailer.runtime.service`) starts, supervises
and stops it, and reads its `status()` for /healthz. Kept apart from the IMAP modules
so the service does not load an IMAP client to know what a watcher looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

WatchState = Literal["starting", "connected", "idling", "polling", "backoff", "stopped"]
Sweep = Callable[[], None]  # process everything new in the source; raise when it failed
OnFailure = Callable[[str], None]  # told every failed attempt (the health board)


@dataclass(frozen=True, slots=True)
class WatchStatus:
    """A snapshot for health checks: where the watcher is and how it last did."""

    source: str
    state: WatchState
    since: datetime  # when it entered this state
    mode: Literal["idle", "poll"] | None = None  # known once connected
    last_fetch: datetime | None = None  # end of the last successful sweep
    last_error: str | None = None
    reconnects: int = 0
    sweeps: int = 0

    @property
    def is_healthy(self) -> bool:
        return self.state in ("connected", "idling", "polling")


class Watcher(Protocol):
    """A thread that pushes new messages of one source to the jobs (IMAP IDLE)."""

    name: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def status(self) -> WatchStatus: ...
