"""How `mailer outbox` shows alerts: groups (rule, destination, state, reason) with
counts and times, or one line per alert with `--all`. Pure: no store, no clock.

States are `mailer.core.models.OutboxState`, named as they are stored: `pending` (waiting
for its time, e.g. a daily feed), `retrying` (a delivery attempt failed, tried again
later) and `dead` (given up on). Times are shown in the time zone of the rule's daily
feed when it has one, else in the config's `timezone:`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from mailer.core.models import OutboxState
from mailer.notify.sanitize import cut_at_word
from mailer.store import OutboxEntry, OutboxGroup
from mailer.store.schema import DEAD, PENDING, RETRYING

ZoneFor = Callable[[str, str], str]  # (rule, destination) -> IANA zone name


def human_time(when: datetime, zone: str, now: datetime) -> str:
    """`09:00 Europe/Berlin` today, `tomorrow 09:00 ...`, `Mon 07 Dec 09:00 ...` later."""
    local = when.astimezone(ZoneInfo(zone))
    today = now.astimezone(ZoneInfo(zone)).date()
    if local.date() == today:
        return f"{local:%H:%M} {zone}"
    if (local.date() - today).days == 1:
        return f"tomorrow {local:%H:%M} {zone}"
    if local.year == today.year:
        return f"{local:%a %d %b %H:%M} {zone}"
    return f"{local:%Y-%m-%d %H:%M} {zone}"


def attempts(count: int) -> str:
    return f"{count} attempt{'' if count == 1 else 's'}"


def _when(state: OutboxState, next_at: datetime, tries: int, zone: str, now: datetime) -> str:
    if state == PENDING:
        return f"due {human_time(next_at, zone, now)}" if next_at > now else "due now"
    if state == RETRYING:
        return f"next try {human_time(next_at, zone, now)} after {attempts(tries)}"
    return f"gave up after {attempts(tries)}"


def format_group(group: OutboxGroup, zone: str, now: datetime) -> str:
    alerts = f"{group.count} alert{'' if group.count == 1 else 's'}"
    head = (
        f"{group.rule} -> {group.destination}: {alerts} {group.state}, "
        f"{_when(group.state, group.next_at, group.max_attempts, zone, now)}"
    )
    oldest, newest = human_time(group.oldest, zone, now), human_time(group.newest, zone, now)
    span = f"enqueued {oldest}" if oldest == newest else f"enqueued {oldest} to {newest}"
    lines = [head, f"    {span}"]
    if group.reason:
        lines.append(f"    reason: {group.reason}")
    return "\n".join(lines)


def group_json(group: OutboxGroup, zone: str) -> dict[str, object]:
    return {
        "rule": group.rule,
        "destination": group.destination,
        "state": group.state,
        "reason": group.reason,
        "count": group.count,
        "oldest": group.oldest.isoformat(),
        "newest": group.newest.isoformat(),
        "next_at": None if group.state == DEAD else group.next_at.isoformat(),
        "attempts": group.max_attempts,
        "timezone": zone,
    }


def format_entry(entry: OutboxEntry, zone: str, now: datetime) -> str:
    next_at = max(entry.due_at, entry.next_attempt_at)
    when = _when(entry.state, next_at, entry.attempts, zone, now)
    line = (
        f"#{entry.id} {entry.state} {entry.rule} -> {entry.destination} "
        f"{entry.paper_id} “{cut_at_word(entry.title, 70)}” ({when})"
    )
    return f"{line}\n    reason: {entry.last_error}" if entry.last_error else line


def entry_json(entry: OutboxEntry, zone: str) -> dict[str, object]:
    return {
        "id": entry.id,
        "rule": entry.rule,
        "destination": entry.destination,
        "state": entry.state,
        "paper_id": entry.paper_id,
        "title": entry.title,
        "attempts": entry.attempts,
        "due_at": entry.due_at.isoformat(),
        "next_attempt_at": None if entry.state == DEAD else entry.next_attempt_at.isoformat(),
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
        "reason": entry.last_error,
        "timezone": zone,
    }


def counts_line(counts: dict[OutboxState, int]) -> str:
    return (
        f"{counts[PENDING]} pending, {counts[RETRYING]} retrying, {counts[DEAD]} dead, "
        f"{counts[OutboxState.SENT]} sent"
    )
