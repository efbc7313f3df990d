"""`mailer status`: what the store knows, at a glance (or as JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from mailer.commands.common import config_option, json_option, load_settings_or_exit
from mailer.commands.outbox_view import state_name
from mailer.commands.pipeline_cli import open_store_or_exit
from mailer.config import Settings
from mailer.status import collect_service_status, format_service_status
from mailer.store import Store
from mailer.store.quarantine import QuarantineLog
from mailer.store.schema import DEAD
from mailer.store.subscriptions import SubscriptionStore


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


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()) if n) or "none"


def format_status(report: dict[str, Any]) -> str:
    lines = [f"status at {report['now']}"]
    lines.append(f"today: {report['today']['emails']} emails, {report['today']['papers']} papers")
    lines.append("sources:")
    lines += [f"  {name}: {_counts(c)}" for name, c in sorted(report["sources"].items())] or [
        "  nothing processed yet (run `mailer run`)"
    ]
    lines.append("alerts per rule:")
    lines += [f"  {name}: {_counts(c)}" for name, c in sorted(report["rules"].items())] or [
        "  no matches yet"
    ]
    outbox = report["outbox"]
    lines.append(
        f"outbox: {outbox['pending']} pending, {outbox['retrying']} retrying, "
        f"{outbox['dead']} dead, {outbox['sent']} sent"
    )
    if report["recent_failures"]:
        lines.append("recent failures:")
        for p in report["recent_failures"]:
            lines.append(f"  {p['at']} {p['source']}/{p['uid']}: {p['status']}: {p['reason']}")
    if report["recent_messages"]:
        lines.append("recent messages (process one again with `mailer replay MESSAGE_ID`):")
        for m in report["recent_messages"]:
            subject = (m["subject"] or "")[:60]
            lines.append(
                f"  {m['message_id'] or '(no Message-ID)'} {m['status']}, "
                f"{m['papers']} papers: {subject}"
            )
    if report.get("quarantined"):
        lines.append(
            "quarantined, over their parse budget (try again with "
            "`mailer replay MESSAGE_ID --seconds N --memory-mb N`):"
        )
        for q in report["quarantined"]:
            lines.append(
                f"  {q['at']} {q['message_id'] or '(no Message-ID)'} "
                f"{q['source']}/{q['uid']}: {q['reason']}"
            )
    if report["dead_alerts"]:
        lines.append("dead alerts (see `mailer outbox`, requeue with `mailer outbox retry`):")
        for a in report["dead_alerts"]:
            lines.append(f"  #{a['id']} {a['rule']} -> {a['destination']}: {a['error']}")
    if report.get("feedback"):
        lines.append("feedback from Slack (👍 / 👎 per rule):")
        for rule, votes in report["feedback"].items():
            lines.append(f"  {rule}: {votes['up']} 👍, {votes['down']} 👎")
    if "service" in report:
        lines += format_service_status(report["service"])
    return "\n".join(lines)


@click.command(name="status")
@config_option
@json_option
def status(config_path: Path, as_json: bool) -> None:
    """Show what was processed and delivered: per source, today, per rule, the outbox,
    and recent failures with their reasons.

    \b
    Examples:
      mailer status
      mailer status --json --config config/mailer.yaml
    """
    settings = load_settings_or_exit(config_path)
    store = open_store_or_exit(settings)
    try:
        report = collect_status(store, settings, datetime.now(UTC))
    finally:
        store.close()
    click.echo(
        json.dumps(report, indent=2, ensure_ascii=False) if as_json else format_status(report)
    )
