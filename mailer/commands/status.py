"""`mailer status`: what the store knows, at a glance (or as JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mailer.clock import utc_now
from mailer.commands.common import config_option, json_option, load_settings_or_exit
from mailer.commands.pipeline_cli import open_store_or_exit
from mailer.status_report import collect_status, format_service_status


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
        report = collect_status(store, settings, utc_now())
    finally:
        store.close()
    click.echo(
        json.dumps(report, indent=2, ensure_ascii=False) if as_json else format_status(report)
    )
