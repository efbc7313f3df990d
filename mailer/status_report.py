"""What `mailer status` and the web status page report, read from the store
(`collect_status`, plain data as `--json` prints it), and its service part: what
`mailer serve` last reported.

Latest fetch per source (when, ok or the error), the rules and config reloads (a
broken edit shows its errors here), whether the service runs, its replicas with their
role and last heartbeat, and the silence or failing-destination notices that are out. Read from the store, so it works from
another process or machine than the service's.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from mailer.clock import utc_now
from mailer.config import Settings
from mailer.instance_lock import is_state_locked
from mailer.store import Store
from mailer.store.notices import NoticeLog
from mailer.store.quarantine import QuarantineLog
from mailer.store.replicas import list_replicas
from mailer.store.schema import DEAD, RETRYING
from mailer.store.service_status import ServiceStatusLog, StatusEntry
from mailer.store.subscriptions import SubscriptionStore

STATE_NAMES = {RETRYING: "retrying"}  # the stored value `failed` reads as a final state


def state_name(stored: str) -> str:
    """The state as the output names it (`retrying`, never the stored `failed`)."""
    return STATE_NAMES.get(stored, stored)


def collect_status(store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    """The status report as plain data (what `--json` prints)."""
    zone = ZoneInfo(settings.timezone)
    start_of_day = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    emails_today, papers_today = store.activity_since(start_of_day)
    return {
        "now": now.isoformat(timespec="seconds"),
        "sources": store.messages_per_source(),
        "today": {"emails": emails_today, "papers": papers_today},
        "rules": {
            rule: {state_name(k): v for k, v in counts.items()}
            for rule, counts in store.alerts_per_rule().items()
        },
        "outbox": {state_name(k): v for k, v in store.outbox_counts().items()},
        "recent_failures": [
            {
                "source": p.source,
                "uid": p.uid,
                "message_id": p.message_id,
                "subject": p.subject,
                "status": p.status,
                "reason": p.reason,
                "at": p.processed_at.isoformat(timespec="seconds"),
            }
            for p in store.recent_problems()
        ],
        "recent_messages": [
            {
                "message_id": m.message_id,
                "source": m.source,
                "uid": m.uid,
                "subject": m.subject,
                "status": m.status,
                "papers": m.papers,
                "at": m.processed_at.isoformat(timespec="seconds"),
            }
            for m in store.recent_messages(5)
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
                "at": q.at.isoformat(timespec="seconds"),
            }
            for q in QuarantineLog(store.engine).recent(10)
        ],
        "dead_alerts": [
            {
                "id": e.id,
                "rule": e.rule,
                "destination": e.destination,
                "paper_id": e.paper_id,
                "error": e.last_error,
            }
            for e in store.list_outbox(states=(DEAD,), limit=10)
        ],
        "service": collect_service_status(store.engine, settings, now),  # from `mailer serve`
        "feedback": {  # 👍 / 👎 clicked on Slack alerts, per rule (ready for ranking)
            c.rule: {"up": c.up, "down": c.down}
            for c in SubscriptionStore(store.engine).feedback_counts()
        },
    }


VANISHED = "it stopped without saying so (killed, or the machine went down)"


def collect_service_status(
    engine: Engine, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """Plain data for `mailer status --json` under the key "service"."""
    now = now or utc_now()
    entries = ServiceStatusLog(engine).entries()
    with engine.connect() as conn:
        replicas = [r.to_json(now) for r in list_replicas(conn)]
    fetches = {
        source.name: _fetch(entries.get(f"fetch:{source.name}")) for source in settings.sources
    }
    notices = [
        {"about": n.key, "since": n.changed_at.isoformat(timespec="seconds"), "notice": n.detail}
        for n in NoticeLog(engine).all_states()
        if n.notified
    ]
    service = _entry(entries.get("service"))
    if service is not None and service["ok"] and is_state_locked(settings.state) is False:
        # it said "running" and was killed (OOM, kill -9, power cut) before saying otherwise
        service = {**service, "ok": False, "detail": VANISHED}
    alive = [r for r in replicas if r["alive"]]
    if service is not None and alive:  # several replicas share the "service" entry
        leader = next((r["replica"] for r in alive if r["role"] == "leader"), None)
        detail = f"running: {len(alive)} replica(s), leader {leader or 'being elected'}"
        service = {**service, "ok": True, "detail": detail}
    return {
        "service": service,
        "replicas": replicas,
        "fetches": fetches,
        "rules": _entry(entries.get("rules")),
        "config": _entry(entries.get("config")),
        "open_notices": notices,
    }


def _entry(entry: StatusEntry | None) -> dict[str, object] | None:
    return entry.to_json() if entry else None


def _fetch(entry: StatusEntry | None) -> dict[str, object] | None:
    if entry is None:
        return None
    return {
        "ok": entry.ok,
        "last_attempt": entry.updated_at.isoformat(timespec="seconds"),
        "last_success": entry.last_ok_at.isoformat(timespec="seconds")
        if entry.last_ok_at
        else None,
        "error": None if entry.ok else entry.detail,
    }


def format_service_status(report: dict[str, Any]) -> list[str]:
    """Readable lines for the service part of `mailer status`."""
    lines = []
    service = report.get("service")
    if service is None:
        lines.append("service: not running (`mailer serve` runs it; `mailer run` runs once)")
    else:
        since = _short(service["updated_at"])
        if service["ok"]:
            lines.append(f"service: {service['detail']} (since {since})")
        elif service["detail"] == VANISHED:
            lines.append(f"service: not running: {VANISHED} (it had started at {since})")
        else:
            lines.append(f"service: not running (since {since})")
    if report.get("replicas"):
        lines.append("replicas:")
        for r in report["replicas"]:
            age = r["heartbeat_age_seconds"]
            state = r["role"] if r["alive"] else f"gone (was {r['role']})"
            lines.append(f"  {r['replica']}: {state}, last heartbeat {_ago(age)}")
    lines.append("last fetch per source:")
    for name, fetch in sorted(report["fetches"].items()):
        if fetch is None:
            lines.append(f"  {name}: not fetched by the service yet")
        elif fetch["ok"]:
            lines.append(f"  {name}: ok at {_short(fetch['last_attempt'])}")
        else:
            last_ok = _short(fetch["last_success"]) if fetch["last_success"] else "never"
            lines.append(
                f"  {name}: FAILED at {_short(fetch['last_attempt'])}: {fetch['error']} "
                f"(last success: {last_ok})"
            )
    for key in ("rules", "config"):
        entry = report.get(key)
        if entry is not None and not entry["ok"]:
            lines.append(f"{key}: the last edit has errors; the service keeps the previous {key}:")
            lines += [f"  {line}" for line in str(entry["detail"]).splitlines()]
    for notice in report["open_notices"]:
        lines.append(f"notice since {_short(notice['since'])}: {notice['notice']}")
    return lines


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 0):.1f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def _short(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
