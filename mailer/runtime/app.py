"""The pipeline: fetch -> parse -> match -> enqueue -> deliver, in that order, in one place.

`Pipeline.open(settings)` loads the rules and opens the store (running migrations).
For each incoming message, parsing, matching and enqueueing the alerts commit in ONE
transaction (`Store.record_message`); only then does the source post-process it
(`after_commit`). Delivery reads the outbox (`mailer.runtime.delivery.OutboxWorker`), with
channels from the registry (Slack feed progress kept in the store) unless a
`channel_factory` is given. A message that fails to parse is recorded as failed with
its reason and the run goes on; one over its parse budget (`mailer.runtime.parse_worker`:
time and memory, in a child process) is recorded as quarantined, and `replay` can
try it again with a larger budget.
The clock is injected: every entry point takes `now`, defaulting to `clock()`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from mailer.config.rule_errors import describe_rule_errors
from mailer.config.settings import Settings
from mailer.core.batching import group_into_batches
from mailer.core.clock import Clock, utc_now
from mailer.core.errors import UsageError
from mailer.core.models import Match, MessageStatus, Paper, ParsedDigest
from mailer.core.planning import DryRunKnown, Item, Known, MessagePlan, RulesView, plan_message
from mailer.enrich import build_enricher
from mailer.rules import Matcher, RuleSet, compile_rules, load_rules
from mailer.runtime import metrics
from mailer.runtime.delivery import ChannelFactory, DeliverySummary, OutboxWorker
from mailer.runtime.delivery_lanes import deliver_in_lanes
from mailer.runtime.parse_worker import (
    OverBudget,
    ParseBudget,
    ParserStopped,
    ParseWorker,
    peek_headers,
)
from mailer.runtime.read_ahead import ReadAhead
from mailer.runtime.run_summary import (
    ALREADY_PROCESSED,
    OLDER_THAN_SINCE,
    MessageOutcome,
    RunSummary,
)
from mailer.slackapp.rules import with_subscriptions, without_repeats
from mailer.sources import EMAIL, Capabilities, IncomingMessage, Source, SourceError
from mailer.sources.registry import UnknownSource, open_source
from mailer.store import MessageRecord, NewAlert, Store, describe_error, message_key
from mailer.store.ingest import IngestBatch
from mailer.store.messages import DEADLOCK_RETRIES, is_retryable
from mailer.store.quarantine import QuarantineLog
from mailer.store.schema import FAILED, NO_PAPERS, PARSED, QUARANTINED, SKIPPED

if TYPE_CHECKING:
    from mailer.enrich.enricher import Enricher

log = logging.getLogger(__name__)

__all__ = ["MessageOutcome", "Pipeline", "RulesUnavailable", "RunSummary", "describe_rule_errors"]

Parsed = tuple[ParsedDigest | None, MessageStatus, str | None, OverBudget | None]  # Pipeline._parse
INGEST_BATCH_MESSAGES = 25  # messages `run --once` records in one transaction, at most
INGEST_BATCH_BYTES = 16 * 1024 * 1024  # ... and mail held in memory for it
INGEST_BATCH_SECONDS = 2.0  # ... and parsing before its commit


class RulesUnavailable(UsageError):
    """The rules cannot be loaded; `errors` holds one `file:line:column: ...` line each."""

    def __init__(self, errors: Sequence[object]) -> None:
        self.errors = [str(e) for e in errors]
        super().__init__("\n".join(self.errors))

    hint = "fix the rules above (check them with `mailer rules check`)"

    def problem_lines(self) -> list[str]:
        return list(self.errors)


@dataclass(frozen=True, slots=True)
class _Rules:
    ruleset: RuleSet
    matcher: Matcher


def _with_subscriptions(ruleset: RuleSet, store: Store) -> RuleSet:
    """The file rules plus the Slack subscriptions; a subscription that no longer
    compiles is logged and left out (it must not stop the file rules)."""
    merged, errors = with_subscriptions(ruleset, store.engine)
    for error in errors:
        log.error("slack subscription left out: %s", error)
    return merged


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        ruleset: RuleSet,
        *,
        clock: Clock = utc_now,
        channel_factory: ChannelFactory | None = None,
        enricher: Enricher | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.enricher = enricher  # canonical records between parse and match; None: off
        self.worker = OutboxWorker(store, settings, channel_factory=channel_factory)
        self._rules = _Rules(ruleset, compile_rules(ruleset.enabled))
        self._sources: dict[str, Source] = {}
        self._lock = threading.Lock()
        budget = settings.budget
        self.parser = ParseWorker(ParseBudget(budget.seconds, budget.memory_mb))
        self.quarantine = QuarantineLog(store.engine)
        self._known = StoreKnown(store)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        channel_factory: ChannelFactory | None = None,
        partial_rules: bool = False,
        dry_run: bool = False,
    ) -> Pipeline:
        """Load the rules and open the store. RulesUnavailable when a rule has an error;
        with `partial_rules` (`mailer run`) a rule with an error is logged and left out
        (`rules.errors`; the others run), and RulesUnavailable only when no rule loaded
        (a missing rules folder, every file broken)."""
        ruleset = load_rules(settings.rules, has_destination=settings.has_destination)
        if ruleset.errors and (not partial_rules or not ruleset.rules):
            raise RulesUnavailable(describe_rule_errors(ruleset, settings))
        for error in describe_rule_errors(ruleset, settings):
            log.error("rule error (this rule is left out, the others run): %s", error)
        # a dry run writes nothing: it plans against a copy of the state (Store.open_snapshot)
        store = Store.open_snapshot(settings.state) if dry_run else Store.open(settings.state)
        try:
            ruleset = _with_subscriptions(ruleset, store)
        except Exception:
            store.close()
            raise
        enricher = build_enricher(settings, store, dry_run=dry_run)
        return cls(
            settings,
            store,
            ruleset,
            clock=clock,
            channel_factory=channel_factory,
            enricher=enricher,
        )

    def close(self) -> None:
        for source in self._sources.values():
            try:
                source.close()
            except Exception:
                log.exception("closing a source failed", extra={"source": source.name})
        self._sources.clear()
        if self.enricher is not None:
            self.enricher.close()
        self.parser.close()
        self.store.close()

    @property
    def rules(self) -> RuleSet:
        return self._rules.ruleset

    def reload_rules(self) -> RuleSet:
        """Load the rules again; keep the last good ones when the new ones have errors."""
        ruleset = load_rules(self.settings.rules, has_destination=self.settings.has_destination)
        if ruleset.is_ok:
            ruleset = _with_subscriptions(ruleset, self.store)
            self._rules = _Rules(ruleset, compile_rules(ruleset.enabled))
        else:
            log.error("rules have errors; keeping the previous rules: %s", ruleset.errors[0])
        return ruleset

    def source(self, name: str) -> Source:
        """The source of that name, opened on first use."""
        with self._lock:
            if name not in self._sources:
                config = next((s for s in self.settings.sources if s.name == name), None)
                if config is None:
                    raise UnknownSource(f"no source named {name!r} in the config")
                self._sources[name] = open_source(config, self.settings)
            return self._sources[name]

    # -- the main job ---------------------------------------------------------------

    def run_once(
        self, *, since: date | None = None, dry_run: bool = False, now: datetime | None = None
    ) -> RunSummary:
        """Fetch every source, process each new message, then deliver what is due."""
        summary = RunSummary(dry_run=dry_run)
        summary.rule_errors = describe_rule_errors(self.rules, self.settings)
        planned: set[tuple[str, str, str]] = set()  # dry runs: alerts already previewed
        for config in self.settings.sources:
            try:
                source = self.source(config.name)
                if not (dry_run or since or self.enricher):  # see _ingest_in_batches
                    state = JustChecked(self.store)
                    fetched = source.fetch(state, since)
                    for outcome in self._ingest_in_batches(fetched, source, now, state):
                        summary.add(outcome)
                else:
                    for message in source.fetch(self.store, since):
                        outcome = self._process_safely(
                            message, source, since=since, dry_run=dry_run, now=now, planned=planned
                        )
                        summary.add(outcome)
                if not dry_run:
                    metrics.LAST_FETCH_SUCCESS.labels(source=config.name).set(
                        (now or self.clock()).timestamp()
                    )
            except (SourceError, UnknownSource) as e:
                summary.source_failures.append(str(e))
                log.error("source failed: %s", e, extra={"source": config.name})
            except Exception as e:
                summary.source_failures.append(f"source {config.name}: {type(e).__name__}: {e}")
                log.exception("source failed", extra={"source": config.name})
        if not dry_run:
            summary.delivery = self.deliver_due(now or self.clock())
            summary.waiting = self.store.count_waiting(now or self.clock())
            summary.next_due = self.store.next_due(now or self.clock())
            summary.backoff, summary.next_retry = self.store.count_backoff(now or self.clock())
        return summary

    def deliver_due(
        self, now: datetime | None = None, should_stop: Callable[[], bool] | None = None
    ) -> DeliverySummary:
        return deliver_in_lanes(self.worker, now or self.clock(), should_stop)

    def replay(
        self, message_id: str, *, now: datetime | None = None, budget: ParseBudget | None = None
    ) -> list[MessageOutcome]:
        """Process stored copies of a message again (e.g. after fixing a rule or parser,
        or with a larger `budget` after it was quarantined).

        Alerts already in the outbox are not added twice; raises LookupError when no
        stored copy has this Message-ID.
        """
        stored = [m for m in self.store.find_messages(message_id) if m.raw is not None]
        if not stored:
            raise LookupError(f"no stored copy of a message with Message-ID {message_id}")
        outcomes = []
        for m in stored:
            incoming = IncomingMessage(
                m.source, m.folder, m.uidvalidity, m.uid, m.raw, message_id=m.message_id
            )
            outcomes.append(self.process_incoming(incoming, force=True, now=now, budget=budget))
        return outcomes

    def _process_safely(
        self,
        message: IncomingMessage,
        source: Source,
        *,
        since: date | None,
        dry_run: bool,
        now: datetime | None,
        planned: set[tuple[str, str, str]] | None = None,
        parsed: Parsed | None = None,
        batch: IngestBatch | None = None,
    ) -> MessageOutcome:
        try:
            return self.process_incoming(
                message,
                source=source,
                since=since,
                dry_run=dry_run,
                now=now,
                planned=planned,
                parsed=parsed,
                batch=batch,
            )
        except Exception as e:  # noqa: BLE001 bulkhead: the store failed for this message: the next run retries it
            return _not_recorded(message, e)

    def _ingest_in_batches(
        self,
        messages: Iterator[IncomingMessage],
        source: Source,
        now: datetime | None,
        state: JustChecked,
    ) -> Iterator[MessageOutcome]:
        """`run --once` (no --since, no --dry-run, no enrichment): the messages are
        parsed a batch at a time (up to `INGEST_BATCH_MESSAGES`, `INGEST_BATCH_BYTES`
        of mail or `INGEST_BATCH_SECONDS` of parsing), then planned and recorded in ONE
        transaction (`Store.ingest_batch`), and only after its commit post-processed
        (`after_commit`). The transaction is open while the batch is planned and
        written, never while a message is parsed. The next batch is fetched and parsed
        meanwhile (`ReadAhead`: the parse worker and this process work at once). A kill
        loses at most the batches in hand, which nothing has post-processed or
        delivered: the next run reads them again."""
        with ReadAhead(self._parsed_batches(messages, state), "parse-ahead") as batches:
            for skipped, pending in batches:
                yield from skipped
                if pending:
                    yield from self._record_batch(pending, source, now)

    def _parsed_batches(
        self, messages: Iterator[IncomingMessage], state: JustChecked
    ) -> Iterator[tuple[list[MessageOutcome], list[tuple[IncomingMessage, Parsed]]]]:
        """(messages already processed, parsed messages to record), batch by batch."""
        budget = self.parser.budget
        skipped: list[MessageOutcome] = []
        pending: list[tuple[IncomingMessage, Parsed]] = []
        size, started = 0, time.monotonic()
        # a source that plans again from the store while the run goes on (IMAP retrying a
        # fetch on a new connection) may hand over again a message not yet committed
        handed: set[tuple[str, str, int, str]] = set()
        try:
            for message in messages:
                key = (message.source, message.folder, message.uidvalidity, message.uid)
                if key in handed or (
                    not state.was_unprocessed(message) and self.store.is_processed(*key)
                ):
                    skipped.append(MessageOutcome(message.source, message.uid, ALREADY_PROCESSED))
                    continue
                handed.add(key)
                if not pending:
                    size, started = 0, time.monotonic()
                pending.append((message, self._parse(message, budget)))
                size += len(message.raw or b"")
                if (
                    len(pending) >= INGEST_BATCH_MESSAGES
                    or size >= INGEST_BATCH_BYTES
                    or time.monotonic() - started >= INGEST_BATCH_SECONDS
                ):
                    yield skipped, pending
                    skipped, pending = [], []
        except Exception:  # the source failed: what it gave before is recorded first
            if pending:
                yield skipped, pending
            raise
        if skipped or pending:
            yield skipped, pending

    def _record_batch(
        self, pending: list[tuple[IncomingMessage, Parsed]], source: Source, now: datetime | None
    ) -> list[MessageOutcome]:
        """Plan and record parsed messages in one transaction, each in its savepoint (a
        message the store fails on is rolled back alone); then their `after_commit`."""
        outcomes: list[MessageOutcome] = []
        try:
            batch = self.store.ingest_batch()
        except Exception as e:  # noqa: BLE001 bulkhead: no batch, nothing recorded: the next run retries
            return [_not_recorded(message, e) for message, _ in pending]
        try:
            for message, parsed in pending:
                outcomes.append(self._record_in(batch, message, parsed, source, now))
            batch.commit()
        except Exception as e:  # noqa: BLE001 bulkhead: nothing of the batch is recorded: the next run retries it
            return [_not_recorded(message, e) for message, _ in pending]
        finally:
            batch.close()
        for finish in batch.on_commit:
            finish()
        return outcomes

    def process_incoming(
        self,
        message: IncomingMessage,
        *,
        source: Source | None = None,
        force: bool = False,
        since: date | None = None,
        dry_run: bool = False,
        now: datetime | None = None,
        planned: set[tuple[str, str, str]] | None = None,
        budget: ParseBudget | None = None,
        parsed: Parsed | None = None,
        batch: IngestBatch | None = None,
    ) -> MessageOutcome:
        """Parse, match and enqueue one message in one transaction, then `after_commit`.

        `source` defaults to the configured source named by the message; `force`
        (implied by `since`) processes a message that was processed before; `budget`
        replaces the configured parse budget. `parsed`: the message was found not
        processed and parsed already (`_ingest_in_batches`); `batch`: it is recorded in
        that batch's transaction, and `after_commit` waits for the batch's commit.
        """
        now = now or self.clock()
        key = message_key(message.source, message.folder, message.uidvalidity, message.uid)
        store = batch.store if batch is not None else self.store
        if parsed is None:
            if not (force or since) and store.is_processed(
                message.source, message.folder, message.uidvalidity, message.uid
            ):
                return MessageOutcome(message.source, message.uid, ALREADY_PROCESSED)
            parsed = self._parse(message, budget or self.parser.budget)
        budget = budget or self.parser.budget
        digest, status, reason, over = parsed
        message_id = (digest.message_id if digest else None) or message.message_id
        if since and digest and digest.date and digest.date.date() < since:
            if not dry_run and self._is_forgotten_when_dropped(message):
                why = f"dated {digest.date:%Y-%m-%d}, before --since {since}"
                record = self._record(message, digest, SKIPPED, why, message_id, now)
                self.store.record_message(record)
            return MessageOutcome(message.source, message.uid, OLDER_THAN_SINCE)
        item = Item(
            message.source,
            message.folder,
            message.uidvalidity,
            message.uid,
            key,
            message_id,
            digest,
            status,
            reason,
            is_new=not (force or since),  # else it returned above when processed
        )
        store_known = StoreKnown(store) if batch is not None else self._known
        known: Known = (
            DryRunKnown(store_known, planned if planned is not None else set())
            if dry_run
            else store_known
        )
        plan = plan_message(
            item, self._rules_view(), known, now, enrich=self._enrich, log_match_failure=_log_match
        )
        found, matches, alerts = list(plan.papers), list(plan.matches), list(plan.alerts)
        status, reason = plan.status, plan.reason
        outcome = MessageOutcome(
            source=message.source,
            uid=message.uid,
            status=status,
            reason=reason,
            message_id=message_id,
            subject=digest.subject if digest else None,
            papers=len(found),
            matches=len(matches),
            enrichment=plan.enrichment,
        )
        if dry_run:
            return self._preview(outcome, plan, known, now)
        if self._is_unread_file(message):
            log.warning("not read: %s", reason, extra={"source": message.source})
            return outcome
        record = self._record(message, digest, status, reason, message_id, now)
        new_alerts = self.store.record_message(record, found, alerts, batch=batch)
        key_tuple = (message.source, message.folder, message.uidvalidity, message.uid)
        kind = over.kind if over else None
        quarantine = QuarantineLog(store.engine) if batch is not None else self.quarantine
        quarantine.note(key_tuple, kind, budget, replayed=force, now=now)
        outcome = replace(outcome, new_alerts=new_alerts)
        finish = functools.partial(
            self._after_commit, message, outcome, source, force, digest, matches
        )
        if batch is None:
            finish()
        else:
            batch.on_commit.append(finish)
        return outcome

    def _after_commit(
        self,
        message: IncomingMessage,
        outcome: MessageOutcome,
        source: Source | None,
        force: bool,
        digest: ParsedDigest | None,
        matches: Sequence[Match],
    ) -> None:
        """Once the message is committed: metrics, the source's post-processing, the log."""
        self._count(message, digest, MessageStatus(outcome.status), list(matches))
        extra = {"source": message.source, "message_id": outcome.message_id}
        try:  # the message is stored: a failing post-processing must not undo that
            post = source or (self.source(message.source) if not force else None)
            if post is not None:
                post.after_commit(message)
        except Exception as e:  # noqa: BLE001 bulkhead: the message is stored; a failing after_commit must not undo that
            log.warning("post-processing failed: %s", e, extra=extra)
        log.info(
            "%s: %d papers, %d new alert(s)",
            outcome.status,
            outcome.papers,
            outcome.new_alerts,
            extra=extra,
        )

    # -- steps ----------------------------------------------------------------------

    @staticmethod
    def _record(
        message: IncomingMessage,
        digest: ParsedDigest | None,
        status: MessageStatus,
        reason: str | None,
        message_id: str | None,
        now: datetime,
    ) -> MessageRecord:
        return MessageRecord(
            source=message.source,
            folder=message.folder,
            uidvalidity=message.uidvalidity,
            uid=message.uid,
            status=status,
            processed_at=now,
            message_id=message_id,
            subject=digest.subject if digest else None,
            sender=digest.sender if digest else None,
            sent_date=digest.date if digest and digest.date and digest.date.tzinfo else None,
            format=digest.format if digest else None,
            reason=reason,
            raw=message.raw,
        )

    def _is_forgotten_when_dropped(self, message: IncomingMessage) -> bool:
        """A message --since drops is recorded as skipped when it was never processed and
        its source would not offer it again anyway: an IMAP backfill with the same date
        then stops downloading it on every run, and a resync by Message-ID after a
        UIDVALIDITY change does not alert on it. A directory source's file stays
        unrecorded, so a later run without --since still processes it."""
        if self._capabilities(message.source).offers_again:
            return False
        return not self.store.is_processed(
            message.source, message.folder, message.uidvalidity, message.uid
        )

    def _parse(self, message: IncomingMessage, budget: ParseBudget) -> Parsed:
        """(digest, status, reason, over budget): never raises for bad content."""
        if message.skip_reason:
            return None, SKIPPED, message.skip_reason, None
        if message.raw is None:
            return None, FAILED, "the source gave no content", None
        try:
            digest = self._parse_raw(message, budget)
        except ParserStopped:  # stopping: not recorded, so the next fetch takes it again
            raise
        except OverBudget as e:
            log.warning("quarantined: %s", e.reason, extra={"source": message.source})
            return peek_headers(message.raw), QUARANTINED, e.reason, e
        except Exception as e:  # noqa: BLE001 bulkhead: any parser failure is the message's problem, not the run's
            log.warning("parse failed: %s", e, extra={"source": message.source})
            return None, FAILED, f"{type(e).__name__}: {e}", None
        problems = "; ".join(p.reason for p in digest.problems) or None
        if not digest.papers and problems:
            return digest, FAILED, problems, None
        return digest, PARSED, problems, None

    def _capabilities(self, name: str) -> Capabilities:
        """What the message's source promises; a source no longer configured (a replay of
        an old message) is taken as one that offers emails."""
        try:
            return self.source(name).capabilities
        except UnknownSource:
            return EMAIL

    def _is_unread_file(self, message: IncomingMessage) -> bool:
        """An item its source could not read (a file's permissions, size) and will offer
        again: reported but not recorded, so the next run tries it again (e.g. once its
        permissions are fixed). An IMAP message skipped before download is recorded: its
        size will not change."""
        return message.raw is None and self._capabilities(message.source).offers_again

    def _parse_raw(self, message: IncomingMessage, budget: ParseBudget) -> ParsedDigest:
        assert message.raw is not None
        item = self._capabilities(message.source).item
        return self.parser.parse(item, message.uid, message.raw, budget)

    def _enrich(self, found: list[Paper]) -> tuple[list[Paper], str | None]:
        """The papers with their canonical records, and why some had none (None: all
        fine). Bounded in time; a failure leaves the email's data, never stops a run."""
        if self.enricher is None or not found:
            return found, None
        try:
            result = self.enricher.enrich(found)
        except Exception as e:
            log.exception("enrichment failed; the papers keep the email's data")
            return found, f"enrichment failed: {type(e).__name__}"
        return list(result.papers), "; ".join(result.unavailable) or None

    def _count(
        self,
        message: IncomingMessage,
        digest: ParsedDigest | None,
        status: MessageStatus,
        matches: list[Match],
    ) -> None:
        metrics.EMAILS_FETCHED.labels(source=message.source).inc()
        if digest and digest.papers:
            metrics.PAPERS_PARSED.labels(
                source=message.source, format=digest.format or "unknown"
            ).inc(len(digest.papers))
        if status in (FAILED, NO_PAPERS):
            metrics.PARSE_FAILURES.labels(source=message.source).inc()
        for match in matches:
            metrics.MATCHES.labels(rule=match.rule).inc()

    def _preview(
        self, outcome: MessageOutcome, plan: MessagePlan, known: Known, now: datetime
    ) -> MessageOutcome:
        """A dry run: the batches this message would add, from nothing but reads."""
        fresh = plan.new_alerts(known)
        previews = group_into_batches(fresh, {p.id: p for p in plan.papers}, now)
        return replace(outcome, new_alerts=sum(len(b.items) for b in previews), previews=previews)

    def _rules_view(self) -> RulesView:
        rules = self._rules
        return RulesView(
            rules.matcher,
            {rule.name: rule.notify for rule in rules.ruleset.enabled},
            {rule.name: rule.description for rule in rules.ruleset.enabled},
            self.settings.delivery.default_daily_at,
        )

    def _record_in(
        self,
        batch: IngestBatch,
        message: IncomingMessage,
        parsed: Parsed,
        source: Source,
        now: datetime | None,
    ) -> MessageOutcome:
        """One message of a batch in its savepoint: on a failure it alone is rolled
        back (run again after a deadlock, up to DEADLOCK_RETRIES times)."""
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            finished = len(batch.on_commit)
            try:
                with batch.message():
                    return self.process_incoming(
                        message, source=source, now=now, parsed=parsed, batch=batch
                    )
            except Exception as e:  # noqa: BLE001 bulkhead: retried on a deadlock, else this message is not recorded
                del batch.on_commit[finished:]  # its post-processing is not due
                if not is_retryable(e) or attempt == DEADLOCK_RETRIES:
                    return _not_recorded(message, e)
        raise AssertionError("unreachable")


def _not_recorded(message: IncomingMessage, error: Exception) -> MessageOutcome:
    log.exception("could not record a message", extra={"source": message.source})
    reason = f"not recorded, tried again on the next run: {describe_error(error)}"
    return MessageOutcome(message.source, message.uid, FAILED, reason)


def _log_match(paper: Paper) -> None:
    log.exception("matching failed", extra={"paper_id": paper.id})


class JustChecked:
    """The store as a source's `SourceState`, remembering which messages the source has
    just found not processed, so the pipeline does not ask the store again for the
    message it is handed next (a query, and on PostgreSQL a round trip, per message)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._unprocessed: set[tuple[str, str, int, str]] = set()

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:
        processed = self.store.is_processed(source, folder, uidvalidity, uid)
        if not processed:
            self._unprocessed.add((source, folder, uidvalidity, uid))
        return processed

    def highest_uid(self, source: str, folder: str, uidvalidity: int) -> int | None:
        return self.store.highest_uid(source, folder, uidvalidity)

    def has_message_id(self, message_id: str) -> bool:
        return self.store.has_message_id(message_id)

    def was_unprocessed(self, message: IncomingMessage) -> bool:
        """Whether the source just found this message not processed (asked once)."""
        key = (message.source, message.folder, message.uidvalidity, message.uid)
        if key in self._unprocessed:
            self._unprocessed.discard(key)
            return True
        return False


class StoreKnown:
    """The planner's view of the store: its reads, and the Slack subscriptions' repeats."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def is_processed(self, source: str, folder: str, uidvalidity: int, uid: str) -> bool:
        return self.store.is_processed(source, folder, uidvalidity, uid)

    def best_copy_papers(
        self, message_id: str, *, besides: tuple[str, str, int, str] | None = None
    ) -> int | None:
        return self.store.best_copy_papers(message_id, besides=besides)

    def with_known_ids(self, found: Sequence[Paper]) -> list[Paper]:
        return self.store.with_known_ids(found)

    def known_alerts(self, keys: Sequence[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        return self.store.known_alerts(keys)

    def repeats(self, alerts: Sequence[NewAlert]) -> list[NewAlert]:
        return without_repeats(alerts, self.store.engine)
