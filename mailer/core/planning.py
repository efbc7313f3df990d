"""What one parsed message means: the planner. Pure: it decides from values only.

`plan_message` takes a parsed message (or why it could not be parsed), the compiled
rules and a read-only view of what the store already knows (`Known`), and returns a
`MessagePlan`: the status to record, the papers, the matches and the alerts to add,
each with its typed batch key. It writes nothing; the shell commits a plan in one
transaction (`Store.record_message`) and then calls the source's `after_commit`.

Every path that asks "what would this message send" calls it: `mailer run`, `run
--dry-run` (with a view that also remembers what earlier messages of the same dry run
planned), `replay`, and `mailer rules test` (with `NOTHING_KNOWN`, a fresh state), so
`rules test DIR` predicts what `run` on a fresh state sends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Protocol

from mailer.core.batching import digest_positions, plan_alerts, unique_papers
from mailer.core.models import Match, MessageStatus, NewAlert, NotifyTarget, Paper, ParsedDigest
from mailer.rules import Matcher

PARSED, NO_PAPERS, SKIPPED = MessageStatus.PARSED, MessageStatus.NO_PAPERS, MessageStatus.SKIPPED

AlertKey = tuple[str, str, str]  # (rule, paper id, destination)
Enrich = Callable[[list[Paper]], tuple[list[Paper], str | None]]


class Known(Protocol):
    """What the store knew when a message was planned. Reads only."""

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool: ...

    def best_copy_papers(
        self, message_id: str, *, besides: tuple[str, str, int, str] | None = None
    ) -> int | None: ...

    def with_known_ids(self, found: Sequence[Paper]) -> list[Paper]: ...

    def known_alerts(self, keys: Sequence[AlertKey]) -> set[AlertKey]: ...

    def repeats(self, alerts: Sequence[NewAlert]) -> list[NewAlert]:
        """The alerts without those a subscription's target already got."""
        ...


class NothingKnown:
    """A fresh state: nothing processed, no paper stored, no alert sent."""

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:  # noqa: ARG002 Known's signature
        return False

    def best_copy_papers(
        self,
        message_id: str,  # noqa: ARG002 Known's signature
        *,
        besides: tuple[str, str, int, str] | None = None,  # noqa: ARG002
    ) -> int | None:
        return None

    def with_known_ids(self, found: Sequence[Paper]) -> list[Paper]:
        return list(found)

    def known_alerts(self, keys: Sequence[AlertKey]) -> set[AlertKey]:  # noqa: ARG002 Known's
        return set()

    def repeats(self, alerts: Sequence[NewAlert]) -> list[NewAlert]:
        return list(alerts)


NOTHING_KNOWN = NothingKnown()


@dataclass(frozen=True, slots=True)
class Item:
    """The message being planned: where it comes from, and how it was parsed."""

    source: str
    folder: str
    uidvalidity: int
    uid: str
    key: str  # the message key batch keys are made from (`mailer.store.message_key`)
    message_id: str | None
    digest: ParsedDigest | None
    status: MessageStatus  # from parsing: parsed, failed, skipped, quarantined
    reason: str | None = None
    is_new: bool = False  # the caller just found it not processed: not asked again

    @property
    def address(self) -> tuple[str, str, int, str]:
        return (self.source, self.folder, self.uidvalidity, self.uid)


@dataclass(frozen=True, slots=True)
class RulesView:
    """The enabled rules as the planner needs them."""

    matcher: Matcher
    targets: Mapping[str, Sequence[NotifyTarget]]
    descriptions: Mapping[str, str | None]
    default_daily_at: time


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """Everything one message adds, decided before anything is written."""

    status: MessageStatus
    reason: str | None
    papers: tuple[Paper, ...] = ()
    matches: tuple[Match, ...] = ()
    alerts: tuple[NewAlert, ...] = ()  # every alert of the matches, known ones included
    enrichment: str | None = None  # why some papers kept the email's data

    def new_alerts(self, known: Known) -> list[NewAlert]:
        """The alerts not yet in the outbox (what a dry run previews)."""
        keys = [(a.rule, a.paper_id, a.destination) for a in self.alerts]
        seen = known.known_alerts(keys)
        fresh: list[NewAlert] = []
        for alert, key in zip(self.alerts, keys, strict=True):
            if key not in seen:
                seen.add(key)
                fresh.append(alert)
        return fresh


def plan_message(
    item: Item,
    rules: RulesView,
    known: Known,
    now: datetime,
    *,
    enrich: Enrich | None = None,
    log_match_failure: Callable[[Paper], None] | None = None,
) -> MessagePlan:
    """Status, papers, matches and alerts of one message. `enrich` (the shell's
    canonical records, bounded in time) runs on the papers that will be matched."""
    status, reason, digest = item.status, item.reason, item.digest
    found = unique_papers(digest.papers) if digest and status == PARSED else []
    if status == PARSED and item.message_id and _is_copy(item, found, known):
        status, reason = SKIPPED, f"already processed a message with Message-ID {item.message_id}"
        found = []
    if found:  # a paper known by its title, DOI or OpenReview id keeps its stored id
        found = unique_papers(known.with_known_ids(found))
    if status == PARSED and not found:
        status = NO_PAPERS
    note = None
    if enrich is not None and found:
        found, note = enrich(found)
    matches = match_papers(rules.matcher, found, log_match_failure)
    alerts = plan_alerts(
        matches,
        rules.targets,
        rules.descriptions,
        item.key,
        now,
        rules.default_daily_at,
        positions=digest_positions(found),
    )
    return MessagePlan(
        status, reason, tuple(found), tuple(matches), tuple(known.repeats(alerts)), note
    )


def match_papers(
    matcher: Matcher,
    found: Sequence[Paper],
    log_failure: Callable[[Paper], None] | None = None,
) -> list[Match]:
    """Every match of every paper; a rule-engine bug on one paper loses only that one."""
    matches: list[Match] = []
    for paper in found:
        try:
            matches.extend(matcher.match(paper))
        except Exception:  # noqa: BLE001 bulkhead: one paper that breaks a rule never stops the message
            if log_failure is not None:
                log_failure(paper)
    return matches


def _is_copy(item: Item, found: Sequence[Paper], known: Known) -> bool:
    """The same email reached us under another key (a copy in two folders) and that
    copy parsed at least as well: a truncated, failed or quarantined copy read first
    does not hide a better one (its extra papers alert; the rest are known alerts)."""
    assert item.message_id is not None
    if not item.is_new and known.is_processed(*item.address):  # again (replay, --since)
        return False
    best = known.best_copy_papers(item.message_id, besides=item.address)
    return best is not None and best >= len(found)


@dataclass
class DryRunKnown:
    """A dry run's view: the store's reads plus the alerts earlier messages of the same
    run planned, so a paper in two digests is previewed once, as the real run sends it."""

    store: Known
    planned: set[AlertKey] = field(default_factory=set)

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:
        return self.store.is_processed(source, folder, uidvalidity, uid)

    def best_copy_papers(
        self, message_id: str, *, besides: tuple[str, str, int, str] | None = None
    ) -> int | None:
        return self.store.best_copy_papers(message_id, besides=besides)

    def with_known_ids(self, found: Sequence[Paper]) -> list[Paper]:
        return self.store.with_known_ids(found)

    def known_alerts(self, keys: Sequence[AlertKey]) -> set[AlertKey]:
        known = self.store.known_alerts(keys) | (self.planned & set(keys))
        self.planned.update(keys)
        return known

    def repeats(self, alerts: Sequence[NewAlert]) -> list[NewAlert]:
        return self.store.repeats(alerts)
