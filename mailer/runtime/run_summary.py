"""What a run did: one `MessageOutcome` per message, one `RunSummary` per run.

`str(RunSummary)` is what `mailer run` prints:
`3 emails, 187 papers, 12 matches, 12 alerts sent, 0 retrying, 0 dead`, then one line
per failure; `RunSummary.to_json()` is what `mailer run --json` prints. `exit_status`
is 1 when an alert failed or died in this run, a source could not be read or a rule has
an error (the other rules ran), else 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from mailer.core.models import AlertBatch
from mailer.runtime.delivery import DeliverySummary
from mailer.store.schema import FAILED, QUARANTINED, SKIPPED

ALREADY_PROCESSED = "already-processed"
OLDER_THAN_SINCE = "older-than-since"


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """What happened to one message."""

    source: str
    uid: str
    status: str  # parsed, no-papers, failed, skipped, already-processed, older-than-since
    reason: str | None = None
    message_id: str | None = None
    subject: str | None = None
    papers: int = 0
    matches: int = 0
    new_alerts: int = 0
    previews: tuple[AlertBatch, ...] = ()  # dry runs: what would be sent
    enrichment: str | None = None  # why some papers kept the email's data ("arXiv: timed out")

    @property
    def counts(self) -> bool:
        return self.status not in (ALREADY_PROCESSED, OLDER_THAN_SINCE)

    def describe(self) -> str:
        name = f"{self.source}/{self.uid}"
        return f"{name}: {self.status}: {self.reason}" if self.reason else f"{name}: {self.status}"


@dataclass(slots=True)
class RunSummary:
    emails: int = 0
    papers: int = 0
    matches: int = 0
    new_alerts: int = 0
    waiting: int = 0  # pending alerts queued for later (daily feeds, quiet hours)
    next_due: datetime | None = None  # when the first of them is due
    backoff: int = 0  # retrying alerts waiting out their backoff (this run's and earlier)
    next_retry: datetime | None = None  # when the first of them is tried again
    delivery: DeliverySummary = field(default_factory=DeliverySummary)
    problems: list[str] = field(default_factory=list)  # emails that failed to parse
    source_failures: list[str] = field(default_factory=list)  # sources that could not be read
    rule_errors: list[str] = field(default_factory=list)  # rules left out (file:line: why)
    skipped: list[str] = field(default_factory=list)  # too large, copies of processed ones
    before_since: int = 0  # messages --since left out by their Date header
    previews: list[AlertBatch] = field(default_factory=list)
    dry_run: bool = False
    enrichment_unavailable: list[str] = field(default_factory=list)  # one line per email

    def add(self, outcome: MessageOutcome) -> None:
        if outcome.status == OLDER_THAN_SINCE:
            self.before_since += 1
        if not outcome.counts:
            return
        self.emails += 1
        self.papers += outcome.papers
        self.matches += outcome.matches
        self.new_alerts += outcome.new_alerts
        for batch in outcome.previews:
            self._merge_preview(batch)
        if outcome.enrichment:
            self.enrichment_unavailable.append(
                f"{outcome.source}/{outcome.uid}: {outcome.enrichment}"
            )
        if outcome.status in (FAILED, QUARANTINED):
            self.problems.append(outcome.describe())
        elif outcome.status == SKIPPED:
            self.skipped.append(outcome.describe())

    def _merge_preview(self, batch: AlertBatch) -> None:
        """One preview per message that would really go out: a daily feed gathers the
        papers of every digest, and a paper found in two digests is listed once."""
        key = (batch.rule, batch.destination, batch.batch_key)
        for i, seen in enumerate(self.previews):
            if (seen.rule, seen.destination, seen.batch_key) == key:
                known = {item.paper.id for item in seen.items}
                extra = tuple(item for item in batch.items if item.paper.id not in known)
                self.previews[i] = replace(seen, items=seen.items + extra)
                return
        self.previews.append(batch)

    @property
    def failed(self) -> int:
        """Emails that failed to parse plus alerts that failed or died in this run."""
        return len(self.problems) + self.delivery.failed

    @property
    def is_ok(self) -> bool:
        """Nothing an operator must act on: every alert due went out, every source was
        read, every rule loaded. (An email that fails to parse is recorded and listed.)"""
        return not (self.delivery.failed or self.source_failures or self.rule_errors)

    @property
    def exit_status(self) -> int:
        return 0 if self.is_ok else 1

    def _head(self) -> str:
        if self.dry_run:
            daily = [b for b in self.previews if b.batch_key.is_daily]
            now = [b for b in self.previews if not b.batch_key.is_daily]
            return (
                f"dry run: {self.emails} emails, {self.papers} papers, {self.matches} matches, "
                f"{sum(len(b.items) for b in now)} alerts would be sent now in {len(now)} "
                f"messages, {sum(len(b.items) for b in daily)} would wait for "
                f"{len(daily)} daily feeds; nothing was sent or recorded"
            )
        delivery = self.delivery
        head = (
            f"{self.emails} emails, {self.papers} papers, {self.matches} matches, "
            f"{delivery.sent} alerts sent, {delivery.retrying} retrying, {delivery.dead} dead"
        )
        if self.problems:
            count = len(self.problems)
            head += f", {count} email{'s' if count > 1 else ''} failed to parse"
        if self.skipped:
            head += f", {len(self.skipped)} skipped"
        if self.before_since:
            head += f", {self.before_since} dated before --since left out"
        if self.source_failures:
            count = len(self.source_failures)
            head += f", {count} source{'s' if count > 1 else ''} could not be read"
        if self.rule_errors:
            count = len(self.rule_errors)
            head += f", {count} rule error{'s' if count > 1 else ''} (those rules did not run)"
        if self.enrichment_unavailable:
            count = len(self.enrichment_unavailable)
            head += (
                f", enrichment unavailable for {count} email{'s' if count > 1 else ''}"
                " (their papers went with the email's data)"
            )
        later = []
        if self.waiting:
            when = f", next at {self.next_due:%Y-%m-%d %H:%M} UTC" if self.next_due else ""
            later.append(f"{self.waiting} alerts wait for their time{when}")
        if self.backoff:
            when = f", next at {self.next_retry:%Y-%m-%d %H:%M} UTC" if self.next_retry else ""
            later.append(f"{self.backoff} retries wait for their next try{when}")
        if later:
            head += f" ({'; '.join(later)})"
        if not (self.emails or delivery.sent or delivery.failed or self.source_failures):
            head += "\nnothing new: no new emails and no alerts due, so nothing was sent"
        return head

    def __str__(self) -> str:
        lines = [self._head()]
        lines += [f"  rule error: {error}" for error in self.rule_errors]
        lines += [f"  failed: {failure}" for failure in self.source_failures]
        lines += [f"  failed: {problem}" for problem in self.problems]
        lines += [f"  skipped: {message}" for message in self.skipped]
        lines += [f"  enrichment: {note}" for note in self.enrichment_unavailable]
        lines += [f"  delivery: {error}" for error in self.delivery.errors]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        """What `mailer run --json` prints: stable keys, the states the text uses."""
        return {
            "dry_run": self.dry_run,
            "emails": self.emails,
            "papers": self.papers,
            "matches": self.matches,
            "new_alerts": self.new_alerts,
            "alerts": {
                "sent": self.delivery.sent,
                "retrying": self.delivery.retrying,
                "dead": self.delivery.dead,
                "waiting": self.waiting,
                "backoff": self.backoff,
            },
            "messages_sent": self.delivery.messages,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "next_retry": self.next_retry.isoformat() if self.next_retry else None,
            "parse_failures": list(self.problems),
            "skipped": list(self.skipped),
            "dated_before_since": self.before_since,
            "source_failures": list(self.source_failures),
            "rule_errors": list(self.rule_errors),
            "delivery_errors": list(self.delivery.errors),
            "enrichment_unavailable": list(self.enrichment_unavailable),
            "would_send": [
                {
                    "rule": b.rule,
                    "destination": b.destination,
                    "daily": b.batch_key.is_daily,
                    "papers": [item.paper.id for item in b.items],
                }
                for b in self.previews
            ],
            "ok": self.is_ok,
            "exit_status": self.exit_status,
        }
