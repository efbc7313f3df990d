"""How far a Slack feed sent in a thread got: parts posted, the thread, the part in flight.

Saved after each part through the channel's `DeliveryProgress` (the store's table, so a
restart resumes the thread), as the JSON object `to_json()` writes and `from_json()`
reads; the same keys older versions saved, so a feed interrupted before an upgrade
resumes after it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class ThreadProgress:
    sent: int = 0  # parts posted
    thread_ts: str | None = None  # the first part's ts: later parts reply in its thread
    attempt: int | None = None  # the part being posted when it was saved, if any
    attempt_at: float | None = None  # when that post started (epoch seconds)

    def attempting(self, index: int, at: float) -> ThreadProgress:
        """Before posting part `index`: if the process dies now, a restart looks for it."""
        return replace(self, attempt=index, attempt_at=at)

    def posted(self, index: int, ts: str | None) -> ThreadProgress:
        """Part `index` is in the thread (started by `ts` when it is the first)."""
        return ThreadProgress(sent=index + 1, thread_ts=self.thread_ts or ts)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sent": self.sent, "thread_ts": self.thread_ts}
        if self.attempt is not None:
            data["attempt"] = self.attempt
            data["attempt_at"] = self.attempt_at
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ThreadProgress:
        """Progress as saved (nothing saved: the start of the feed)."""
        if not data:
            return cls()
        attempt = data.get("attempt")
        attempt_at = data.get("attempt_at")
        return cls(
            sent=int(data.get("sent") or 0),
            thread_ts=data.get("thread_ts"),
            attempt=int(attempt) if attempt is not None else None,
            attempt_at=float(attempt_at) if attempt_at is not None else None,
        )
