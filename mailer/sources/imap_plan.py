"""The pure decisions of the IMAP source: what to search, what to download, in what batches.

No sockets here. `mailer.sources.imap` asks the server and feeds the answers in:

- `build_search_criteria`: the server-side SEARCH from the config (`from:`, `subject:`,
  `since:`, Gmail's `X-GM-RAW`) and a `since` day from the command line; several
  `from` (or `subject`) values are alternatives (OR), the kinds are combined (AND).
- `select_new_uids`: the server's answer filtered in code, because `UID n:*` always
  returns the highest UID even when nothing is newer.
- `plan_downloads`: each candidate either downloaded or recorded as skipped (too big,
  or a copy of a message already processed, by Message-ID, after a UIDVALIDITY change),
  and the downloads grouped in batches bounded by count and by bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from mailer.config.settings import ImapSearch

Criteria = list[object]
BATCH_BYTES = 50_000_000  # at most this much message data in memory per batch


def build_search_criteria(
    search: ImapSearch | None,
    gmail_raw: str | None,
    since: date | None = None,
    min_uid: int | None = None,
) -> Criteria:
    """IMAP SEARCH keys for the folder; `["ALL"]` when nothing narrows it."""
    criteria: Criteria = []
    if min_uid is not None:
        criteria += ["UID", f"{min_uid}:*"]
    if search is not None:
        criteria += _any_of("FROM", search.from_)
        criteria += _any_of("SUBJECT", search.subject)
    days = [d for d in (_parse_day(search.since) if search else None, since) if d]
    if days:
        criteria += ["SINCE", max(days)]
    if gmail_raw:
        criteria += ["X-GM-RAW", gmail_raw]
    return criteria or ["ALL"]


def needs_utf8(criteria: Criteria) -> bool:
    """Whether SEARCH must declare CHARSET UTF-8 (a non-ASCII subject or sender)."""
    for item in criteria:
        if isinstance(item, list) and needs_utf8(item):
            return True
        if isinstance(item, str) and not item.isascii():
            return True
    return False


def _any_of(key: str, values: list[str]) -> Criteria:
    """`KEY a` for one value; `OR KEY a (OR KEY b KEY c)` for several."""
    if not values:
        return []
    if len(values) == 1:
        return [key, values[0]]
    return ["OR", key, values[0], _any_of(key, values[1:])]


def _parse_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def select_new_uids(found: Iterable[int], highest_processed: int | None) -> list[int]:
    """UIDs above the highest processed one, oldest first."""
    floor = highest_processed or 0
    return sorted(uid for uid in set(found) if uid > floor)


_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*?)\s*$", re.IGNORECASE | re.MULTILINE | re.DOTALL)


def parse_message_id(header_block: bytes | None) -> str | None:
    """The Message-ID from a `BODY[HEADER.FIELDS (MESSAGE-ID)]` answer (folded lines joined)."""
    if not header_block:
        return None
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", header_block)
    match = _MESSAGE_ID.search(unfolded)
    if not match:
        return None
    value = match.group(1).split(b"\n")[0].strip().decode("ascii", "replace")
    return value or None


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the server told us about one message before downloading it."""

    uid: int
    size: int
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    uid: int
    message_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """In UID order: each item either a skip (handed over without content) or a batch."""

    steps: tuple[Skip | tuple[Candidate, ...], ...]

    @property
    def total(self) -> int:
        return sum(1 if isinstance(s, Skip) else len(s) for s in self.steps)


def describe_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.0f} MB"
    return f"{size / 1000:.0f} KB"


def plan_downloads(
    candidates: Iterable[Candidate],
    *,
    max_message_bytes: int,
    batch_size: int,
    already_processed: Mapping[int, bool] | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> DownloadPlan:
    """Group candidates into download batches, skipping oversized ones and known copies.

    `already_processed[uid]` is True for a message whose Message-ID was processed
    before (the folder was recreated): it is handed over as skipped, without content,
    so it is recorded under its new UID and never alerts twice.
    """
    known = already_processed or {}
    steps: list[Skip | tuple[Candidate, ...]] = []
    batch: list[Candidate] = []
    batch_total = 0

    def flush() -> None:
        nonlocal batch, batch_total
        if batch:
            steps.append(tuple(batch))
        batch, batch_total = [], 0

    for candidate in sorted(candidates, key=lambda c: c.uid):
        if known.get(candidate.uid):
            flush()
            reason = f"already processed a message with Message-ID {candidate.message_id}"
            steps.append(Skip(candidate.uid, candidate.message_id, reason))
            continue
        if candidate.size > max_message_bytes:
            flush()
            reason = (
                f"message is {describe_size(candidate.size)}, over max_message_bytes "
                f"({describe_size(max_message_bytes)})"
            )
            steps.append(Skip(candidate.uid, candidate.message_id, reason))
            continue
        if batch and (len(batch) >= batch_size or batch_total + candidate.size > batch_bytes):
            flush()
        batch.append(candidate)
        batch_total += candidate.size
    flush()
    return DownloadPlan(tuple(steps))
