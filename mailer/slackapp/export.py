"""`mailer rules export --slack`: the Slack subscriptions as a rule file, for git.

Pure: subscriptions in, YAML text out. Each becomes the rule it compiles to (same
name `slack/<user>/<name>`, same match, same target and delivery); a paused one is
written `enabled: false`. Loading the file while the subscriptions are still in the
store reports the names as used twice: delete them in Slack once they live in git.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import yaml

from mailer.slackapp.command import parse_subscription
from mailer.store.subscriptions import Subscription


def subscription_document(subscription: Subscription) -> dict[str, Any]:
    condition = parse_subscription(subscription.rule_text).condition
    match: dict[str, Any] = {}
    if condition.query and condition.query.text:
        match["query"] = condition.query.text
    if condition.size is not None:
        match["size"] = condition.size.text
    if condition.min_upvotes is not None:
        match["min_upvotes"] = condition.min_upvotes
    if condition.formats:
        match["formats"] = list(condition.formats)
    target: dict[str, Any] = {"to": subscription.target}
    if subscription.mode == "daily":
        target["mode"] = "daily"
        if subscription.at:
            target["at"] = subscription.at
        target["timezone"] = subscription.timezone
    rule: dict[str, Any] = {
        "name": subscription.rule_name,
        "description": f"Slack subscription {subscription.name}: {subscription.rule_text}",
    }
    if subscription.paused:
        rule["enabled"] = False
    rule["match"] = match
    rule["notify"] = [target]
    return rule


def export_yaml(subscriptions: Sequence[Subscription], now: datetime) -> str:
    header = (
        "# yaml-language-server: $schema=schema.json\n"
        f"# Slack subscriptions, exported by `mailer rules export --slack` at "
        f"{now.isoformat(timespec='seconds')}.\n"
        "# Delete them in Slack (`/papers unsubscribe NAME`) once this file is in your rules.\n"
    )
    body = {"version": 1, "rules": [subscription_document(s) for s in subscriptions]}
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
