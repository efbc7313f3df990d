"""Silence detection: is a newsletter overdue, is a destination failing for too long?

Pure functions over datetimes; the scheduler feeds them what the store knows and sends
the admin a notice when `decide_notice` says so.

Semantics of `expect: {every: 1d, by: "10:00", weekdays_only: true, timezone: UTC}`:

- A *deadline* is `by` on a day (in `timezone`); with `weekdays_only`, only Monday to
  Friday count. At the latest deadline D at or before now, a newsletter must have
  arrived after D minus `every`, where with `weekdays_only` whole days of `every` are
  counted in weekdays (so Monday 10:00 looks back to Friday 10:00).
- Without `by` (or with an `every` shorter than a day) the newsletter is overdue as
  soon as the newest arrival is older than `every`; with `weekdays_only` a Saturday or
  Sunday neither starts nor ends a silence: it is judged as at the end of Friday (an
  arrival during the weekend still ends it).
- Before the first arrival the time the service started watching the source stands in
  for it, so a fresh install does not cry wolf on its first morning.

A destination is failing when its oldest failed delivery since its latest success is
more than `DESTINATION_FAILING_AFTER` old.

Notices go out once per change: once when a subject turns bad, once when it recovers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mailer.core.errors import UsageError
from mailer.core.keys import NoticeKey

DESTINATION_FAILING_AFTER = timedelta(hours=1)

_EVERY = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ExpectError(ValueError, UsageError):
    """An `expect:` value that cannot be understood."""


def parse_every(text: str) -> timedelta:
    """'1d' -> 1 day; units m(inutes), h(ours), d(ays), w(eeks)."""
    found = _EVERY.match(text)
    if not found or int(found.group(1)) == 0:
        raise ExpectError(f"every: {text!r} is not a period such as 30m, 12h, 1d or 1w")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


@dataclass(frozen=True, slots=True)
class Expectation:
    """When a source's newsletter should arrive (the parsed form of config `expect:`)."""

    every: timedelta
    by: time | None = None
    weekdays_only: bool = False
    timezone: str = "UTC"

    @classmethod
    def from_config(
        cls, every: str, by: time | None, weekdays_only: bool, timezone: str
    ) -> Expectation:
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError) as e:
            raise ExpectError(f"timezone: unknown time zone {timezone!r}") from e
        return cls(parse_every(every), by, weekdays_only, timezone)


def _is_allowed_day(moment: datetime, weekdays_only: bool) -> bool:
    return not weekdays_only or moment.weekday() < 5


def latest_deadline(expect: Expectation, now: datetime) -> datetime | None:
    """The latest `by` deadline at or before `now` (aware, in the expectation's zone)."""
    if expect.by is None:
        return None
    local_now = now.astimezone(ZoneInfo(expect.timezone))
    day = local_now.date()
    for _ in range(8):
        candidate = datetime.combine(day, expect.by, tzinfo=local_now.tzinfo)
        if candidate <= local_now and _is_allowed_day(candidate, expect.weekdays_only):
            return candidate
        day -= timedelta(days=1)
    return None  # pragma: no cover - a week always holds a weekday


def window_start(expect: Expectation, deadline: datetime) -> datetime:
    """The start of the window that must hold an arrival for `deadline` to be met."""
    whole_days = expect.every.days
    rest = expect.every - timedelta(days=whole_days)
    start = deadline
    for _ in range(whole_days):
        start -= timedelta(days=1)
        while not _is_allowed_day(start, expect.weekdays_only):
            start -= timedelta(days=1)
    return start - rest


def is_overdue(
    expect: Expectation, last_arrival: datetime | None, watching_since: datetime, now: datetime
) -> bool:
    """Whether the expected newsletter should have arrived by now and has not."""
    newest = max(last_arrival, watching_since) if last_arrival else watching_since
    if expect.by is not None and expect.every >= timedelta(days=1):
        deadline = latest_deadline(expect, now)
        if deadline is None:
            return False
        return newest < window_start(expect, deadline) and watching_since < deadline
    local_now = now.astimezone(ZoneInfo(expect.timezone))
    if not _is_allowed_day(local_now, expect.weekdays_only):
        # judged as at the end of the last weekday: returning False here sent a false
        # "resumed" notice every Saturday and a new "went silent" one every Monday
        day = local_now.date()
        while not _is_allowed_day(datetime.combine(day, time()), expect.weekdays_only):
            day -= timedelta(days=1)
        end_of_weekday = datetime.combine(day + timedelta(days=1), time(), local_now.tzinfo)
        return newest < end_of_weekday and end_of_weekday - newest > expect.every
    return now - newest > expect.every


def is_destination_failing(
    oldest_failure_since_success: datetime | None,
    now: datetime,
    threshold: timedelta = DESTINATION_FAILING_AFTER,
) -> bool:
    return oldest_failure_since_success is not None and now - oldest_failure_since_success > (
        threshold
    )


NoticeKind = Literal["problem", "recovered"]


@dataclass(frozen=True, slots=True)
class Notice:
    """One operational notice for the admin destination."""

    key: NoticeKey
    kind: NoticeKind
    subject: str
    text: str


def decide_notice(is_bad: bool, was_notified: bool) -> NoticeKind | None:
    """Which notice is due: once when a subject turns bad, once when it recovers."""
    if is_bad and not was_notified:
        return "problem"
    if not is_bad and was_notified:
        return "recovered"
    return None


def source_notice(
    source: str, kind: NoticeKind, expect: Expectation, last_arrival: datetime | None
) -> Notice:
    key = NoticeKey.source(source)
    if kind == "recovered":
        when = last_arrival.isoformat(timespec="minutes") if last_arrival else "just now"
        text = f"The newsletter from source {source} arrived again ({when}).\n"
        return Notice(key, kind, f"paper-mailer: source {source} resumed", text)
    problem = describe_overdue(source, expect, last_arrival)
    hint = "Check the newsletter subscription, the mailbox filters and `mailer status`."
    return Notice(key, kind, f"paper-mailer: source {source} went silent", f"{problem}.\n{hint}\n")


def destination_notice(
    destination: str, kind: NoticeKind, oldest_failure: datetime | None
) -> Notice:
    key = NoticeKey.destination(destination)
    if kind == "recovered":
        text = f"Destination {destination} accepts deliveries again.\n"
        return Notice(key, kind, f"paper-mailer: destination {destination} recovered", text)
    problem = describe_failing(destination, oldest_failure)
    hint = "See `mailer status` and `mailer outbox` for the errors; alerts are retried."
    return Notice(
        key, kind, f"paper-mailer: destination {destination} failing", f"{problem}.\n{hint}\n"
    )


def describe_overdue(source: str, expect: Expectation, last_arrival: datetime | None) -> str:
    since = last_arrival.isoformat(timespec="minutes") if last_arrival else "never"
    by = f" by {expect.by.strftime('%H:%M')} {expect.timezone}" if expect.by else ""
    return f"newsletter from source {source} is overdue (expected every {_human(expect.every)}{by}; last arrived: {since})"


def describe_failing(destination: str, oldest_failure: datetime | None) -> str:
    since = oldest_failure.isoformat(timespec="minutes") if oldest_failure else "a while"
    return f"destination {destination} has been failing since {since}"


def _human(period: timedelta) -> str:
    if period % timedelta(weeks=1) == timedelta(0):
        return f"{period // timedelta(weeks=1)}w"
    if period % timedelta(days=1) == timedelta(0):
        return f"{period.days}d"
    if period % timedelta(hours=1) == timedelta(0):
        return f"{period // timedelta(hours=1)}h"
    return f"{period // timedelta(minutes=1)}m"
