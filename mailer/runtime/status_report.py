"""What `mailer status` and the web status page report, read from the store
(`collect_status`, a `StatusReport`), and its service part: what `mailer serve` last
reported (`collect_service_status`, a `ServiceReport`). One value gives both forms:
`to_json()` is what `--json` prints (and the web page shows), `lines()` the text.

Latest fetch per source (when, ok or the error), the rules and config reloads (a
broken edit shows its errors here), whether the service runs, its replicas with their
role and last heartbeat, and the silence or failing-destination notices that are out. Read from the store, so it works from
another process or machine than the service's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from mailer.config.settings import Settings
from mailer.core.clock import utc_now
from mailer.core.models import OutboxState
from mailer.runtime.instance_lock import is_state_locked
from mailer.store import OutboxEntry, Store
from mailer.store.notices import NoticeLog, NoticeState
from mailer.store.quarantine import QuarantinedMessage, QuarantineLog
from mailer.store.replicas import Replica, list_replicas
from mailer.store.reports import MessageProblem
from mailer.store.schema import DEAD
from mailer.store.service_status import ServiceStatusLog, StatusEntry
from mailer.store.subscriptions import FeedbackCount, SubscriptionStore

VANISHED = "it stopped without saying so (killed, or the machine went down)"


def _seconds(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class ServiceReport:
    """What `mailer serve` last reported: the service, its replicas, each source's last
    fetch, the rules and config reloads, and the notices that are out."""

    now: datetime
    service: StatusEntry | None
    replicas: tuple[Replica, ...]
    fetches: dict[str, StatusEntry | None]  # per configured source
    rules: StatusEntry | None
    config: StatusEntry | None
    open_notices: tuple[NoticeState, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain data for `mailer status --json` under the key "service"."""
        return {
            "service": _entry(self.service),
            "replicas": [r.to_json(self.now) for r in self.replicas],
            "fetches": {name: _fetch(entry) for name, entry in self.fetches.items()},
            "rules": _entry(self.rules),
            "config": _entry(self.config),
            "open_notices": [
                {"about": n.key.to_str(), "since": _seconds(n.changed_at), "notice": n.detail}
                for n in self.open_notices
            ],
        }

    def lines(self) -> list[str]:
        """Readable lines for the service part of `mailer status`."""
        lines = []
        service = self.service
        if service is None:
            lines.append("service: not running (`mailer serve` runs it; `mailer run` runs once)")
        else:
            since = _short(service.updated_at)
            if service.ok:
                lines.append(f"service: {service.detail} (since {since})")
            elif service.detail == VANISHED:
                lines.append(f"service: not running: {VANISHED} (it had started at {since})")
            else:
                lines.append(f"service: not running (since {since})")
        if self.replicas:
            lines.append("replicas:")
            for r in self.replicas:
                age = round((self.now - r.heartbeat_at).total_seconds(), 1)
                state = r.role if r.is_alive(self.now) else f"gone (was {r.role})"
                lines.append(f"  {r.replica}: {state}, last heartbeat {_ago(age)}")
        lines.append("last fetch per source:")
        for name, fetch in sorted(self.fetches.items()):
            if fetch is None:
                lines.append(f"  {name}: not fetched by the service yet")
            elif fetch.ok:
                lines.append(f"  {name}: ok at {_short(fetch.updated_at)}")
            else:
                last_ok = _short(fetch.last_ok_at) if fetch.last_ok_at else "never"
                lines.append(
                    f"  {name}: FAILED at {_short(fetch.updated_at)}: {fetch.detail} "
                    f"(last success: {last_ok})"
                )
        for key, entry in (("rules", self.rules), ("config", self.config)):
            if entry is not None and not entry.ok:
                lines.append(
                    f"{key}: the last edit has errors; the service keeps the previous {key}:"
                )
                lines += [f"  {line}" for line in str(entry.detail).splitlines()]
        for notice in self.open_notices:
            lines.append(f"notice since {_short(notice.changed_at)}: {notice.detail}")
        return lines


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything `mailer status` shows: per source, today, per rule, the outbox, recent
    failures and messages, quarantined mail, dead alerts, feedback and the service."""

    now: datetime
    sources: dict[str, dict[str, int]]  # source -> message status -> count
    emails_today: int
    papers_today: int
    rules: dict[str, dict[str, int]]  # rule -> outbox state -> count
    outbox: dict[OutboxState, int]
    recent_failures: tuple[MessageProblem, ...]
    recent_messages: tuple[MessageProblem, ...]
    quarantined: tuple[QuarantinedMessage, ...]
    dead_alerts: tuple[OutboxEntry, ...]
    service: ServiceReport
    feedback: tuple[FeedbackCount, ...]  # 👍 / 👎 clicked on Slack alerts, per rule

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (what `--json` prints)."""
        return {
            "now": _seconds(self.now),
            "sources": self.sources,
            "today": {"emails": self.emails_today, "papers": self.papers_today},
            "rules": self.rules,
            "outbox": {str(state): n for state, n in self.outbox.items()},
            "recent_failures": [
                {
                    "source": p.source,
                    "uid": p.uid,
                    "message_id": p.message_id,
                    "subject": p.subject,
                    "status": str(p.status),
                    "reason": p.reason,
                    "at": _seconds(p.processed_at),
                }
                for p in self.recent_failures
            ],
            "recent_messages": [
                {
                    "message_id": m.message_id,
                    "source": m.source,
                    "uid": m.uid,
                    "subject": m.subject,
                    "status": str(m.status),
                    "papers": m.papers,
                    "at": _seconds(m.processed_at),
                }
                for m in self.recent_messages
            ],
            "quarantined": [
                {
                    "message_id": q.message_id,
                    "source": q.source,
                    "uid": q.uid,
                    "subject": q.subject,
                    "over": q.kind,
                    "budget": {"seconds": q.seconds, "memory_mb": q.memory_mb},
                    "reason": q.reason,
                    "at": _seconds(q.at),
                }
                for q in self.quarantined
            ],
            "dead_alerts": [
                {
                    "id": e.id,
                    "rule": e.rule,
                    "destination": e.destination,
                    "paper_id": e.paper_id,
                    "error": e.last_error,
                }
                for e in self.dead_alerts
            ],
            "service": self.service.to_json(),
            "feedback": {c.rule: {"up": c.up, "down": c.down} for c in self.feedback},
        }

    def lines(self) -> list[str]:
        """The text of `mailer status`."""
        lines = [f"status at {_seconds(self.now)}"]
        lines.append(f"today: {self.emails_today} emails, {self.papers_today} distinct papers")
        lines.append("sources:")
        lines += [f"  {name}: {_counts(c)}" for name, c in sorted(self.sources.items())] or [
            "  nothing processed yet (run `mailer run`)"
        ]
        lines.append("alerts per rule:")
        lines += [f"  {name}: {_counts(c)}" for name, c in sorted(self.rules.items())] or [
            "  no matches yet"
        ]
        outbox = self.outbox
        lines.append(
            f"outbox: {outbox[OutboxState.PENDING]} pending, "
            f"{outbox[OutboxState.RETRYING]} retrying, {outbox[OutboxState.DEAD]} dead, "
            f"{outbox[OutboxState.SENT]} sent"
        )
        if self.recent_failures:
            lines.append("recent failures:")
            for p in self.recent_failures:
                at = _seconds(p.processed_at)
                lines.append(f"  {at} {p.source}/{p.uid}: {p.status}: {p.reason}")
        if self.recent_messages:
            lines.append("recent messages (process one again with `mailer replay MESSAGE_ID`):")
            for m in self.recent_messages:
                subject = (m.subject or "")[:60]
                lines.append(
                    f"  {m.message_id or '(no Message-ID)'} {m.status}, "
                    f"{m.papers} papers: {subject}"
                )
        if self.quarantined:
            lines.append(
                "quarantined, over their parse budget (try again with "
                "`mailer replay MESSAGE_ID --seconds N --memory-mb N`):"
            )
            for q in self.quarantined:
                lines.append(
                    f"  {_seconds(q.at)} {q.message_id or '(no Message-ID)'} "
                    f"{q.source}/{q.uid}: {q.reason}"
                )
        if self.dead_alerts:
            lines.append("dead alerts (see `mailer outbox`, requeue with `mailer outbox retry`):")
            for a in self.dead_alerts:
                lines.append(f"  #{a.id} {a.rule} -> {a.destination}: {a.last_error}")
        if self.feedback:
            lines.append("feedback from Slack (👍 / 👎 per rule):")
            for c in self.feedback:
                lines.append(f"  {c.rule}: {c.up} 👍, {c.down} 👎")
        lines += self.service.lines()
        return lines


def collect_status(store: Store, settings: Settings, now: datetime) -> StatusReport:
    """The status report, read from the store."""
    zone = ZoneInfo(settings.timezone)
    start_of_day = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    emails_today, papers_today = store.activity_since(start_of_day)
    return StatusReport(
        now=now,
        sources=store.messages_per_source(),
        emails_today=emails_today,
        papers_today=papers_today,
        rules=store.alerts_per_rule(),
        outbox=store.outbox_counts(),
        recent_failures=tuple(store.recent_problems()),
        recent_messages=tuple(store.recent_messages(5)),
        quarantined=tuple(QuarantineLog(store.engine).recent(10)),
        dead_alerts=tuple(store.list_outbox(states=(DEAD,), limit=10)),
        service=collect_service_status(store.engine, settings, now),  # from `mailer serve`
        feedback=tuple(SubscriptionStore(store.engine).feedback_counts()),
    )


def collect_service_status(
    engine: Engine, settings: Settings, now: datetime | None = None
) -> ServiceReport:
    """What `mailer serve` last reported (the "service" part of `mailer status`)."""
    now = now or utc_now()
    entries = ServiceStatusLog(engine).entries()
    with engine.connect() as conn:
        replicas = tuple(list_replicas(conn))
    service = entries.get("service")
    if service is not None and service.ok and is_state_locked(settings.state) is False:
        # it said "running" and was killed (OOM, kill -9, power cut) before saying otherwise
        service = replace(service, ok=False, detail=VANISHED)
    alive = [r for r in replicas if r.is_alive(now)]
    if service is not None and alive:  # several replicas share the "service" entry
        leader = next((r.replica for r in alive if r.role == "leader"), None)
        detail = f"running: {len(alive)} replica(s), leader {leader or 'being elected'}"
        service = replace(service, ok=True, detail=detail)
    return ServiceReport(
        now=now,
        service=service,
        replicas=replicas,
        fetches={source.name: entries.get(f"fetch:{source.name}") for source in settings.sources},
        rules=entries.get("rules"),
        config=entries.get("config"),
        open_notices=tuple(n for n in NoticeLog(engine).all_states() if n.notified),
    )


def format_service_status(report: ServiceReport) -> list[str]:
    """Readable lines for the service part of `mailer status`."""
    return report.lines()


def _entry(entry: StatusEntry | None) -> dict[str, object] | None:
    return entry.to_json() if entry else None


def _fetch(entry: StatusEntry | None) -> dict[str, object] | None:
    if entry is None:
        return None
    return {
        "ok": entry.ok,
        "last_attempt": _seconds(entry.updated_at),
        "last_success": _seconds(entry.last_ok_at) if entry.last_ok_at else None,
        "error": None if entry.ok else entry.detail,
    }


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()) if n) or "none"


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 0):.1f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def _short(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")
