"""Slack subscriptions as rules: compiled with the YAML rules into one matcher.

A stored subscription becomes a `Rule` named `slack/<owner>/<name>` whose condition is
its text parsed by `mailer.slackapp.command` and whose one target is the owner's DM
(`slack_user:U…`) or a channel (`slack:C…`), at once or daily in the owner's time zone.
A paused subscription is a disabled rule. Nothing here talks to Slack: the pipeline,
`mailer rules check|test|export` and the Slack app all use these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import time

from sqlalchemy import Engine

from mailer.config.yamlsource import Position
from mailer.core.keys import DestinationRef
from mailer.core.models import DeliveryMode, NotifyTarget
from mailer.rules import Rule, RuleError, RuleSet
from mailer.slackapp.command import CommandError, parse_subscription
from mailer.store import NewAlert
from mailer.store.subscriptions import Subscription, SubscriptionStore

PREFIX = "slack/"


def rule_name(owner: str, name: str) -> str:
    return f"{PREFIX}{owner}/{name}"


def is_subscription(rule: str) -> bool:
    return rule.startswith(PREFIX)


def where(subscription: Subscription, column: int = 1) -> Position:
    """How errors name a stored subscription (there is no file): `slack:<rule name>`,
    line 1, the column of the word in its rule text."""
    return Position(f"slack:{subscription.rule_name}", 1, column)


def subscription_rule(subscription: Subscription) -> Rule:
    """The rule of a stored subscription; CommandError when its text no longer parses."""
    spec = parse_subscription(subscription.rule_text)
    at = time.fromisoformat(subscription.at) if subscription.at else None
    mode: DeliveryMode = "daily" if subscription.mode == "daily" else "immediate"
    target = NotifyTarget(
        to=DestinationRef.parse(subscription.target),
        mode=mode,
        at=at,
        timezone=subscription.timezone,
    )
    return Rule(
        name=subscription.rule_name,
        match=spec.condition,
        description=f"Slack subscription {subscription.name}: {subscription.rule_text}",
        notify=(target,),
        enabled=not subscription.paused,
        position=where(subscription),
    )


def subscription_rules(
    subscriptions: Iterable[Subscription], taken: Iterable[str] = ()
) -> tuple[list[Rule], list[RuleError]]:
    """Rules of the subscriptions that compile; one RuleError for each that does not."""
    used = set(taken)
    rules: list[Rule] = []
    errors: list[RuleError] = []
    for subscription in subscriptions:
        if subscription.rule_name in used:
            errors.append(
                RuleError(
                    where(subscription), "a rule file uses this name too", subscription.rule_name
                )
            )
            continue
        try:
            rule = subscription_rule(subscription)
        except CommandError as e:
            errors.append(
                RuleError(where(subscription, e.start + 1), e.message, subscription.rule_name)
            )
            continue
        except ValueError as e:
            errors.append(RuleError(where(subscription), str(e), subscription.rule_name))
            continue
        used.add(rule.name)
        rules.append(rule)
    return rules, errors


def with_subscriptions(ruleset: RuleSet, engine: Engine) -> tuple[RuleSet, list[RuleError]]:
    """The file rules followed by every stored subscription that compiles, and the
    errors of those that do not (the service logs them and goes on without them)."""
    stored = SubscriptionStore(engine).all()
    rules, errors = subscription_rules(stored, (rule.name for rule in ruleset.rules))
    return replace(ruleset, rules=(*ruleset.rules, *rules)), errors


def without_repeats(alerts: Sequence[NewAlert], engine: Engine) -> list[NewAlert]:
    """Drop a subscription's alert for a paper that its target already got (from any
    rule, now or before): two subscriptions, or an edited one, never send it twice."""
    mine = [a for a in alerts if is_subscription(a.rule)]
    if not mine:
        return list(alerts)
    known = SubscriptionStore(engine).alerted_targets((a.paper_id, a.destination) for a in mine)
    kept: list[NewAlert] = []
    seen: set[tuple[str, str]] = set()
    for alert in alerts:
        pair = (alert.paper_id, alert.destination)
        if is_subscription(alert.rule) and (pair in known or pair in seen):
            continue
        seen.add(pair)
        kept.append(alert)
    return kept
