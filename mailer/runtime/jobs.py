"""The jobs of the service (`mailer serve`, `mailer watch`), run by the scheduler and
the watchers (`sweep`).

They call the pipeline (`mailer.runtime.app.Pipeline`) and record what happened where the
operator looks: the health board (`/healthz`), the store's service status (`mailer
status`), the metrics and the log. One message holds the pipeline at a time
(`pipeline_lock`), so an IDLE push and a poll never interleave. Delivery never takes
that lock: it runs in one lane per destination (`mailer.runtime.delivery_lanes`), so
ingestion never waits for a long or failing feed. The message and the batch in hand
are on `activity` boards, which `/healthz` reads to report a stuck ingest or
delivery. Once `stopping` is set, a fetch finishes the message in hand and takes no
other, and a feed stops between two parts; a fetch also stops once `may_fetch()` says
no (a replica that is no longer the leader, `mailer.runtime.leader`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from mailer.config.settings import ConfigError, Settings, load_settings
from mailer.core.clock import Clock
from mailer.core.keys import NoticeKey
from mailer.core.silence import (
    Expectation,
    ExpectError,
    Notice,
    decide_notice,
    destination_notice,
    is_destination_failing,
    is_overdue,
    source_notice,
)
from mailer.core.timings import Timings
from mailer.rules import RuleSet
from mailer.rules.documents import rule_files
from mailer.runtime import metrics
from mailer.runtime.app import MessageOutcome, Pipeline
from mailer.runtime.delivery import DeliverySummary
from mailer.runtime.delivery_lanes import DeliveryLanes
from mailer.runtime.health import Activity, ActivityBoard, FetchBoard
from mailer.runtime.logs import log_context
from mailer.sources import IncomingMessage, Source, SourceError
from mailer.store.housekeeping import prune_state, retention_cutoff
from mailer.store.notices import NoticeLog
from mailer.store.service_status import ServiceStatusLog
from mailer.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)

FileStamp = tuple[int, int]  # (mtime_ns, size); (-1, -1) when missing
RULES_KEY = "rules"
CONFIG_KEY = "config"


def watched_files(settings: Settings) -> dict[Path, FileStamp]:
    """The config file and every rule file, with stamps that change when they are edited."""
    files, _ = rule_files(settings.rules)  # the same files the loader reads
    paths: list[Path] = [settings.path] if settings.path else []
    paths += settings.rules  # a directory's stamp changes when a file is added or removed
    paths += files
    return {path: _stamp(path) for path in paths}


def _stamp(path: Path) -> FileStamp:
    try:
        info = path.stat()
    except OSError:
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


def describe_error(error: BaseException) -> str:
    return str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}"


class ServiceJobs:
    def __init__(
        self,
        pipeline: Pipeline,
        board: FetchBoard,
        *,
        clock: Clock,
        stopping: threading.Event,
        on_config_change: Callable[[Settings], None],
        on_rules_change: Callable[[RuleSet], None],
        may_fetch: Callable[[], bool] | None = None,
        timings: Timings | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.timings = timings or Timings()  # what the watchers it sweeps for live by
        self.settings = pipeline.settings
        self.board = board
        self.clock = clock
        self.stopping = stopping
        self.on_config_change = on_config_change
        self.on_rules_change = on_rules_change
        self.may_fetch: Callable[[], bool] = may_fetch or (lambda: True)
        self.pipeline_lock = threading.RLock()
        self.status = ServiceStatusLog(pipeline.store.engine)
        self.notices = NoticeLog(pipeline.store.engine)
        self._files = watched_files(self.settings)
        self._subscriptions: object = None
        self._subscriptions = self._subscription_stamp()
        self._config_pending = False  # a config change could not start: retry on any edit
        self._busy = 0
        self._idle = threading.Condition()
        self.ingest = ActivityBoard()  # the message each ingesting thread has in hand
        self.lanes = DeliveryLanes(
            pipeline.worker, clock, stopping.is_set, self.running, self._report_delivery
        )

    @contextmanager
    def running(self) -> Iterator[None]:
        """Counts a job in progress, so stopping can wait for the work in hand."""
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, deadline: float) -> bool:
        """Wait until no job runs (True) or the monotonic `deadline` passes (False)."""
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("stopping with %d job(s) still running", self._busy)
                    return False
                self._idle.wait(left)
        return True

    # -- fetching ---------------------------------------------------------------------

    def sweep(self, name: str) -> None:
        """A watcher's sweep: fetch and process everything new in one source, then
        deliver what is due. Raises when the fetch failed (after recording it), so the
        watcher reconnects."""
        if self.stopping.is_set() or not self.may_fetch():
            return
        with self.running():
            try:
                source = self.pipeline.source(name)
                self.process_all(source, source.fetch(self.pipeline.store))
            except Exception as e:
                self.record_fetch(name, e)
                raise
            self.record_fetch(name, None)
        self.deliver_due()

    def fetch_source(self, name: str) -> None:
        """Fetch one source, process each new message, then deliver what is due."""
        if self.stopping.is_set() or not self.may_fetch():
            return
        with self.running(), log_context(source=name):
            try:
                source = self.pipeline.source(name)
                self.process_all(source, source.fetch(self.pipeline.store))
            except Exception as e:
                self.record_fetch(name, e)
                if isinstance(e, SourceError):
                    log.error("fetch failed: %s", e, extra={"source": name})
                else:
                    log.exception("fetch failed", extra={"source": name})
            else:
                self.record_fetch(name, None)
            self.deliver_due()

    def process_all(self, source: Source, messages: Iterator[IncomingMessage]) -> int:
        """Process messages one at a time until done or stopping; how many were handled."""
        handled = 0
        try:
            for message in messages:
                if not self.may_fetch():
                    log.info("no longer the leader: left the rest to the new leader")
                    break
                self.process(source, message)
                handled += 1
                if self.stopping.is_set():
                    log.info("stopping: left the rest for next time", extra={"source": source.name})
                    break
        finally:
            close = getattr(messages, "close", None)
            if close is not None:
                close()
        return handled

    def process(self, source: Source, message: IncomingMessage) -> MessageOutcome | None:
        """One message, under the pipeline lock; a store failure is logged, not raised
        (the message is not recorded, so the next fetch takes it again)."""
        key = f"ingest:{threading.get_ident()}"
        what = f"source {message.source}: message {message.uid}"
        # a parse is bounded by its budget: longer than that plus a margin is a hang
        stuck_after = self.settings.budget.seconds + self.timings.ingest_stuck_margin
        with self.pipeline_lock, log_context(source=message.source, message_id=message.message_id):
            self.ingest.begin(key, Activity("ingest", what, self.clock(), stuck_after))
            try:
                return self.pipeline.process_incoming(message, source=source, now=self.clock())
            except Exception:
                log.exception(
                    "could not record a message; it is retried on the next fetch",
                    extra={"source": message.source, "message_id": message.message_id},
                )
                return None
            finally:
                self.ingest.end(key)

    def record_fetch(self, name: str, error: BaseException | str | None) -> None:
        now = self.clock()
        if error is None:
            self.board.record_success(name, now)
        else:
            text = error if isinstance(error, str) else describe_error(error)
            self.board.record_failure(name, now, text)
        try:
            detail = None if error is None else self.board.get(name).error
            self.status.record(f"fetch:{name}", error is None, detail, now)
        except Exception:
            log.warning("could not record the fetch in the store", exc_info=True)

    # -- delivery ---------------------------------------------------------------------

    def deliver_due(self) -> None:
        """Start delivering what is due, one lane per destination; returns at once."""
        try:
            self.lanes.kick()
        except Exception:  # the store is away: the next kick tries again
            log.exception("outbox run failed; the alerts stay queued")

    def activities(self) -> list[Activity]:
        return [*self.ingest.snapshot(), *self.pipeline.worker.board.snapshot()]

    def _report_delivery(self, summary: DeliverySummary) -> None:
        if summary.sent or summary.failed:
            log.info(
                "outbox: %d alerts sent in %d messages, %d retrying, %d dead",
                summary.sent,
                summary.messages,
                summary.retrying,
                summary.dead,
            )

    def refresh_metrics(self) -> None:
        """Before a /metrics scrape: the outbox depth from the store."""
        self.pipeline.worker.update_depth_gauge()

    # -- reloading --------------------------------------------------------------------

    def check_for_changes(self) -> None:
        """Reload the rules when a rule file changed, or a Slack subscription (another
        replica may have changed it); the config when it changed."""
        current = watched_files(self.settings)
        if current == self._files:
            if self._subscription_stamp() != self._subscriptions:
                log.info("slack subscriptions changed: reloading the rules")
                self.reload_rules()
            return
        changed = [
            p for p in set(current) | set(self._files) if current.get(p) != self._files.get(p)
        ]
        self._files = current
        log.info("changed on disk: %s", ", ".join(sorted(str(p) for p in changed)))
        if self.settings.path is not None and (
            self.settings.path in changed or self._config_pending
        ):
            self._reload_config(self.settings.path)
        else:
            self.reload_rules()

    def retry_config_on_next_change(self) -> None:
        """The new config could not start (its rules, say): the next edit of any watched
        file tries it again, so fixing a rule file applies the waiting config too."""
        self._config_pending = True

    def _reload_config(self, path: Path) -> None:
        self._config_pending = False
        detail: str | None
        try:
            settings = load_settings(path, os.environ)
        except ConfigError as e:
            detail = "; ".join(e.problems)
        except (OSError, ValueError) as e:  # e.g. saved in Latin-1: UnicodeDecodeError
            detail = f"{path}: cannot read it: {describe_error(e)}"
        else:
            detail = None
        if detail is not None:
            log.error("config has errors; keeping the running config: %s", detail)
            self.status.record(CONFIG_KEY, False, detail, self.clock())
            metrics.RELOAD_OK.labels(what=CONFIG_KEY).set(0)
            return
        self.status.record(CONFIG_KEY, True, None, self.clock())
        metrics.RELOAD_OK.labels(what=CONFIG_KEY).set(1)
        if settings == self.settings:
            self.reload_rules()
            return
        log.info("config changed: restarting the service's jobs with it")
        self.on_config_change(settings)

    def _subscription_stamp(self) -> object:
        try:
            return SubscriptionStore(self.pipeline.store.engine).stamp()
        except Exception:  # the store is down: the next check tries again
            log.warning("could not read the subscriptions' state", exc_info=True)
            return self._subscriptions

    def reload_rules(self) -> RuleSet:
        self._subscriptions = self._subscription_stamp()
        with self.pipeline_lock:
            ruleset = self.pipeline.reload_rules()
        now = self.clock()
        if ruleset.is_ok:
            log.info("rules reloaded: %d rules", len(ruleset.rules))
            self.status.record(RULES_KEY, True, f"{len(ruleset.rules)} rules", now)
            metrics.RELOAD_OK.labels(what=RULES_KEY).set(1)
            self.on_rules_change(ruleset)
        else:
            errors = [str(e) for e in ruleset.errors]
            for error in errors:
                log.error("rule error (keeping the previous rules): %s", error)
            self.status.record(RULES_KEY, False, "\n".join(errors), now)
            metrics.RELOAD_OK.labels(what=RULES_KEY).set(0)
        return ruleset

    # -- silence and failing destinations ------------------------------------------

    def check_silence(self) -> None:
        with self.running():
            self._check_silence(self.clock())

    def _check_silence(self, now: datetime) -> None:
        for source in self.settings.sources:
            if source.expect is None:
                continue
            try:
                expect = Expectation.from_config(
                    source.expect.every,
                    source.expect.by,
                    source.expect.weekdays_only,
                    source.expect.timezone,
                )
            except ExpectError as e:
                log.error("expect: %s", e, extra={"source": source.name})
                continue
            state = self.notices.state(NoticeKey.source(source.name), now)
            last = self.notices.last_arrival(source.name)
            bad = is_overdue(expect, last, state.watching_since, now)
            kind = decide_notice(bad, state.notified)
            if kind is not None:
                self._notify(source_notice(source.name, kind, expect, last), now)
        failing = self.notices.oldest_failure_since_success()
        known = {s.key.name: s for s in self.notices.all_states() if s.key.subject == "destination"}
        for destination in sorted(set(failing) | set(known)):
            oldest = failing.get(destination)
            bad = is_destination_failing(oldest, now)
            was = known[destination].notified if destination in known else False
            kind = decide_notice(bad, was)
            if kind is not None:
                self.notices.state(NoticeKey.destination(destination), now)
                self._notify(destination_notice(destination, kind, oldest), now)

    def _notify(self, notice: Notice, now: datetime) -> None:
        """Send to the admin destination; remember it only once it went out."""
        admin = self.settings.admin
        extra = {"destination": admin}
        level = logging.WARNING if notice.kind == "problem" else logging.INFO
        log.log(level, "%s", notice.subject, extra=extra)
        if admin is not None and notice.key != NoticeKey.destination(admin):
            try:
                self.pipeline.worker.channel(admin).send_notice(notice.subject, notice.text)
            except Exception as e:  # noqa: BLE001 bulkhead: a notice that cannot be sent is retried on the next check
                log.error("could not send the notice to admin: %s", describe_error(e), extra=extra)
                return  # not recorded: tried again on the next check
        self.notices.set_notified(notice.key, notice.kind == "problem", now, notice.subject)

    # -- housekeeping -----------------------------------------------------------------

    def housekeeping(self) -> None:
        cutoff = retention_cutoff(self.clock(), self.settings.retention_days)
        with self.running(), self.pipeline_lock:
            result = prune_state(self.pipeline.store.engine, cutoff)
        log.info("housekeeping: %s older than %s", result, cutoff.date().isoformat())
