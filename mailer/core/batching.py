"""Which delivery batch an alert joins and when it is due. Pure: no clock, no I/O.

- `immediate`: the batch of the message the paper arrived in
  (`BatchKey.for_message`, stored as `msg:<message key>`), due at once.
- `daily`: the batch of the next daily delivery at or after the moment the paper was
  processed, in the rule's timezone (`BatchKey.for_day`, that local date), due at the
  target's `at` time (default `delivery.default_daily_at`). A paper processed after
  today's time joins tomorrow's feed, so a feed already sent never grows. A delivery
  time missed while the service was down is simply overdue: the next run sends it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailer.core.keys import BatchKey
from mailer.core.models import AlertBatch, AlertItem, Match, NewAlert, NotifyTarget, Paper


def batch_for(
    target: NotifyTarget, message_key: str, now: datetime, default_at: time
) -> tuple[BatchKey, datetime]:
    """(batch key, due time in UTC) for an alert to `target` processed at `now`."""
    if target.mode != "daily":
        return BatchKey.for_message(message_key), now.astimezone(UTC)
    zone = ZoneInfo(target.timezone)
    local_now = now.astimezone(zone)
    at = target.at or default_at
    day = local_now.date()
    due = datetime.combine(day, at, tzinfo=zone)
    if due < local_now:
        day = day + timedelta(days=1)
        due = datetime.combine(day, at, tzinfo=zone)
    return BatchKey.for_day(day), due.astimezone(UTC)


# arXiv announces new submissions, then cross-lists, then replacements of old papers
ANNOUNCE_ORDER = {"new": 0, "cross": 1, "replaced": 2}


def digest_positions(papers: Sequence[Paper]) -> dict[str, int]:
    """Each paper's place in an alert: arXiv new submissions before cross-lists before
    replacements; Hugging Face papers by upvotes, most first; otherwise, and on ties, the
    order the digest lists them in."""

    def order(item: tuple[int, Paper]) -> tuple[int, int, int]:
        index, paper = item
        votes = -(paper.upvotes or 0) if paper.format == "hf-daily" else 0
        return (ANNOUNCE_ORDER.get(paper.announce or "new", 0), votes, index)

    ranked = sorted(enumerate(papers), key=order)
    return {paper.id: rank for rank, (_, paper) in enumerate(ranked)}


def plan_alerts(
    matches: Iterable[Match],
    targets: Mapping[str, Sequence[NotifyTarget]],
    descriptions: Mapping[str, str | None],
    message_key: str,
    now: datetime,
    default_at: time,
    positions: Mapping[str, int] | None = None,
) -> list[NewAlert]:
    """One alert per (match, target of the matched rule): papers in `positions` order
    (see `digest_positions`; match order without it), then rule order."""
    if positions is not None:
        matches = sorted(matches, key=lambda m: positions.get(m.paper_id, len(positions)))
    alerts: list[NewAlert] = []
    for match in matches:
        for target in targets.get(match.rule, ()):
            key, due = batch_for(target, message_key, now, default_at)
            alerts.append(
                NewAlert(
                    rule=match.rule,
                    paper_id=match.paper_id,
                    destination=target.to.to_str(),
                    batch_key=key,
                    due_at=due,
                    reasons=match.reasons,
                    rule_description=descriptions.get(match.rule),
                    position=positions.get(match.paper_id) if positions else None,
                )
            )
    return alerts


def unique_papers(papers: Iterable[Paper]) -> list[Paper]:
    """Papers by canonical id, first occurrence kept (a digest may list one twice)."""
    seen: dict[str, Paper] = {}
    for paper in papers:
        seen.setdefault(paper.id, paper)
    return list(seen.values())


def group_into_batches(
    alerts: Sequence[NewAlert], papers: Mapping[str, Paper], created: datetime
) -> tuple[AlertBatch, ...]:
    """The messages these alerts would make: one per (rule, destination, batch key), in
    the order each first appears (what a dry run shows)."""
    groups: dict[tuple[str, str, BatchKey], list[NewAlert]] = {}
    for alert in alerts:
        groups.setdefault((alert.rule, alert.destination, alert.batch_key), []).append(alert)
    return tuple(
        AlertBatch(
            rule,
            destination,
            batch_key,
            tuple(
                AlertItem(papers[a.paper_id], Match(a.rule, a.paper_id, a.reasons)) for a in group
            ),
            created,
            group[0].rule_description,
        )
        for (rule, destination, batch_key), group in groups.items()
    )
